import Foundation
import Logging
import PostgresNIO
import TradewindCore

/// An event as stored: the validated event plus what ingestion adds (its local day, the exchange
/// rate and the amount in the tenant's reporting currency).
public struct EventRow: Sendable, Hashable {
    public var eventID: String
    public var kind: String
    public var occurredAt: Date
    public var receivedAt: Date
    public var localDay: String
    public var contactID: UUID?
    public var anonymousID: String?
    public var country: String?
    public var touchType: String?
    public var channel: String?
    public var campaignID: String?
    public var adSetID: String?
    public var creativeID: String?
    public var pagePath: String?
    public var orderID: String?
    public var items: [ConversionItem]?
    public var amountMicros: Int64?
    public var currency: String?
    public var fxRate: String?
    public var reportingMicros: Int64?

    /// The row of `event`, received at `receivedAt`, counted on `localDay`, with its money converted.
    public init(
        _ event: MarketingEvent, receivedAt: Date, localDay: String, conversion: (rate: FixedRate, micros: Int64)?
    ) {
        eventID = event.eventID
        kind = event.kind.name
        occurredAt = event.occurredAt
        self.receivedAt = receivedAt
        self.localDay = localDay
        contactID = event.contactID
        anonymousID = event.anonymousID
        country = event.country
        switch event.kind {
        case .identify, .consent:
            break
        case .touchpoint(let type, let channel, let campaign, let adSet, let creative, _):
            touchType = type.rawValue
            self.channel = channel.rawValue
            campaignID = campaign.isEmpty ? nil : campaign
            adSetID = adSet.isEmpty ? nil : adSet
            creativeID = creative.isEmpty ? nil : creative
        case .pageView(let path):
            pagePath = path
        case .conversion(let order, _, let items, let channel, let campaign):
            orderID = order.isEmpty ? nil : order
            self.items = items.isEmpty ? nil : items
            self.channel = channel?.rawValue
            campaignID = campaign.isEmpty ? nil : campaign
        }
        if let money = event.money {
            amountMicros = money.micros
            currency = money.currency
        }
        if let conversion {
            fxRate = "\(conversion.rate)"
            reportingMicros = conversion.micros
        }
    }
}

/// A currency on a day, to look its rate up.
public struct CurrencyDay: Sendable, Hashable {
    public var currency: String
    public var day: String

    public init(currency: String, day: String) {
        self.currency = currency
        self.day = day
    }
}

/// SQL over `events`, `identity_links`, `event_daily_rollups` and `fx_rates`, inside a tenant
/// transaction.
public enum EventRepository {
    /// How far back a missing day's rate may come from (weekends and holidays have none).
    public static let rateLookbackDays = 7

    /// US dollars per unit for each currency and day asked, from that day's rate or the latest of
    /// the `rateLookbackDays` before it, the tenant's own rate winning over the operator's for the
    /// same day; pairs without one are missing from the result.
    public static func usdRates(_ pairs: Set<CurrencyDay>, in tx: TenantTransaction) async throws -> [CurrencyDay:
        Decimal]
    {
        let wanted = pairs.filter { $0.currency != "USD" }
        guard !wanted.isEmpty else { return [:] }
        let ordered = Array(wanted)
        let rows = try await tx.connection.query(
            """
            SELECT w.currency, w.day::text, r.usd_per_unit::text
            FROM unnest(\(ordered.map(\.currency)), \(ordered.map(\.day))::date[]) AS w(currency, day)
            CROSS JOIN LATERAL (
                SELECT usd_per_unit FROM (
                    SELECT usd_per_unit, day, 0 AS source FROM tenant_fx_rates
                    WHERE tenant_id = \(tx.tenantID) AND currency = w.currency
                      AND day <= w.day AND day > w.day - \(rateLookbackDays)::int
                    UNION ALL
                    SELECT usd_per_unit, day, 1 FROM fx_rates
                    WHERE currency = w.currency AND day <= w.day AND day > w.day - \(rateLookbackDays)::int
                ) AS candidates
                ORDER BY day DESC, source LIMIT 1) AS r
            """, logger: tx.logger)
        var rates: [CurrencyDay: Decimal] = [:]
        for try await (currency, day, text) in rows.decode((String, String, String).self) {
            if let rate = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) {
                rates[CurrencyDay(currency: currency, day: day)] = rate
            }
        }
        return rates
    }

    /// Stores `rows` (events already stored are skipped), adds their partial rollups and journey
    /// deltas and keeps identity links current in the same statement, and returns the ids stored now.
    public static func insert(_ rows: [EventRow], in tx: TenantTransaction) async throws -> Set<String> {
        guard !rows.isEmpty else { return [] }
        // One typed array per column, bound in PostgreSQL's binary format: far cheaper than JSON on
        // both sides. postgres-nio has no arrays of optionals, so an absent value travels as '' (or
        // -1 for amounts, which are never negative) and NULLIF turns it back into NULL.
        func text(_ value: String?) -> String { value ?? "" }
        let items = try rows.map { row -> String in
            guard let items = row.items else { return "" }
            return String(decoding: try JSONEncoder().encode(items), as: UTF8.self)
        }
        let result = try await tx.connection.query(
            """
            WITH batch AS (
                SELECT * FROM unnest(
                    \(rows.map(\.eventID)), \(rows.map(\.kind)), \(rows.map(\.occurredAt)), \(rows.map(\.receivedAt)),
                    \(rows.map(\.localDay))::date[], \(rows.map { $0.contactID?.uuidString ?? "" }),
                    \(rows.map { text($0.anonymousID) }), \(rows.map { text($0.country) }),
                    \(rows.map { text($0.touchType) }), \(rows.map { text($0.channel) }),
                    \(rows.map { text($0.campaignID) }), \(rows.map { text($0.adSetID) }),
                    \(rows.map { text($0.creativeID) }), \(rows.map { text($0.pagePath) }),
                    \(rows.map { text($0.orderID) }), \(items), \(rows.map { $0.amountMicros ?? -1 }),
                    \(rows.map { text($0.currency) }), \(rows.map { text($0.fxRate) }),
                    \(rows.map { $0.reportingMicros ?? -1 })
                ) AS raw(event_id, kind, occurred_at, received_at, local_day, contact_id, anonymous_id, country,
                         touch_type, channel, campaign_id, ad_set_id, creative_id, page_path, order_id, items,
                         amount_micros, currency, fx_rate, reporting_micros)
            ), typed AS (
                SELECT event_id, kind, occurred_at, received_at, local_day, NULLIF(contact_id, '')::uuid AS contact_id,
                       NULLIF(anonymous_id, '') AS anonymous_id, NULLIF(country, '') AS country,
                       NULLIF(touch_type, '') AS touch_type, NULLIF(channel, '') AS channel,
                       NULLIF(campaign_id, '') AS campaign_id, NULLIF(ad_set_id, '') AS ad_set_id,
                       NULLIF(creative_id, '') AS creative_id, NULLIF(page_path, '') AS page_path,
                       NULLIF(order_id, '') AS order_id, NULLIF(items, '')::jsonb AS items,
                       NULLIF(amount_micros, -1) AS amount_micros, NULLIF(currency, '') AS currency,
                       NULLIF(fx_rate, '')::numeric AS fx_rate, NULLIF(reporting_micros, -1) AS reporting_micros
                FROM batch
            ), inserted AS (
                INSERT INTO events (tenant_id, event_id, kind, occurred_at, received_at, local_day, contact_id,
                                    anonymous_id, country, touch_type, channel, campaign_id, ad_set_id, creative_id,
                                    page_path, order_id, items, amount_micros, currency, fx_rate, reporting_micros)
                SELECT \(tx.tenantID), event_id, kind, occurred_at, received_at, local_day, contact_id,
                       anonymous_id, country, touch_type, channel, campaign_id, ad_set_id, creative_id,
                       page_path, order_id, items, amount_micros, currency, fx_rate, reporting_micros
                FROM typed
                ON CONFLICT (tenant_id, event_id) DO NOTHING
                RETURNING event_id, kind, local_day, channel, campaign_id, country, touch_type, reporting_micros,
                          contact_id, anonymous_id, occurred_at
            ), rolled AS (
                -- Insert-only partial rollups: no batch waits on another's rollup rows.
                INSERT INTO event_rollup_deltas (tenant_id, local_day, channel, campaign_id, country,
                    impressions, clicks, page_views, conversions, spend_micros, revenue_micros)
                SELECT \(tx.tenantID), local_day, coalesce(channel, ''), coalesce(campaign_id, ''),
                       coalesce(country, ''),
                       count(*) FILTER (WHERE touch_type = 'impression'),
                       count(*) FILTER (WHERE touch_type = 'click'),
                       count(*) FILTER (WHERE kind = 'page_view'),
                       count(*) FILTER (WHERE kind = 'conversion'),
                       coalesce(sum(reporting_micros) FILTER (WHERE kind = 'touchpoint'), 0),
                       coalesce(sum(reporting_micros) FILTER (WHERE kind = 'conversion'), 0)
                FROM inserted WHERE kind NOT IN ('identify', 'consent')
                GROUP BY 2, 3, 4, 5
            ), journeyed AS (
                -- One insert-only row per batch; the rollup folder moves it into journeys.
                INSERT INTO journey_deltas (tenant_id, persons, touches, revenues)
                SELECT \(tx.tenantID), array_agg(person), array_agg(touch), array_agg(revenue)
                FROM (SELECT \(unescaped: JourneyRepository.personSQL) AS person,
                             \(unescaped: JourneyRepository.touchSQL) AS touch,
                             coalesce(reporting_micros, 0) AS revenue
                      FROM inserted WHERE \(unescaped: JourneyRepository.journeyKinds)) AS j
                WHERE person IS NOT NULL
                HAVING count(*) > 0
            ), linked AS (
                -- The latest identify wins for an anonymous id; earlier events are never rewritten.
                INSERT INTO identity_links AS l (tenant_id, anonymous_id, contact_id, linked_at)
                SELECT DISTINCT ON (anonymous_id) \(tx.tenantID), anonymous_id, contact_id, occurred_at
                FROM inserted WHERE kind = 'identify'
                ORDER BY anonymous_id, occurred_at DESC
                ON CONFLICT (tenant_id, anonymous_id) DO UPDATE SET
                    contact_id = excluded.contact_id, linked_at = excluded.linked_at
                WHERE l.linked_at <= excluded.linked_at
            )
            SELECT event_id FROM inserted
            """, logger: tx.logger)
        var stored = Set<String>()
        for try await id in result.decode(String.self) { stored.insert(id) }
        return stored
    }
}

extension EventRepository {
    /// Inserts or replaces the tenant's own rates; returns how many were written.
    public static func loadTenantRates(_ rows: [ExchangeRateRow], in tx: TenantTransaction) async throws -> Int {
        guard !rows.isEmpty else { return 0 }
        let result = try await tx.connection.query(
            """
            INSERT INTO tenant_fx_rates (tenant_id, currency, day, usd_per_unit)
            SELECT \(tx.tenantID), currency, day, rate::numeric
            FROM unnest(\(rows.map(\.currency)), \(rows.map(\.day))::date[], \(rows.map { "\($0.usdPerUnit)" }))
                 AS r(currency, day, rate)
            ON CONFLICT (tenant_id, currency, day) DO UPDATE SET usd_per_unit = excluded.usd_per_unit, loaded_at = now()
            RETURNING 1
            """, logger: tx.logger)
        var count = 0
        for try await _ in result.decode(Int.self) { count += 1 }
        return count
    }
}

/// Loads exchange rates into a regional cluster, as the schema owner (the app role may only read them).
public enum ExchangeRateLoader {
    /// Inserts or replaces `rows` in one transaction; returns how many were written.
    public static func load(_ rows: [ExchangeRateRow], into endpoint: DatabaseEndpoint, logger: Logger) async throws
        -> Int
    {
        try await endpoint.withClient(logger: logger) { client in
            try await client.withTransaction(logger: logger) { connection in
                let result = try await connection.query(
                    """
                    INSERT INTO fx_rates (currency, day, usd_per_unit)
                    SELECT currency, day, rate::numeric
                    FROM unnest(\(rows.map(\.currency)), \(rows.map(\.day))::date[], \(rows.map { "\($0.usdPerUnit)" }))
                         AS r(currency, day, rate)
                    ON CONFLICT (currency, day) DO UPDATE SET usd_per_unit = excluded.usd_per_unit, loaded_at = now()
                    RETURNING 1
                    """, logger: logger)
                var count = 0
                for try await _ in result.decode(Int.self) { count += 1 }
                return count
            }
        }
    }
}

/// Folds partial rollups into `event_daily_rollups`.
public enum RollupRepository {
    /// Moves the tenant's partial rollups into the daily rollups, in key order (so that two folds
    /// lock rows in the same order); returns how many partial rows were folded.
    public static func fold(in tx: TenantTransaction) async throws -> Int {
        let rows = try await tx.connection.query(
            """
            WITH moved AS (
                DELETE FROM event_rollup_deltas WHERE tenant_id = \(tx.tenantID)
                RETURNING local_day, channel, campaign_id, country, impressions, clicks, page_views, conversions,
                          spend_micros, revenue_micros
            ), folded AS (
                INSERT INTO event_daily_rollups AS r (tenant_id, local_day, channel, campaign_id, country,
                    impressions, clicks, page_views, conversions, spend_micros, revenue_micros)
                SELECT \(tx.tenantID), local_day, channel, campaign_id, country, sum(impressions), sum(clicks),
                       sum(page_views), sum(conversions), sum(spend_micros), sum(revenue_micros)
                FROM moved GROUP BY 2, 3, 4, 5 ORDER BY 2, 3, 4, 5
                ON CONFLICT (tenant_id, local_day, channel, campaign_id, country) DO UPDATE SET
                    impressions = r.impressions + excluded.impressions,
                    clicks = r.clicks + excluded.clicks,
                    page_views = r.page_views + excluded.page_views,
                    conversions = r.conversions + excluded.conversions,
                    spend_micros = r.spend_micros + excluded.spend_micros,
                    revenue_micros = r.revenue_micros + excluded.revenue_micros
            )
            SELECT count(*)::int FROM moved
            """, logger: tx.logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}
