import Foundation
import Logging
import PostgresNIO
import TradewindAudit
import TradewindCore

/// One piece of work on a tenant's data: a transaction in the tenant's home region with the
/// tenant already set for row-level security. Only the Store's repositories can reach its
/// connection, so a handler can do nothing with it but pass it to them.
public struct TenantTransaction: Sendable {
    public let tenantID: UUID
    let connection: PostgresConnection
    let logger: Logger
}

/// One statement that reads a tenant's data, run by `TenantStore.read(for:_:)` chained with its
/// transaction in one round trip: the hot reads (GetContact) take this form.
public struct TenantQuery<Result: Sendable>: Sendable {
    let statement: @Sendable (_ tenantID: UUID) -> PostgresQuery
    let decode: @Sendable ([PostgresRow]) throws -> Result
}

/// The one door to tenants' data, with two verbs: `read` and `write`.
///
/// Each use is one transaction in the home region of the caller's tenant (the region comes from
/// the tenant record, never from a request), bounded by the caller's deadline, with the tenant set
/// by `DatabasePool.settings`. A write appends the caller's audit record inside its own
/// transaction, so the change and its record commit together or not at all.
public struct TenantStore: Sendable {
    private let router: RegionRouter
    private let auditLog: AuditLog

    public init(router: RegionRouter, auditLog: AuditLog) {
        self.router = router
        self.auditLog = auditLog
    }

    /// Runs `body` in one transaction for the caller's tenant. With `snapshot`, the transaction is
    /// `REPEATABLE READ READ ONLY`: every statement sees the same data, for reads that must agree.
    public func read<Result: Sendable>(
        for caller: some TenantCaller, snapshot: Bool = false,
        _ body: @Sendable @escaping (TenantTransaction) async throws -> Result
    ) async throws -> Result {
        let tenant = caller.tenant
        let logger = caller.logger
        return try await router.pool(for: tenant).withTransaction(
            tenantID: tenant.id, timeout: caller.databaseTimeout, readOnlySnapshot: snapshot
        ) { connection in
            try await body(TenantTransaction(tenantID: tenant.id, connection: connection, logger: logger))
        }
    }

    /// Runs one read statement in a transaction of its own, sent with BEGIN, the settings and
    /// COMMIT in one round trip: the fast case of `read`.
    public func read<Result: Sendable>(for caller: some TenantCaller, _ query: TenantQuery<Result>) async throws
        -> Result
    {
        let tenant = caller.tenant
        let rows = try await router.pool(for: tenant).chainedTransaction(
            tenantID: tenant.id, timeout: caller.databaseTimeout, [query.statement(tenant.id)])
        return try query.decode(rows)
    }

    /// Runs `body` in one transaction for the caller's tenant and appends the caller's audit
    /// record to that transaction after it: the changes and their record commit together. Once
    /// committed, the caller is told (`writeRecorded`), so its call leaves no second record.
    ///
    /// A handler must not fail after this returns: the committed record says the call succeeded.
    public func write<Result: Sendable>(
        for caller: some TenantCaller, _ body: @Sendable @escaping (TenantTransaction) async throws -> Result
    ) async throws -> Result {
        try await write(for: caller, alsoRecording: { _ in [] }, body)
    }

    /// `write`, with more records committed in the same transaction before the caller's own: one
    /// per call Tradewind made to the outside world for this write (a channel's API, a webhook),
    /// known only once `body` has run (`extra` gets its result).
    public func write<Result: Sendable>(
        for caller: some TenantCaller, alsoRecording extra: @Sendable @escaping (Result) -> [AuditEntry],
        _ body: @Sendable @escaping (TenantTransaction) async throws -> Result
    ) async throws -> Result {
        let tenant = caller.tenant
        let logger = caller.logger
        let auditLog = self.auditLog
        let (result, recorded) = try await router.pool(for: tenant).withTransaction(
            tenantID: tenant.id, timeout: caller.databaseTimeout
        ) { connection in
            let result = try await body(TenantTransaction(tenantID: tenant.id, connection: connection, logger: logger))
            var records = extra(result)
            let own = caller.recordOfWrite()
            if let own { records.append(own) }
            if !records.isEmpty { try await auditLog.append(records, tenant: tenant, on: connection) }
            return (result, own != nil)
        }
        if recorded { caller.writeRecorded() }
        return result
    }

    /// Commits records of calls made to the outside world that changed nothing here (a link whose
    /// credentials the channel refused): every outbound call leaves a record, whatever its outcome.
    public func record(_ entries: [AuditEntry], for caller: some TenantCaller) async throws {
        guard !entries.isEmpty else { return }
        let tenant = caller.tenant
        let auditLog = self.auditLog
        try await router.pool(for: tenant).withTransaction(tenantID: tenant.id, timeout: caller.databaseTimeout) {
            connection in
            try await auditLog.append(entries, tenant: tenant, on: connection)
        }
    }
}
