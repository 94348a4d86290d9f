import Foundation

/// What a campaign is for. Each channel expresses it differently (see `ChannelMapping`).
public enum CampaignObjective: String, CaseIterable, Sendable, Hashable, Codable {
    case awareness
    case traffic
    case leads
    case sales

    /// Pinned stored code: never renumber or reuse.
    public var storedCode: Int {
        switch self {
        case .awareness: 1
        case .traffic: 2
        case .leads: 3
        case .sales: 4
        }
    }

    public init?(storedCode: Int) {
        guard let value = Self.allCases.first(where: { $0.storedCode == storedCode }) else { return nil }
        self = value
    }
}

/// The state a tenant wants a campaign, ad group or ad to be in. `draft` was never published.
public enum CampaignStatus: String, CaseIterable, Sendable, Hashable, Codable {
    case draft
    case active
    case paused
    case archived

    /// Pinned stored code: never renumber or reuse.
    public var storedCode: Int {
        switch self {
        case .draft: 1
        case .active: 2
        case .paused: 3
        case .archived: 4
        }
    }

    public init?(storedCode: Int) {
        guard let value = Self.allCases.first(where: { $0.storedCode == storedCode }) else { return nil }
        self = value
    }
}

/// How much may be spent, in millionths of the ad account's currency.
public struct Budget: Sendable, Hashable, Codable {
    public enum Period: String, CaseIterable, Sendable, Hashable, Codable {
        case daily
        case lifetime
    }

    public var period: Period
    public var amountMicros: Int64

    public init(period: Period, amountMicros: Int64) {
        self.period = period
        self.amountMicros = amountMicros
    }
}

/// How the channel should bid. Amounts are micros of the account's currency.
public enum BidStrategy: Sendable, Hashable, Codable {
    /// The channel spends the budget for the most results (Google Maximize conversions or clicks,
    /// Meta lowest cost, TikTok no bid, Amazon dynamic bids down only).
    case automatic
    /// Pay at most this much per click.
    case maximumCostPerClick(micros: Int64)
    /// Aim for this average cost per conversion.
    case targetCostPerAction(micros: Int64)
    /// Aim for this much conversion value per unit spent, in thousandths (4000 = 400 %).
    case targetReturnOnAdSpend(permille: Int64)
}

/// An inclusive age range in years; channels accept 13 to 65, where 65 means "65 and over".
public struct AgeRange: Sendable, Hashable, Codable {
    public var minimum: Int
    public var maximum: Int

    public init(minimum: Int, maximum: Int) {
        self.minimum = minimum
        self.maximum = maximum
    }

    public static let allowed = 13...65
}

/// Whom an ad group reaches.
public struct Targeting: Sendable, Hashable, Codable {
    /// ISO 3166-1 alpha-2 codes.
    public var countries: [String]
    /// BCP 47 language tags.
    public var languages: [String]
    public var ageRange: AgeRange?
    /// Segments whose members are uploaded to the channel as an audience (synced by a later issue).
    public var segmentIDs: [UUID]

    public init(countries: [String] = [], languages: [String] = [], ageRange: AgeRange? = nil, segmentIDs: [UUID] = [])
    {
        self.countries = countries
        self.languages = languages
        self.ageRange = ageRange
        self.segmentIDs = segmentIDs
    }
}

/// The button an ad shows.
public enum CallToAction: String, CaseIterable, Sendable, Hashable, Codable {
    case learnMore = "learn_more"
    case shopNow = "shop_now"
    case signUp = "sign_up"
    case download
    case contactUs = "contact_us"
    case bookNow = "book_now"
    case getQuote = "get_quote"
    case subscribe
}

/// A product an Amazon product ad promotes: sellers name it by SKU, vendors by ASIN.
public enum ProductReference: Sendable, Hashable, Codable {
    case asin(String)
    case sku(String)
}

/// What an ad shows. Which fields a channel takes, and how many, is in `ChannelRules`.
public struct Creative: Sendable, Hashable, Codable {
    public var headlines: [String]
    public var descriptions: [String]
    public var finalURL: String?
    public var callToAction: CallToAction?
    /// The channel's own id of an uploaded image (Meta image hash, TikTok image id).
    public var imageReference: String?
    public var product: ProductReference?

    public init(
        headlines: [String] = [], descriptions: [String] = [], finalURL: String? = nil,
        callToAction: CallToAction? = nil, imageReference: String? = nil, product: ProductReference? = nil
    ) {
        self.headlines = headlines
        self.descriptions = descriptions
        self.finalURL = finalURL
        self.callToAction = callToAction
        self.imageReference = imageReference
        self.product = product
    }
}

extension CalendarDay: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = CalendarDay(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not YYYY-MM-DD: \(text)"))
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A campaign as the tenant describes it, on one channel account, before and after publishing.
public struct CampaignSpec: Sendable, Hashable, Codable {
    public var name: String
    public var objective: CampaignObjective
    public var budget: Budget
    public var bidStrategy: BidStrategy
    public var startDay: CalendarDay?
    public var endDay: CalendarDay?
    /// ISO 3166-1 alpha-2 codes the campaign is meant for (its ad groups target within them).
    public var markets: [String]
    /// BCP 47 tags of the languages its copy is written in.
    public var languages: [String]
    /// What the ad-copy rules read: the product category (`CopyCategory.known`), if any.
    public var productCategory: String?
    /// The day the ads' offer ends, if it has one.
    public var offerEndDay: CalendarDay?

    public init(
        name: String, objective: CampaignObjective, budget: Budget, bidStrategy: BidStrategy = .automatic,
        startDay: CalendarDay? = nil, endDay: CalendarDay? = nil, markets: [String] = [], languages: [String] = [],
        productCategory: String? = nil, offerEndDay: CalendarDay? = nil
    ) {
        self.productCategory = productCategory
        self.offerEndDay = offerEndDay
        self.name = name
        self.objective = objective
        self.budget = budget
        self.bidStrategy = bidStrategy
        self.startDay = startDay
        self.endDay = endDay
        self.markets = markets
        self.languages = languages
    }
}

/// An ad group (Meta: ad set) of a campaign.
public struct AdGroupSpec: Sendable, Hashable, Codable {
    public var name: String
    public var targeting: Targeting
    /// A default bid per click for the group, where the channel takes one (Amazon requires it).
    public var defaultBidMicros: Int64?

    public init(name: String, targeting: Targeting, defaultBidMicros: Int64? = nil) {
        self.name = name
        self.targeting = targeting
        self.defaultBidMicros = defaultBidMicros
    }
}

extension AdGroupSpec {
    /// How the group bids under its campaign's strategy: the campaign's, with the group's own
    /// amount where it has one (Meta's ad set `bid_amount`, TikTok's ad group `bid_price`,
    /// Google's ad group `cpc_bid_micros`). Strategies without an amount stay as they are.
    public func bidStrategy(under campaign: BidStrategy) -> BidStrategy {
        defaultBidMicros.map { campaign.with(amountMicros: $0) } ?? campaign
    }
}

/// An ad of an ad group.
public struct AdSpec: Sendable, Hashable, Codable {
    public var name: String
    public var creative: Creative

    public init(name: String, creative: Creative) {
        self.name = name
        self.creative = creative
    }
}
