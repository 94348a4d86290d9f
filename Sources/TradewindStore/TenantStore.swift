import Foundation
import Logging
import PostgresNIO
import TradewindCore

/// One call's work on a tenant's data: a transaction in the tenant's home region with the tenant
/// already set for row-level security.
public struct TenantTransaction: Sendable {
    public let tenantID: UUID
    public let connection: PostgresConnection
    public let logger: Logger
}

/// The entry point to tenants' data. Every use is one transaction in the tenant's home region,
/// bounded by the call's deadline.
public struct TenantStore: Sendable {
    private let router: RegionRouter
    private let logger: Logger

    public init(router: RegionRouter, logger: Logger) {
        self.router = router
        self.logger = logger
    }

    /// Runs `body` in one transaction for `tenant`, then `beforeCommit` in the same transaction.
    ///
    /// `beforeCommit` is where a caller appends work that must commit or roll back with the call's
    /// changes (the call's audit record). Any error in either rolls the whole transaction back.
    ///
    /// `readOnlySnapshot` makes it a `REPEATABLE READ READ ONLY` transaction (see `DatabasePool`).
    public func withTransaction<Result: Sendable>(
        for tenant: Tenant,
        timeout: Duration,
        logger: Logger? = nil,
        readOnlySnapshot: Bool = false,
        _ body: @Sendable @escaping (TenantTransaction) async throws -> Result,
        beforeCommit: (@Sendable (TenantTransaction) async throws -> Void)? = nil
    ) async throws -> Result {
        let pool = try router.pool(for: tenant)
        let logger = logger ?? self.logger
        let tenantID = tenant.id
        return try await pool.withTransaction(tenantID: tenantID, timeout: timeout, readOnlySnapshot: readOnlySnapshot)
        {
            connection in
            let transaction = TenantTransaction(tenantID: tenantID, connection: connection, logger: logger)
            let result = try await body(transaction)
            try await beforeCommit?(transaction)
            return result
        }
    }

    /// One contact with its current consent, read in a transaction of its own (the hot path).
    public func contact(id: UUID, for tenant: Tenant, timeout: Duration) async throws -> Contact? {
        let pool = try router.pool(for: tenant)
        let rows = try await pool.readTransaction(
            tenantID: tenant.id, timeout: timeout, ContactRepository.getQuery(id: id, tenantID: tenant.id))
        return try ContactRepository.contact(from: rows)
    }
}
