import Foundation
import GRPCCore
import SwiftProtobuf
import TradewindCore
import TradewindProto
import TradewindStore

/// `tradewind.v1.Segments`: named lists of contacts for one consent purpose.
///
/// Like Contacts, each handler validates the whole request first, then works in one audited
/// transaction in the caller's home region, so a failed call leaves nothing behind. Members are
/// handed out only while their consent for the segment's purpose is granted.
struct SegmentsService: Tradewind_V1_Segments.SimpleServiceProtocol {
    let store: TenantStore
    let pageTokens: PageTokenCodec
    let limits: ServerConfiguration.Limits

    func createSegment(request: Tradewind_V1_CreateSegmentRequest, context: ServerContext) async throws
        -> Tradewind_V1_Segment
    {
        var collector = ViolationCollector()
        Segment.validate(name: request.name, description: request.description_p, into: &collector)
        let purpose = ProtoMapping.purpose(request.purpose)
        if purpose == nil { collector.add("purpose", ProtoMapping.enumMessage(request.purpose.rawValue)) }
        try collector.throwIfAny()
        guard let purpose else { throw RPCError(code: .invalidArgument, message: "purpose: is required") }

        let (name, description) = (request.name, request.description_p)
        let call = try CallContext.tenantCall()
        let segment = try await store.write(for: call) { tx in
            guard
                let segment = try await SegmentRepository.create(
                    name: name, description: description, purpose: purpose, in: tx)
            else {
                throw RPCError(code: .alreadyExists, message: "name: the tenant already has a segment named \(name)")
            }
            call.wrote(rows: 1)
            return segment
        }
        return Self.proto(segment)
    }

    func getSegment(request: Tradewind_V1_GetSegmentRequest, context: ServerContext) async throws
        -> Tradewind_V1_Segment
    {
        let id = try ProtoMapping.uuid(request.id, field: "id")
        let call = try CallContext.tenantCall()
        let segment = try await store.read(for: call) { tx in
            guard let segment = try await SegmentRepository.get(id: id, in: tx) else { throw Self.notFound }
            call.read(rows: 1)
            return segment
        }
        return Self.proto(segment)
    }

    func listSegments(request: Tradewind_V1_ListSegmentsRequest, context: ServerContext) async throws
        -> Tradewind_V1_ListSegmentsResponse
    {
        let pageSize = try limits.pageSizes.resolve(request.pageSize)
        let scope = try CallContext.tenantCall().pageTokenScope
        var after: String?
        if !request.pageToken.isEmpty {
            let position = try pageTokens.decode(request.pageToken, scope: scope, filterFingerprint: "")
            guard position.count == 1 else {
                throw ErrorMapping.invalidArgument(ValidationFailure(field: "page_token", "is malformed"))
            }
            after = position[0]
        }
        let cursor = after
        // One row more than asked tells whether another page exists.
        let call = try CallContext.tenantCall()
        let segments = try await store.read(for: call) { tx in
            let segments = try await SegmentRepository.list(after: cursor, limit: pageSize + 1, in: tx)
            call.read(rows: min(segments.count, pageSize))
            return segments
        }
        var response = Tradewind_V1_ListSegmentsResponse()
        response.segments = segments.prefix(pageSize).map(Self.proto)
        if segments.count > pageSize, let last = segments.prefix(pageSize).last {
            response.nextPageToken = pageTokens.encode(position: [last.name], scope: scope, filterFingerprint: "")
        }
        return response
    }

    func deleteSegment(request: Tradewind_V1_DeleteSegmentRequest, context: ServerContext) async throws
        -> Tradewind_V1_DeleteSegmentResponse
    {
        let id = try ProtoMapping.uuid(request.id, field: "id")
        let call = try CallContext.tenantCall()
        let removed = try await store.write(for: call) { tx in
            guard let removed = try await SegmentRepository.delete(id: id, in: tx) else { throw Self.notFound }
            call.wrote(rows: removed + 1)
            return removed
        }
        var response = Tradewind_V1_DeleteSegmentResponse()
        response.membershipsRemoved = Int64(removed)
        return response
    }

    func addSegmentMembers(request: Tradewind_V1_AddSegmentMembersRequest, context: ServerContext) async throws
        -> Tradewind_V1_AddSegmentMembersResponse
    {
        let (segmentID, contactIDs) = try Self.members(request.segmentID, request.contactIds)
        let distinct = Array(Set(contactIDs))
        let call = try CallContext.tenantCall()
        let added = try await store.write(for: call) { tx in
            for id in distinct { call.touch(contact: id) }
            switch try await SegmentRepository.add(distinct, to: segmentID, in: tx) {
            case nil:
                throw Self.notFound
            case .unknownContacts(let unknown):
                // Every unknown id, by its index, in one answer; an id of another tenant's contact
                // reads exactly like one that never existed.
                var collector = ViolationCollector()
                for (index, id) in contactIDs.enumerated() where unknown.contains(id) {
                    collector.add("contact_ids[\(index)]", "no such contact")
                }
                try collector.throwIfAny()
                return 0
            case .added(let count):
                call.wrote(rows: count)
                return count
            }
        }
        var response = Tradewind_V1_AddSegmentMembersResponse()
        response.added = Int32(added)
        response.alreadyMembers = Int32(distinct.count - added)
        return response
    }

    func removeSegmentMembers(request: Tradewind_V1_RemoveSegmentMembersRequest, context: ServerContext)
        async throws -> Tradewind_V1_RemoveSegmentMembersResponse
    {
        let (segmentID, contactIDs) = try Self.members(request.segmentID, request.contactIds)
        let call = try CallContext.tenantCall()
        let removed = try await store.write(for: call) { tx in
            guard try await SegmentRepository.exists(id: segmentID, in: tx) else { throw Self.notFound }
            for id in Set(contactIDs) { call.touch(contact: id) }
            let removed = try await SegmentRepository.remove(contactIDs, from: segmentID, in: tx)
            call.wrote(rows: removed)
            return removed
        }
        var response = Tradewind_V1_RemoveSegmentMembersResponse()
        response.removed = Int32(removed)
        return response
    }

    func listSegmentMembers(request: Tradewind_V1_ListSegmentMembersRequest, context: ServerContext)
        async throws -> Tradewind_V1_ListSegmentMembersResponse
    {
        var collector = ViolationCollector()
        let segmentID = ProtoMapping.uuid(request.segmentID, field: "segment_id", into: &collector)
        var pageSize = limits.pageSizes.defaultSize
        do { pageSize = try limits.pageSizes.resolve(request.pageSize) } catch {
            collector.add("page_size", error.message)
        }
        try collector.throwIfAny()
        guard let segmentID else { throw RPCError(code: .invalidArgument, message: "segment_id: must be a UUID") }

        let scope = try CallContext.tenantCall().pageTokenScope
        let fingerprint = segmentID.uuidString
        var after: (Int64, UUID)?
        if !request.pageToken.isEmpty {
            let position = try pageTokens.decode(request.pageToken, scope: scope, filterFingerprint: fingerprint)
            guard position.count == 2, let micros = Int64(position[0]), let id = UUID(uuidString: position[1]) else {
                throw ErrorMapping.invalidArgument(ValidationFailure(field: "page_token", "is malformed"))
            }
            after = (micros, id)
        }
        let cursor = after
        let limit = pageSize
        let call = try CallContext.tenantCall()
        let (segment, members) = try await store.read(for: call) { tx in
            guard let segment = try await SegmentRepository.get(id: segmentID, in: tx) else { throw Self.notFound }
            let members = try await SegmentRepository.members(
                of: segmentID, purpose: segment.purpose, after: cursor, limit: limit + 1, in: tx)
            // Who saw which person: every returned member, by pseudonym.
            for member in members.prefix(limit) { call.touch(contact: member.contact.id) }
            call.read(rows: min(members.count, limit))
            return (segment, members)
        }
        var response = Tradewind_V1_ListSegmentMembersResponse()
        response.members = members.prefix(pageSize).map { member in
            var proto = Tradewind_V1_SegmentMember()
            proto.contact = ProtoMapping.proto(member.contact)
            proto.addTime = Google_Protobuf_Timestamp(date: member.addedAt)
            return proto
        }
        response.excludedWithoutConsent = segment.memberCount - segment.usableMemberCount
        if members.count > pageSize, let last = members.prefix(pageSize).last {
            response.nextPageToken = pageTokens.encode(
                position: [String(last.addedAt.microsecondsSince1970), last.contact.id.uuidString], scope: scope,
                filterFingerprint: fingerprint)
        }
        return response
    }

    // MARK: Helpers

    static func proto(_ segment: Segment) -> Tradewind_V1_Segment {
        var proto = Tradewind_V1_Segment()
        proto.id = segment.id.uuidString.lowercased()
        proto.name = segment.name
        proto.description_p = segment.description
        proto.purpose = ProtoMapping.proto(segment.purpose)
        proto.createTime = Google_Protobuf_Timestamp(date: segment.createdAt)
        proto.memberCount = segment.memberCount
        proto.usableMemberCount = segment.usableMemberCount
        return proto
    }

    /// The segment id and 1 to `Segment.maxMembersPerCall` contact ids of a membership change.
    private static func members(_ segment: String, _ contacts: [String]) throws -> (UUID, [UUID]) {
        guard contacts.count <= Segment.maxMembersPerCall else {
            throw RPCError(
                code: .resourceExhausted,
                message: "contact_ids: at most \(Segment.maxMembersPerCall) per call, got \(contacts.count)")
        }
        var collector = ViolationCollector()
        let segmentID = ProtoMapping.uuid(segment, field: "segment_id", into: &collector)
        collector.require(!contacts.isEmpty, "contact_ids", "at least one contact id is required")
        let ids = contacts.enumerated().compactMap { index, text in
            ProtoMapping.uuid(text, field: "contact_ids[\(index)]", into: &collector)
        }
        try collector.throwIfAny()
        guard let segmentID else { throw RPCError(code: .invalidArgument, message: "segment_id: must be a UUID") }
        return (segmentID, ids)
    }

    /// The same answer, word for word, for another tenant's segment as for an id that never existed.
    private static let notFound = RPCError(code: .notFound, message: "segment not found")
}
