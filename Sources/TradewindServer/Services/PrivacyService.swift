import Foundation
import GRPCCore
import SwiftProtobuf
import TradewindCore
import TradewindProto
import TradewindStore

/// `tradewind.v1.Privacy`: data-subject requests with their legal deadlines, answered from the
/// tenant's region only.
struct PrivacyService: Tradewind_V1_Privacy.SimpleServiceProtocol {
    let store: TenantStore
    let hasher: SubjectHasher
    let pageTokens: PageTokenCodec
    let limits: ServerConfiguration.Limits

    func openRequest(request: Tradewind_V1_OpenPrivacyRequestRequest, context: ServerContext) async throws
        -> Tradewind_V1_PrivacyRequest
    {
        var collector = ViolationCollector()
        let kind = Self.kind(request.kind)
        if kind == nil { collector.add("kind", request.kind.rawValue == 0 ? "is required" : "is not a known kind") }
        let regime = ProtoMapping.regime(request.regime)
        if regime == nil {
            collector.add("regime", request.regime.rawValue == 0 ? "is required" : "is not a known regime")
        }
        let subject = Self.subject(request.subject, into: &collector)
        collector.require(
            FieldFormats.isValidIdempotencyKey(request.idempotencyKey), "idempotency_key",
            request.idempotencyKey.isEmpty ? "is required" : "must be 1-100 printable ASCII characters")
        collector.require(request.note.count <= 1000, "note", "must be at most 1,000 characters")
        try collector.throwIfAny()
        guard let kind, let regime, let subject else {
            throw RPCError(code: .invalidArgument, message: "invalid request")
        }

        let call = try CallContext.tenantCall()
        let principal = call.principal.id
        let (key, note, hasher) = (request.idempotencyKey, request.note, hasher)
        let tenant = call.tenant
        let (opened, _) = try await store.write(for: call) { tx in
            let hash = hasher.hash(kind: subject.kind, value: subject.value, tenantID: tenant.id)
            // One instant for the opening and the deadline: the due date is exactly the regime's period after it.
            let openedAt = Date().roundedToMicroseconds
            let due = regime.dueDate(
                openedAt: openedAt, tenantDeadlineDays: tenant.settings.privacyRequestDeadlineDays)
            let result = try await PrivacyRepository.open(
                kind: kind, regime: regime, subject: subject, subjectHash: hash, openedAt: openedAt, dueAt: due,
                idempotencyKey: key, openedBy: principal, note: note, in: tx)
            call.touch("privacy_request:\(result.0.id.uuidString.lowercased())")
            if case .contactID(let id) = subject { call.touch(contact: id) }
            call.wrote(rows: result.created ? 1 : 0)
            return result
        }
        return Self.proto(opened)
    }

    func getRequest(request: Tradewind_V1_GetPrivacyRequestRequest, context: ServerContext) async throws
        -> Tradewind_V1_PrivacyRequest
    {
        let id = try ProtoMapping.uuid(request.id, field: "id")
        let call = try CallContext.tenantCall()
        let found = try await store.read(for: call) { tx in
            call.touch("privacy_request:\(id.uuidString.lowercased())")
            guard let found = try await PrivacyRepository.get(id: id, in: tx) else { throw Self.notFound }
            call.read(rows: 1)
            return found
        }
        return Self.proto(found)
    }

    func listRequests(request: Tradewind_V1_ListPrivacyRequestsRequest, context: ServerContext) async throws
        -> Tradewind_V1_ListPrivacyRequestsResponse
    {
        let pageSize = try limits.pageSizes.resolve(request.pageSize)
        let call = try CallContext.tenantCall()
        let scope = call.pageTokenScope
        let fingerprint = "open_only=\(request.openOnly)"
        var after: (Int64, UUID)?
        if !request.pageToken.isEmpty {
            let position = try pageTokens.decode(request.pageToken, scope: scope, filterFingerprint: fingerprint)
            guard position.count == 2, let micros = Int64(position[0]), let id = UUID(uuidString: position[1]) else {
                throw ErrorMapping.invalidArgument(ValidationFailure(field: "page_token", "is malformed"))
            }
            after = (micros, id)
        }
        let (openOnly, cursor) = (request.openOnly, after)
        let (requests, counts) = try await store.read(for: call) { tx in
            let requests = try await PrivacyRepository.list(
                openOnly: openOnly, after: cursor, limit: pageSize + 1, in: tx)
            call.read(rows: min(requests.count, pageSize))
            return (requests, try await PrivacyRepository.dueCounts(in: tx))
        }
        var response = Tradewind_V1_ListPrivacyRequestsResponse()
        response.requests = requests.prefix(pageSize).map(Self.proto)
        response.overdueCount = Int32(counts.overdue)
        response.dueSoonCount = Int32(counts.dueSoon)
        if requests.count > pageSize, let last = requests.prefix(pageSize).last {
            let sortKey = openOnly ? last.dueAt : last.openedAt
            response.nextPageToken = pageTokens.encode(
                position: [String(sortKey.microsecondsSince1970), last.id.uuidString], scope: scope,
                filterFingerprint: fingerprint)
        }
        return response
    }

    func exportSubjectData(request: Tradewind_V1_ExportSubjectDataRequest, context: ServerContext) async throws
        -> Tradewind_V1_SubjectDataExport
    {
        let id = try ProtoMapping.uuid(request.requestID, field: "request_id")
        let call = try CallContext.tenantCall()
        let (closed, document) = try await store.write(for: call) { tx in
            let open = try await Self.openRequest(id, kinds: [.access, .portability], field: "request_id", in: tx)
            call.touch("privacy_request:\(id.uuidString.lowercased())")
            let subject = try await PrivacyRepository.resolve(Self.selector(of: open), in: tx)
            for contact in subject.contactIDs { call.touch(contact: contact) }
            let document = try await PrivacyRepository.document(for: subject, in: tx)
            let closed = try await PrivacyRepository.close(id: id, status: .completed, note: nil, in: tx)
            return (closed, document)
        }
        var response = Tradewind_V1_SubjectDataExport()
        response.request = Self.proto(closed)
        response.document = Data(document.utf8)
        return response
    }

    func eraseSubject(request: Tradewind_V1_EraseSubjectRequest, context: ServerContext) async throws
        -> Tradewind_V1_PrivacyRequest
    {
        let id = try ProtoMapping.uuid(request.requestID, field: "request_id")
        let hasher = self.hasher
        let call = try CallContext.tenantCall()
        let tenant = call.tenant
        let closed = try await store.write(for: call) { tx in
            let open = try await Self.openRequest(id, kinds: [.erasure], field: "request_id", in: tx)
            call.touch("privacy_request:\(id.uuidString.lowercased())")
            let subject = try await PrivacyRepository.resolve(Self.selector(of: open), in: tx)
            for contact in subject.contactIDs { call.touch(contact: contact) }
            let suppress = try await PrivacyRepository.contactPoints(of: subject, in: tx).map {
                (kind: $0.kind, hash: hasher.hash(kind: $0.kind, value: $0.value, tenantID: tenant.id))
            }
            let counts = try await PrivacyRepository.erase(subject, suppress: suppress, requestID: id, in: tx)
            call.wrote(
                rows: counts.contacts + counts.events + counts.identityLinks + counts.segmentMemberships
                    + counts.ledgerEntriesUnlinked)
            let note =
                "erased \(counts.contacts) contact(s), \(counts.events) event(s), \(counts.identityLinks) identity link(s), "
                + "\(counts.segmentMemberships) segment membership(s); "
                + "\(counts.ledgerEntriesUnlinked) consent ledger entrie(s) kept without the person; "
                + "\(suppress.count) contact point(s) suppressed"
            return try await PrivacyRepository.close(id: id, status: .completed, note: note, in: tx)
        }
        return Self.proto(closed)
    }

    func closeRequest(request: Tradewind_V1_ClosePrivacyRequestRequest, context: ServerContext) async throws
        -> Tradewind_V1_PrivacyRequest
    {
        var collector = ViolationCollector()
        let id = ProtoMapping.uuid(request.requestID, field: "request_id", into: &collector)
        if request.reject { collector.require(!request.note.isEmpty, "note", "is required to reject a request") }
        collector.require(request.note.count <= 1000, "note", "must be at most 1,000 characters")
        try collector.throwIfAny()
        guard let id else { throw RPCError(code: .invalidArgument, message: "request_id: must be a UUID") }
        let (reject, note) = (request.reject, request.note)
        let call = try CallContext.tenantCall()
        let closed = try await store.write(for: call) { tx in
            call.touch("privacy_request:\(id.uuidString.lowercased())")
            _ = try await Self.openRequest(id, kinds: Set(PrivacyRequestKind.allCases), field: "request_id", in: tx)
            return try await PrivacyRepository.close(
                id: id, status: reject ? .rejected : .completed, note: note.isEmpty ? nil : note, in: tx)
        }
        return Self.proto(closed)
    }

    // MARK: Helpers

    private static let notFound = RPCError(code: .notFound, message: "privacy request not found")

    /// The open request `id` of one of `kinds`, or the error that says why not.
    private static func openRequest(
        _ id: UUID, kinds: Set<PrivacyRequestKind>, field: String, in tx: TenantTransaction
    ) async throws -> PrivacyRequest {
        guard let request = try await PrivacyRepository.get(id: id, in: tx) else { throw notFound }
        guard request.status == .open else {
            throw RPCError(code: .failedPrecondition, message: "the request is \(request.status.rawValue) already")
        }
        guard kinds.contains(request.kind) else {
            throw ErrorMapping.invalidArgument(
                ValidationFailure(
                    field: field, "is a\(request.kind == .access ? "n" : "") \(request.kind.rawValue) request"))
        }
        return request
    }

    private static func selector(of request: PrivacyRequest) throws -> SubjectSelector {
        let value = request.subjectValue ?? ""
        switch request.subjectKind {
        case "email": return .email(value)
        case "phone": return .phone(value)
        case "anonymous_id": return .anonymousID(value)
        case "contact_id":
            if let id = UUID(uuidString: value) { return .contactID(id) }
        default: break
        }
        throw RPCError(code: .internalError, message: "the request's subject is unreadable")
    }

    private static func subject(_ subject: Tradewind_V1_Subject, into collector: inout ViolationCollector)
        -> SubjectSelector?
    {
        switch subject.id {
        case .email(let email):
            guard FieldFormats.isValidEmail(email) else {
                collector.add("subject.email", "must be an email address")
                return nil
            }
            return .email(email)
        case .phone(let phone):
            guard FieldFormats.isValidE164(phone) else {
                collector.add("subject.phone", "must be an E.164 number such as +4915112345678")
                return nil
            }
            return .phone(phone)
        case .contactID(let text):
            guard let id = UUID(uuidString: text) else {
                collector.add("subject.contact_id", "must be a UUID")
                return nil
            }
            return .contactID(id)
        case .anonymousID(let id):
            guard FieldFormats.isPrintableText(id, maxLength: 200) else {
                collector.add("subject.anonymous_id", "must be 1-200 printable characters")
                return nil
            }
            return .anonymousID(id)
        case nil:
            collector.add("subject", "set one of email, phone, contact_id, anonymous_id")
            return nil
        }
    }

    private static func kind(_ value: Tradewind_V1_PrivacyRequestKind) -> PrivacyRequestKind? {
        switch value {
        case .access: .access
        case .portability: .portability
        case .erasure: .erasure
        case .rectification: .rectification
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    static func proto(_ request: PrivacyRequest) -> Tradewind_V1_PrivacyRequest {
        var message = Tradewind_V1_PrivacyRequest()
        message.id = request.id.uuidString.lowercased()
        message.kind =
            switch request.kind {
            case .access: .access
            case .portability: .portability
            case .erasure: .erasure
            case .rectification: .rectification
            }
        message.regime = ProtoMapping.proto(request.regime)
        message.subjectKind = request.subjectKind
        message.subjectValue = request.subjectValue ?? ""
        message.status =
            switch request.status {
            case .open: .open
            case .completed: .completed
            case .rejected: .rejected
            }
        message.openTime = Google_Protobuf_Timestamp(date: request.openedAt)
        message.dueTime = Google_Protobuf_Timestamp(date: request.dueAt)
        if let completed = request.completedAt { message.closeTime = Google_Protobuf_Timestamp(date: completed) }
        let now = Date()
        message.dueSoon = request.isDueSoon(at: now)
        message.overdue = request.isOverdue(at: now)
        message.note = request.note
        return message
    }
}
