import Foundation
import PostgresNIO
import TradewindCore

/// The channels' daily figures of a tenant's campaigns, inside a tenant transaction.
public enum ChannelMetricsRepository {
    /// The account's published campaigns by the channel's campaign id.
    public static func campaignsByChannelID(account: UUID, in tx: TenantTransaction) async throws -> [String: UUID] {
        let rows = try await tx.connection.query(
            """
            SELECT channel_campaign_id, id FROM campaigns
            WHERE tenant_id = \(tx.tenantID) AND account_id = \(account) AND channel_campaign_id IS NOT NULL
            """, logger: tx.logger)
        var map: [String: UUID] = [:]
        for try await (channelID, id) in rows.decode((String, UUID).self) { map[channelID] = id }
        return map
    }

    /// The account's published ad groups by the channel's ad group id, with their campaigns.
    public static func adGroupsByChannelID(account: UUID, in tx: TenantTransaction) async throws -> [String: (
        adGroup: UUID, campaign: UUID
    )] {
        let rows = try await tx.connection.query(
            """
            SELECT g.channel_ad_group_id, g.id, g.campaign_id
            FROM ad_groups g JOIN campaigns c ON c.tenant_id = g.tenant_id AND c.id = g.campaign_id
            WHERE g.tenant_id = \(tx.tenantID) AND c.account_id = \(account) AND g.channel_ad_group_id IS NOT NULL
            """, logger: tx.logger)
        var map: [String: (adGroup: UUID, campaign: UUID)] = [:]
        for try await (channelID, id, campaign) in rows.decode((String, UUID, UUID).self) {
            map[channelID] = (id, campaign)
        }
        return map
    }

    /// The account's published ads by the channel's ad id, with their ad groups and campaigns.
    public static func adsByChannelID(account: UUID, in tx: TenantTransaction) async throws -> [String: (
        ad: UUID, adGroup: UUID, campaign: UUID
    )] {
        let rows = try await tx.connection.query(
            """
            SELECT a.channel_ad_id, a.id, g.id, g.campaign_id
            FROM ads a
            JOIN ad_groups g ON g.tenant_id = a.tenant_id AND g.id = a.ad_group_id
            JOIN campaigns c ON c.tenant_id = g.tenant_id AND c.id = g.campaign_id
            WHERE a.tenant_id = \(tx.tenantID) AND c.account_id = \(account) AND a.channel_ad_id IS NOT NULL
            """, logger: tx.logger)
        var map: [String: (ad: UUID, adGroup: UUID, campaign: UUID)] = [:]
        for try await (channelID, id, group, campaign) in rows.decode((String, UUID, UUID, UUID).self) {
            map[channelID] = (id, group, campaign)
        }
        return map
    }

    /// One stored day of one ad.
    public struct AdRow: Sendable, Hashable {
        public var adID: UUID
        public var adGroupID: UUID
        public var campaignID: UUID
        /// Its `adExternalID` is set.
        public var metric: ChannelDailyMetric

        public init(adID: UUID, adGroupID: UUID, campaignID: UUID, metric: ChannelDailyMetric) {
            self.adID = adID
            self.adGroupID = adGroupID
            self.campaignID = campaignID
            self.metric = metric
        }
    }

    /// Replaces everything stored for the account's ads on `from`...`through` by `rows`, as
    /// `replace` does for campaigns. Returns how many rows were written.
    @discardableResult
    public static func replaceAds(
        account: UUID, channel: AdChannel, currency: String, from: CalendarDay, through: CalendarDay, rows: [AdRow],
        in tx: TenantTransaction
    ) async throws -> Int {
        try await deleteDays(of: "channel_ad_daily_metrics", account: account, from: from, through: through, in: tx)
        guard !rows.isEmpty else { return 0 }
        let result = try await tx.connection.query(
            """
            WITH inserted AS (
                INSERT INTO channel_ad_daily_metrics (
                    tenant_id, ad_id, day, ad_group_id, campaign_id, account_id, channel, channel_ad_id, impressions,
                    clicks, spend_micros, currency, conversions_milli, conversion_value_micros)
                SELECT \(tx.tenantID), r.ad_id, r.day, r.ad_group_id, r.campaign_id, \(account),
                       \(Int16(channel.storedCode)), r.channel_id, r.impressions, r.clicks, r.spend, \(currency),
                       r.conversions, r.value
                FROM unnest(\(rows.map(\.adID)), \(rows.map(\.metric.day.description))::date[],
                            \(rows.map(\.adGroupID)), \(rows.map(\.campaignID)),
                            \(rows.map { $0.metric.adExternalID ?? "" }), \(rows.map(\.metric.impressions)),
                            \(rows.map(\.metric.clicks)), \(rows.map(\.metric.spendMicros)),
                            \(rows.map(\.metric.conversionsMilli)), \(rows.map(\.metric.conversionValueMicros)))
                     AS r(ad_id, day, ad_group_id, campaign_id, channel_id, impressions, clicks, spend, conversions,
                          value)
                RETURNING 1)
            SELECT count(*)::int FROM inserted
            """, logger: tx.logger)
        var count = 0
        for try await n in result.decode(Int.self) { count = n }
        return count
    }

    /// One stored day of one ad group.
    public struct AdGroupRow: Sendable, Hashable {
        public var adGroupID: UUID
        public var campaignID: UUID
        /// Its `adGroupExternalID` is set.
        public var metric: ChannelDailyMetric

        public init(adGroupID: UUID, campaignID: UUID, metric: ChannelDailyMetric) {
            self.adGroupID = adGroupID
            self.campaignID = campaignID
            self.metric = metric
        }
    }

    /// Replaces everything stored for the account's ad groups on `from`...`through` by `rows`, as
    /// `replace` does for campaigns. Returns how many rows were written.
    @discardableResult
    public static func replaceAdGroups(
        account: UUID, channel: AdChannel, currency: String, from: CalendarDay, through: CalendarDay,
        rows: [AdGroupRow], in tx: TenantTransaction
    ) async throws -> Int {
        try await deleteDays(
            of: "channel_ad_group_daily_metrics", account: account, from: from, through: through, in: tx)
        guard !rows.isEmpty else { return 0 }
        let result = try await tx.connection.query(
            """
            WITH inserted AS (
                INSERT INTO channel_ad_group_daily_metrics (
                    tenant_id, ad_group_id, day, campaign_id, account_id, channel, channel_ad_group_id, impressions,
                    clicks, spend_micros, currency, conversions_milli, conversion_value_micros)
                SELECT \(tx.tenantID), r.ad_group_id, r.day, r.campaign_id, \(account), \(Int16(channel.storedCode)),
                       r.channel_id, r.impressions, r.clicks, r.spend, \(currency), r.conversions, r.value
                FROM unnest(\(rows.map(\.adGroupID)), \(rows.map(\.metric.day.description))::date[],
                            \(rows.map(\.campaignID)), \(rows.map { $0.metric.adGroupExternalID ?? "" }),
                            \(rows.map(\.metric.impressions)), \(rows.map(\.metric.clicks)),
                            \(rows.map(\.metric.spendMicros)), \(rows.map(\.metric.conversionsMilli)),
                            \(rows.map(\.metric.conversionValueMicros)))
                     AS r(ad_group_id, day, campaign_id, channel_id, impressions, clicks, spend, conversions, value)
                RETURNING 1)
            SELECT count(*)::int FROM inserted
            """, logger: tx.logger)
        var count = 0
        for try await n in result.decode(Int.self) { count = n }
        return count
    }

    /// Deletes an account's stored days `from`...`through` of one of the metric tables, before a
    /// pull writes what the channel says now.
    private static func deleteDays(
        of table: String, account: UUID, from: CalendarDay, through: CalendarDay, in tx: TenantTransaction
    ) async throws {
        try await tx.connection.query(
            """
            DELETE FROM \(unescaped: table)
            WHERE tenant_id = \(tx.tenantID) AND account_id = \(account)
              AND day BETWEEN \(from.description)::date AND \(through.description)::date
            """, logger: tx.logger)
    }

    /// One stored day of one campaign.
    public struct Row: Sendable, Hashable {
        public var campaignID: UUID
        public var metric: ChannelDailyMetric
        /// Spend and conversion value in the reporting currency, nil while the day's rate is missing.
        public var spendReportingMicros: Int64?
        public var conversionValueReportingMicros: Int64?

        public init(
            campaignID: UUID, metric: ChannelDailyMetric, spendReportingMicros: Int64?,
            conversionValueReportingMicros: Int64?
        ) {
            self.campaignID = campaignID
            self.metric = metric
            self.spendReportingMicros = spendReportingMicros
            self.conversionValueReportingMicros = conversionValueReportingMicros
        }
    }

    /// Replaces everything stored for the account's campaigns on `from`...`through` by `rows`: a
    /// day the channel restated is what it says now, and a day it no longer reports is gone.
    /// Returns how many rows were written.
    @discardableResult
    public static func replace(
        account: UUID, channel: AdChannel, currency: String, reportingCurrency: String, from: CalendarDay,
        through: CalendarDay, rows: [Row], in tx: TenantTransaction
    ) async throws -> Int {
        try await deleteDays(of: "channel_daily_metrics", account: account, from: from, through: through, in: tx)
        guard !rows.isEmpty else { return 0 }
        let result = try await tx.connection.query(
            """
            WITH inserted AS (
                INSERT INTO channel_daily_metrics (
                    tenant_id, campaign_id, day, account_id, channel, channel_campaign_id, impressions, clicks,
                    spend_micros, currency, conversions_milli, conversion_value_micros, reporting_currency,
                    spend_reporting_micros, conversion_value_reporting_micros)
                SELECT \(tx.tenantID), r.campaign_id, r.day, \(account), \(Int16(channel.storedCode)), r.channel_id,
                       r.impressions, r.clicks, r.spend, \(currency), r.conversions, r.value, \(reportingCurrency),
                       NULLIF(r.spend_reporting, -1), NULLIF(r.value_reporting, -1)
                FROM unnest(\(rows.map(\.campaignID)), \(rows.map(\.metric.day.description))::date[],
                            \(rows.map(\.metric.campaignExternalID)), \(rows.map(\.metric.impressions)),
                            \(rows.map(\.metric.clicks)), \(rows.map(\.metric.spendMicros)),
                            \(rows.map(\.metric.conversionsMilli)), \(rows.map(\.metric.conversionValueMicros)),
                            \(rows.map { $0.spendReportingMicros ?? -1 }),
                            \(rows.map { $0.conversionValueReportingMicros ?? -1 }))
                     AS r(campaign_id, day, channel_id, impressions, clicks, spend, conversions, value,
                          spend_reporting, value_reporting)
                RETURNING 1)
            SELECT count(*)::int FROM inserted
            """, logger: tx.logger)
        var count = 0
        for try await n in result.decode(Int.self) { count = n }
        return count
    }

    /// Stored days of a campaign, oldest first.
    public static func days(campaign: UUID, in tx: TenantTransaction) async throws -> [Row] {
        let rows = try await tx.connection.query(
            """
            SELECT campaign_id, channel_campaign_id, day::text, impressions, clicks, spend_micros, conversions_milli,
                   conversion_value_micros, spend_reporting_micros, conversion_value_reporting_micros
            FROM channel_daily_metrics WHERE tenant_id = \(tx.tenantID) AND campaign_id = \(campaign) ORDER BY day
            """, logger: tx.logger)
        var result: [Row] = []
        for try await (
            id, channelID, day, impressions, clicks, spend, conversions, value, spendReporting, valueReporting
        )
            in rows.decode((UUID, String, String, Int64, Int64, Int64, Int64, Int64, Int64?, Int64?).self)
        {
            guard let day = CalendarDay(day) else { continue }
            result.append(
                Row(
                    campaignID: id,
                    metric: ChannelDailyMetric(
                        campaignExternalID: channelID, day: day, impressions: impressions, clicks: clicks,
                        spendMicros: spend, conversionsMilli: conversions, conversionValueMicros: value),
                    spendReportingMicros: spendReporting, conversionValueReportingMicros: valueReporting))
        }
        return result
    }

    /// One campaign's day as the channel and as the tenant's events see it.
    public struct Reconciliation: Sendable, Hashable {
        public var campaignID: UUID
        public var day: CalendarDay
        public var channelConversionsMilli: Int64
        /// In the reporting currency; nil while the day's rate is missing.
        public var channelConversionValueMicros: Int64?
        /// Conversions whose converting session came from the campaign (its last click).
        public var firstPartyConversions: Int64
        public var firstPartyRevenueMicros: Int64
    }

    /// Every day the channel reported for the tenant's campaigns in `from`...`through` (only
    /// `campaignIDs` unless empty), with the first-party conversions and revenue of the same
    /// campaign and day: events whose source is the campaign's channel id. Ordered by campaign, day.
    public static func reconciliation(
        from: CalendarDay, through: CalendarDay, campaignIDs: [UUID], in tx: TenantTransaction
    ) async throws -> [Reconciliation] {
        let rows = try await tx.connection.query(
            """
            SELECT m.campaign_id, m.day::text, m.conversions_milli, m.conversion_value_reporting_micros,
                   coalesce(t.conversions, 0)::bigint, coalesce(t.revenue, 0)::bigint
            FROM channel_daily_metrics m
            LEFT JOIN LATERAL (
                SELECT sum(e.conversions) AS conversions, sum(e.revenue_micros) AS revenue
                FROM event_daily_totals e
                WHERE e.tenant_id = m.tenant_id AND e.local_day = m.day
                  AND e.channel = \(unescaped: AnalyticsRepository.channelName)
                  AND e.campaign_id = m.channel_campaign_id) t ON true
            WHERE m.tenant_id = \(tx.tenantID)
              AND m.day BETWEEN \(from.description)::date AND \(through.description)::date
              AND (cardinality(\(campaignIDs)::uuid[]) = 0 OR m.campaign_id = ANY(\(campaignIDs)::uuid[]))
            ORDER BY m.campaign_id, m.day
            """, logger: tx.logger)
        var result: [Reconciliation] = []
        for try await (id, day, conversions, value, firstParty, revenue) in rows.decode(
            (UUID, String, Int64, Int64?, Int64, Int64).self)
        {
            guard let day = CalendarDay(day) else { continue }
            result.append(
                Reconciliation(
                    campaignID: id, day: day, channelConversionsMilli: conversions, channelConversionValueMicros: value,
                    firstPartyConversions: firstParty, firstPartyRevenueMicros: revenue))
        }
        return result
    }
}
