import Foundation
import GRPCCore
import SwiftProtobuf
import TradewindAudit
import TradewindCore
import TradewindProto
import TradewindStore

/// `tradewind.v1.Audit`: the caller's own chain (its tenant's, or the platform log for
/// operators): search, export, checkpoints and public keys.
struct AuditService: Tradewind_V1_Audit.SimpleServiceProtocol {
    let log: AuditLog
    let pseudonymizer: AuditPseudonymizer
    let pageTokens: PageTokenCodec
    let limits: ServerConfiguration.Limits

    /// Largest `data` chunk of an export message; the transport limit is far above it.
    static let exportChunkBytes = 1 << 20

    func queryAuditLog(request: Tradewind_V1_QueryAuditLogRequest, context: ServerContext) async throws
        -> Tradewind_V1_QueryAuditLogResponse
    {
        let call = try CallContext.require()
        let tenant = call.tenant
        var collector = ViolationCollector()
        var pageSize = limits.pageSizes.defaultSize
        do { pageSize = try limits.pageSizes.resolve(request.pageSize) } catch {
            collector.add("page_size", error.message)
        }
        var query = AuditQuery()
        if request.hasStartTime { query.from = request.startTime.date }
        if request.hasEndTime { query.to = request.endTime.date }
        if let from = query.from, let to = query.to {
            collector.require(from < to, "end_time", "must be after start_time")
        }
        if !request.principalID.isEmpty {
            collector.require(
                FieldFormats.isPrintableText(request.principalID, maxLength: 200), "principal_id",
                "must be at most 200 printable characters")
            query.principalID = request.principalID
        }
        if !request.method.isEmpty {
            collector.require(
                MethodPolicy.table.keys.contains { $0.fullyQualifiedMethod == request.method }, "method",
                "must be a fully qualified method such as tradewind.v1.Contacts/GetContact")
            query.method = request.method
        }
        if request.hasStatusCode {
            collector.require((0...16).contains(request.statusCode), "status_code", "must be a gRPC status code, 0-16")
            query.code = Int(request.statusCode)
        }
        if !request.resourceID.isEmpty {
            query.resource = resource(request.resourceID, tenant: tenant, into: &collector)
        }
        try collector.throwIfAny()

        let scope = call.pageTokenScope(tenant.map { .tenant($0.id) } ?? .platform)
        let fingerprint = [
            query.from.map(AuditTime.format), query.to.map(AuditTime.format), query.principalID, query.method,
            query.code.map(String.init), query.resource,
        ].map { $0 ?? "" }.joined(separator: "\u{1F}")
        var before: Int64?
        if !request.pageToken.isEmpty {
            let position = try pageTokens.decode(request.pageToken, scope: scope, filterFingerprint: fingerprint)
            guard position.count == 1, let seq = Int64(position[0]) else {
                throw ErrorMapping.invalidArgument(ValidationFailure(field: "page_token", "is malformed"))
            }
            before = seq
        }
        let stored = try await log.search(query, tenant: tenant, before: before, limit: pageSize + 1)
        call.read(rows: min(stored.count, pageSize))
        var response = Tradewind_V1_QueryAuditLogResponse()
        response.records = try stored.prefix(pageSize).map { try Self.proto(AuditRecord(body: $0.body, hash: $0.hash)) }
        if stored.count > pageSize, let last = stored.prefix(pageSize).last {
            response.nextPageToken = pageTokens.encode(
                position: [String(last.seq)], scope: scope, filterFingerprint: fingerprint)
        }
        return response
    }

    func exportAuditLog(
        request: Tradewind_V1_ExportAuditLogRequest, response: RPCWriter<Tradewind_V1_ExportAuditLogResponse>,
        context: ServerContext
    ) async throws {
        let call = try CallContext.require()
        var collector = ViolationCollector()
        let from = request.hasStartTime ? request.startTime.date : nil
        let to = request.hasEndTime ? request.endTime.date : nil
        if let from, let to { collector.require(from < to, "end_time", "must be after start_time") }
        let csv: Bool
        switch request.format {
        case .unspecified, .jsonLines: csv = false
        case .csv: csv = true
        case .UNRECOGNIZED(let value):
            csv = false
            collector.add("format", "\(value) is not a known export format")
        }
        try collector.throwIfAny()

        let chunker = ExportChunker(response: response, csv: csv)
        if csv { try await chunker.add(AuditCSV.headerRow) }
        try await log.export(tenant: call.tenant, from: from, to: to) { items in
            var records = 0
            for item in items {
                switch item {
                case .header(let header):
                    try await chunker.add(csv ? AuditCSV.row(header) : header.line)
                case .record(let record):
                    records += 1
                    try await chunker.add(
                        csv ? AuditCSV.row(try AuditRecord(body: record.body, hash: record.hash)) : record.line)
                case .checkpoint(let line):
                    try await chunker.add(csv ? AuditCSV.row(try AuditCheckpoint(line: Data(line.utf8))) : line)
                }
            }
            call.read(rows: records)
        }
        try await chunker.flush()
    }

    func getCheckpoint(request: Tradewind_V1_GetCheckpointRequest, context: ServerContext) async throws
        -> Tradewind_V1_AuditCheckpoint
    {
        let checkpoint = try await log.currentCheckpoint(tenant: try CallContext.require().tenant)
        return Self.proto(checkpoint)
    }

    func getPublicKeys(request: Tradewind_V1_GetPublicKeysRequest, context: ServerContext) async throws
        -> Tradewind_V1_GetPublicKeysResponse
    {
        let keys = log.keyring.publicKeys
        var response = Tradewind_V1_GetPublicKeysResponse()
        response.currentKeyID = log.keyring.currentKeyID
        response.keys = keys.keys.map { key in
            var message = Tradewind_V1_AuditPublicKey()
            message.keyID = key.keyID
            message.ed25519 = key.ed25519
            message.mlDsa65 = key.mlDSA65
            return message
        }
        response.keyFile = String(decoding: try keys.encoded(), as: UTF8.self)
        return response
    }

    // MARK: Mapping

    /// A typed resource id as the log stores it: contact ids become the tenant's pseudonym.
    private func resource(_ text: String, tenant: Tenant?, into collector: inout ViolationCollector) -> String? {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty, parts[1].utf8.count <= 200 else {
            collector.add("resource_id", "must be typed, e.g. contact:<id> or api_key:<id>")
            return nil
        }
        guard parts[0] == "contact" else { return text }
        guard let id = UUID(uuidString: parts[1]), let tenant else {
            collector.add("resource_id", "contact:<id> needs a contact UUID and a tenant credential")
            return nil
        }
        return pseudonymizer.resource(contact: id, tenantID: tenant.id)
    }

    static func proto(_ record: AuditRecord) -> Tradewind_V1_AuditRecord {
        let entry = record.entry
        var message = Tradewind_V1_AuditRecord()
        message.seq = record.seq
        message.time = Google_Protobuf_Timestamp(date: entry.time)
        message.requestID = entry.requestID
        message.tenantID = entry.tenantID?.uuidString.lowercased() ?? ""
        message.region = entry.region ?? ""
        if let principal = entry.principal {
            message.principal.id = principal.id
            message.principal.kind = principal.kind
            message.principal.appID = entry.app?.id ?? ""
            message.principal.clientCertificateFingerprint = principal.certificateFingerprint ?? ""
        }
        message.method = entry.method
        message.event = entry.event.rawValue
        message.resourceIds = entry.resources
        message.statusCode = Int32(entry.code)
        message.outcome = entry.outcome
        message.latencyMicros = entry.latencyMicroseconds
        message.peer = entry.peer
        message.dataClasses = entry.dataClasses.map(\.rawValue)
        message.rowsRead = entry.rowsRead
        message.rowsWritten = entry.rowsWritten
        message.messagesIn = entry.messagesIn ?? 0
        message.messagesOut = entry.messagesOut ?? 0
        message.hash = record.hash.hexString
        return message
    }

    static func proto(_ checkpoint: AuditCheckpoint) -> Tradewind_V1_AuditCheckpoint {
        var message = Tradewind_V1_AuditCheckpoint()
        message.chain = checkpoint.chain
        message.seq = checkpoint.seq
        message.headHash = checkpoint.head.hexString
        message.time = Google_Protobuf_Timestamp(date: checkpoint.time)
        message.keyID = checkpoint.keyID
        message.kind = checkpoint.kind.rawValue
        message.line = checkpoint.line
        return message
    }
}

/// Collects whole lines into messages of about `AuditService.exportChunkBytes`.
private final class ExportChunker {
    private let response: RPCWriter<Tradewind_V1_ExportAuditLogResponse>
    private var buffer = Data()

    init(response: RPCWriter<Tradewind_V1_ExportAuditLogResponse>, csv: Bool) {
        self.response = response
        buffer.reserveCapacity(AuditService.exportChunkBytes + 8192)
    }

    func add(_ line: String) async throws {
        buffer.append(contentsOf: line.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= AuditService.exportChunkBytes { try await flush() }
    }

    func flush() async throws {
        guard !buffer.isEmpty else { return }
        var message = Tradewind_V1_ExportAuditLogResponse()
        message.data = buffer
        buffer.removeAll(keepingCapacity: true)
        try await response.write(message)
    }
}
