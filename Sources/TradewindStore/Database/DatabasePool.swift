import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// One cluster's connection pool, with every use bounded by a deadline.
///
/// postgres-nio queues a lease with no timeout while a cluster is down, so every call here races
/// the work against its deadline and also sets `statement_timeout` for the transaction: a down or
/// slow cluster answers `StoreError.unavailable` in time instead of hanging the call.
public struct DatabasePool: Sendable, Service {
    /// `control`, or the region's name: used in errors and logs.
    public let name: String
    let client: PostgresClient
    let logger: Logger

    public init(name: String, endpoint: DatabaseEndpoint, logger: Logger) throws {
        self.name = name
        var logger = logger
        logger[metadataKey: "cluster"] = "\(name)"
        self.logger = logger
        self.client = PostgresClient(configuration: try endpoint.clientConfiguration(), backgroundLogger: logger)
    }

    /// Runs the pool; leases hang until this runs (it is a `Service` in the server's group).
    public func run() async throws {
        await client.run()
    }

    /// Runs `body` inside one transaction, committed when it returns and rolled back when it throws.
    ///
    /// When `tenantID` is set, the transaction's first statement sets it with
    /// `set_config('tradewind.tenant_id', …, true)`: transaction-local, so a pooled connection
    /// never carries a tenant into the next call. Row-level security reads it.
    public func withTransaction<Result: Sendable>(
        tenantID: UUID?,
        timeout: Duration,
        _ body: @Sendable @escaping (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let logger = self.logger
        return try await withDeadline(timeout) { [client] in
            try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    let milliseconds = max(1, Int(timeout.components.seconds * 1000))
                    if let tenantID {
                        try await connection.query(
                            "SELECT set_config('tradewind.tenant_id', \(tenantID.uuidString.lowercased()), true), set_config('statement_timeout', \(String(milliseconds)), true)",
                            logger: logger)
                    } else {
                        try await connection.query(
                            "SELECT set_config('statement_timeout', \(String(milliseconds)), true)", logger: logger)
                    }
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

    /// Races `body` against `timeout`, translating database failures into `StoreError`.
    func withDeadline<Result: Sendable>(
        _ timeout: Duration, _ body: @Sendable @escaping () async throws -> Result
    ) async throws -> Result {
        let name = self.name
        do {
            return try await withThrowingTaskGroup(of: Result.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw StoreError.unavailable(cluster: name, reason: "no answer within \(timeout)")
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw CancellationError() }
                return first
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
