import Foundation
import TradewindAudit

/// The CSV form of an export (RFC 4180), for SIEM import: one row per record, checkpoint or
/// header, with a `type` column. Lists are joined with `;`. Only JSON Lines is verifiable.
enum AuditCSV {
    static let columns = [
        "type", "seq", "time", "request_id", "tenant", "region", "principal_id", "principal_kind", "app_id",
        "client_cert", "method", "event", "resources", "code", "outcome", "latency_us", "peer", "data_classes",
        "rows_read", "rows_written", "messages_in", "messages_out", "hash", "checkpoint_kind", "chain", "key_id",
        "ed25519", "ml_dsa_65",
    ]

    static var headerRow: String { columns.joined(separator: ",") }

    static func row(_ record: AuditRecord) -> String {
        let entry = record.entry
        return row([
            "type": "record", "seq": String(record.seq), "time": AuditTime.format(entry.time),
            "request_id": entry.requestID, "tenant": entry.tenantID?.uuidString.lowercased() ?? "",
            "region": entry.region ?? "", "principal_id": entry.principal?.id ?? "",
            "principal_kind": entry.principal?.kind ?? "", "app_id": entry.app?.id ?? "",
            "client_cert": entry.principal?.certificateFingerprint ?? "", "method": entry.method,
            "event": entry.event.rawValue, "resources": entry.resources.joined(separator: ";"),
            "code": String(entry.code), "outcome": entry.outcome, "latency_us": String(entry.latencyMicroseconds),
            "peer": entry.peer, "data_classes": entry.dataClasses.map(\.rawValue).joined(separator: ";"),
            "rows_read": String(entry.rowsRead), "rows_written": String(entry.rowsWritten),
            "messages_in": entry.messagesIn.map(String.init) ?? "",
            "messages_out": entry.messagesOut.map(String.init) ?? "", "hash": record.hash.hexString,
        ])
    }

    static func row(_ checkpoint: AuditCheckpoint) -> String {
        row([
            "type": "checkpoint", "seq": String(checkpoint.seq), "time": AuditTime.format(checkpoint.time),
            "hash": checkpoint.head.hexString, "checkpoint_kind": checkpoint.kind.rawValue, "chain": checkpoint.chain,
            "key_id": checkpoint.keyID, "ed25519": checkpoint.ed25519Signature.base64EncodedString(),
            "ml_dsa_65": checkpoint.mlDSA65Signature.base64EncodedString(),
        ])
    }

    static func row(_ header: AuditExportHeader) -> String {
        row([
            "type": "export", "seq": String(header.firstSeq), "time": header.exportedAt, "hash": header.prevHash,
            "chain": header.chain,
        ])
    }

    private static func row(_ values: [String: String]) -> String {
        columns.map { escape(values[$0] ?? "") }.joined(separator: ",")
    }

    /// Quotes a field that holds a comma, quote or line break, doubling its quotes.
    static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
