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
/// record is written at once. A failed batch fails every caller in it.
final class AuditBatchWriter: Service, Sendable {
    private struct Item: Sendable {
        var chain: AuditChainID
        var entry: AuditEntry
        var done: CheckedContinuation<Void, any Error>
    }

    let pool: DatabasePool
    private let timeout: Duration
    private let maxBatch: Int
    private let queue = Mutex<[Item]>([])
    private let doorbell: AsyncStream<Void>
    private let ring: AsyncStream<Void>.Continuation

    init(pool: DatabasePool, timeout: Duration, maxBatch: Int = 500) {
        self.pool = pool
        self.timeout = timeout
        self.maxBatch = maxBatch
        (doorbell, ring) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Returns once `entry` is committed to `chain`; throws when it could not be.
    func write(_ entry: AuditEntry, chain: AuditChainID) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            queue.withLock { $0.append(Item(chain: chain, entry: entry, done: done)) }
            ring.yield()
        }
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
            let batch = queue.withLock { queue in
                let batch = Array(queue.prefix(maxBatch))
                queue.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return }
            // One chain after another, in a fixed order, so two writers never wait on each other's locks.
            let chains = Dictionary(grouping: batch, by: \.chain).sorted {
                $0.key.databaseID.uuidString < $1.key.databaseID.uuidString
            }
            let work = chains.map { (chain: $0.key, entries: $0.value.map(\.entry)) }
            let logger = pool.logger
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
                for item in batch { item.done.resume() }
            } catch {
                for item in batch { item.done.resume(throwing: error) }
            }
        }
    }
}
