import Foundation
import Logging
import TradewindAudit
import TradewindStore

/// An operator's command that writes the control database directly (tenant manifests, the first
/// operator key, exchange rates), as the Store's caller: its write commits with a record in the
/// platform audit log, as every change through the API does.
struct CommandLineCall: StoreCaller {
    let record: AuditEntry
    let logger: Logger
    var databaseTimeout: Duration { .seconds(10) }

    init(_ command: String, resources: [String], dataClass: AuditDataClass = .tenantConfiguration) {
        let user = ProcessInfo.processInfo.environment["USER"] ?? String(getuid())
        record = AuditEntry(
            time: Date(), requestID: UUID().uuidString.lowercased(), tenantID: nil, region: nil,
            principal: AuditPrincipal(id: "cli:\(user)", kind: "command_line"), method: command,
            resources: resources, code: 0, outcome: "ok", latencyMicroseconds: 0,
            peer: "local:\(ProcessInfo.processInfo.hostName)", dataClasses: [dataClass])
        logger = Logger.command("tradewind.audit")
    }

    func recordOfWrite() -> AuditEntry? { record }
    func writeRecorded() {}
}
