import Foundation
import GRPCCore
import PostgresNIO
import SwiftProtobuf
import Synchronization
import Testing
import TradewindAudit
import TradewindCore
import TradewindProto
import TradewindTestSupport

@testable import TradewindServer

/// The audit log end to end: one record per call whatever its outcome, in the right chain,
/// committed before the answer, never written without the change it describes, and verifiable.
@Suite("Audit log", .serialized)
struct AuditTests {
    typealias Contacts = Tradewind_V1_Contacts.Client
    typealias Admin = Tradewind_V1_TenantAdmin.Client
    typealias Audit = Tradewind_V1_Audit.Client

    /// Where a call's record must land and with which outcome.
    struct Expected: Sendable {
        var platform: Bool
        var method: String
        var code: Int
        /// A stream leaves two records under its request id: opening and closing.
        var streaming = false
    }

    /// A deterministic mix (SplitMix64), so a failure replays the same sequence.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("a random mix of calls (valid, invalid, denied, unauthenticated, operator) maps one-for-one to records")
    func coverage() async throws {
        let (tenant, owner) = try await TestStack.tenant("eu")
        let analyst = try await TestStack.key(tenantID: tenant.id, role: .analyst)
        let officer = try await TestStack.key(tenantID: tenant.id, role: .complianceOfficer)
        let operatorKey = try await TestStack.operatorKey()
        let started = Date()
        let keys = try await TestStack.running().auditKeys

        let expected: [String: Expected] = try await TestStack.withClient { grpc in
            let contacts = Contacts(wrapping: grpc)
            let admin = Admin(wrapping: grpc)
            let audit = Audit(wrapping: grpc)
            var expected: [String: Expected] = [:]
            var generator = SeededGenerator(state: 20_261_125)

            func call(
                _ platform: Bool, _ method: MethodDescriptor, streaming: Bool = false,
                _ body: (String) async throws -> Void
            ) async {
                let requestID = "cov-\(UUID().uuidString.lowercased())"
                var code = 0
                do { try await body(requestID) } catch let error as RPCError { code = error.code.rawValue } catch {
                    code = -1
                }
                expected[requestID] = Expected(
                    platform: platform, method: method.fullyQualifiedMethod, code: code, streaming: streaming)
            }
            typealias C = Tradewind_V1_Contacts.Method
            typealias A = Tradewind_V1_TenantAdmin.Method
            var day = Tradewind_V1_DayRange()
            day.fromDay = EventsTests.dayText
            day.toDay = EventsTests.dayText

            var existing = ""
            await call(false, C.UpsertContact.descriptor) { id in
                var request = Tradewind_V1_UpsertContactRequest()
                request.contact.externalID = "coverage-existing"
                existing = try await contacts.upsertContact(
                    request, metadata: AuditHarness.metadata(owner, requestID: id)
                )
                .contact.id
            }
            for _ in 0..<80 {
                switch Int.random(in: 0..<19, using: &generator) {
                case 0:
                    await call(false, C.UpsertContact.descriptor) { id in
                        var request = Tradewind_V1_UpsertContactRequest()
                        request.contact.externalID = "c-\(UUID())"
                        _ = try await contacts.upsertContact(
                            request, metadata: AuditHarness.metadata(owner, requestID: id))
                    }
                case 1:
                    await call(false, C.UpsertContact.descriptor) { id in
                        var request = Tradewind_V1_UpsertContactRequest()
                        request.contact.externalID = "c-\(UUID())"
                        request.contact.email = "not an email"
                        _ = try await contacts.upsertContact(
                            request, metadata: AuditHarness.metadata(owner, requestID: id))
                    }
                case 2:
                    await call(false, C.GetContact.descriptor) { id in
                        var request = Tradewind_V1_GetContactRequest()
                        request.id = UUID().uuidString
                        _ = try await contacts.getContact(
                            request, metadata: AuditHarness.metadata(owner, requestID: id))
                    }
                case 3:
                    await call(false, C.GetContact.descriptor) { id in
                        var request = Tradewind_V1_GetContactRequest()
                        request.id = existing
                        _ = try await contacts.getContact(
                            request, metadata: AuditHarness.metadata(owner, requestID: id))
                    }
                case 4:
                    await call(false, C.ListContacts.descriptor) { id in
                        _ = try await contacts.listContacts(
                            Tradewind_V1_ListContactsRequest(), metadata: AuditHarness.metadata(owner, requestID: id))
                    }
                case 5:
                    await call(false, C.UpsertContact.descriptor) { id in
                        var request = Tradewind_V1_UpsertContactRequest()
                        request.contact.externalID = "denied"
                        _ = try await contacts.upsertContact(
                            request, metadata: AuditHarness.metadata(analyst, requestID: id))
                    }
                case 6:
                    await call(true, C.GetContact.descriptor) { id in
                        var request = Tradewind_V1_GetContactRequest()
                        request.id = existing
                        _ = try await contacts.getContact(request, metadata: AuditHarness.metadata(nil, requestID: id))
                    }
                case 7:
                    await call(true, C.ListContacts.descriptor) { id in
                        _ = try await contacts.listContacts(
                            Tradewind_V1_ListContactsRequest(),
                            metadata: AuditHarness.metadata("tw_AAAAAAAAAAAAAAAA_bogus", requestID: id))
                    }
                case 8:
                    await call(true, A.GetTenant.descriptor) { id in
                        var request = Tradewind_V1_GetTenantRequest()
                        request.id = tenant.id.uuidString
                        _ = try await admin.getTenant(
                            request, metadata: AuditHarness.metadata(operatorKey, requestID: id))
                    }
                case 9:
                    await call(true, A.CreateApiKey.descriptor) { id in
                        var request = Tradewind_V1_CreateApiKeyRequest()
                        request.tenantID = tenant.id.uuidString
                        _ = try await admin.createApiKey(
                            request, metadata: AuditHarness.metadata(operatorKey, requestID: id))
                    }
                case 10:
                    await call(false, Tradewind_V1_Audit.Method.QueryAuditLog.descriptor) { id in
                        _ = try await audit.queryAuditLog(
                            Tradewind_V1_QueryAuditLogRequest(), metadata: AuditHarness.metadata(officer, requestID: id)
                        )
                    }
                case 11:
                    await call(false, C.RecordConsent.descriptor) { id in
                        var request = Tradewind_V1_RecordConsentRequest()
                        request.contactID = existing
                        request.purpose = .emailMarketing
                        request.action = .grant
                        request.lawfulBasis = .consent
                        request.regime = .gdpr
                        request.source = "coverage"
                        _ = try await contacts.recordConsent(
                            request, metadata: AuditHarness.metadata(owner, requestID: id))
                    }
                case 12:
                    await call(false, Tradewind_V1_Segments.Method.CreateSegment.descriptor) { id in
                        var request = Tradewind_V1_CreateSegmentRequest()
                        request.name = "coverage \(id)"
                        request.purpose = .emailMarketing
                        _ = try await Tradewind_V1_Segments.Client(wrapping: grpc).createSegment(
                            request, metadata: AuditHarness.metadata(owner, requestID: id))
                    }
                case 13:
                    await call(false, Tradewind_V1_Privacy.Method.OpenRequest.descriptor) { id in
                        var request = Tradewind_V1_OpenPrivacyRequestRequest()
                        request.kind = .access
                        request.regime = .gdpr
                        request.subject.email = "coverage@example.org"
                        request.idempotencyKey = id
                        _ = try await Tradewind_V1_Privacy.Client(wrapping: grpc).openRequest(
                            request, metadata: AuditHarness.metadata(officer, requestID: id))
                    }
                case 14:
                    // A compliance officer may not read analytics: denied, and recorded.
                    await call(false, Tradewind_V1_Analytics.Method.GetKPIs.descriptor) { id in
                        var request = Tradewind_V1_GetKPIsRequest()
                        request.range = day
                        _ = try await Tradewind_V1_Analytics.Client(wrapping: grpc).getKPIs(
                            request, metadata: AuditHarness.metadata(officer, requestID: id))
                    }
                case 15:
                    await call(false, Tradewind_V1_Analytics.Method.GetKPIs.descriptor) { id in
                        var request = Tradewind_V1_GetKPIsRequest()
                        request.range = day
                        request.groupBy = [.channel]
                        _ = try await Tradewind_V1_Analytics.Client(wrapping: grpc).getKPIs(
                            request, metadata: AuditHarness.metadata(analyst, requestID: id))
                    }
                case 16:
                    await call(false, Tradewind_V1_Events.Method.IngestEvents.descriptor, streaming: true) { id in
                        _ = try await EventsTests.ingest(
                            owner, [[EventsTests.touchpoint("cov-\(id)")]], requestID: id)
                    }
                case 17:
                    await call(false, Tradewind_V1_Privacy.Method.ListRequests.descriptor) { id in
                        _ = try await Tradewind_V1_Privacy.Client(wrapping: grpc).listRequests(
                            Tradewind_V1_ListPrivacyRequestsRequest(),
                            metadata: AuditHarness.metadata(officer, requestID: id))
                    }
                default:
                    await call(false, C.DeleteContact.descriptor) { id in
                        var request = Tradewind_V1_DeleteContactRequest()
                        request.id = UUID().uuidString
                        _ = try await contacts.deleteContact(
                            request, metadata: AuditHarness.metadata(owner, requestID: id))
                    }
                }
            }
            // Health checks are the one exemption: no credential, and no record.
            var health = Metadata()
            health.addString("cov-health-check", forKey: "x-request-id")
            _ = try await Grpc_Health_V1_Health.Client(wrapping: grpc).check(.init(), metadata: health)
            var watch = Metadata()
            watch.addString("cov-health-watch", forKey: "x-request-id")
            let first = try await Grpc_Health_V1_Health.Client(wrapping: grpc).watch(.init(), metadata: watch) {
                response in
                for try await message in response.messages { return message.status }
                return .unknown
            }
            #expect(first == .serving)
            return expected
        }
        let codes = Set(expected.values.map(\.code))
        let services = Set(expected.values.map { $0.method.prefix { $0 != "/" } })
        #expect(
            services
                == [
                    "tradewind.v1.Contacts", "tradewind.v1.TenantAdmin", "tradewind.v1.Audit", "tradewind.v1.Segments",
                    "tradewind.v1.Privacy", "tradewind.v1.Analytics", "tradewind.v1.Events",
                ], "the mix must reach every audited service")
        #expect(
            codes.isSuperset(of: [0, 3, 5, 7, 16]), "the mix must cover ok, invalid, not found, denied, unauthenticated"
        )

        let tenantLines = try await AuditHarness.export(key: officer, requestID: "cov-export")
        let platformLines = try await AuditHarness.export(key: operatorKey, from: started)
        #expect(throws: Never.self) { try AuditHarness.verify(tenantLines, keys: keys).get() }
        #expect(throws: Never.self) { try AuditHarness.verify(platformLines, keys: keys).get() }

        let tenantRecords = try AuditHarness.records(tenantLines)
        let platformRecords = try AuditHarness.records(platformLines).filter { $0.requestID?.hasPrefix("cov-") == true }
        // The tenant's chain holds exactly these calls (and the export's own opening record): one
        // record each, two for a stream.
        let tenantIDs = tenantRecords.compactMap(\.requestID)
        for (requestID, count) in Dictionary(tenantIDs.map { ($0, 1) }, uniquingKeysWith: +) {
            #expect(count == (expected[requestID]?.streaming == true ? 2 : 1), "\(requestID) has \(count) records")
        }
        for record in tenantRecords where expected[record.requestID ?? ""]?.streaming == true {
            #expect(record.event == "stream_open" || record.event == "stream_close")
        }
        #expect(
            Set(tenantIDs)
                == Set(expected.filter { !$0.value.platform }.keys).union(["cov-export"]))
        for record in tenantRecords + platformRecords {
            guard let requestID = record.requestID, requestID != "cov-export" else { continue }
            let want = try #require(expected[requestID], "record \(requestID) was never sent")
            #expect(record.method == want.method, "\(requestID)")
            #expect(record.code == want.code, "\(requestID): \(String(describing: record.method))")
        }
        let platformIDs = platformRecords.compactMap(\.requestID)
        #expect(Set(platformIDs).count == platformIDs.count, "a request id appears twice in the platform chain")
        #expect(Set(platformIDs) == Set(expected.filter { $0.value.platform }.keys))
        let healthIDs: Set<String> = ["cov-health-check", "cov-health-watch"]
        let allPlatformIDs = try AuditHarness.records(platformLines).compactMap(\.requestID)
        #expect(Set(tenantIDs + allPlatformIDs).isDisjoint(with: healthIDs))
        // The tenant's records stay out of the platform log and vice versa.
        #expect(tenantRecords.allSatisfy { $0.tenant == tenant.id.uuidString.lowercased() })
    }

    @Test("a stream gets an opening record before its data and a closing record with its counts")
    func streamRecords() async throws {
        let (tenant, owner) = try await TestStack.tenant("us")
        _ = tenant
        _ = try await AuditHarness.export(key: owner, requestID: "first-export")
        let lines = try await AuditHarness.export(key: owner, requestID: "second-export")
        let records = try AuditHarness.records(lines)
        let first = records.filter { $0.requestID == "first-export" }
        #expect(first.map(\.event) == ["stream_open", "stream_close"])
        #expect(first.last?.code == 0)
        #expect((first.last?.messagesOut ?? 0) >= 1)
        // The running export's own opening record is committed before its first message.
        #expect(records.last?.requestID == "second-export" && records.last?.event == "stream_open")
    }

    @Test("a read's record is committed before its answer arrives, and holds a pseudonym, never personal data")
    func durableBeforeDataLeaves() async throws {
        let (tenant, owner) = try await TestStack.tenant("eu")
        let contact = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_UpsertContactRequest()
            request.contact.externalID = "durable"
            request.contact.email = "erika.mustermann@example.com"
            request.contact.name = "Erika Mustermann"
            return try await Contacts(wrapping: grpc).upsertContact(request, metadata: .bearer(owner)).contact
        }
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_GetContactRequest()
            request.id = contact.id
            _ = try await Contacts(wrapping: grpc).getContact(
                request, metadata: AuditHarness.metadata(owner, requestID: "durable-get"))
        }
        // No waiting: the answer came after the commit.
        let bodies = try await DatabaseSession.with { session in
            try await session.inRegion(Region("eu"), tenantID: tenant.id) { connection in
                let rows = try await connection.query(
                    "SELECT body FROM audit_records WHERE tenant_id = \(tenant.id) ORDER BY seq",
                    logger: TestEnvironment.logger)
                var bodies: [String] = []
                for try await body in rows.decode(String.self) { bodies.append(body) }
                return bodies
            }
        }
        #expect(bodies.count == 2)
        let get = try #require(bodies.last)
        #expect(get.contains("\"request_id\":\"durable-get\""))
        #expect(get.contains("\"rows_read\":1"))
        for body in bodies {
            // Case-insensitively: an upper-case uuidString or a capitalised name is still a leak.
            let folded = body.lowercased()
            #expect(!folded.contains(contact.id.lowercased()), "the contact id appears in clear")
            #expect(
                !folded.contains("erika") && !folded.contains("mustermann") && !folded.contains("example.com"),
                "personal data in the log")
            #expect(body.contains("\"resources\":[\"contact:"))
        }
    }

    @Test("a read's answer waits for its record's commit: held up in the database, the call does not answer")
    func answerWaitsForTheRecord() async throws {
        let (tenant, owner) = try await TestStack.tenant("eu")
        let contact = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_UpsertContactRequest()
            request.contact.externalID = "held"
            return try await Contacts(wrapping: grpc).upsertContact(request, metadata: .bearer(owner)).contact
        }
        let answered = AnsweredFlag()
        try await DatabaseSession.with { session in
            // Hold the chain's append lock (audit_append takes it), so the read's record cannot commit.
            let call = try await session.inRegion(tenant.homeRegion, tenantID: tenant.id) { connection in
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(hashtextextended('tradewind.audit.' || \(tenant.id)::text, 0))",
                    logger: TestEnvironment.logger)
                let call = Task {
                    try await TestStack.withClient { grpc in
                        var request = Tradewind_V1_GetContactRequest()
                        request.id = contact.id
                        _ = try await Contacts(wrapping: grpc).getContact(request, metadata: .bearer(owner))
                        answered.set()
                    }
                }
                // The record's insert is seen waiting for the lock: the answer must not be out yet.
                let deadline = ContinuousClock.now + .seconds(4)
                var waiting = false
                while !waiting && ContinuousClock.now < deadline {
                    waiting = try await session.inRegion(tenant.homeRegion, tenantID: tenant.id) { probe in
                        let rows = try await probe.query(
                            """
                            SELECT count(*)::int FROM pg_stat_activity
                            WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND query ILIKE '%audit_append%'
                            """, logger: TestEnvironment.logger)
                        for try await count in rows.decode(Int.self) { return count > 0 }
                        return false
                    }
                    if !waiting { try await Task.sleep(for: .milliseconds(20)) }
                }
                #expect(waiting, "the read's record never reached the database")
                #expect(!answered.isSet, "the answer left before its record was committed")
                return call
            }
            // The lock is gone with that transaction: the record commits, then the answer comes.
            try await call.value
        }
        #expect(answered.isSet)
    }

    @Test("with INSERT on the audit table revoked, writes and reads fail UNAVAILABLE and change nothing")
    func failClosedWhenTheLogIsUnwritable() async throws {
        let (tenant, owner) = try await TestStack.tenant("cn")
        let existing = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_UpsertContactRequest()
            request.contact.externalID = "before-revoke"
            return try await Contacts(wrapping: grpc).upsertContact(request, metadata: .bearer(owner)).contact
        }
        let (writeError, readError, readData) = try await TestEnvironment.withSuperuserChange(
            "cn", "REVOKE INSERT ON audit_records FROM tradewind_app",
            revert: "GRANT INSERT ON audit_records TO tradewind_app"
        ) {
            let write = await Status.of {
                try await TestStack.withClient { grpc in
                    var request = Tradewind_V1_UpsertContactRequest()
                    request.contact.externalID = "during-revoke"
                    _ = try await Contacts(wrapping: grpc).upsertContact(request, metadata: .bearer(owner))
                }
            }
            var data: Tradewind_V1_Contact?
            var read: RPCError?
            do {
                data = try await TestStack.withClient { grpc in
                    var request = Tradewind_V1_GetContactRequest()
                    request.id = existing.id
                    return try await Contacts(wrapping: grpc).getContact(request, metadata: .bearer(owner))
                }
            } catch {
                read = error as? RPCError
            }
            return (write, read, data)
        }

        #expect(writeError?.code == .unavailable, "\(String(describing: writeError))")
        #expect(readError?.code == .unavailable, "\(String(describing: readError))")
        #expect(readData == nil)
        // The refused write left nothing behind; every contact that exists has its record.
        let (externalIDs, records) = try await DatabaseSession.with { session in
            try await session.inRegion(Region("cn"), tenantID: tenant.id) { connection in
                let logger = TestEnvironment.logger
                var ids: [String] = []
                for try await id in try await connection.query(
                    "SELECT external_id FROM contacts WHERE tenant_id = \(tenant.id)", logger: logger
                ).decode(String.self) { ids.append(id) }
                var count = 0
                for try await n in try await connection.query(
                    "SELECT count(*)::int FROM audit_records WHERE tenant_id = \(tenant.id)", logger: logger
                ).decode(Int.self) { count = n }
                return (ids, count)
            }
        }
        #expect(externalIDs == ["before-revoke"])
        #expect(records == 1)

        // With the grant back, the tenant is served again.
        let after = await Status.of {
            try await TestStack.withClient { grpc in
                var request = Tradewind_V1_GetContactRequest()
                request.id = existing.id
                _ = try await Contacts(wrapping: grpc).getContact(request, metadata: .bearer(owner))
            }
        }
        #expect(after == nil)
    }

    @Test("QueryAuditLog filters by method, status, principal, resource and time, pages newest first, names bad fields")
    func query() async throws {
        let (tenant, owner) = try await TestStack.tenant("eu")
        _ = tenant
        let officer = try await TestStack.key(tenantID: tenant.id, role: .complianceOfficer)
        let ownerKeyID = String(owner.split(separator: "_")[1])
        let contact = try await TestStack.withClient { grpc in
            let contacts = Contacts(wrapping: grpc)
            var upsert = Tradewind_V1_UpsertContactRequest()
            upsert.contact.externalID = "queried"
            let contact = try await contacts.upsertContact(upsert, metadata: .bearer(owner)).contact
            for id in [contact.id, contact.id, contact.id, UUID().uuidString, UUID().uuidString] {
                var get = Tradewind_V1_GetContactRequest()
                get.id = id
                _ = await Status.of { _ = try await contacts.getContact(get, metadata: .bearer(owner)) }
            }
            return contact
        }

        func query(_ build: (inout Tradewind_V1_QueryAuditLogRequest) -> Void) async throws
            -> Tradewind_V1_QueryAuditLogResponse
        {
            var request = Tradewind_V1_QueryAuditLogRequest()
            build(&request)
            let sent = request
            return try await TestStack.withClient { grpc in
                try await Audit(wrapping: grpc).queryAuditLog(sent, metadata: .bearer(officer))
            }
        }
        let getMethod = Tradewind_V1_Contacts.Method.GetContact.descriptor.fullyQualifiedMethod
        #expect(try await query { $0.method = getMethod }.records.count == 5)
        #expect(try await query { $0.statusCode = 5 }.records.map(\.outcome) == ["not_found", "not_found"])
        #expect(try await query { $0.resourceID = "contact:\(contact.id)" }.records.count == 4)
        let byOwner = try await query { $0.principalID = ownerKeyID }.records
        #expect(byOwner.count == 6)
        #expect(byOwner.map(\.seq) == byOwner.map(\.seq).sorted(by: >), "newest first")
        #expect(byOwner.allSatisfy { $0.principal.id == ownerKeyID && $0.region == "eu" && $0.hash.count == 64 })
        #expect(try await query { $0.startTime = .init(date: Date().addingTimeInterval(3600)) }.records.isEmpty)

        // Pages of two, newest first, with a token bound to the filters.
        var seqs: [Int64] = []
        var token = ""
        repeat {
            let page = try await query {
                $0.method = getMethod
                $0.pageSize = 2
                $0.pageToken = token
            }
            seqs += page.records.map(\.seq)
            token = page.nextPageToken
        } while !token.isEmpty
        #expect(seqs.count == 5 && seqs == seqs.sorted(by: >))
        let firstPage = try await query {
            $0.method = getMethod
            $0.pageSize = 2
        }
        let reused = await Status.of {
            _ = try await query {
                $0.statusCode = 5
                $0.pageToken = firstPage.nextPageToken
            }
        }
        #expect(Status.fieldViolations(reused) == ["page_token"])

        let bad = await Status.of {
            _ = try await query {
                $0.statusCode = 99
                $0.method = "Contacts.Get"
                $0.resourceID = "contact:not-a-uuid"
                $0.startTime = .init(date: Date())
                $0.endTime = .init(date: Date().addingTimeInterval(-60))
                $0.pageSize = 5000
            }
        }
        #expect(bad?.code == .invalidArgument)
        #expect(
            Set(Status.fieldViolations(bad)) == ["status_code", "method", "resource_id", "end_time", "page_size"])
    }

    @Test("the CSV export has a header row and one row per header, record and checkpoint")
    func csvExport() async throws {
        let (_, owner) = try await TestStack.tenant("us")
        let json = try await AuditHarness.export(key: owner)
        let csv = try await AuditHarness.export(key: owner, format: .csv)
        #expect(csv.first == AuditCSV.headerRow)
        let types = csv.dropFirst().map { $0.prefix { $0 != "," } }
        #expect(types.first == "export")
        #expect(types.filter { $0 == "record" }.count == json.filter { $0.hasPrefix("{\"type\":\"record\"") }.count + 2)
        #expect(types.last == "checkpoint")
        #expect(csv.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 28 })
    }

    @Test(
        "the append-only trigger refuses UPDATE, DELETE and TRUNCATE to the tables' owner, on a region and on control",
        arguments: ["us", "control"])
    func appendOnly(cluster: String) async throws {
        // A chain with rows in both tables, and the owner acting for it: row-level security lets the
        // statements reach those rows, so only the trigger can stop them.
        let chain: String
        if cluster == "control" {
            chain = AuditChainID.platform.databaseID.uuidString.lowercased()
            _ = await Status.of {
                try await TestStack.withClient { grpc in
                    _ = try await Contacts(wrapping: grpc).listContacts(.init(), metadata: .bearer("tw_unknown_key"))
                }
            }
        } else {
            let (tenant, owner) = try await TestStack.tenant(cluster)
            chain = tenant.id.uuidString.lowercased()
            _ = try await AuditHarness.export(key: owner)
        }
        let database = cluster == "control" ? "control" : "tradewind"
        let rows = try await Self.auditRows(cluster: cluster, database: database, chain: chain)
        #expect(rows.records > 0 && rows.checkpoints > 0, "the chain needs rows in both tables: \(rows)")

        for table in ["audit_records", "audit_checkpoints"] {
            for (operation, statement) in [
                ("UPDATE", "UPDATE \(table) SET seq = seq WHERE tenant_id = '\(chain)'"),
                ("DELETE", "DELETE FROM \(table) WHERE tenant_id = '\(chain)'"),
                ("TRUNCATE", "TRUNCATE \(table)"),
            ] {
                // Rolled back whatever happens, so a sabotaged trigger cannot cost other tests their log.
                let error = try await TestEnvironment.superuserSQLError(
                    cluster, database: database,
                    """
                    BEGIN; SET LOCAL ROLE tradewind_migrator;
                    SELECT set_config('tradewind.tenant_id', '\(chain)', true);
                    \(statement); ROLLBACK
                    """)
                #expect(
                    error?.contains(
                        "ERROR:  42501: the audit log is append-only: \(operation) on \(table) is not allowed")
                        == true,
                    "\(cluster) \(statement): \(error ?? "succeeded")")
            }
        }
        // The rows that were there are all still there (the chain itself may grow meanwhile).
        #expect(try await Self.auditRows(cluster: cluster, database: database, chain: chain, upTo: rows) == rows)
    }

    /// How many records and checkpoints `chain` holds (those up to `earlier`'s last ones, when
    /// given), counted as the cluster's superuser.
    private static func auditRows(cluster: String, database: String, chain: String, upTo earlier: AuditRows? = nil)
        async throws -> AuditRows
    {
        let deadline = ContinuousClock.now + .seconds(10)
        let lastRecord = earlier.map { "AND seq <= \($0.lastRecord)" } ?? ""
        let lastCheckpoint = earlier.map { "AND seq <= \($0.lastCheckpoint)" } ?? ""
        while true {
            let result = try await TestEnvironment.run(
                TestEnvironment.repository.appendingPathComponent("scripts/pg-cluster").path,
                [
                    "sql", cluster, database,
                    """
                    COPY (
                        SELECT r.n || ' ' || r.last || ' ' || c.n || ' ' || c.last
                        FROM (SELECT count(*) AS n, coalesce(max(seq), 0) AS last FROM audit_records
                              WHERE tenant_id = '\(chain)' \(lastRecord)) r,
                             (SELECT count(*) AS n, coalesce(max(seq), 0) AS last FROM audit_checkpoints
                              WHERE tenant_id = '\(chain)' \(lastCheckpoint)) c
                    ) TO STDOUT
                    """,
                ])
            let counts = result.standardOutput.split(whereSeparator: \.isWhitespace).compactMap { Int64($0) }
            guard result.status == 0, counts.count == 4 else {
                throw TestSetupError("cannot count audit rows: \(result.standardError)")
            }
            let rows = AuditRows(
                records: counts[0], lastRecord: counts[1], checkpoints: counts[2], lastCheckpoint: counts[3])
            // The checkpointer signs a grown chain within its interval (one second in tests).
            if earlier != nil || rows.checkpoints > 0 || ContinuousClock.now > deadline { return rows }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    struct AuditRows: Equatable, Sendable {
        var records: Int64
        var lastRecord: Int64
        var checkpoints: Int64
        var lastCheckpoint: Int64
    }
}

/// Set once a call has answered.
private final class AnsweredFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
