import Foundation
import Synchronization
import TradewindAudit
import TradewindChannels
import TradewindCore

/// Collects the HTTP exchanges of one unit of channel work (a link's check, a job's attempt) so
/// that each becomes an audit record in the tenant's chain: every outbound call is recorded,
/// whatever its outcome, with the channel, the account, the operation, the channel's answer and
/// the latency, never a credential.
final class OutboundRecorder: Sendable {
    struct Origin: Sendable {
        var tenant: Tenant
        var principal: AuditPrincipal
        /// The request id of the RPC that caused the work, or the job's own.
        var requestID: String
        var accountID: UUID
        var externalAccountID: String
        /// Typed ids the records name besides the account (`campaign:<uuid>`).
        var resources: [String]
        /// The automated rule whose action the work carries out.
        var ruleID: UUID? = nil
    }

    let origin: Origin
    private let exchanges = Exchanges()

    /// The exchanges so far, shared with the observer the session holds.
    private final class Exchanges: Sendable {
        let list = Mutex<[ChannelExchange]>([])
    }

    init(origin: Origin) {
        self.origin = origin
    }

    /// What `ChannelSession` calls after every exchange.
    var observer: @Sendable (ChannelExchange) -> Void {
        { [exchanges] exchange in exchanges.list.withLock { $0.append(exchange) } }
    }

    /// The records of the exchanges so far, emptying the list (each is recorded once).
    func takeRecords() -> [AuditEntry] {
        let taken = exchanges.list.withLock { list in
            defer { list.removeAll() }
            return list
        }
        return taken.map(record)
    }

    private func record(_ exchange: ChannelExchange) -> AuditEntry {
        let (code, outcome) = Self.outcome(of: exchange)
        return AuditEntry(
            time: Date(), requestID: origin.requestID, tenantID: origin.tenant.id,
            region: origin.tenant.homeRegion.rawValue, principal: origin.principal,
            method: "tradewind/channels.\(exchange.channel.rawValue)",
            resources: ["channel_account:\(origin.accountID.uuidString.lowercased())"] + origin.resources,
            code: code, outcome: outcome, latencyMicroseconds: Int64(exchange.latency / .microseconds(1)),
            peer: "local", dataClasses: [.campaigns],
            destination: AuditDestination(
                kind: exchange.channel.rawValue, id: origin.externalAccountID, operation: exchange.operation,
                outcome: exchange.status == nil && exchange.channelCode == nil
                    ? nil : AuditDestinationOutcome(httpStatus: exchange.status, channelCode: exchange.channelCode)),
            ruleID: origin.ruleID?.uuidString.lowercased())
    }

    /// The exchange's outcome in the record's terms: OK for a 2xx answer without a channel error,
    /// otherwise the closest gRPC status (the destination's own code is kept beside it).
    static func outcome(of exchange: ChannelExchange) -> (Int, String) {
        guard let status = exchange.status else { return (14, "unavailable") }
        if (200..<300).contains(status) && exchange.channelCode == nil { return (0, "ok") }
        switch status {
        case 401: return (16, "unauthenticated")
        case 403: return (7, "permission_denied")
        case 404: return (5, "not_found")
        case 425, 429: return (8, "resource_exhausted")
        case 500...: return (14, "unavailable")
        default: return (9, "failed_precondition")
        }
    }
}
