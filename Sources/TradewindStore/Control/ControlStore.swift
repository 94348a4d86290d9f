import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import TradewindAudit
import TradewindCore

/// The control plane: tenants, API keys, client certificates and idempotency records (one file
/// per aggregate), in their own cluster, reached as `tradewind_control`. Stopping a region never
/// stops authentication.
///
/// Reads take a deadline. Writes take the caller instead, like `TenantStore.write`: the caller's
/// audit record is appended to the platform log inside the write's transaction, so no change to
/// the control plane exists without its record.
public struct ControlStore: Sendable {
    let pool: DatabasePool
    /// Chains with records not yet covered by a checkpoint, shared with the audit log.
    let grownChains = GrownChains()
    private let timeout: Duration

    public init(endpoint: DatabaseEndpoint, timeout: Duration = .seconds(5), logger: Logger) throws {
        self.pool = try DatabasePool(name: "control", endpoint: endpoint, logger: logger)
        self.timeout = timeout
    }

    /// The connection pool, to run in a service group (leases wait until it runs).
    public var service: any Service { pool }

    /// A read in one transaction, bounded by `timeout` (the store's default when `nil`).
    func transaction<Result: Sendable>(
        timeout: Duration?, _ body: @Sendable @escaping (PostgresConnection, Logger) async throws -> Result
    ) async throws -> Result {
        let logger = pool.logger
        return try await pool.withTransaction(tenantID: nil, timeout: timeout ?? self.timeout) { connection in
            try await body(connection, logger)
        }
    }

    /// A write in one transaction bounded by the caller's deadline, with the caller's record
    /// appended to the platform log last, before it commits.
    func write<Result: Sendable>(
        for caller: some StoreCaller, _ body: @Sendable @escaping (PostgresConnection, Logger) async throws -> Result
    ) async throws -> Result {
        let logger = caller.logger
        let grownChains = self.grownChains
        let pool = self.pool
        let (result, recorded) = try await pool.withTransaction(tenantID: nil, timeout: caller.databaseTimeout) {
            connection in
            let result = try await body(connection, logger)
            guard let record = caller.recordOfWrite() else { return (result, false) }
            try await AuditRepository.append([record], chain: .platform, on: connection, logger: logger)
            return (result, true)
        }
        if recorded {
            grownChains.mark(.platform, in: pool)
            caller.writeRecorded()
        }
        return result
    }

    /// Commits the caller's record in the platform log on its own: for work done elsewhere that
    /// the log must still show (exchange rates loaded into the regions by their owner).
    public func record(for caller: some StoreCaller) async throws {
        try await write(for: caller) { _, _ in }
    }
}
