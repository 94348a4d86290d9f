import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization
import TradewindAudit
import TradewindCore

/// The audit log's storage: where each chain lives, how records get there, checkpoints, queries
/// and exports.
///
/// A tenant's chain lives in its home region's cluster; the platform chain (calls with no tenant)
/// in the control cluster. Records of data-changing calls are appended inside the call's own
/// transaction by `TenantStore.write` and `ControlStore`'s writes; all others go through a
/// group-commit writer per cluster (`write(_:tenant:wait:)`). Both return only once the record is
/// committed or will commit with the call.
public final class AuditLog: Sendable {
    public let keyring: AuditKeyring
    let control: DatabasePool
    let router: RegionRouter
    let timeout: Duration
    let checkpointInterval: Duration
    private let writers: [String: AuditBatchWriter]
    private let grownChains: GrownChains
    private let logger: Logger

    public init(
        control: ControlStore, router: RegionRouter, keyring: AuditKeyring, timeout: Duration,
        checkpointInterval: Duration, logger: Logger
    ) {
        self.control = control.pool
        self.grownChains = control.grownChains
        self.router = router
        self.keyring = keyring
        self.timeout = timeout
        self.checkpointInterval = checkpointInterval
        self.logger = logger
        var writers: [String: AuditBatchWriter] = [
            control.pool.name: AuditBatchWriter(pool: control.pool, timeout: timeout)
        ]
        for pool in router.pools { writers[pool.name] = AuditBatchWriter(pool: pool, timeout: timeout) }
        self.writers = writers
    }

    /// The writers and the checkpointer, to run in the server's group after the pools.
    public var services: [any Service] {
        writers.keys.sorted().compactMap { writers[$0] } + [AuditCheckpointer(log: self)]
    }

    /// The chain and cluster of a call: the tenant's own, or the platform log.
    func location(of tenant: Tenant?) throws -> (chain: AuditChainID, pool: DatabasePool) {
        guard let tenant else { return (.platform, control) }
        return (.tenant(tenant.id), try router.pool(for: tenant))
    }

    /// Commits `entry` to the chain of `tenant` (the platform chain for `nil`) in a transaction of
    /// its own, batched with other calls' records; gives up with `unavailable` after `wait`.
    public func write(_ entry: AuditEntry, tenant: Tenant?, wait: Duration) async throws {
        let (chain, pool) = try location(of: tenant)
        guard let writer = writers[pool.name] else {
            throw StoreError.unavailable(cluster: pool.name, reason: "no audit writer")
        }
        try await writer.write(entry, chain: chain, wait: wait)
        grownChains.mark(chain, in: pool)
    }

    /// Appends `entries` inside a transaction `TenantStore.write` has open on the chain's cluster,
    /// with the tenant set: it commits or rolls back with the call's own changes.
    func append(_ entries: [AuditEntry], tenant: Tenant, on connection: PostgresConnection) async throws {
        let (chain, pool) = try location(of: tenant)
        try await AuditRepository.append(entries, chain: chain, on: connection, logger: logger)
        grownChains.mark(chain, in: pool)
    }

    /// Signs and stores a periodic checkpoint for every chain that grew since its last one.
    func checkpointGrownChains() async {
        for (chain, pool) in grownChains.take() {
            do {
                try await checkpoint(chain, pool: pool)
            } catch {
                grownChains.mark(chain, in: pool)
                logger.warning(
                    "audit checkpoint failed",
                    metadata: ["chain": "\(chain)", "error": "\(StoreError.logDescription(error))"])
            }
        }
    }

    private func checkpoint(_ chain: AuditChainID, pool: DatabasePool) async throws {
        let key = keyring.current
        let logger = self.logger
        try await pool.withTransaction(tenantID: chain.tenantID, timeout: timeout) { connection in
            let head = try await AuditRepository.head(chain: chain, on: connection, logger: logger)
            guard head.seq > head.checkpointedSeq else { return }
            let checkpoint = try AuditCheckpoint.sign(
                kind: .periodic, chain: chain, seq: head.seq, head: head.hash, time: Date(), key: key)
            try await AuditRepository.insertCheckpoint(checkpoint, chain: chain, on: connection, logger: logger)
        }
    }

    /// A checkpoint of the chain's head signed now (not stored).
    public func currentCheckpoint(tenant: Tenant?) async throws -> AuditCheckpoint {
        let (chain, pool) = try location(of: tenant)
        let logger = self.logger
        let head = try await pool.withTransaction(tenantID: chain.tenantID, timeout: timeout) { connection in
            try await AuditRepository.head(chain: chain, on: connection, logger: logger)
        }
        return try AuditCheckpoint.sign(
            kind: .current, chain: chain, seq: head.seq, head: head.hash, time: Date(), key: keyring.current)
    }

    /// Records matching `query`, newest first.
    public func search(_ query: AuditQuery, tenant: Tenant?, before seq: Int64?, limit: Int) async throws
        -> [StoredAuditRecord]
    {
        let (chain, pool) = try location(of: tenant)
        let logger = self.logger
        return try await pool.withTransaction(tenantID: chain.tenantID, timeout: timeout) { connection in
            try await AuditRepository.search(
                chain: chain, query, before: seq, limit: limit, on: connection, logger: logger)
        }
    }

    /// One piece of an export, in file order.
    public enum ExportItem: Sendable {
        case header(AuditExportHeader)
        case record(StoredAuditRecord)
        case checkpoint(String)
    }

    /// Streams the records made in [from, to) with their stored checkpoints, in batches of
    /// `batchSize`, ending with a checkpoint signed now: memory stays flat whatever the size.
    ///
    /// Without `to`, stored checkpoints beyond the last record are included as well: they can only
    /// exist if records were removed, and the verifier reports the tail as truncated.
    public func export(
        tenant: Tenant?, from: Date?, to: Date?, batchSize: Int = 2000,
        _ emit: ([ExportItem]) async throws -> Void
    ) async throws {
        let (chain, pool) = try location(of: tenant)
        let logger = self.logger
        let started = Date()
        let tenantID = chain.tenantID
        // The stretch to export, and the hash it continues from, read in one transaction.
        let (first, last, previous) = try await pool.withTransaction(tenantID: tenantID, timeout: timeout) {
            connection in
            let range = try await AuditRepository.range(
                chain: chain, from: from, to: to, on: connection, logger: logger)
            let head = try await AuditRepository.head(chain: chain, on: connection, logger: logger)
            // An empty stretch starts after the head and holds nothing.
            let first = range?.lowerBound ?? head.seq + 1
            let previous = try await AuditRepository.hash(at: first - 1, chain: chain, on: connection, logger: logger)
            return (first, range?.upperBound ?? head.seq, previous)
        }
        guard let previous else { throw StoreError.notFound("audit record \(first - 1)") }
        try await emit([
            .header(
                AuditExportHeader(
                    chain: chain, firstSeq: first, prevHash: previous, from: from, to: to, exportedAt: started))
        ])

        var cursor = first - 1
        var lastHash = previous
        while cursor < last {
            let after = cursor
            let (records, checkpoints) = try await pool.withTransaction(tenantID: tenantID, timeout: timeout) {
                connection in
                let records = try await AuditRepository.records(
                    chain: chain, after: after, through: last, limit: batchSize, on: connection, logger: logger)
                let through = records.last?.seq ?? last
                let checkpoints = try await AuditRepository.checkpoints(
                    chain: chain, in: (after + 1)...max(after + 1, through), on: connection, logger: logger)
                return (records, checkpoints)
            }
            guard let lastRecord = records.last else { break }
            var items: [ExportItem] = []
            items.reserveCapacity(records.count + checkpoints.count)
            var pending = checkpoints[...]
            for record in records {
                items.append(.record(record))
                while let next = pending.first, next.seq <= record.seq {
                    items.append(.checkpoint(next.line))
                    pending = pending.dropFirst()
                }
            }
            try await emit(items)
            cursor = lastRecord.seq
            lastHash = lastRecord.hash
        }
        if to == nil {
            let end = cursor
            let beyond = try await pool.withTransaction(tenantID: tenantID, timeout: timeout) { connection in
                try await AuditRepository.checkpoints(
                    chain: chain, in: (end + 1)...Int64.max, signedBefore: started, on: connection, logger: logger)
            }
            if !beyond.isEmpty { try await emit(beyond.map { .checkpoint($0.line) }) }
        }
        let closing = try AuditCheckpoint.sign(
            kind: .export, chain: chain, seq: cursor, head: lastHash, time: Date(), key: keyring.current)
        try await emit([.checkpoint(closing.line)])
    }
}

extension AuditChainID {
    /// The tenant to set for row-level security: none for the platform chain.
    var tenantID: UUID? {
        if case .tenant(let id) = self { return id }
        return nil
    }
}

/// Chains with records not yet covered by a checkpoint, with the pool each lives in: marked by
/// every writer of records, taken by the checkpointer.
final class GrownChains: Sendable {
    private let chains = Mutex<[AuditChainID: DatabasePool]>([:])

    func mark(_ chain: AuditChainID, in pool: DatabasePool) {
        _ = chains.withLock { $0.updateValue(pool, forKey: chain) }
    }

    func take() -> [AuditChainID: DatabasePool] {
        chains.withLock { chains in
            defer { chains = [:] }
            return chains
        }
    }
}

/// Signs a periodic checkpoint of every grown chain once per interval, and once more on shutdown.
struct AuditCheckpointer: Service {
    let log: AuditLog

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: log.checkpointInterval) }
            await log.checkpointGrownChains()
        }
    }
}
