import Foundation
import PostgresNIO
import ServiceLifecycle
import Synchronization
import TradewindAudit

/// Commits audit records that are not part of a data transaction (reads, failed and denied calls),
/// many per transaction: group commit.
///
/// Callers wait until their record is committed. While one batch commits, new records queue, and
/// the next batch takes them all (up to `maxInFlight` batches commit at once), so under load one commit carries many records and when idle a
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
        var inFlight = 0
    }

    let pool: DatabasePool
    private let timeout: Duration
    private let maxBatch: Int
    private let maxInFlight: Int
    private let state = Mutex(State())
    private let doorbell: AsyncStream<Void>
    private let ring: AsyncStream<Void>.Continuation

    init(pool: DatabasePool, timeout: Duration, maxBatch: Int = 500, maxInFlight: Int = 2) {
        self.pool = pool
        self.timeout = timeout
        self.maxBatch = maxBatch
        self.maxInFlight = maxInFlight
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
    ///
    /// Up to `maxInFlight` batches commit at once: while one waits for its WAL flush, the next is
    /// already sent and waits on the chain's lock inside PostgreSQL, so a record that arrives
    /// during a commit does not wait for that commit's round trip back before its own starts.
    func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await _ in doorbell {
                    while let batch = takeBatch() {
                        group.addTask {
                            await self.commit(batch)
                            self.state.withLock { $0.inFlight -= 1 }
                            self.ring.yield()
                        }
                    }
                }
            }
        } onGracefulShutdown: { [ring] in
            ring.finish()
        }
        while let batch = takeBatch(ignoringLimit: true) { await commit(batch) }
    }

    /// The next batch, if any is queued and fewer than `maxInFlight` batches are committing.
    private func takeBatch(ignoringLimit: Bool = false) -> [Item]? {
        state.withLock { state in
            guard !state.queue.isEmpty, ignoringLimit || state.inFlight < maxInFlight else { return nil }
            let batch = Array(state.queue.prefix(maxBatch))
            state.queue.removeFirst(batch.count)
            state.inFlight += 1
            return batch
        }
    }

    private func commit(_ batch: [Item]) async {
        // One chain after another, in a fixed order, so two batches never wait on each other's locks.
        let chains = Dictionary(grouping: batch, by: \.chain).sorted {
            $0.key.databaseID.uuidString < $1.key.databaseID.uuidString
        }
        var statements: [PostgresQuery] = []
        for (chain, items) in chains {
            if case .tenant(let id) = chain {
                statements.append(DatabasePool.settings(tenantID: id, timeout: nil))
            }
            statements.append(AuditRepository.appendStatement(items.map(\.entry), chain: chain))
        }
        var failure: (any Error)?
        do {
            _ = try await pool.chainedTransaction(tenantID: nil, timeout: timeout, statements)
        } catch {
            failure = error
        }
        let waiters = state.withLock { state in batch.compactMap { state.waiting.removeValue(forKey: $0.id) } }
        for waiter in waiters {
            if let failure { waiter.resume(throwing: failure) } else { waiter.resume() }
        }
    }
}
