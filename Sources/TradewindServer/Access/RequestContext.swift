import Foundation
import GRPCCore
import Logging
import TradewindCore

/// Per-call state, made once by the interceptors and read by handlers: who is calling, for which
/// tenant, under which request id, and how long database work may take.
///
/// It travels as a task-local value; for streaming handlers the interceptors re-wrap the response
/// producer, because that closure runs after `next` has returned.
public struct RequestContext: Sendable {
    @TaskLocal public static var current: RequestContext?

    public var requestID: String
    public var logger: Logger
    /// When the call arrived and when its client wants the answer.
    var budget: CallBudget
    /// Set by authentication.
    public var principal: Principal?
    /// The principal's tenant record (from the control plane), set by authentication.
    public var tenant: Tenant?
    /// The call's audit record in the making; `nil` only for unaudited methods (health).
    var audit: AuditCall?

    /// The bound for the call's database work: what is left of its budget under `limit`
    /// (`CallBudget` keeps the rest for the call's audit record).
    public func databaseTimeout(limit: Duration) -> Duration {
        budget.workTimeout(limit: limit)
    }

    /// The current call's context; handlers only run behind the interceptors that set it.
    static func require() throws -> RequestContext {
        guard let current else { throw RPCError(code: .internalError, message: "request context missing") }
        return current
    }
}

extension Metadata {
    /// Parses `grpc-timeout` (e.g. `250m`, `5S`) into a duration.
    var grpcTimeout: Duration? {
        guard let text = self[stringValues: "grpc-timeout"].first(where: { _ in true }), text.count >= 2,
            let amount = Int64(text.dropLast()), amount >= 0
        else { return nil }
        switch text.last {
        case "H": return .seconds(amount * 3600)
        case "M": return .seconds(amount * 60)
        case "S": return .seconds(amount)
        case "m": return .milliseconds(amount)
        case "u": return .microseconds(amount)
        case "n": return .nanoseconds(amount)
        default: return nil
        }
    }
}
