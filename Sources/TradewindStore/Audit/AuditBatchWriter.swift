import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization
import TradewindAudit

/// Commits audit records that are not part of a data transaction (reads, failed and denied calls),
/// many per transaction: group commit.
///
/// Callers wait until their record is committed. While one batch commits, new records queue, and
/// the next batch takes them all, so under load one commit carries many records and when idle a
/// record is written at once. A failed batch fails every caller in it; a caller whose time runs
/// out gets `unavailable` and its record, if not yet taken into a batch, is dropped.
final class AuditBatchWriter: Service, Sendable {
    private struct Item: Sendable {
        var id: Int
        var chain: AuditChainID
        var entry: AuditEntry
    }

    private struct State {
        var queue: [Item] = []
        var waiting: [Int: CheckedContinuation<Void, any Error>] = [:]
        var nextID = 0
    }

    let pool: DatabasePool
    private let timeout: Duration
    private let maxBatch: Int
    private let state = Mutex(State())
    private let doorbell: AsyncStream<Void>
    private let ring: AsyncStream<Void>.Continuation

    init(pool: DatabasePool, timeout: Duration, maxBatch: Int = 500) {
        self.pool = pool
        self.timeout = timeout
        self.maxBatch = maxBatch
        (doorbell, ring) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Returns once `entry` is committed to `chain`; throws when it could not be within `wait`.
    func write(_ entry: AuditEntry, chain: AuditChainID, wait: Duration) async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
                        self.state.withLock { state in
                            state.queue.append(Item(id: id, chain: chain, entry: entry))
                            state.waiting[id] = done
                        }
                        self.ring.yield()
                    }
                } onCancel: {
                    self.abandon(id)
                }
            }
            group.addTask { [name = pool.name] in
                try await Task.sleep(for: wait)
                throw StoreError.unavailable(cluster: name, reason: "audit record not committed within \(wait)")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// The caller gave up: drop its record unless a batch already holds it, and resume it.
    private func abandon(_ id: Int) {
        let waiter = state.withLock { state in
            state.queue.removeAll { $0.id == id }
            return state.waiting.removeValue(forKey: id)
        }
        waiter?.resume(throwing: CancellationError())
    }

    /// Writes batches until graceful shutdown, then what is left. The server stops before this
    /// does, so nothing is queued after the last drain.
    func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in doorbell { await drain() }
        } onGracefulShutdown: { [ring] in
            ring.finish()
        }
        await drain()
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state in
                let batch = Array(state.queue.prefix(maxBatch))
                state.queue.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return }
            // One chain after another, in a fixed order, so two writers never wait on each other's locks.
            let chains = Dictionary(grouping: batch, by: \.chain).sorted {
                $0.key.databaseID.uuidString < $1.key.databaseID.uuidString
            }
            let work = chains.map { (chain: $0.key, entries: $0.value.map(\.entry)) }
            let logger = pool.logger
            var failure: (any Error)?
            do {
                try await pool.withTransaction(tenantID: nil, timeout: timeout) { connection in
                    for (chain, entries) in work {
                        if case .tenant(let id) = chain {
                            try await connection.query(
                                "SELECT set_config('tradewind.tenant_id', \(id.uuidString.lowercased()), true)",
                                logger: logger)
                        }
                        try await AuditRepository.append(entries, chain: chain, on: connection, logger: logger)
                    }
                }
            } catch {
                failure = error
            }
            let waiters = state.withLock { state in batch.compactMap { state.waiting.removeValue(forKey: $0.id) } }
            for waiter in waiters {
                if let failure { waiter.resume(throwing: failure) } else { waiter.resume() }
            }
        }
    }
}
