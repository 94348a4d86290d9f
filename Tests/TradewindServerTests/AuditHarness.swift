import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import TradewindAudit
import TradewindProto
import TradewindServer

/// Reading the audit log back the way a compliance officer does: through the API.
enum AuditHarness {
    /// One exported line, as far as the tests look into it.
    struct Line: Decodable, Sendable {
        var type: String
        var seq: Int64?
        var requestID: String?
        var method: String?
        var code: Int?
        var event: String?
        var resources: [String]?
        var rowsRead: Int64?
        var rowsWritten: Int64?
        var messagesOut: Int64?
        var tenant: String?
        enum CodingKeys: String, CodingKey {
            case type, seq, method, code, event, resources, tenant
            case requestID = "request_id"
            case rowsRead = "rows_read"
            case rowsWritten = "rows_written"
            case messagesOut = "messages_out"
        }
    }

    static func metadata(_ key: String?, requestID: String? = nil) -> Metadata {
        var metadata: Metadata = key.map { .bearer($0) } ?? [:]
        if let requestID { metadata.addString(requestID, forKey: "x-request-id") }
        return metadata
    }

    /// The caller's chain as JSON Lines (a tenant's with a tenant key, the platform log with an operator key).
    static func export(
        key: String, from: Date? = nil, format: Tradewind_V1_AuditExportFormat = .jsonLines, requestID: String? = nil
    ) async throws -> [String] {
        var request = Tradewind_V1_ExportAuditLogRequest()
        request.format = format
        if let from { request.startTime = .init(date: from) }
        let exportRequest = request
        let data = try await TestStack.withClient { grpc in
            try await Tradewind_V1_Audit.Client(wrapping: grpc).exportAuditLog(
                exportRequest, metadata: metadata(key, requestID: requestID)
            ) { response in
                var data = Data()
                for try await message in response.messages { data.append(message.data) }
                return data
            }
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    static func parse(_ lines: [String]) throws -> [Line] {
        try lines.map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
    }

    static func records(_ lines: [String]) throws -> [Line] { try parse(lines).filter { $0.type == "record" } }

    static func verify(_ lines: [String], keys: AuditPublicKeySet) -> Result<AuditVerificationReport, AuditFault> {
        var verifier = AuditVerifier(keys: keys)
        for line in lines { verifier.consume(Array(line.utf8)[...]) }
        return verifier.finish()
    }

    static func fault(_ lines: [String], keys: AuditPublicKeySet) -> AuditFault? {
        if case .failure(let fault) = verify(lines, keys: keys) { return fault }
        return nil
    }
}
