import Foundation
import GRPCCore
import TradewindAudit
import TradewindCore
import TradewindStore

/// Writes the records of calls that did not commit one with a write: reads, refusals, failures,
/// and a stream's opening and closing records. A record that cannot be written fails the call with
/// `UNAVAILABLE`: no audit, no answer.
struct AuditRecorder: Sendable {
    let log: AuditLog

    /// In a transaction of its own (group-committed); returns once committed.
    ///
    /// The record shares the call's time budget: a call whose region is down has spent it on its
    /// own work and fails at once instead of waiting out a second timeout. A stream's closing
    /// record gets the whole limit again, since a stream may rightly run long.
    func write(
        _ call: CallContext, code: RPCError.Code?, event: AuditEvent = .call, messages: (in: Int64, out: Int64)? = nil
    ) async throws {
        let entry = call.entry(code: code, event: event, messages: messages)
        let wait = event == .streamClose ? call.limit : call.recordTimeout
        do {
            try await log.write(entry, tenant: call.tenant, wait: wait)
        } catch {
            throw AuditUnavailable(cause: error)
        }
    }
}

/// The audit record of a call could not be written, so the call is refused.
struct AuditUnavailable: Error, RPCErrorConvertible {
    var cause: any Error

    static let message = "the audit log could not record this call, so it was refused; retry with backoff"

    var rpcErrorCode: RPCError.Code { .unavailable }
    var rpcErrorMessage: String { Self.message }
}
