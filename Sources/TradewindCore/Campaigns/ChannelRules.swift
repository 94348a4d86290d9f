/// What one channel accepts, checked before anything is sent so that a request the channel would
/// refuse is refused here, naming the field and the channel. The figures are the channels'
/// documented limits (README, "Campaigns on the channels"); a limit that depends on a currency
/// Tradewind has no figure for is left to the channel, whose refusal is reported as it comes.
public struct ChannelRules: Sendable {
    public enum Requirement: Sendable, Hashable {
        case required
        case optional
        case notTaken
    }

    public enum BidKind: String, Sendable, Hashable, CaseIterable {
        case automatic
        case maximumCostPerClick = "maximum_cost_per_click"
        case targetCostPerAction = "target_cost_per_action"
        case targetReturnOnAdSpend = "target_return_on_ad_spend"
    }

    public var channel: AdChannel
    public var objectives: Set<CampaignObjective>
    public var budgetPeriods: Set<Budget.Period>
    public var bidKinds: Set<BidKind>
    public var maximumNameLength: Int
    public var headlineCount: ClosedRange<Int>
    public var headlineMaximumLength: Int
    public var descriptionCount: ClosedRange<Int>
    public var descriptionMaximumLength: Int
    public var finalURL: Requirement
    public var callToAction: Requirement
    public var image: Requirement
    public var product: Requirement
    /// Amazon's ad groups bid per click by default; the others bid at campaign level.
    public var defaultBid: Requirement
    /// Lowest daily budget by account currency, in micros; currencies not listed are not checked here.
    public var minimumDailyBudgetMicros: [String: Int64]
    /// The smallest step of a budget the channel can express, in micros, for an account currency.
    public var budgetStepMicros: @Sendable (String) -> Int64

    public static func of(_ channel: AdChannel) -> ChannelRules {
        switch channel {
        case .googleAds: googleAds
        case .meta: meta
        case .tiktok: tiktok
        case .amazonAds: amazonAds
        }
    }

    /// Google Ads Search campaigns with responsive search ads: 3 to 15 headlines of at most 30
    /// characters, 2 to 4 descriptions of at most 90; budgets in whole minimum currency units
    /// (`NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT`). Awareness needs Display or Video campaigns,
    /// which Tradewind does not build yet.
    static let googleAds = ChannelRules(
        channel: .googleAds, objectives: [.traffic, .leads, .sales], budgetPeriods: [.daily],
        bidKinds: Set(BidKind.allCases), maximumNameLength: 255,
        headlineCount: 3...15, headlineMaximumLength: 30, descriptionCount: 2...4, descriptionMaximumLength: 90,
        finalURL: .required, callToAction: .notTaken, image: .notTaken, product: .notTaken, defaultBid: .optional,
        minimumDailyBudgetMicros: [:], budgetStepMicros: { CurrencyUnits.microsPerMinorUnit($0) })

    /// Meta single-image link ads: one headline (`link_data.name`), one primary text
    /// (`link_data.message`), an uploaded image's hash; budgets in minor units with Meta's
    /// currency offset. Minimum daily budgets are Meta's for impression billing.
    static let meta = ChannelRules(
        channel: .meta, objectives: Set(CampaignObjective.allCases), budgetPeriods: [.daily, .lifetime],
        bidKinds: Set(BidKind.allCases), maximumNameLength: 400,
        headlineCount: 1...1, headlineMaximumLength: 255, descriptionCount: 1...1, descriptionMaximumLength: 2_200,
        finalURL: .required, callToAction: .optional, image: .required, product: .notTaken, defaultBid: .optional,
        minimumDailyBudgetMicros: ["USD": 1_000_000, "EUR": 1_000_000, "GBP": 1_000_000, "JPY": 100_000_000],
        budgetStepMicros: { 1_000_000 / CurrencyUnits.metaOffset($0) })

    /// TikTok single-image ads: no headline, one ad text of 1 to 100 characters, a call to action
    /// and an uploaded image; campaign daily budgets of at least 50 USD (or the equivalent).
    /// Return-on-ad-spend bidding is refused: TikTok's value optimisation is not offered to every
    /// advertiser.
    static let tiktok = ChannelRules(
        channel: .tiktok, objectives: Set(CampaignObjective.allCases), budgetPeriods: [.daily, .lifetime],
        bidKinds: [.automatic, .maximumCostPerClick, .targetCostPerAction], maximumNameLength: 512,
        headlineCount: 0...0, headlineMaximumLength: 0, descriptionCount: 1...1, descriptionMaximumLength: 100,
        finalURL: .required, callToAction: .required, image: .required, product: .notTaken, defaultBid: .optional,
        minimumDailyBudgetMicros: ["USD": 50_000_000, "EUR": 50_000_000, "GBP": 50_000_000, "JPY": 5_000_000_000],
        budgetStepMicros: { CurrencyUnits.microsPerMinorUnit($0) })

    /// Amazon Sponsored Products: product ads by ASIN or SKU, no copy; daily budgets of at least
    /// 1 in the marketplace currency; every ad group has a default bid.
    static let amazonAds = ChannelRules(
        channel: .amazonAds, objectives: [.traffic, .sales], budgetPeriods: [.daily],
        bidKinds: [.automatic, .maximumCostPerClick], maximumNameLength: 128,
        headlineCount: 0...0, headlineMaximumLength: 0, descriptionCount: 0...0, descriptionMaximumLength: 0,
        finalURL: .notTaken, callToAction: .notTaken, image: .notTaken, product: .required, defaultBid: .required,
        minimumDailyBudgetMicros: ["USD": 1_000_000, "EUR": 1_000_000, "GBP": 1_000_000, "JPY": 100_000_000],
        budgetStepMicros: { CurrencyUnits.microsPerMinorUnit($0) })
}

extension BidStrategy {
    public var kind: ChannelRules.BidKind {
        switch self {
        case .automatic: .automatic
        case .maximumCostPerClick: .maximumCostPerClick
        case .targetCostPerAction: .targetCostPerAction
        case .targetReturnOnAdSpend: .targetReturnOnAdSpend
        }
    }
}
