import Foundation
import GRPCCore
import PostgresNIO
import TradewindAudit
import TradewindCore
import TradewindStore

/// Writes calls' records to the audit log. A record that cannot be written fails the call with
/// `UNAVAILABLE` (`AuditUnavailable`): no audit, no answer.
struct AuditRecorder: Sendable {
    let log: AuditLog
    let pseudonymizer: AuditPseudonymizer
    /// The bound of a whole call's database work, its record included (a nearer client deadline wins).
    let databaseTimeout: Duration

    /// Inside the call's own transaction, outcome OK.
    func append(_ call: AuditCall, on connection: PostgresConnection) async throws {
        let entry = call.entry(code: nil, pseudonymizer: pseudonymizer)
        do {
            try await log.append(entry, tenant: call.tenant, on: connection)
        } catch {
            throw AuditUnavailable(cause: error)
        }
    }

    /// In a transaction of its own (group-committed); returns once committed.
    ///
    /// The record shares the call's time budget: a call whose region is down has spent it on its
    /// own work and fails at once instead of waiting out a second timeout. A stream's closing
    /// record gets a fresh budget, since a stream may rightly run long.
    func write(
        _ call: AuditCall, code: RPCError.Code?, event: AuditEvent = .call, messages: (in: Int64, out: Int64)? = nil
    ) async throws {
        let entry = call.entry(code: code, event: event, messages: messages, pseudonymizer: pseudonymizer)
        let wait = event == .streamClose ? databaseTimeout : call.budget.recordTimeout(limit: databaseTimeout)
        do {
            try await log.write(entry, tenant: call.tenant, wait: wait)
        } catch {
            throw AuditUnavailable(cause: error)
        }
    }

    /// How a contact id appears in the tenant's log.
    func resource(contact id: UUID, tenant: Tenant) -> String {
        pseudonymizer.resource(contact: id, tenantID: tenant.id)
    }
}

/// The audit record of a call could not be written, so the call is refused.
struct AuditUnavailable: Error, RPCErrorConvertible {
    var cause: any Error

    static let message = "the audit log could not record this call, so it was refused; retry with backoff"

    var rpcErrorCode: RPCError.Code { .unavailable }
    var rpcErrorMessage: String { Self.message }
}
