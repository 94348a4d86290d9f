import Foundation
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// One cluster's connection pool, with every use bounded by a deadline.
///
/// postgres-nio queues a lease with no timeout while a cluster is down, so every call here races
/// the work against its deadline and also sets `statement_timeout` for the transaction: a down or
/// slow cluster answers `StoreError.unavailable` in time instead of hanging the call.
struct DatabasePool: Sendable, Service {
    /// `control`, or the region's name: used in errors and logs.
    let name: String
    let client: PostgresClient
    let logger: Logger

    init(name: String, endpoint: DatabaseEndpoint, logger: Logger) throws {
        self.name = name
        var logger = logger
        logger[metadataKey: "cluster"] = "\(name)"
        self.logger = logger
        self.client = PostgresClient(configuration: try endpoint.clientConfiguration(), backgroundLogger: logger)
    }

    /// Runs the pool; leases hang until this runs (it is a `Service` in the server's group).
    func run() async throws {
        await client.run()
    }

    /// Runs `body` inside one transaction, committed when it returns and rolled back when it throws.
    ///
    /// When `tenantID` is set, the transaction's first statement sets it with
    /// `set_config('tradewind.tenant_id', …, true)`: transaction-local, so a pooled connection
    /// never carries a tenant into the next call. Row-level security reads it.
    ///
    /// With `readOnlySnapshot`, the transaction is `REPEATABLE READ READ ONLY`: every statement
    /// sees the same snapshot, for reads that must agree with each other.
    func withTransaction<Result: Sendable>(
        tenantID: UUID?,
        timeout: Duration,
        readOnlySnapshot: Bool = false,
        _ body: @Sendable @escaping (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let logger = self.logger
        let begin: PostgresQuery = readOnlySnapshot ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN"
        return try await withDeadline(timeout) { [client] in
            try await client.withConnection { connection in
                try await connection.query(begin, logger: logger)
                do {
                    try await connection.query(Self.settings(tenantID: tenantID, timeout: timeout), logger: logger)
                    let result = try await body(connection)
                    try await connection.query("COMMIT", logger: logger)
                    return result
                } catch {
                    // A failed ROLLBACK means the connection is broken; the pool drops it.
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }

    /// Runs `statements` in order in one transaction and returns the last one's rows.
    ///
    /// BEGIN, the settings, the statements and COMMIT are chained on the connection's event loop,
    /// so the caller's task waits once for the whole transaction instead of hopping between
    /// threads for every statement: reads and audit batches are the hot paths.
    func chainedTransaction(tenantID: UUID?, timeout: Duration, _ statements: [PostgresQuery]) async throws
        -> [PostgresRow]
    {
        let logger = self.logger
        let settings = Self.settings(tenantID: tenantID, timeout: timeout)
        return try await withDeadline(timeout) { [client] in
            try await client.withConnection { connection in
                var last: EventLoopFuture<PostgresQueryResult> = connection.query("BEGIN", logger: logger)
                for statement in [settings] + statements {
                    last = last.flatMap { _ in connection.query(statement, logger: logger) }
                }
                let result = last.flatMap { result -> EventLoopFuture<[PostgresRow]> in
                    let commit: EventLoopFuture<PostgresQueryResult> = connection.query("COMMIT", logger: logger)
                    return commit.map { _ in result.rows }
                }.flatMapError { error -> EventLoopFuture<[PostgresRow]> in
                    // A failed ROLLBACK means the connection is broken; the pool drops it.
                    let rollback: EventLoopFuture<PostgresQueryResult> = connection.query("ROLLBACK", logger: logger)
                    return rollback.flatMapThrowing { _ in throw error }.flatMapErrorThrowing { _ in throw error }
                }
                return try await result.get()
            }
        }
    }

    /// A transaction's settings: its tenant, when it has one, and its statement timeout (`nil`
    /// keeps the current one), both transaction-local (`set_config(…, true)`), so a pooled
    /// connection never carries a tenant into the next transaction. Row-level security reads the
    /// tenant. This is the only place that sets it.
    static func settings(tenantID: UUID?, timeout: Duration?) -> PostgresQuery {
        let statementTimeout = timeout.map { String(Self.milliseconds($0)) }
        guard let tenant = tenantID?.uuidString.lowercased() else {
            return
                "SELECT set_config('statement_timeout', coalesce(\(statementTimeout), current_setting('statement_timeout')), true)"
        }
        return """
            SELECT set_config('tradewind.tenant_id', \(tenant), true),
                   set_config('statement_timeout', coalesce(\(statementTimeout), current_setting('statement_timeout')), true)
            """
    }

    /// `statement_timeout` for a transaction bounded by `timeout`, in whole milliseconds (at least 1).
    static func milliseconds(_ timeout: Duration) -> Int {
        max(1, Int((timeout / .milliseconds(1)).rounded(.down)))
    }

    /// Races `body` against `timeout`, translating database failures into `StoreError`.
    ///
    /// The work runs in its own task and the caller gets its answer when the deadline passes
    /// even if the work ignores cancellation (postgres-nio does not always give up a lease or a
    /// query at once): a structured task group would wait for it, and the call would hang.
    func withDeadline<Result: Sendable>(
        _ timeout: Duration, _ body: @Sendable @escaping () async throws -> Result
    ) async throws -> Result {
        let name = self.name
        let race = DeadlineRace<Result>()
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    race.start(continuation)
                    // The work resumes the caller itself when it finishes first; the timer
                    // resumes it (and cancels the work) when the deadline passes first.
                    let work = Task {
                        do {
                            race.finish(.success(try await body()))
                        } catch {
                            race.finish(.failure(error))
                        }
                    }
                    race.setTimer(
                        Task {
                            try await Task.sleep(for: timeout)
                            if race.finish(
                                .failure(StoreError.unavailable(cluster: name, reason: "no answer within \(timeout)")))
                            {
                                work.cancel()
                            }
                        })
                    race.setWork(work)
                }
            } onCancel: {
                race.cancelWork()
            }
        } catch {
            let translated = StoreError.translate(error, cluster: name)
            if case StoreError.unavailable(_, let reason) = translated {
                logger.warning("database unavailable", metadata: ["reason": "\(reason)"])
            }
            throw translated
        }
    }
}

/// The first of the work and the timer to finish resumes the caller; the other is ignored, and
/// finishing cancels the timer so no sleeping task outlives the call.
private final class DeadlineRace<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, any Error>?
        var timer: Task<Void, any Error>?
        var work: Task<Void, Never>?
        var finished = false
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<Value, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    func setTimer(_ timer: Task<Void, any Error>) {
        let finished = state.withLock { state in
            state.timer = timer
            return state.finished
        }
        if finished { timer.cancel() }
    }

    func setWork(_ work: Task<Void, Never>) {
        state.withLock { $0.work = work }
    }

    func cancelWork() {
        state.withLock { $0.work }?.cancel()
    }

    /// Resumes the caller with `result` unless someone already did; true when this call did.
    @discardableResult
    func finish(_ result: Result<Value, any Error>) -> Bool {
        let (continuation, timer) = state.withLock { state in
            defer {
                state.continuation = nil
                state.finished = true
            }
            return (state.continuation, state.timer)
        }
        guard let continuation else { return false }
        timer?.cancel()
        continuation.resume(with: result)
        return true
    }
}
