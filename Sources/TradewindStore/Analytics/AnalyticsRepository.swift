import Foundation
import PostgresNIO
import TradewindCore

/// What analytics reads from a tenant's events, inside a tenant transaction. Every query is bounded
/// by the tenant's row-level security and by the limits its caller passes.
public enum AnalyticsRepository {
    /// The person an event belongs to: the contact its anonymous id was linked to, else its own
    /// contact, else its anonymous id. Needs `events e LEFT JOIN identity_links l`.
    static let person = "coalesce(l.contact_id::text, e.contact_id::text, e.anonymous_id)"
    static let identityJoin =
        "LEFT JOIN identity_links l ON l.tenant_id = e.tenant_id AND l.anonymous_id = e.anonymous_id"
    /// The names funnels, retention and paths match (`click:meta`, `page_view:/pricing`, `conversion`).
    static let eventName =
        "CASE e.kind WHEN 'touchpoint' THEN e.touch_type || ':' || e.channel WHEN 'page_view' THEN 'page_view:' || e.page_path ELSE e.kind END"

    /// Readies an analytics transaction: JIT compilation off, since compiling these one-off
    /// scans took about a second, more than it saved on 10 million events.
    public static func prepare(_ tx: TenantTransaction) async throws {
        try await tx.connection.query("SELECT set_config('jit', 'off', true)", logger: tx.logger)
    }

    /// The channel a stored channel code names, in SQL (`AdChannel.storedCode`, pinned).
    static let channelName =
        "CASE m.channel WHEN 1 THEN 'google_ads' WHEN 2 THEN 'meta' WHEN 3 THEN 'tiktok' WHEN 4 THEN 'amazon_ads' END"

    /// Daily rollups in `range`, summed over the dimensions not asked for (those come back empty).
    ///
    /// For a campaign Tradewind published (its channel id is on `campaigns`), spend, impressions
    /// and clicks are the channel's own daily figures (`channel_daily_metrics`, spend converted
    /// at the day's rate), and the touchpoints' own cost and counts are not counted a second
    /// time; conversions, revenue and page views always come from the tenant's events. The
    /// channel's figures have no country: grouped by country they come under "".
    public static func rollups(
        range: DayRange, byChannel: Bool, byCampaign: Bool, byCountry: Bool, channels: [String],
        countries: [String], campaignIDs: [String], in tx: TenantTransaction
    ) async throws -> [DailyRollup] {
        let rows = try await tx.connection.query(
            """
            WITH linked AS (
                SELECT DISTINCT \(unescaped: channelName) AS channel, m.channel_campaign_id AS campaign_id
                FROM campaigns m WHERE m.tenant_id = \(tx.tenantID) AND m.channel_campaign_id IS NOT NULL),
            source AS (
                SELECT t.local_day, t.channel, t.campaign_id, t.country,
                       CASE WHEN l.campaign_id IS NULL THEN t.spend_micros ELSE 0 END AS spend_micros,
                       CASE WHEN l.campaign_id IS NULL THEN t.impressions ELSE 0 END AS impressions,
                       CASE WHEN l.campaign_id IS NULL THEN t.clicks ELSE 0 END AS clicks,
                       t.page_views, t.conversions, t.revenue_micros
                FROM event_daily_totals t
                LEFT JOIN linked l ON l.channel = t.channel AND l.campaign_id = t.campaign_id
                WHERE t.tenant_id = \(tx.tenantID)
                  AND t.local_day BETWEEN \(range.from.description)::date AND \(range.to.description)::date
                UNION ALL
                SELECT m.day, \(unescaped: channelName), m.channel_campaign_id, '',
                       coalesce(m.spend_reporting_micros, 0), m.impressions, m.clicks, 0, 0, 0
                FROM channel_daily_metrics m
                WHERE m.tenant_id = \(tx.tenantID)
                  AND m.day BETWEEN \(range.from.description)::date AND \(range.to.description)::date)
            SELECT local_day::text,
                   CASE WHEN \(byChannel) THEN channel ELSE '' END,
                   CASE WHEN \(byCampaign) THEN campaign_id ELSE '' END,
                   CASE WHEN \(byCountry) THEN country ELSE '' END,
                   sum(spend_micros)::bigint, sum(impressions)::bigint, sum(clicks)::bigint,
                   sum(page_views)::bigint, sum(conversions)::bigint, sum(revenue_micros)::bigint
            FROM source
            WHERE (cardinality(\(channels)::text[]) = 0 OR channel = ANY(\(channels)))
              AND (cardinality(\(countries)::text[]) = 0 OR country = ANY(\(countries)))
              AND (cardinality(\(campaignIDs)::text[]) = 0 OR campaign_id = ANY(\(campaignIDs)))
            GROUP BY 1, 2, 3, 4
            """, logger: tx.logger)
        var result: [DailyRollup] = []
        for try await (day, channel, campaign, country, spend, impressions, clicks, views, conversions, revenue)
            in rows.decode((String, String, String, String, Int64, Int64, Int64, Int64, Int64, Int64).self)
        {
            guard let day = CalendarDay(day) else { continue }
            result.append(
                DailyRollup(
                    day: day, channel: channel, campaignID: campaign, country: country,
                    totals: KPITotals(
                        spendMicros: spend, impressions: impressions, clicks: clicks, pageViews: views,
                        conversions: conversions, revenueMicros: revenue)))
        }
        return result
    }

    /// Events that happened in `[from, to)` as behavioural events, ordered by person and time;
    /// only those named in `names` when it is not empty. Throws past `maxEvents`.
    public static func behaviorEvents(
        from: Date, to: Date, names: [String], maxEvents: Int, in tx: TenantTransaction
    ) async throws -> [BehaviorEvent] {
        let rows = try await tx.connection.query(
            """
            SELECT person, name, occurred_at, channel, campaign_id, country FROM (
                SELECT \(unescaped: person) AS person, \(unescaped: eventName) AS name, e.occurred_at,
                       coalesce(e.channel, ''), coalesce(e.campaign_id, ''), coalesce(e.country, '')
                FROM events e \(unescaped: identityJoin)
                WHERE e.tenant_id = \(tx.tenantID) AND e.occurred_at >= \(from) AND e.occurred_at < \(to)
                  AND e.kind IN ('touchpoint', 'page_view', 'conversion')
            ) AS named (person, name, occurred_at, channel, campaign_id, country)
            WHERE person IS NOT NULL AND (cardinality(\(names)::text[]) = 0 OR name = ANY(\(names)))
            ORDER BY person COLLATE "C", occurred_at
            LIMIT \(maxEvents + 1)
            """, logger: tx.logger)
        var result: [BehaviorEvent] = []
        for try await (person, name, time, channel, campaign, country) in rows.decode(
            (String, String, Date, String, String, String).self)
        {
            guard result.count < maxEvents else { throw AnalyticsLimitExceeded(limit: maxEvents) }
            var properties: [String: String] = [:]
            if !channel.isEmpty { properties["channel"] = channel }
            if !campaign.isEmpty { properties["campaign_id"] = campaign }
            if !country.isEmpty { properties["country"] = country }
            result.append(BehaviorEvent(person: person, name: name, time: time, properties: properties))
        }
        return result
    }

    /// Conversions in `[from, to)`: who, when, and their value in the reporting currency (0 when
    /// the rate was missing).
    public static func orders(from: Date, to: Date, maxEvents: Int, in tx: TenantTransaction) async throws
        -> [(person: String, time: Date, valueMicros: Int64)]
    {
        let rows = try await tx.connection.query(
            """
            SELECT \(unescaped: person), e.occurred_at, coalesce(e.reporting_micros, 0)
            FROM events e \(unescaped: identityJoin)
            WHERE e.tenant_id = \(tx.tenantID) AND e.kind = 'conversion'
              AND e.occurred_at >= \(from) AND e.occurred_at < \(to)
              AND (e.contact_id IS NOT NULL OR e.anonymous_id IS NOT NULL)
            LIMIT \(maxEvents + 1)
            """, logger: tx.logger)
        var result: [(String, Date, Int64)] = []
        for try await row in rows.decode((String, Date, Int64).self) {
            guard result.count < maxEvents else { throw AnalyticsLimitExceeded(limit: maxEvents) }
            result.append(row)
        }
        return result
    }

    /// The distinct SKUs of each conversion with items in `[from, to)`.
    public static func baskets(from: Date, to: Date, maxEvents: Int, in tx: TenantTransaction) async throws
        -> [[String]]
    {
        let rows = try await tx.connection.query(
            """
            SELECT array_agg(DISTINCT item->>'sku')
            FROM events e CROSS JOIN LATERAL jsonb_array_elements(e.items) AS item
            WHERE e.tenant_id = \(tx.tenantID) AND e.kind = 'conversion' AND e.items IS NOT NULL
              AND e.occurred_at >= \(from) AND e.occurred_at < \(to)
            GROUP BY e.event_id
            LIMIT \(maxEvents + 1)
            """, logger: tx.logger)
        var result: [[String]] = []
        for try await skus in rows.decode([String].self) {
            guard result.count < maxEvents else { throw AnalyticsLimitExceeded(limit: maxEvents) }
            result.append(skus)
        }
        return result
    }

    /// For lifetime value by cohort: each person's first day (ever, among stored events) in
    /// `firstDays`, and their revenue per day up to `through`, summed per (first day, day).
    public static func cohortRevenue(firstDays: DayRange, through: CalendarDay, in tx: TenantTransaction)
        async throws -> (people: [CalendarDay: Int64], revenue: [(first: CalendarDay, day: CalendarDay, micros: Int64)])
    {
        let rows = try await tx.connection.query(
            """
            WITH named AS (
                SELECT \(unescaped: person) AS person, e.local_day, e.kind, e.reporting_micros
                FROM events e \(unescaped: identityJoin)
                WHERE e.tenant_id = \(tx.tenantID) AND e.local_day <= \(through.description)::date
                  AND e.kind IN ('touchpoint', 'page_view', 'conversion')
            ), firsts AS (
                SELECT person, min(local_day) AS first_day FROM named WHERE person IS NOT NULL GROUP BY person
            ), cohort AS (
                SELECT person, first_day FROM firsts
                WHERE first_day BETWEEN \(firstDays.from.description)::date AND \(firstDays.to.description)::date
            )
            SELECT c.first_day::text, NULL::text, count(*)::int8 FROM cohort c GROUP BY c.first_day
            UNION ALL
            SELECT c.first_day::text, n.local_day::text, sum(n.reporting_micros)::int8
            FROM cohort c JOIN named n ON n.person = c.person
            WHERE n.kind = 'conversion' AND n.reporting_micros IS NOT NULL
            GROUP BY c.first_day, n.local_day
            """, logger: tx.logger)
        var people: [CalendarDay: Int64] = [:]
        var revenue: [(CalendarDay, CalendarDay, Int64)] = []
        for try await (first, day, value) in rows.decode((String, String?, Int64).self) {
            guard let first = CalendarDay(first) else { continue }
            if let day, let day = CalendarDay(day) {
                revenue.append((first, day, value))
            } else {
                people[first] = value
            }
        }
        return (people, revenue)
    }
}

/// A query would read more events than one call may.
public struct AnalyticsLimitExceeded: Error, Sendable, Hashable {
    public var limit: Int
}
