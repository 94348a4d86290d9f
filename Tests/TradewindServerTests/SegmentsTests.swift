import Foundation
import GRPCCore
import PostgresNIO
import SwiftProtobuf
import Testing
import TradewindCore
import TradewindProto
import TradewindStore
import TradewindTestSupport

@testable import TradewindServer

/// Segments end to end over TLS: all-or-none membership changes, consent applied on every read,
/// paging, isolation between tenants, residency and roles.
@Suite("Segments")
struct SegmentsTests {
    typealias Segments = Tradewind_V1_Segments.Client
    typealias Contacts = Tradewind_V1_Contacts.Client

    /// A new contact of the caller's tenant; its id.
    static func contact(_ key: String, _ name: String) async throws -> String {
        try await TestStack.withClient { grpc in
            var upsert = Tradewind_V1_UpsertContactRequest()
            upsert.contact.externalID = "seg-\(name)"
            upsert.contact.email = "\(name)@example.net"
            return try await Contacts(wrapping: grpc).upsertContact(upsert, metadata: .bearer(key)).contact.id
        }
    }

    static func consent(_ key: String, _ contactID: String, _ action: Tradewind_V1_ConsentAction) async throws {
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_RecordConsentRequest()
            request.contactID = contactID
            request.purpose = .emailMarketing
            request.action = action
            request.lawfulBasis = action == .grant ? .consent : .unspecified
            request.regime = .gdpr
            request.source = "preference centre"
            _ = try await Contacts(wrapping: grpc).recordConsent(request, metadata: .bearer(key))
        }
    }

    static func create(_ key: String, _ name: String, purpose: Tradewind_V1_ConsentPurpose = .emailMarketing)
        async throws -> Tradewind_V1_Segment
    {
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_CreateSegmentRequest()
            request.name = name
            request.purpose = purpose
            return try await Segments(wrapping: grpc).createSegment(request, metadata: .bearer(key))
        }
    }

    static func add(_ key: String, _ segmentID: String, _ contactIDs: [String]) async throws
        -> Tradewind_V1_AddSegmentMembersResponse
    {
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_AddSegmentMembersRequest()
            request.segmentID = segmentID
            request.contactIds = contactIDs
            return try await Segments(wrapping: grpc).addSegmentMembers(request, metadata: .bearer(key))
        }
    }

    static func members(_ key: String, _ segmentID: String, pageSize: Int32 = 0, pageToken: String = "")
        async throws -> Tradewind_V1_ListSegmentMembersResponse
    {
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_ListSegmentMembersRequest()
            request.segmentID = segmentID
            request.pageSize = pageSize
            request.pageToken = pageToken
            return try await Segments(wrapping: grpc).listSegmentMembers(request, metadata: .bearer(key))
        }
    }

    static func get(_ key: String, _ id: String) async throws -> Tradewind_V1_Segment {
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_GetSegmentRequest()
            request.id = id
            return try await Segments(wrapping: grpc).getSegment(request, metadata: .bearer(key))
        }
    }

    @Test("members are added all or none; only those with a current grant are handed out, from the moment it changes")
    func membershipFollowsConsent() async throws {
        let (_, key) = try await TestStack.tenant()
        let ada = try await Self.contact(key, "ada")
        let bo = try await Self.contact(key, "bo")
        let cy = try await Self.contact(key, "cy")
        try await Self.consent(key, ada, .grant)
        try await Self.consent(key, bo, .grant)
        let segment = try await Self.create(key, "Newsletter DE")
        #expect(segment.memberCount == 0 && segment.purpose == .emailMarketing && !segment.id.isEmpty)

        // An unknown id fails the call by its index, and nobody is added.
        let unknown = await Status.of { _ = try await Self.add(key, segment.id, [ada, bo, cy, UUID().uuidString]) }
        #expect(unknown?.code == .invalidArgument)
        #expect(Status.fieldViolations(unknown) == ["contact_ids[3]"])
        #expect(try await Self.get(key, segment.id).memberCount == 0)

        let added = try await Self.add(key, segment.id, [ada, bo, cy, ada])
        #expect(added.added == 3 && added.alreadyMembers == 0)
        let again = try await Self.add(key, segment.id, [ada])
        #expect(again.added == 0 && again.alreadyMembers == 1)

        // cy never consented: a member, but never handed out.
        var page = try await Self.members(key, segment.id)
        #expect(Set(page.members.map(\.contact.id)) == [ada, bo])
        #expect(page.excludedWithoutConsent == 1)
        #expect(page.members.allSatisfy { $0.contact.email.hasSuffix("@example.net") && $0.hasAddTime })

        // A withdrawal counts at once; a later grant brings the member back.
        try await Self.consent(key, ada, .withdraw)
        page = try await Self.members(key, segment.id)
        #expect(page.members.map(\.contact.id) == [bo])
        #expect(page.excludedWithoutConsent == 2)
        let counted = try await Self.get(key, segment.id)
        #expect(counted.memberCount == 3 && counted.usableMemberCount == 1)
        try await Self.consent(key, cy, .grant)

        // Pages of one: every usable member once, then no token.
        let first = try await Self.members(key, segment.id, pageSize: 1)
        #expect(first.members.count == 1 && !first.nextPageToken.isEmpty)
        let second = try await Self.members(key, segment.id, pageSize: 1, pageToken: first.nextPageToken)
        #expect(second.members.count == 1 && second.nextPageToken.isEmpty)
        #expect(Set((first.members + second.members).map(\.contact.id)) == [bo, cy])
        // A token of one segment is refused for another.
        let other = try await Self.create(key, "Other list")
        let misused = await Status.of {
            _ = try await Self.members(key, other.id, pageSize: 1, pageToken: first.nextPageToken)
        }
        #expect(Status.fieldViolations(misused) == ["page_token"])

        let removed = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_RemoveSegmentMembersRequest()
            request.segmentID = segment.id
            request.contactIds = [bo, UUID().uuidString]
            return try await Segments(wrapping: grpc).removeSegmentMembers(request, metadata: .bearer(key))
        }
        #expect(removed.removed == 1)

        let deleted = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_DeleteSegmentRequest()
            request.id = segment.id
            return try await Segments(wrapping: grpc).deleteSegment(request, metadata: .bearer(key))
        }
        #expect(deleted.membershipsRemoved == 2)
        let gone = await Status.of { _ = try await Self.get(key, segment.id) }
        #expect(gone?.code == .notFound)
        // The contacts stay.
        #expect(try await Self.contact(key, "ada") == ada)
    }

    @Test("bad requests name their fields; names are unique; limits hold")
    func badInputAndLimits() async throws {
        let (_, key) = try await TestStack.tenant()
        let blank = await Status.of { _ = try await Self.create(key, " padded ", purpose: .unspecified) }
        #expect(blank?.code == .invalidArgument)
        #expect(Set(Status.fieldViolations(blank)) == ["name", "purpose"])
        let segment = try await Self.create(key, "VIP", purpose: .adPersonalisation)
        let duplicate = await Status.of { _ = try await Self.create(key, "VIP") }
        #expect(duplicate?.code == .alreadyExists)

        let malformed = await Status.of { _ = try await Self.add(key, "nope", ["also-nope"]) }
        #expect(Set(Status.fieldViolations(malformed)) == ["segment_id", "contact_ids[0]"])
        let empty = await Status.of { _ = try await Self.add(key, segment.id, []) }
        #expect(Status.fieldViolations(empty) == ["contact_ids"])
        let tooMany = await Status.of {
            _ = try await Self.add(
                key, segment.id, (0...Segment.maxMembersPerCall).map { _ in UUID().uuidString })
        }
        #expect(tooMany?.code == .resourceExhausted)
        let pageSize = await Status.of { _ = try await Self.members(key, segment.id, pageSize: 1001) }
        #expect(Status.fieldViolations(pageSize) == ["page_size"])

        let list = try await TestStack.withClient { grpc in
            try await Segments(wrapping: grpc).listSegments(.init(), metadata: .bearer(key))
        }
        #expect(list.segments.map(\.name) == ["VIP"])
    }

    @Test("another tenant's segments and contacts answer like ids that never existed; rows stay in the home region")
    func isolationResidencyAndRoles() async throws {
        let (tenantA, a) = try await TestStack.tenant("sg")
        let (_, b) = try await TestStack.tenant("sg")
        let contactOfA = try await Self.contact(a, "sam")
        let segmentOfA = try await Self.create(a, "Shared name")
        _ = try await Self.add(a, segmentOfA.id, [contactOfA])

        let foreign = await Status.of { _ = try await Self.get(b, segmentOfA.id) }
        let missing = await Status.of { _ = try await Self.get(b, UUID().uuidString) }
        #expect(foreign?.code == .notFound && foreign?.message == missing?.message)
        let foreignMembers = await Status.of { _ = try await Self.members(b, segmentOfA.id) }
        #expect(foreignMembers?.code == .notFound)
        // B may use the same name, and cannot add A's contact to its own segment.
        let segmentOfB = try await Self.create(b, "Shared name")
        let borrowed = await Status.of { _ = try await Self.add(b, segmentOfB.id, [contactOfA]) }
        #expect(Status.fieldViolations(borrowed) == ["contact_ids[0]"])
        let intoForeign = await Status.of { _ = try await Self.add(b, segmentOfA.id, [contactOfA]) }
        #expect(intoForeign?.code == .notFound)
        #expect(try await Self.get(a, segmentOfA.id).memberCount == 1)

        try await DatabaseSession.with { session in
            for region in session.regions.keys.sorted() {
                let counts = try await session.inRegion(region, tenantID: tenantA.id) { connection in
                    var counts: [Int] = []
                    for table in ["segments", "segment_memberships"] {
                        for try await n in try await connection.query(
                            "SELECT count(*)::int FROM \(unescaped: table) WHERE tenant_id = \(tenantA.id)",
                            logger: TestEnvironment.logger
                        ).decode(Int.self) { counts.append(n) }
                    }
                    return counts
                }
                #expect(counts == (region == tenantA.homeRegion ? [1, 1] : [0, 0]), "region \(region)")
            }
        }

        // An analyst sees aggregates only: no segments, no members.
        let analyst = try await TestStack.key(tenantID: tenantA.id, role: .analyst)
        let denied = await Status.of { _ = try await Self.members(analyst, segmentOfA.id) }
        #expect(denied?.code == .permissionDenied)
    }
}
