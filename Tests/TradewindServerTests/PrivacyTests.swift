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

/// Data-subject rights end to end: deadlines, idempotent requests, a complete access export, and an
/// erasure that leaves no trace of the person while everyone else stays as they were.
@Suite("Privacy", .serialized)
struct PrivacyTests {
    typealias Privacy = Tradewind_V1_Privacy.Client
    typealias Contacts = Tradewind_V1_Contacts.Client

    struct Person {
        var contact: Tradewind_V1_Contact
        var anonymousID: String
        var eventIDs: [String]
    }

    /// A contact with a consent grant, a segment of their own, an anonymous page view stitched by an
    /// identify, and a conversion.
    static func person(_ key: String, _ name: String) async throws -> Person {
        let contact = try await TestStack.withClient { grpc in
            let contacts = Contacts(wrapping: grpc)
            var upsert = Tradewind_V1_UpsertContactRequest()
            upsert.contact.externalID = "ext-\(name)"
            upsert.contact.email = "\(name)@Example.org"
            upsert.contact.phone =
                "+49151\(String(abs(name.hashValue) % 10_000_000).padding(toLength: 7, withPad: "0", startingAt: 0))"
            upsert.contact.name = "Person \(name)"
            upsert.contact.country = "DE"
            upsert.contact.tags = ["vip"]
            upsert.contact.attributes = ["tier": "gold"]
            let contact = try await contacts.upsertContact(upsert, metadata: .bearer(key)).contact
            var consent = Tradewind_V1_RecordConsentRequest()
            consent.contactID = contact.id
            consent.purpose = .emailMarketing
            consent.action = .grant
            consent.lawfulBasis = .consent
            consent.regime = .gdpr
            consent.source = "signup form"
            _ = try await contacts.recordConsent(consent, metadata: .bearer(key))
            let segments = Tradewind_V1_Segments.Client(wrapping: grpc)
            var create = Tradewind_V1_CreateSegmentRequest()
            create.name = "Newsletter \(name)"
            create.purpose = .emailMarketing
            var add = Tradewind_V1_AddSegmentMembersRequest()
            add.segmentID = try await segments.createSegment(create, metadata: .bearer(key)).id
            add.contactIds = [contact.id]
            _ = try await segments.addSegmentMembers(add, metadata: .bearer(key))
            return contact
        }
        let anonymous = "cookie-\(name)"
        var view = Tradewind_V1_Event()
        view.eventID = "view-\(name)"
        view.occurTime = .init(date: EventsTests.day)
        view.anonymousID = anonymous
        view.pageView.path = "/shoes"
        var identify = Tradewind_V1_Event()
        identify.eventID = "identify-\(name)"
        identify.occurTime = .init(date: EventsTests.day.addingTimeInterval(10))
        identify.anonymousID = anonymous
        identify.contactID = contact.id
        identify.identify = Tradewind_V1_Identify()
        let order = EventsTests.conversion("order-\(name)", value: 20_000_000, currency: "EUR", contact: contact.id)
        let answers = try await EventsTests.ingest(key, [[view, identify, order]])
        #expect(answers.first?.accepted == 3, "\(String(describing: answers.first?.errors))")
        return Person(
            contact: contact, anonymousID: anonymous, eventIDs: ["view-\(name)", "identify-\(name)", "order-\(name)"])
    }

    static func open(
        _ key: String, _ kind: Tradewind_V1_PrivacyRequestKind, regime: Tradewind_V1_PrivacyRegime = .gdpr,
        subject: (inout Tradewind_V1_Subject) -> Void, idempotencyKey: String = UUID().uuidString
    ) async throws -> Tradewind_V1_PrivacyRequest {
        var request = Tradewind_V1_OpenPrivacyRequestRequest()
        request.kind = kind
        request.regime = regime
        subject(&request.subject)
        request.idempotencyKey = idempotencyKey
        let sent = request
        return try await TestStack.withClient { grpc in
            try await Privacy(wrapping: grpc).openRequest(sent, metadata: .bearer(key))
        }
    }

    static func export(_ key: String, _ requestID: String) async throws -> [String: Any] {
        let data = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_ExportSubjectDataRequest()
            request.requestID = requestID
            return try await Privacy(wrapping: grpc).exportSubjectData(request, metadata: .bearer(key)).document
        }
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("due dates follow the regime; opening is idempotent; list shows open requests by due date")
    func deadlinesAndIdempotency() async throws {
        let (_, owner) = try await TestStack.tenant("eu")
        let officer = try await TestStack.key(tenantID: try await Self.tenantID(owner), role: .complianceOfficer)
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = .gmt
        /// Whole days from opening to due date, and whether the time of day is the same to the nanosecond.
        func days(_ request: Tradewind_V1_PrivacyRequest) -> (days: Int64?, sameTime: Bool) {
            let seconds = request.dueTime.seconds - request.openTime.seconds
            return (seconds % 86_400 == 0 ? seconds / 86_400 : nil, request.dueTime.nanos == request.openTime.nanos)
        }
        for regime in [Tradewind_V1_PrivacyRegime.gdpr, .ccpa, .lgpd, .pipl, .pdpa] {
            let request = try await Self.open(officer, .access, regime: regime) { $0.email = "due@example.org" }
            #expect(request.status == .open && request.subjectValue == "due@example.org")
            let (elapsed, sameTime) = days(request)
            #expect(sameTime, "\(regime): due at another time of day")
            switch regime {
            case .gdpr:
                // One calendar month (GDPR art. 12(3)): the same day next month, or the last day of a
                // shorter month; never a fixed number of days.
                let parts: Set<Calendar.Component> = [.year, .month, .day, .hour, .minute, .second]
                let from = utc.dateComponents(
                    parts, from: Date(timeIntervalSince1970: Double(request.openTime.seconds)))
                let to = utc.dateComponents(parts, from: Date(timeIntervalSince1970: Double(request.dueTime.seconds)))
                let nextMonth = (from.month ?? 0) % 12 + 1
                #expect(to.month == nextMonth && to.year == (nextMonth == 1 ? (from.year ?? 0) + 1 : from.year))
                let firstOfNext = try #require(utc.date(from: DateComponents(year: to.year, month: nextMonth, day: 1)))
                let daysInNext = try #require(utc.range(of: .day, in: .month, for: firstOfNext)).count
                #expect(to.day == min(from.day ?? 0, daysInNext), "GDPR: \(from) -> \(to)")
                #expect([to.hour, to.minute, to.second] == [from.hour, from.minute, from.second])
            case .ccpa: #expect(elapsed == 45, "CCPA: 45 days")
            case .lgpd: #expect(elapsed == 15, "LGPD: 15 days")
            case .pdpa: #expect(elapsed == 30, "PDPA: 30 days")
            case .pipl: #expect(elapsed == 30, "PIPL: the default tenant setting")
            default: Issue.record("unexpected regime \(regime)")
            }
        }
        // PIPL follows the tenant's own deadline; the other regimes do not.
        var settings = TenantSettings.default
        settings.privacyRequestDeadlineDays = 20
        let (_, strictOfficer) = try await TestStack.tenant("cn", role: .complianceOfficer, settings: settings)
        for (regime, expected) in [(Tradewind_V1_PrivacyRegime.pipl, Int64(20)), (.pdpa, 30), (.ccpa, 45), (.lgpd, 15)]
        {
            let request = try await Self.open(strictOfficer, .access, regime: regime) { $0.email = "due@example.cn" }
            #expect(days(request) == (expected, true), "\(regime) with a 20-day tenant setting")
        }

        let first = try await Self.open(
            officer, .erasure, subject: { $0.phone = "+4915100000001" }, idempotencyKey: "k-1")
        let retry = try await Self.open(
            officer, .erasure, subject: { $0.phone = "+4915100000001" }, idempotencyKey: "k-1")
        #expect(first.id == retry.id)
        let misuse = await Status.of {
            _ = try await Self.open(officer, .access, subject: { $0.phone = "+4915100000001" }, idempotencyKey: "k-1")
        }
        #expect(misuse?.code == .failedPrecondition)

        let list = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_ListPrivacyRequestsRequest()
            request.openOnly = true
            return try await Privacy(wrapping: grpc).listRequests(request, metadata: .bearer(officer))
        }
        #expect(list.requests.count == 6)
        #expect(list.requests.map(\.dueTime.date) == list.requests.map(\.dueTime.date).sorted())
        #expect(list.requests.first?.regime == .lgpd)
        #expect(list.overdueCount == 0 && list.dueSoonCount == 0)

        let bad = await Status.of { _ = try await Self.open(officer, .unspecified, subject: { $0.email = "nope" }) }
        #expect(Set(Status.fieldViolations(bad)) == ["kind", "subject.email"])
        // A marketer may not open requests.
        let marketer = try await TestStack.key(tenantID: try await Self.tenantID(owner), role: .marketer)
        let denied = await Status.of { _ = try await Self.open(marketer, .access, subject: { $0.email = "a@b.org" }) }
        #expect(denied?.code == .permissionDenied)
    }

    @Test("closing a request completes or rejects it once, drops the subject's value, and leaves it off the open list")
    func closeRequest() async throws {
        let (tenant, officer) = try await TestStack.tenant("eu", role: .complianceOfficer)
        let (_, otherOfficer) = try await TestStack.tenant("eu", role: .complianceOfficer)
        func close(_ key: String, _ id: String, reject: Bool = false, note: String = "") async throws
            -> Tradewind_V1_PrivacyRequest
        {
            var request = Tradewind_V1_ClosePrivacyRequestRequest()
            request.requestID = id
            request.reject = reject
            request.note = note
            let sent = request
            return try await TestStack.withClient { grpc in
                try await Privacy(wrapping: grpc).closeRequest(sent, metadata: .bearer(key))
            }
        }
        let rectification = try await Self.open(officer, .rectification) { $0.email = "fix.me@example.org" }
        let refused = try await Self.open(officer, .access) { $0.phone = "+4915100000777" }

        // Another tenant's officer gets exactly what a random id gets.
        let foreign = await Status.of { _ = try await close(otherOfficer, rectification.id) }
        let random = await Status.of { _ = try await close(otherOfficer, UUID().uuidString) }
        #expect(foreign?.code == .notFound && foreign?.code == random?.code && foreign?.message == random?.message)
        // A rejection must say why; nothing is closed by the refusal.
        let silent = await Status.of { _ = try await close(officer, refused.id, reject: true) }
        #expect(silent?.code == .invalidArgument && Status.fieldViolations(silent) == ["note"])
        let badID = await Status.of { _ = try await close(officer, "not-a-uuid") }
        #expect(Status.fieldViolations(badID) == ["request_id"])

        let completed = try await close(officer, rectification.id, note: "profile corrected through Contacts")
        #expect(completed.status == .completed && completed.note == "profile corrected through Contacts")
        #expect(completed.hasCloseTime && completed.closeTime.date >= completed.openTime.date)
        #expect(completed.subjectValue.isEmpty, "a closed request keeps only a keyed hash of its subject")
        let rejected = try await close(officer, refused.id, reject: true, note: "identity could not be verified")
        #expect(rejected.status == .rejected && rejected.subjectValue.isEmpty)

        // Closed is final.
        let again = await Status.of { _ = try await close(officer, rectification.id) }
        #expect(again?.code == .failedPrecondition && again?.message == "the request is completed already")
        let open = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_ListPrivacyRequestsRequest()
            request.openOnly = true
            return try await Privacy(wrapping: grpc).listRequests(request, metadata: .bearer(officer))
        }
        #expect(open.requests.isEmpty)
        // Both closes are in the tenant's log, with the request they closed.
        let resources = try await DatabaseSession.with { session in
            try await session.inRegion(tenant.homeRegion, tenantID: tenant.id) { connection in
                var resources: [[String]] = []
                for try await row in try await connection.query(
                    """
                    SELECT resources FROM audit_records WHERE tenant_id = \(tenant.id)
                      AND method = 'tradewind.v1.Privacy/CloseRequest' AND code = 0 ORDER BY seq
                    """, logger: TestEnvironment.logger
                ).decode([String].self) { resources.append(row) }
                return resources
            }
        }
        #expect(
            resources == [
                ["privacy_request:\(rectification.id.lowercased())"], ["privacy_request:\(refused.id.lowercased())"],
            ])
    }

    @Test("an access export holds everything written about the subject, field by field, and nothing else")
    func accessExport() async throws {
        try await EventsTests.loadRates()
        let (_, owner) = try await TestStack.tenant("eu")
        let subject = try await Self.person(owner, "anna")
        _ = try await Self.person(owner, "bert")
        let request = try await Self.open(owner, .access) { $0.email = "ANNA@example.org" }
        let document = try await Self.export(owner, request.id)

        let profile = try #require((document["profile"] as? [[String: Any]])?.first)
        #expect((document["profile"] as? [Any])?.count == 1)
        #expect(profile["id"] as? String == subject.contact.id)
        #expect(profile["external_id"] as? String == "ext-anna")
        #expect(profile["email"] as? String == "anna@example.org")
        #expect(profile["phone"] as? String == subject.contact.phone)
        #expect(profile["name"] as? String == "Person anna")
        #expect(profile["country"] as? String == "DE")
        #expect(profile["tags"] as? [String] == ["vip"])
        #expect((profile["attributes"] as? [String: String]) == ["tier": "gold"])
        let ledger = try #require(document["consent_ledger"] as? [[String: Any]])
        #expect(ledger.count == 1)
        #expect(ledger.first?["purpose"] as? String == "email_marketing")
        #expect(ledger.first?["action"] as? String == "grant")
        #expect(ledger.first?["lawful_basis"] as? String == "consent")
        #expect(ledger.first?["source"] as? String == "signup form")
        #expect(ledger.first?["regime"] as? String == "gdpr")
        #expect((document["current_consent"] as? [[String: Any]])?.first?["granted"] as? Bool == true)
        let links = try #require(document["identity_links"] as? [[String: Any]])
        #expect(links.map { $0["anonymous_id"] as? String } == [subject.anonymousID])
        let events = try #require(document["events"] as? [[String: Any]])
        #expect(Set(events.compactMap { $0["event_id"] as? String }) == Set(subject.eventIDs))
        let order = try #require(events.first { $0["event_id"] as? String == "order-anna" })
        #expect(order["amount_micros"] as? Int == 20_000_000 && order["currency"] as? String == "EUR")
        #expect(order["order_id"] as? String == "order-order-anna")
        #expect((events.first { $0["event_id"] as? String == "view-anna" })?["page_path"] as? String == "/shoes")
        let memberships = try #require(document["segment_memberships"] as? [[String: Any]])
        #expect(memberships.count == 1)
        #expect(memberships.first?["segment_name"] as? String == "Newsletter anna")
        #expect(memberships.first?["purpose"] as? String == "email_marketing")
        #expect(memberships.first?["contact_id"] as? String == subject.contact.id)
        #expect(memberships.first?["added_at"] is String && memberships.first?["segment_id"] is String)
        // The journeys copy holds the order (a page view is no touchpoint): 20 EUR at 1.25 USD.
        let journeys = try #require(document["journeys"] as? [[String: Any]])
        #expect(journeys.map { $0["person"] as? String } == ["c:\(subject.contact.id)"])
        #expect(journeys.first?["revenues"] as? [Int] == [25_000_000])
        #expect((journeys.first?["touches"] as? [Int])?.map { PackedTouch.isConversion(Int64($0)) } == [true])

        // The request is completed, and keeps only a hash of the subject.
        let closed = try await TestStack.withClient { grpc in
            var get = Tradewind_V1_GetPrivacyRequestRequest()
            get.id = request.id
            return try await Privacy(wrapping: grpc).getRequest(get, metadata: .bearer(owner))
        }
        #expect(closed.status == .completed && closed.subjectValue.isEmpty)
        let again = await Status.of { _ = try await Self.export(owner, request.id) }
        #expect(again?.code == .failedPrecondition)
        // Another tenant cannot see the request.
        let (_, stranger) = try await TestStack.tenant("eu")
        let foreign = await Status.of {
            try await TestStack.withClient { grpc in
                var get = Tradewind_V1_GetPrivacyRequestRequest()
                get.id = request.id
                _ = try await Privacy(wrapping: grpc).getRequest(get, metadata: .bearer(stranger))
            }
        }
        #expect(foreign?.code == .notFound)
    }

    @Test("erasure leaves no trace of the subject in any table of the region; others and aggregates are untouched")
    func erasure() async throws {
        try await EventsTests.loadRates()
        let (tenant, owner) = try await TestStack.tenant("us")
        let anna = try await Self.person(owner, "erin")
        let bert = try await Self.person(owner, "fred")
        let bertBefore = try await Self.export(
            owner, try await Self.open(owner, .access) { $0.contactID = bert.contact.id }.id)
        let rollupsBefore = try await Self.rollups(tenant)

        let request = try await Self.open(owner, .erasure) { $0.phone = anna.contact.phone }
        let erased = try await TestStack.withClient { grpc in
            var erase = Tradewind_V1_EraseSubjectRequest()
            erase.requestID = request.id
            return try await Privacy(wrapping: grpc).eraseSubject(erase, metadata: .bearer(owner))
        }
        #expect(erased.status == .completed)
        #expect(erased.note.contains("erased 1 contact(s), 3 event(s), 1 identity link(s), 1 segment membership(s)"))

        let traces = try await Self.traces(
            tenant,
            [
                "erin@example.org", anna.contact.phone, anna.contact.id, anna.anonymousID, "Person erin",
                "ext-erin",
            ])
        #expect(traces.isEmpty, "\(traces)")

        // The ledger entry stays, unlinked.
        let unlinked = try await EventsTests.querying(
            tenant, "SELECT count(*)::int FROM consent_events WHERE tenant_id = \(tenant.id) AND contact_id IS NULL",
            as: Int.self)
        #expect(unlinked == [1])
        // Everyone else, and the aggregates, are as they were.
        let bertAfter = try await Self.export(
            owner, try await Self.open(owner, .access) { $0.contactID = bert.contact.id }.id)
        for key in [
            "profile", "current_consent", "consent_ledger", "identity_links", "events", "segment_memberships",
            "journeys",
        ] {
            #expect(
                try JSONSerialization.data(withJSONObject: bertBefore[key] ?? [], options: .sortedKeys)
                    == JSONSerialization.data(withJSONObject: bertAfter[key] ?? [], options: .sortedKeys), "\(key)")
        }
        #expect(try await Self.rollups(tenant) == rollupsBefore)

        // A follow-up access request finds nothing.
        let followUp = try await Self.export(
            owner, try await Self.open(owner, .access) { $0.email = "erin@example.org" }.id)
        for key in ["profile", "consent_ledger", "identity_links", "events", "segment_memberships", "journeys"] {
            #expect((followUp[key] as? [Any])?.isEmpty == true, "\(key)")
        }
        // An import cannot bring the person back.
        let reimport = await Status.of {
            try await TestStack.withClient { grpc in
                var upsert = Tradewind_V1_UpsertContactRequest()
                upsert.contact.externalID = "ext-erin-again"
                upsert.contact.email = "Erin@Example.org"
                _ = try await Contacts(wrapping: grpc).upsertContact(upsert, metadata: .bearer(owner))
            }
        }
        #expect(reimport?.code == .failedPrecondition)
        #expect(reimport?.message.hasPrefix("contact.email:") == true)
        // Nor under another email with the erased phone number.
        let byPhone = await Status.of {
            try await TestStack.withClient { grpc in
                var upsert = Tradewind_V1_UpsertContactRequest()
                upsert.contact.externalID = "ext-erin-phone"
                upsert.contact.email = "someone.else@example.org"
                upsert.contact.phone = anna.contact.phone
                _ = try await Contacts(wrapping: grpc).upsertContact(upsert, metadata: .bearer(owner))
            }
        }
        #expect(byPhone?.code == .failedPrecondition)
        #expect(byPhone?.message.hasPrefix("contact.phone:") == true, "\(String(describing: byPhone))")
        let suppressed = try await EventsTests.querying(
            tenant, "SELECT kind FROM suppressed_subjects WHERE tenant_id = \(tenant.id) ORDER BY kind", as: String.self
        )
        #expect(suppressed == ["email", "phone"])
        let left = try await EventsTests.querying(
            tenant,
            "SELECT count(*)::int FROM contacts WHERE tenant_id = \(tenant.id) AND external_id LIKE 'ext-erin%'",
            as: Int.self)
        #expect(left == [0], "a refused import left a contact behind")
    }

    /// Every row of every table the region holds for the tenant whose text holds one of `needles`.
    static func traces(_ tenant: Tenant, _ needles: [String]) async throws -> [String] {
        try await DatabaseSession.with { session in
            try await session.inRegion(tenant.homeRegion, tenantID: tenant.id) { connection in
                let logger = TestEnvironment.logger
                var tables: [String] = []
                for try await name in try await connection.query(
                    """
                    SELECT table_name::text FROM information_schema.tables
                    WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
                      AND has_table_privilege(current_user, format('%I.%I', table_schema, table_name), 'SELECT')
                    ORDER BY 1
                    """, logger: logger
                ).decode(String.self) { tables.append(name) }
                var traces: [String] = []
                for table in tables {
                    for needle in needles {
                        var hits = 0
                        do {
                            for try await n in try await connection.query(
                                "SELECT count(*)::int FROM \(unescaped: table) t WHERE t::text ILIKE '%' || \(needle) || '%'",
                                logger: logger
                            ).decode(Int.self) { hits = n }
                        } catch {
                            throw TestSetupError("scanning \(table): \(String(reflecting: error))")
                        }
                        if hits > 0 { traces.append("\(table): \(hits) row(s) with \(needle)") }
                    }
                }
                #expect(tables.contains("events") && tables.contains("audit_records") && tables.count >= 9)
                return traces
            }
        }
    }

    static func rollups(_ tenant: Tenant) async throws -> [String] {
        try await EventsTests.querying(
            tenant,
            """
            SELECT local_day || channel || campaign_id || country || impressions || clicks || page_views || conversions
                   || spend_micros || revenue_micros
            FROM event_daily_totals WHERE tenant_id = \(tenant.id) ORDER BY 1
            """, as: String.self)
    }

    static func tenantID(_ key: String) async throws -> UUID {
        let stack = try await TestStack.running()
        let keyID = String(key.split(separator: "_")[1])
        guard let record = try await stack.control.apiKey(keyID: keyID), let id = record.tenantID else {
            throw TestSetupError("no tenant for key \(keyID)")
        }
        return id
    }
}
