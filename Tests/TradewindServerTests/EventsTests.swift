import Foundation
import GRPCCore
import Logging
import PostgresNIO
import SwiftProtobuf
import Testing
import TradewindCore
import TradewindProto
import TradewindStore
import TradewindTestSupport

@testable import TradewindServer

/// Event ingestion end to end over TLS: dedup, per-event errors, money, rollups, stitching,
/// residency, limits and the stream's audit records.
@Suite("Events", .serialized)
struct EventsTests {
    typealias Events = Tradewind_V1_Events.Client

    /// A day inside every tenant's retention, with rates loaded for it.
    static let day: Date = {
        let calendar = Calendar(identifier: .gregorian)
        var utc = calendar
        utc.timeZone = .gmt
        return utc.startOfDay(for: Date().addingTimeInterval(-3 * 86_400)).addingTimeInterval(12 * 3600)
    }()

    static var dayText: String { LocalDay.of(day, in: .gmt) }

    /// EUR at 1.25 USD, JPY at 0.0065 USD on `day`, in every region, as the operator loads them.
    static func loadRates() async throws {
        let configuration = try await TestEnvironment.configuration()
        let rows = [
            ExchangeRateRow(day: dayText, currency: "EUR", usdPerUnit: Decimal(string: "1.25")!),
            ExchangeRateRow(day: dayText, currency: "JPY", usdPerUnit: Decimal(string: "0.0065")!),
        ]
        for endpoint in configuration.regions.values {
            _ = try await ExchangeRateLoader.load(
                rows, into: endpoint.asUser(configuration.migrationUser, password: configuration.migrationPassword),
                logger: TestEnvironment.logger)
        }
    }

    static func touchpoint(
        _ id: String, _ type: Tradewind_V1_TouchpointType = .click, channel: Tradewind_V1_Channel = .meta,
        campaign: String = "spring", cost: Int64 = 0, currency: String = "", country: String = "DE"
    ) -> Tradewind_V1_Event {
        var event = Tradewind_V1_Event()
        event.eventID = id
        event.occurTime = .init(date: day)
        event.country = country
        event.anonymousID = "anon-1"
        var touch = Tradewind_V1_Touchpoint()
        touch.type = type
        touch.channel = channel
        touch.campaignID = campaign
        touch.costMicros = cost
        touch.currency = currency
        event.touchpoint = touch
        return event
    }

    static func conversion(_ id: String, value: Int64, currency: String, contact: String = "") -> Tradewind_V1_Event {
        var event = Tradewind_V1_Event()
        event.eventID = id
        event.occurTime = .init(date: day)
        event.country = "DE"
        event.contactID = contact
        var conversion = Tradewind_V1_Conversion()
        conversion.orderID = "order-\(id)"
        conversion.valueMicros = value
        conversion.currency = currency
        var item = Tradewind_V1_ConversionItem()
        item.sku = "SKU-1"
        item.quantity = 2
        item.priceMicros = value / 2
        conversion.items = [item]
        event.conversion = conversion
        return event
    }

    /// Sends `batches` on one stream and returns the answers, in order.
    static func ingest(_ key: String, _ batches: [[Tradewind_V1_Event]], requestID: String? = nil) async throws
        -> [Tradewind_V1_IngestEventsResponse]
    {
        try await TestStack.withClient { grpc in
            try await Events(wrapping: grpc).ingestEvents(
                metadata: AuditHarness.metadata(key, requestID: requestID),
                requestProducer: { writer in
                    for batch in batches {
                        var request = Tradewind_V1_IngestEventsRequest()
                        request.events = batch
                        try await writer.write(request)
                    }
                },
                onResponse: { response in
                    var answers: [Tradewind_V1_IngestEventsResponse] = []
                    for try await answer in response.messages { answers.append(answer) }
                    return answers
                })
        }
    }

    /// `query`, with the database's own message when it fails (PSQLError hides it by default).
    static func querying<Row: Sendable>(
        _ tenant: Tenant, _ sql: PostgresQuery, as type: Row.Type
    ) async throws -> [Row] where Row: PostgresDecodable {
        do { return try await query(tenant, sql, as: type) } catch {
            throw TestSetupError(String(reflecting: error))
        }
    }

    static func query<Row: Sendable>(
        _ tenant: Tenant, _ sql: PostgresQuery, as: Row.Type
    ) async throws -> [Row] where Row: PostgresDecodable {
        try await DatabaseSession.with { session in
            try await session.inRegion(tenant.homeRegion, tenantID: tenant.id) { connection in
                var rows: [Row] = []
                for try await row in try await connection.query(sql, logger: TestEnvironment.logger).decode(Row.self) {
                    rows.append(row)
                }
                return rows
            }
        }
    }

    @Test("a tenant's own exchange rates win over the operator's for the same day, and only for that tenant")
    func tenantRates() async throws {
        try await Self.loadRates()
        let (tenant, key) = try await TestStack.tenant("eu")
        let (other, otherKey) = try await TestStack.tenant("eu")
        func rate(_ day: String, _ currency: String, _ value: String) -> Tradewind_V1_ExchangeRate {
            var rate = Tradewind_V1_ExchangeRate()
            rate.day = day
            rate.currency = currency
            rate.usdPerUnit = value
            return rate
        }
        func load(_ rates: [Tradewind_V1_ExchangeRate], key: String) async throws -> Int32 {
            var request = Tradewind_V1_LoadExchangeRatesRequest()
            request.rates = rates
            let sent = request
            return try await TestStack.withClient { grpc in
                try await Tradewind_V1_Events.Client(wrapping: grpc).loadExchangeRates(sent, metadata: .bearer(key))
            }.loaded
        }
        let yesterday = CalendarDay(Self.dayText)!.adding(days: -1).description
        // Only the day before: the operator's rate of the day itself is more recent, so it wins.
        #expect(try await load([rate(yesterday, "EUR", "3")], key: key) == 1)
        _ = try await Self.ingest(key, [[Self.conversion("before", value: 10_000_000, currency: "EUR")]])
        // The same day: the tenant's 2.0 beats the operator's 1.25; loading it again replaces it.
        #expect(try await load([rate(Self.dayText, "EUR", "1.5"), rate(Self.dayText, "JPY", "0.007")], key: key) == 2)
        #expect(try await load([rate(Self.dayText, "EUR", "2")], key: key) == 1)
        _ = try await Self.ingest(key, [[Self.conversion("own", value: 10_000_000, currency: "EUR")]])
        _ = try await Self.ingest(otherKey, [[Self.conversion("operator", value: 10_000_000, currency: "EUR")]])
        let mine = try await Self.query(
            tenant, "SELECT event_id || ' ' || reporting_micros FROM events WHERE tenant_id = \(tenant.id) ORDER BY 1",
            as: String.self)
        #expect(mine == ["before 12500000", "own 20000000"])
        let theirs = try await Self.query(
            other, "SELECT reporting_micros FROM events WHERE tenant_id = \(other.id)", as: Int64.self)
        #expect(theirs == [12_500_000])

        let bad = await Status.of {
            _ = try await load(
                [
                    rate("2026-02-30", "EUR", "1"), rate(Self.dayText, "EURO", "1"), rate(Self.dayText, "USD", "-1"),
                    rate(Self.dayText, "EUR", "1"), rate(Self.dayText, "EUR", "1e3"), rate(Self.dayText, "EUR", "1"),
                ], key: key)
        }
        #expect(bad?.code == .invalidArgument)
        #expect(
            Status.fieldViolations(bad) == [
                "rates[0].day", "rates[1].currency", "rates[2].usd_per_unit", "rates[4].usd_per_unit", "rates[5]",
            ])
        // Nothing of the refused call was written: the tenant's EUR rate is still 2.
        let stored = try await Self.query(
            tenant,
            "SELECT usd_per_unit::text FROM tenant_fx_rates WHERE tenant_id = \(tenant.id) AND currency = 'EUR' AND day = \(Self.dayText)::date",
            as: String.self)
        #expect(stored == ["2"])
    }

    @Test("a resent batch changes nothing and reports every event as a duplicate")
    func dedupOnResend() async throws {
        try await Self.loadRates()
        let (tenant, key) = try await TestStack.tenant("eu")
        let batch = (0..<50).map { Self.touchpoint("t-\($0)", cost: 1_000_000, currency: "EUR") }
        let first = try await Self.ingest(key, [batch])
        let second = try await Self.ingest(key, [batch, Array(batch.prefix(10))])
        #expect(first.map(\.accepted) == [50] && first.map(\.duplicates) == [0])
        #expect(second.map(\.accepted) == [0, 0] && second.map(\.duplicates) == [50, 10])
        let count = try await Self.query(
            tenant, "SELECT count(*)::int FROM events WHERE tenant_id = \(tenant.id)", as: Int.self)
        #expect(count == [50])
        // The totals counted each click and its cost once: 50 × 1 EUR at 1.25 USD.
        let totals: PostgresQuery =
            "SELECT clicks || ' ' || spend_micros FROM event_daily_totals WHERE tenant_id = \(tenant.id)"
        #expect(try await Self.query(tenant, totals, as: String.self) == ["50 62500000"])
        // Folding the partial rollups into the daily rollups changes no figure.
        try await TestStack.running().application.foldRollups()
        #expect(try await Self.query(tenant, totals, as: String.self) == ["50 62500000"])
        let folded = try await Self.query(
            tenant,
            """
            SELECT (SELECT count(*) FROM event_rollup_deltas WHERE tenant_id = \(tenant.id)) || ' '
                   || (SELECT clicks FROM event_daily_rollups WHERE tenant_id = \(tenant.id))
            """, as: String.self)
        #expect(folded == ["0 50"])
    }

    @Test("a batch with bad events stores the good ones and names each bad event's field")
    func mixedBatch() async throws {
        try await Self.loadRates()
        let (tenant, key) = try await TestStack.tenant("eu")
        // Another tenant's real contact is refused exactly like an id that never existed.
        let (_, otherKey) = try await TestStack.tenant("eu")
        let othersContact = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_UpsertContactRequest()
            request.contact.externalID = "someone-else"
            return try await Tradewind_V1_Contacts.Client(wrapping: grpc).upsertContact(
                request, metadata: .bearer(otherKey)
            ).contact
        }
        var crossTenant = Self.conversion("cross-tenant", value: 5_000_000, currency: "EUR")
        crossTenant.contactID = othersContact.id
        var noKind = Tradewind_V1_Event()
        noKind.eventID = "no-kind"
        noKind.occurTime = .init(date: Self.day)
        var future = Self.touchpoint("future")
        future.occurTime = .init(date: Date().addingTimeInterval(3600))
        var badChannel = Self.touchpoint("bad-channel")
        badChannel.touchpoint.channel = .unspecified
        var strangerContact = Self.conversion("stranger", value: 5_000_000, currency: "EUR")
        strangerContact.contactID = UUID().uuidString
        let batch = [
            Self.touchpoint("good-click", cost: 2_000_000, currency: "EUR"),
            Self.touchpoint("bad-currency", cost: 1, currency: "EURO"),
            noKind,
            Self.conversion("good-order", value: 100_000_000, currency: "JPY"),
            future,
            badChannel,
            Self.conversion("no-rate", value: 1_000_000, currency: "CHF"),
            strangerContact,
            Self.touchpoint("", cost: 0),
            crossTenant,
        ]
        let answer = try #require(try await Self.ingest(key, [batch]).first)
        #expect(answer.accepted == 2)
        #expect(answer.duplicates == 0)
        let errors = answer.errors.map { "\($0.index):\($0.field)" }
        #expect(
            errors == [
                "1:touchpoint.currency", "2:kind", "4:occur_time", "5:touchpoint.channel", "6:conversion.currency",
                "7:contact_id", "8:event_id", "9:contact_id",
            ])
        #expect(answer.errors[5].description_p == answer.errors[7].description_p)
        let stored = try await Self.query(
            tenant, "SELECT event_id FROM events WHERE tenant_id = \(tenant.id) ORDER BY event_id", as: String.self)
        #expect(stored == ["good-click", "good-order"])
        // Money keeps the original amount and currency, with the day's rate into the reporting currency.
        let money = try await Self.query(
            tenant,
            """
            SELECT amount_micros || ' ' || currency || ' ' || fx_rate || ' ' || reporting_micros FROM events
            WHERE tenant_id = \(tenant.id) AND event_id = 'good-order'
            """, as: String.self)
        #expect(money == ["100000000 JPY 0.0065 650000"])
    }

    @Test("an identify stitches earlier anonymous events to the contact without rewriting them")
    func stitching() async throws {
        let (tenant, key) = try await TestStack.tenant("us")
        let contact = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_UpsertContactRequest()
            request.contact.externalID = "stitched"
            return try await Tradewind_V1_Contacts.Client(wrapping: grpc).upsertContact(
                request, metadata: .bearer(key)
            ).contact
        }
        var view = Tradewind_V1_Event()
        view.eventID = "view-1"
        view.occurTime = .init(date: Self.day)
        view.anonymousID = "cookie-42"
        view.pageView.path = "/pricing"
        var identify = Tradewind_V1_Event()
        identify.eventID = "identify-1"
        identify.occurTime = .init(date: Self.day.addingTimeInterval(60))
        identify.anonymousID = "cookie-42"
        identify.contactID = contact.id
        identify.identify = Tradewind_V1_Identify()
        let answers = try await Self.ingest(key, [[Self.touchpoint("click-1")], [view, identify]])
        #expect(answers.map(\.accepted) == [1, 2])

        // The contact's history: its own events and those of its linked anonymous ids.
        let history = try await Self.query(
            tenant,
            """
            SELECT e.event_id FROM events e
            WHERE e.tenant_id = \(tenant.id)
              AND (e.contact_id = \(UUID(uuidString: contact.id)!)
                   OR e.anonymous_id IN (SELECT anonymous_id FROM identity_links
                                         WHERE tenant_id = \(tenant.id) AND contact_id = \(UUID(uuidString: contact.id)!)))
            ORDER BY e.event_id
            """, as: String.self)
        #expect(history == ["identify-1", "view-1"])
        // History is not rewritten: the page view still carries only its anonymous id.
        let rewritten = try await Self.query(
            tenant,
            "SELECT count(*)::int FROM events WHERE tenant_id = \(tenant.id) AND event_id = 'view-1' AND contact_id IS NOT NULL",
            as: Int.self)
        #expect(rewritten == [0])
    }

    @Test("a consent withdrawal arriving as an event takes effect at once: the contact leaves the audience")
    func consentWithdrawalFromEvents() async throws {
        let (tenant, key) = try await TestStack.tenant("eu")
        _ = tenant
        let contact = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_UpsertContactRequest()
            request.contact.externalID = "newsletter-reader"
            return try await Tradewind_V1_Contacts.Client(wrapping: grpc).upsertContact(
                request, metadata: .bearer(key)
            ).contact
        }
        func consent(_ id: String, _ action: Tradewind_V1_ConsentAction, at offset: TimeInterval) -> Tradewind_V1_Event
        {
            var event = Tradewind_V1_Event()
            event.eventID = id
            event.occurTime = .init(date: Date().addingTimeInterval(offset))
            event.contactID = contact.id
            event.consent.purpose = .emailMarketing
            event.consent.action = action
            event.consent.lawfulBasis = action == .grant ? .consent : .unspecified
            event.consent.regime = .gdpr
            event.consent.source = "preference centre"
            return event
        }
        func audience() async throws -> [String] {
            try await TestStack.withClient { grpc in
                var request = Tradewind_V1_ListContactsRequest()
                request.consentPurpose = .emailMarketing
                request.consentState = .granted
                return try await Tradewind_V1_Contacts.Client(wrapping: grpc).listContacts(
                    request, metadata: .bearer(key)
                ).contacts.map(\.id)
            }
        }
        var noBasis = consent("grant-without-basis", .grant, at: -120)
        noBasis.consent.lawfulBasis = .unspecified
        let granted = try await Self.ingest(key, [[consent("grant-1", .grant, at: -60), noBasis]])
        #expect(granted.first?.accepted == 1)
        #expect(granted.first?.errors.map(\.field) == ["consent.lawful_basis"])
        #expect(try await audience() == [contact.id])

        let withdrawn = try await Self.ingest(key, [[consent("withdraw-1", .withdraw, at: -30)]])
        #expect(withdrawn.first?.accepted == 1)
        #expect(try await audience().isEmpty)
        // Resending the withdrawal appends nothing to the ledger.
        _ = try await Self.ingest(key, [[consent("withdraw-1", .withdraw, at: -30)]])
        let ledger = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_ListConsentEventsRequest()
            request.contactID = contact.id
            return try await Tradewind_V1_Contacts.Client(wrapping: grpc).listConsentEvents(
                request, metadata: .bearer(key)
            ).events
        }
        #expect(ledger.map(\.action) == [.grant, .withdraw])
    }

    @Test("the retention job deletes events past the tenant's retention, keeps rollups, and is audited")
    func retention() async throws {
        let stack = try await TestStack.running()
        var settings = TenantSettings.default
        settings.eventRetentionDays = 30
        let spec = TenantSpec(
            slug: TestEnvironment.uniqueSlug("retention"), name: "Retention", homeRegion: Region("sg"),
            settings: settings)
        let tenant = try await stack.control.createTenant(spec, for: TestSetupCall())
        let key = try await TestStack.key(tenantID: tenant.id, role: .owner)
        var old = Self.touchpoint("old")
        old.occurTime = .init(date: Date().addingTimeInterval(-20 * 86_400))
        var recent = Self.touchpoint("recent")
        recent.occurTime = .init(date: Date().addingTimeInterval(-86_400))
        var gone = Self.touchpoint("gone")
        gone.anonymousID = "anon-gone"
        gone.occurTime = old.occurTime
        #expect(try await Self.ingest(key, [[old, recent, gone]]).first?.accepted == 3)
        let rollupsBefore = try await PrivacyTests.rollups(tenant)
        // A fold builds the tenant's journeys, so retention must trim them.
        await stack.application.foldRollups()
        // Each journey's size, and whether its oldest touch is recorded right.
        let journeys = """
            SELECT person || ' ' || cardinality(touches) || ' ' || (oldest = (SELECT min(t) FROM unnest(touches) t))
            FROM journeys WHERE tenant_id = '\(tenant.id)' ORDER BY 1
            """
        #expect(
            try await Self.query(tenant, "\(unescaped: journeys)", as: String.self)
                == ["a:anon-1 2 true", "a:anon-gone 1 true"])

        var shorter = spec
        shorter.settings.eventRetentionDays = 10
        _ = try await stack.control.applyTenant(shorter, for: TestSetupCall())
        let deleted = try await stack.application.enforceEventRetention()
        #expect(deleted[tenant.id] == 2)
        let left = try await Self.query(
            tenant, "SELECT event_id FROM events WHERE tenant_id = \(tenant.id)", as: String.self)
        #expect(left == ["recent"])
        #expect(try await PrivacyTests.rollups(tenant) == rollupsBefore)
        // Journeys lose the same touches; one left with none goes.
        #expect(try await Self.query(tenant, "\(unescaped: journeys)", as: String.self) == ["a:anon-1 1 true"])
        // Running again deletes nothing more.
        #expect(try await stack.application.enforceEventRetention()[tenant.id] == 0)

        let records = try AuditHarness.records(try await AuditHarness.export(key: key))
            .filter { $0.method == EventRetentionJob.method }
        #expect(records.count == 1)
        #expect(records.first?.rowsWritten == 2)
    }

    @Test("events stay in the tenant's region; limits and the stream's audit records hold")
    func residencyLimitsAndAudit() async throws {
        let (tenant, key) = try await TestStack.tenant("cn")
        let answers = try await Self.ingest(
            key, [[Self.touchpoint("cn-1")], [Self.touchpoint("cn-2"), Self.touchpoint("cn-1")]], requestID: "ingest-cn"
        )
        #expect(answers.map(\.accepted) == [1, 1] && answers.map(\.duplicates) == [0, 1])
        // Events, and their copy for attribution (journey deltas, or journeys once folded), are
        // only in the home region.
        try await DatabaseSession.with { session in
            for region in session.regions.keys.sorted() {
                let counts = try await session.inRegion(region, tenantID: tenant.id) { connection in
                    var counts: [Int] = []
                    for try await (events, journeys) in try await connection.query(
                        """
                        SELECT (SELECT count(*)::int FROM events WHERE tenant_id = \(tenant.id)),
                               (SELECT count(*)::int FROM journey_deltas WHERE tenant_id = \(tenant.id))
                               + (SELECT count(*)::int FROM journeys WHERE tenant_id = \(tenant.id))
                        """, logger: TestEnvironment.logger
                    ).decode((Int, Int).self) { counts = [events, journeys] }
                    return counts
                }
                if region == tenant.homeRegion {
                    #expect(counts.first == 2 && (counts.last ?? 0) > 0, "home region \(region): \(counts)")
                } else {
                    #expect(counts == [0, 0], "region \(region)")
                }
            }
        }

        let tooMany = (0...EventsService.maxBatchEvents).map { Self.touchpoint("big-\($0)") }
        let error = await Status.of { _ = try await Self.ingest(key, [tooMany]) }
        #expect(error?.code == .resourceExhausted)

        let lines = try await AuditHarness.export(key: key)
        let records = try AuditHarness.records(lines)
            .filter { $0.requestID == "ingest-cn" }
        #expect(records.map(\.event) == ["stream_open", "stream_close"])
        #expect(records.last?.rowsWritten == 2)
        #expect(records.last?.messagesOut == 2)
    }
}
