/// The level a channel report is broken down by.
public enum ChannelMetricLevel: String, Sendable, Hashable, Codable {
    case campaign
    /// Meta's and TikTok's ad sets and ad groups, Google's and Amazon's ad groups.
    case adGroup = "ad_group"
    /// Ads (Amazon's product ads).
    case ad
}

/// One campaign's (or ad group's) figures for one day as a channel reports them, in Tradewind's
/// units.
public struct ChannelDailyMetric: Sendable, Hashable, Codable {
    /// The channel's own id of the campaign.
    public var campaignExternalID: String
    /// The channel's own id of the ad group, in a report by ad group or ad; nil in one by campaign.
    public var adGroupExternalID: String?
    /// The channel's own id of the ad, in a report by ad.
    public var adExternalID: String?
    /// The day in the ad account's time zone.
    public var day: CalendarDay
    public var impressions: Int64
    public var clicks: Int64
    /// Spend in micros of the account's currency.
    public var spendMicros: Int64
    /// Conversions in thousandths: Google reports fractional conversions (data-driven attribution).
    public var conversionsMilli: Int64
    /// Conversion value in micros of the account's currency.
    public var conversionValueMicros: Int64

    public init(
        campaignExternalID: String, adGroupExternalID: String? = nil, adExternalID: String? = nil, day: CalendarDay,
        impressions: Int64, clicks: Int64, spendMicros: Int64, conversionsMilli: Int64, conversionValueMicros: Int64
    ) {
        self.campaignExternalID = campaignExternalID
        self.adGroupExternalID = adGroupExternalID
        self.adExternalID = adExternalID
        self.day = day
        self.impressions = impressions
        self.clicks = clicks
        self.spendMicros = spendMicros
        self.conversionsMilli = conversionsMilli
        self.conversionValueMicros = conversionValueMicros
    }
}

/// How many trailing days every metric sync pulls again: channels restate recent days as late
/// conversions arrive, and what a later pull says replaces what was stored.
public enum MetricRestatement {
    public static let defaultTrailingDays = 3
}
