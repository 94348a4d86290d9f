import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import PostgresNIO
import SwiftProtobuf
import Testing
import TradewindCore
import TradewindProto
import TradewindTestSupport

@testable import TradewindServer

/// The Analytics service end to end: events ingested over the API, read back as KPIs,
/// attribution, funnels, paths, RFM and rules, with the figures worked out by hand.
@Suite("Analytics", .serialized)
struct AnalyticsTests {
    typealias Analytics = Tradewind_V1_Analytics.Client<HTTP2ClientTransport.Posix>

    /// Midnight UTC of the events' day (the test tenants' time zone is UTC).
    static let midnight = EventsTests.day.addingTimeInterval(-12 * 3600)

    static func at(_ hours: Double) -> Google_Protobuf_Timestamp {
        .init(date: midnight.addingTimeInterval(hours * 3600))
    }

    static func touch(
        _ id: String, person: String, _ type: Tradewind_V1_TouchpointType, _ channel: Tradewind_V1_Channel,
        hour: Double, costMicros: Int64 = 0
    ) -> Tradewind_V1_Event {
        var event = EventsTests.touchpoint(
            id, type, channel: channel, cost: costMicros, currency: costMicros > 0 ? "EUR" : "")
        event.anonymousID = person
        event.occurTime = at(hour)
        return event
    }

    static func order(
        _ id: String, person: String, hour: Double, euros: Int64, skus: [String],
        channel: Tradewind_V1_Channel = .unspecified
    ) -> Tradewind_V1_Event {
        var event = EventsTests.conversion(id, value: euros * 1_000_000, currency: "EUR")
        event.anonymousID = person
        event.occurTime = at(hour)
        event.conversion.channel = channel
        event.conversion.items = skus.map { sku in
            var item = Tradewind_V1_ConversionItem()
            item.sku = sku
            item.quantity = 1
            item.priceMicros = 1_000_000
            return item
        }
        return event
    }

    /// Three people on one day (EUR at 1.25 USD, the tenant reports in USD):
    /// - a: meta click (2 EUR), google_ads click (1 EUR), /pricing, a 100 EUR order from a google_ads session;
    /// - b: meta impression (0.50 EUR), tiktok click: no order;
    /// - c: meta click (1 EUR), a 50 EUR order without a source.
    static func seed() async throws -> (tenant: Tenant, key: String, range: Tradewind_V1_DayRange) {
        try await EventsTests.loadRates()
        let (tenant, key) = try await TestStack.tenant("eu")
        var view = EventsTests.touchpoint("a-view")
        view.anonymousID = "a"
        view.occurTime = at(11.5)
        var page = Tradewind_V1_PageView()
        page.path = "/pricing"
        view.pageView = page
        let batch = [
            touch("a-meta", person: "a", .click, .meta, hour: 10, costMicros: 2_000_000),
            touch("a-google", person: "a", .click, .googleAds, hour: 11, costMicros: 1_000_000),
            view,
            order("a-order", person: "a", hour: 12, euros: 100, skus: ["SKU-1"], channel: .googleAds),
            touch("b-meta", person: "b", .impression, .meta, hour: 10, costMicros: 500_000),
            touch("b-tiktok", person: "b", .click, .tiktok, hour: 10.5),
            touch("c-meta", person: "c", .click, .meta, hour: 10, costMicros: 1_000_000),
            order("c-order", person: "c", hour: 13, euros: 50, skus: ["SKU-1", "SKU-2"]),
        ]
        let answers = try await EventsTests.ingest(key, [batch])
        #expect(answers.first?.accepted == 8, "\(answers.first?.errors ?? [])")
        var range = Tradewind_V1_DayRange()
        range.fromDay = EventsTests.dayText
        range.toDay = EventsTests.dayText
        return (tenant, key, range)
    }

    static func call<Result: Sendable>(
        _ key: String, _ body: @Sendable (Analytics, Metadata) async throws -> Result
    ) async throws -> Result {
        try await TestStack.withClient { grpc in try await body(Analytics(wrapping: grpc), .bearer(key)) }
    }

    @Test("KPIs by channel in the reporting currency, exact micros, ratios only where defined")
    func kpisByChannel() async throws {
        let (_, key, range) = try await Self.seed()
        var request = Tradewind_V1_GetKPIsRequest()
        request.range = range
        request.groupBy = [.channel]
        let response = try await Self.call(key) { [request] in try await $0.getKPIs(request, metadata: $1) }
        #expect(response.reportingCurrency == "USD")
        let rows = Dictionary(uniqueKeysWithValues: response.rows.map { ($0.channel, $0) })
        #expect(Set(rows.keys) == ["(none)", "google_ads", "meta", "tiktok"])
        let meta = try #require(rows["meta"])
        // (2 + 0.50 + 1) EUR × 1.25 = 4.375 USD.
        #expect(meta.spendMicros == 4_375_000 && meta.clicks == 2 && meta.impressions == 1 && meta.conversions == 0)
        #expect(meta.cpcMicros == 2_187_500 && meta.cpmMicros == 4_375_000_000 && meta.ctr == 2)
        // Spend without revenue is a ROAS of 0; no conversions leave CPA and AOV undefined.
        #expect(meta.roas == 0 && meta.cvr == 0 && !meta.hasCpaMicros && !meta.hasAovMicros)
        let tiktok = try #require(rows["tiktok"])
        #expect(tiktok.clicks == 1 && !tiktok.hasCtr && !tiktok.hasCpmMicros && !tiktok.hasRoas)
        let google = try #require(rows["google_ads"])
        #expect(google.spendMicros == 1_250_000 && google.conversions == 1 && google.revenueMicros == 125_000_000)
        #expect(google.roas == 100 && google.cpaMicros == 1_250_000 && google.cvr == 1)
        let none = try #require(rows["(none)"])
        #expect(
            none.conversions == 1 && none.revenueMicros == 62_500_000 && none.pageViews == 1 && none.spendMicros == 0)
        let total = response.total
        #expect(total.spendMicros == 5_625_000 && total.clicks == 4 && total.conversions == 2)
        #expect(total.revenueMicros == 187_500_000 && total.cpcMicros == 1_406_250 && total.aovMicros == 93_750_000)
        #expect(abs(total.roas - 187.5 / 5.625) < 1e-12)
    }

    @Test("attribution: every model's credits for the seeded journeys, worked by hand")
    func attribution() async throws {
        let (_, key, range) = try await Self.seed()
        var request = Tradewind_V1_AttributeRequest()
        request.range = range
        let response = try await Self.call(key) { [request] in try await $0.attribute(request, metadata: $1) }
        #expect(response.convertingJourneys == 2 && response.nullJourneys == 1)
        #expect(response.conversionsWithoutTouches == 0)
        func credits(_ model: Tradewind_V1_AttributionModel) -> [String: Double] {
            let found = response.models.first { $0.model == model }?.credits ?? []
            return Dictionary(uniqueKeysWithValues: found.map { ($0.channel, $0.conversions) })
        }
        #expect(response.models.map(\.model) == AnalyticsService.allModels)
        #expect(credits(.firstTouch) == ["meta": 2, "google_ads": 0, "tiktok": 0])
        #expect(credits(.lastTouch) == ["meta": 1, "google_ads": 1, "tiktok": 0])
        #expect(credits(.linear) == ["meta": 1.5, "google_ads": 0.5, "tiktok": 0])
        #expect(credits(.shapley) == ["meta": 1.5, "google_ads": 0.5, "tiktok": 0])
        // Paths meta>google_ads (converts), meta (converts), meta>tiktok (null): P(conversion) = 2/3;
        // without meta 0 (effect 1), without google_ads 1/3 (effect 1/2), without tiktok 2/3 (effect 0);
        // credits 2 × 1 / 1.5 and 2 × 0.5 / 1.5.
        let markov = try #require(response.models.first { $0.model == .markov })
        let byChannel = Dictionary(uniqueKeysWithValues: markov.credits.map { ($0.channel, $0) })
        #expect(abs((byChannel["meta"]?.conversions ?? 0) - 4.0 / 3) < 1e-9)
        #expect(abs((byChannel["google_ads"]?.conversions ?? 0) - 2.0 / 3) < 1e-9)
        #expect(byChannel["meta"]?.revenueMicros == 125_000_000 && byChannel["google_ads"]?.revenueMicros == 62_500_000)
        #expect(byChannel["google_ads"]?.removalEffect == 0.5 && byChannel["tiktok"]?.removalEffect == 0)

        // Clicks only: b's meta impression no longer counts.
        request.clicksOnly = true
        request.models = [.firstTouch]
        let clicks = try await Self.call(key) { [request] in try await $0.attribute(request, metadata: $1) }
        #expect(clicks.models.first?.credits.map(\.channel) == ["google_ads", "meta", "tiktok"])
        #expect(clicks.nullJourneys == 1)
    }

    @Test(
        "journeys built from events, then folded from later batches, are stitched by identify; a resend changes nothing"
    )
    func journeysFoldAndStitch() async throws {
        try await EventsTests.loadRates()
        let (tenant, key) = try await TestStack.tenant("eu")
        var range = Tradewind_V1_DayRange()
        range.fromDay = EventsTests.dayText
        range.toDay = EventsTests.dayText
        var request = Tradewind_V1_AttributeRequest()
        request.range = range
        request.models = [.firstTouch, .lastTouch]
        func attribute() async throws -> Tradewind_V1_AttributeResponse {
            try await Self.call(key) { [request] in try await $0.attribute(request, metadata: $1) }
        }
        func credits(_ response: Tradewind_V1_AttributeResponse, _ model: Tradewind_V1_AttributionModel)
            -> [String: Double]
        {
            let found = response.models.first { $0.model == model }?.credits ?? []
            return Dictionary(uniqueKeysWithValues: found.map { ($0.channel, $0.conversions) })
        }

        // Before any fold the journey is read from the pending delta: x has no conversion. The
        // first fold builds the tenant's journeys from its events.
        let first = [Self.touch("x-meta", person: "x", .click, .meta, hour: 10)]
        #expect(try await EventsTests.ingest(key, [first]).first?.accepted == 1)
        let before = try await attribute()
        #expect(before.convertingJourneys == 0 && before.nullJourneys == 1)
        try await TestStack.running().application.foldRollups()
        #expect(try await attribute() == before)

        // Later batches: another click of x, an identify of x as contact C, and C's order (with
        // the contact id, no anonymous id). Read first from the journeys plus the pending delta,
        // then from the folded journeys: the same answer.
        let contact = try await TestStack.withClient { grpc in
            var upsert = Tradewind_V1_UpsertContactRequest()
            upsert.contact.externalID = "journey-x"
            return try await Tradewind_V1_Contacts.Client(wrapping: grpc).upsertContact(upsert, metadata: .bearer(key))
                .contact.id
        }
        var identify = Tradewind_V1_Event()
        identify.eventID = "x-identify"
        identify.occurTime = Self.at(11.5)
        identify.anonymousID = "x"
        identify.contactID = contact
        identify.identify = Tradewind_V1_Identify()
        var order = Self.order("c-order", person: "", hour: 12, euros: 100, skus: ["SKU-1"])
        order.contactID = contact
        let second = [Self.touch("x-google", person: "x", .click, .googleAds, hour: 11), identify, order]
        #expect(try await EventsTests.ingest(key, [second]).first?.accepted == 3)
        let after = try await attribute()
        #expect(after.convertingJourneys == 1 && after.nullJourneys == 0)
        #expect(credits(after, .firstTouch) == ["meta": 1, "google_ads": 0])
        #expect(credits(after, .lastTouch) == ["meta": 0, "google_ads": 1])
        try await TestStack.running().application.foldRollups()
        #expect(try await attribute() == after)
        let rows = try await EventsTests.querying(
            tenant, "SELECT person || ' ' || cardinality(touches) FROM journeys ORDER BY 1", as: String.self)
        #expect(rows == ["a:x 2", "c:\(contact) 1"])

        // A resent batch stores nothing, so the journeys do not change.
        #expect(try await EventsTests.ingest(key, [second]).first?.duplicates == 3)
        #expect(try await attribute() == after)
    }

    @Test("every channel's touch is stored in journeys under its pinned code, pending and folded alike")
    func storedChannelCodes() async throws {
        let (tenant, key) = try await TestStack.tenant("eu")
        let channels: [(Tradewind_V1_Channel, TradewindCore.Channel)] = [
            (.googleAds, .googleAds), (.meta, .meta), (.tiktok, .tiktok), (.amazonAds, .amazonAds),
            (.email, .email), (.organic, .organic),
        ]
        #expect(channels.count == TradewindCore.Channel.allCases.count)
        let batch = channels.enumerated().map { index, pair in
            Self.touch("code-\(pair.1.rawValue)", person: "p", .click, pair.0, hour: 10 + Double(index))
        }
        let answers = try await EventsTests.ingest(key, [batch])
        #expect(answers.first?.accepted == Int32(channels.count))
        func stored(_ table: String) async throws -> [Int64] {
            try await EventsTests.querying(
                tenant, PostgresQuery(unsafeSQL: "SELECT unnest(touches) AS t FROM \(table) ORDER BY t"), as: Int64.self
            )
        }
        // As ingestion wrote them (pending deltas), then as the folder moved them into journeys.
        for table in ["journey_deltas", "journeys"] {
            if table == "journeys" { try await TestStack.running().application.foldRollups() }
            let touches = try await stored(table)
            // In time order: one hour apart, each a click under the channel's own code.
            #expect(touches.map { $0 & 63 } == channels.map { Int64($0.1.storedCode) }, "\(table)")
            #expect(touches.allSatisfy(PackedTouch.isClick), "\(table)")
            #expect(touches.map(PackedTouch.channel) == channels.map(\.1), "\(table)")
            #expect(
                touches.map(PackedTouch.milliseconds)
                    == channels.indices.map { Int64(Self.at(10 + Double($0)).seconds) * 1000 },
                "\(table)")
        }
    }

    @Test("funnel, paths, RFM and association rules over the seeded events")
    func behaviour() async throws {
        let (_, key, range) = try await Self.seed()
        var funnel = Tradewind_V1_GetFunnelRequest()
        funnel.range = range
        funnel.steps = ["click:meta", "page_view:/pricing", "conversion"].map { name in
            var step = Tradewind_V1_FunnelStep()
            step.events = [name]
            return step
        }
        let steps = try await Self.call(key) { [funnel] in try await $0.getFunnel(funnel, metadata: $1) }.funnels.first?
            .steps
        // a does all three; c clicks and orders without /pricing; b never clicks meta.
        #expect(steps?.map(\.people) == [2, 1, 1])
        #expect(steps?[1].medianSecondsFromPrevious == 5400)

        var paths = Tradewind_V1_GetPathsRequest()
        paths.range = range
        paths.anchorEvent = "click:meta"
        let next = try await Self.call(key) { [paths] in try await $0.getPaths(paths, metadata: $1) }.next
        #expect(Set(next.map { $0.steps.joined(separator: ">") }) == ["click:google_ads", "conversion"])

        var rfm = Tradewind_V1_GetRFMRequest()
        rfm.range = range
        rfm.pageSize = 10
        let customers = try await Self.call(key) { [rfm] in try await $0.getRFM(rfm, metadata: $1) }.customers
        #expect(customers.map(\.person) == ["a", "c"])
        #expect(customers.map(\.monetaryMicros) == [125_000_000, 62_500_000])

        var rules = Tradewind_V1_GetAssociationRulesRequest()
        rules.range = range
        rules.minSupport = 0.5
        rules.minConfidence = 0.5
        let answer = try await Self.call(key) { [rules] in try await $0.getAssociationRules(rules, metadata: $1) }
        #expect(answer.baskets == 2)
        let found = answer.rules.map { "\($0.antecedents)->\($0.consequents) \($0.confidence)" }
        #expect(Set(found) == ["[\"SKU-2\"]->[\"SKU-1\"] 1.0", "[\"SKU-1\"]->[\"SKU-2\"] 0.5"])
    }

    @Test("cohort LTV and retention over the seeded people and a second day, worked by hand")
    func cohorts() async throws {
        let (_, key, firstDay) = try await Self.seed()
        // The next day c orders again, 30 USD: a second conversion, in period 1 of c's cohort.
        var again = EventsTests.conversion("c-order-2", value: 30_000_000, currency: "USD")
        again.anonymousID = "c"
        again.occurTime = Self.at(24 + 13)
        let answers = try await EventsTests.ingest(key, [[again]])
        #expect(answers.first?.accepted == 1)
        let secondDay = Date(timeIntervalSince1970: Double(Self.at(24).seconds))
        var range = firstDay
        range.toDay = LocalDay.of(secondDay, in: .gmt)

        // Lifetime value by month of first event: a, b and c all start on the first day. Their
        // revenue in USD: 125 (a) and 62.50 (c) on day one, 30 (c) the next day.
        var ltv = Tradewind_V1_GetCohortLTVRequest()
        ltv.range = range
        ltv.granularity = .month
        ltv.horizon = 2
        let ltvAnswer = try await Self.call(key) { [ltv] in try await $0.getCohortLTV(ltv, metadata: $1) }
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = .gmt
        func month(_ date: Date) -> Int {
            let parts = utc.dateComponents([.year, .month], from: date)
            return (parts.year ?? 0) * 12 + (parts.month ?? 0)
        }
        let start = month(EventsTests.day)
        // Periods that have begun by today, at most the horizon's three (0, 1, 2).
        let observed = min(2, month(Date()) - start) + 1
        let expectedRevenue = (0..<observed).map { period in
            187_500_000 + (period >= month(secondDay) - start ? 30_000_000 : 0)
        }
        #expect(ltvAnswer.reportingCurrency == "USD")
        let cohort = try #require(ltvAnswer.cohorts.first)
        #expect(ltvAnswer.cohorts.count == 1)
        #expect(cohort.people == 3)
        #expect(cohort.revenueMicros == expectedRevenue.map(Int64.init))
        #expect(cohort.ltvMicros == expectedRevenue.map { Int64($0 / 3) })

        // Retention by day: the cohort of the first day's meta clicks is a and c (b only saw an
        // impression); both ordered that day, and c again the day after.
        var retention = Tradewind_V1_GetRetentionRequest()
        retention.range = range
        retention.granularity = .day
        retention.startEvent = "click:meta"
        retention.returnEvent = "conversion"
        retention.horizon = 2
        let retained = try await Self.call(key) { [retention] in try await $0.getRetention(retention, metadata: $1) }
        #expect(retained.cohorts.count == 1)
        let first = try #require(retained.cohorts.first)
        #expect(first.cohortStart == EventsTests.dayText && first.people == 2)
        // Three days have passed since: periods 0, 1 and 2 are all observed.
        #expect(first.returned == [2, 1, 0])
        #expect(first.fraction == [1, 0.5, 0])

        // Bad parameters name their fields.
        var bad = Tradewind_V1_GetRetentionRequest()
        bad.range = range
        let refused = await Status.of {
            _ = try await Self.call(key) { [bad] in try await $0.getRetention(bad, metadata: $1) }
        }
        #expect(Set(Status.fieldViolations(refused)) == ["start_event", "return_event", "horizon"])
        var badLTV = Tradewind_V1_GetCohortLTVRequest()
        badLTV.range = range
        badLTV.granularity = .day
        badLTV.horizon = 37
        let refusedLTV = await Status.of {
            _ = try await Self.call(key) { [badLTV] in try await $0.getCohortLTV(badLTV, metadata: $1) }
        }
        #expect(Set(Status.fieldViolations(refusedLTV)) == ["granularity", "horizon"])
    }

    @Test("forecast and anomalies over a daily series, one point per day")
    func forecast() async throws {
        let (_, key, _) = try await Self.seed()
        var series = Tradewind_V1_KPISeries()
        series.metric = .spend
        series.range.fromDay = CalendarDay(EventsTests.dayText)!.adding(days: -20).description
        series.range.toDay = EventsTests.dayText
        var request = Tradewind_V1_ForecastKPIRequest()
        request.series = series
        request.horizonDays = 7
        let response = try await Self.call(key) { [request] in try await $0.forecastKPI(request, metadata: $1) }
        #expect(response.history.count == 21 && response.forecast.count == 7)
        #expect(response.history.last?.value == 5.625)
        #expect(response.forecast.first?.day == CalendarDay(EventsTests.dayText)!.adding(days: 1).description)
        #expect(response.forecast.allSatisfy { $0.lower <= $0.value && $0.value <= $0.upper })

        var anomalies = Tradewind_V1_DetectAnomaliesRequest()
        anomalies.series = series
        let found = try await Self.call(key) { [anomalies] in try await $0.detectAnomalies(anomalies, metadata: $1) }
        #expect(found.points.count == 21)
        // The only day with spend stands out from twenty days of nothing.
        #expect(found.anomalies.map(\.point.day) == [EventsTests.dayText])
    }

    @Test("bad parameters name their field; nothing is read")
    func badInput() async throws {
        let (_, key) = try await TestStack.tenant("eu", role: .analyst)
        var kpis = Tradewind_V1_GetKPIsRequest()
        kpis.range.fromDay = "2026-02-30"
        kpis.range.toDay = "2026-01-01"
        kpis.groupBy = [.channel, .channel]
        let error = await Status.of {
            _ = try await Self.call(key) { [kpis] in try await $0.getKPIs(kpis, metadata: $1) }
        }
        #expect(error?.code == .invalidArgument)
        #expect(Status.fieldViolations(error) == ["range.from_day", "group_by[1]"])

        var long = Tradewind_V1_AttributeRequest()
        long.range.fromDay = "2024-01-01"
        long.range.toDay = "2026-01-01"
        long.lookbackDays = 400
        let attribution = await Status.of {
            _ = try await Self.call(key) { [long] in try await $0.attribute(long, metadata: $1) }
        }
        #expect(Status.fieldViolations(attribution) == ["range.to_day", "lookback_days"])

        var funnel = Tradewind_V1_GetFunnelRequest()
        funnel.range.fromDay = EventsTests.dayText
        funnel.range.toDay = EventsTests.dayText
        var step = Tradewind_V1_FunnelStep()
        step.events = ["conversion"]
        funnel.steps = [step]
        let oneStep = await Status.of {
            _ = try await Self.call(key) { [funnel] in try await $0.getFunnel(funnel, metadata: $1) }
        }
        #expect(oneStep?.code == .invalidArgument && Status.fieldViolations(oneStep) == ["steps"])
    }

    @Test("an analyst may call Analytics, a compliance officer may not; tenants see only their own events; audited")
    func accessAndIsolation() async throws {
        let (_, owner, range) = try await Self.seed()
        let (_, analyst) = try await TestStack.tenant("eu", role: .analyst)
        var request = Tradewind_V1_GetKPIsRequest()
        request.range = range
        // Another tenant's analyst sees none of the seeded events.
        let other = try await Self.call(analyst) { [request] in try await $0.getKPIs(request, metadata: $1) }
        #expect(other.rows.isEmpty && other.total.clicks == 0)

        let (_, officer) = try await TestStack.tenant("eu", role: .complianceOfficer)
        let kpis = request
        let deniedID = "analytics-denied-\(UUID().uuidString)"
        let denied = await Status.of {
            _ = try await TestStack.withClient { grpc in
                try await Analytics(wrapping: grpc).getKPIs(
                    kpis, metadata: AuditHarness.metadata(officer, requestID: deniedID))
            }
        }
        #expect(denied?.code == .permissionDenied)

        // One record per call in the caller's own chain, the denied call included.
        let okID = "analytics-ok-\(UUID().uuidString)"
        _ = try await TestStack.withClient { grpc in
            try await Analytics(wrapping: grpc).getKPIs(kpis, metadata: AuditHarness.metadata(owner, requestID: okID))
        }
        let ownRecords = try AuditHarness.records(try await AuditHarness.export(key: owner))
        let ok = ownRecords.filter { $0.requestID == okID }
        #expect(ok.count == 1 && ok.first?.method == "tradewind.v1.Analytics/GetKPIs" && ok.first?.code == 0)
        let officerRecords = try AuditHarness.records(try await AuditHarness.export(key: officer))
        #expect(officerRecords.filter { $0.requestID == deniedID }.map(\.code) == [7])
    }

    @Test("budget: a recommended split spends exactly the budget and predicts no less than the current one; a what-if")
    func budget() async throws {
        let (_, key) = try await TestStack.tenant("eu")
        // 21 days of spend on two channels (in USD, the reporting currency) with revenue that
        // saturates: meta returns 40 × sqrt(spend), google_ads 25 × sqrt(spend), in dollars.
        let lastDay = CalendarDay(EventsTests.dayText)!
        var events: [Tradewind_V1_Event] = []
        for offset in 0..<21 {
            let noon = lastDay.adding(days: Int64(-offset)).start(in: .gmt).addingTimeInterval(12 * 3600)
            for (channel, scale, base) in [(Tradewind_V1_Channel.meta, 40.0, 60.0), (.googleAds, 25.0, 30.0)] {
                let dollars = base + Double((offset * 7) % 11) * base / 10
                var touch = EventsTests.touchpoint(
                    "spend-\(channel)-\(offset)", .click, channel: channel, cost: Int64(dollars * 1_000_000),
                    currency: "USD")
                touch.occurTime = .init(date: noon)
                var order = EventsTests.conversion(
                    "order-\(channel)-\(offset)", value: Int64(scale * dollars.squareRoot() * 1_000_000),
                    currency: "USD")
                order.occurTime = .init(date: noon.addingTimeInterval(60))
                order.conversion.channel = channel
                events += [touch, order]
            }
        }
        #expect(try await EventsTests.ingest(key, [events]).first?.accepted == 84)
        var range = Tradewind_V1_DayRange()
        range.fromDay = lastDay.adding(days: -20).description
        range.toDay = lastDay.description

        var allocate = Tradewind_V1_AllocateBudgetRequest()
        allocate.range = range
        let budget: Int64 = 150_000_000
        allocate.totalBudgetMicros = budget
        let plan = try await Self.call(key) { [allocate] in try await $0.allocateBudget(allocate, metadata: $1) }
        #expect(plan.fits.map(\.channel) == [.googleAds, .meta])
        #expect(plan.recommended.spendMicros == budget)
        #expect(plan.recommended.channels.map(\.spendMicros).reduce(0, +) == budget)
        #expect(plan.recommended.predictedRevenueMicros >= plan.current.predictedRevenueMicros)
        // With revenue growing as the square root of spend, the better channel gets more.
        let spends = Dictionary(uniqueKeysWithValues: plan.recommended.channels.map { ($0.channel, $0.spendMicros) })
        #expect((spends[.meta] ?? 0) > (spends[.googleAds] ?? 0))
        for channel in plan.recommended.channels {
            #expect(channel.revenueLowerMicros <= channel.predictedRevenueMicros)
            #expect(channel.predictedRevenueMicros <= channel.revenueUpperMicros)
        }

        var simulate = Tradewind_V1_SimulateBudgetRequest()
        simulate.range = range
        var change = Tradewind_V1_SpendChange()
        change.channel = .meta
        change.multiplier = 1.2
        simulate.changes = [change]
        let whatIf = try await Self.call(key) { [simulate] in try await $0.simulateBudget(simulate, metadata: $1) }
        let current = Dictionary(uniqueKeysWithValues: whatIf.current.channels.map { ($0.channel, $0.spendMicros) })
        let simulated = Dictionary(uniqueKeysWithValues: whatIf.simulated.channels.map { ($0.channel, $0.spendMicros) })
        #expect(simulated[.googleAds] == current[.googleAds])
        #expect(abs(Double(simulated[.meta] ?? 0) - 1.2 * Double(current[.meta] ?? 0)) <= 1)
        #expect(
            whatIf.revenueDeltaMicros == whatIf.simulated.predictedRevenueMicros - whatIf.current.predictedRevenueMicros
        )
        #expect(whatIf.revenueDeltaMicros > 0)

        var short = simulate
        short.range.fromDay = lastDay.adding(days: -5).description
        short.changes[0].channel = .tiktok
        let error = await Status.of {
            _ = try await Self.call(key) { [short] in try await $0.simulateBudget(short, metadata: $1) }
        }
        #expect(Status.fieldViolations(error) == ["range"])
    }
}
