import Foundation
import Logging
import TradewindAudit
import TradewindStore

/// The commands that write databases directly (tenant manifests, the first operator key, exchange
/// rates) record what they did in the platform audit log: every other change goes through the API
/// and its audit interceptor.
enum CommandLineAudit {
    static func record(_ command: String, resources: [String], dataClass: AuditDataClass = .tenantConfiguration)
        -> ControlStore.BeforeCommit
    {
        let user = ProcessInfo.processInfo.environment["USER"] ?? String(getuid())
        let entry = AuditEntry(
            time: Date(), requestID: UUID().uuidString.lowercased(), tenantID: nil, region: nil,
            principal: AuditPrincipal(id: "cli:\(user)", kind: "command_line"), method: command,
            resources: resources, code: 0, outcome: "ok", latencyMicroseconds: 0,
            peer: "local:\(ProcessInfo.processInfo.hostName)", dataClasses: [dataClass])
        return { connection in
            try await AuditRepository.append(
                [entry], chain: .platform, on: connection, logger: Logger.command("tradewind.audit"))
        }
    }
}
