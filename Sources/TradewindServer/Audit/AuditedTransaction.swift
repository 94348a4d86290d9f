import GRPCCore
import TradewindCore
import TradewindStore

extension TenantStore {
    /// Runs `body` in one transaction for the calling tenant, bounded by the call's deadline, and
    /// appends the call's audit record to that transaction: the changes and their record commit
    /// together or not at all. `body` tells the audit call what it touched before it returns.
    ///
    /// A handler must not fail after this returns: the committed record says the call succeeded.
    func audited<Result: Sendable>(
        limit: Duration, _ body: @Sendable @escaping (TenantTransaction, Tenant, AuditCall?) async throws -> Result
    ) async throws -> Result {
        let context = try RequestContext.require()
        guard let tenant = context.tenant else {
            throw RPCError(code: .permissionDenied, message: "this method needs a tenant credential")
        }
        let audit = context.audit
        let result = try await withTransaction(
            for: tenant, timeout: context.databaseTimeout(limit: limit), logger: context.logger,
            { tx in try await body(tx, tenant, audit) },
            beforeCommit: { tx in try await audit?.append(on: tx.connection) })
        audit?.markRecorded()
        return result
    }
}
