/// The Google Ads resources the sandbox emulates, with their names in each place they appear:
/// resource names, GAQL, `googleAds:mutate` operations and results, and error categories.
enum GoogleResourceKind: CaseIterable, Sendable {
    case campaignBudget, campaign, adGroup, adGroupAd, campaignCriterion

    init?(collection: String) {
        guard let kind = Self.allCases.first(where: { $0.collection == collection }) else { return nil }
        self = kind
    }

    /// The collection in resource names and the service path: `campaignBudgets`.
    var collection: String {
        switch self {
        case .campaignBudget: "campaignBudgets"
        case .campaign: "campaigns"
        case .adGroup: "adGroups"
        case .adGroupAd: "adGroupAds"
        case .campaignCriterion: "campaignCriteria"
        }
    }

    /// The resource's field in results and GAQL rows, lowerCamelCase: `campaignBudget`.
    var jsonName: String {
        switch self {
        case .campaignBudget: "campaignBudget"
        case .campaign: "campaign"
        case .adGroup: "adGroup"
        case .adGroupAd: "adGroupAd"
        case .campaignCriterion: "campaignCriterion"
        }
    }

    /// The proto name, as GAQL and field paths use it: `campaign_budget`.
    var protoName: String {
        switch self {
        case .campaignBudget: "campaign_budget"
        case .campaign: "campaign"
        case .adGroup: "ad_group"
        case .adGroupAd: "ad_group_ad"
        case .campaignCriterion: "campaign_criterion"
        }
    }

    var operationKey: String { jsonName + "Operation" }
    var resultKey: String { jsonName + "Result" }
    var errorCategory: String { jsonName + "Error" }

    var level: ObjectLevel {
        switch self {
        case .campaignBudget: .budget
        case .campaign: .campaign
        case .adGroup: .adGroup
        case .adGroupAd: .ad
        case .campaignCriterion: .criterion
        }
    }

    /// Keys a create or update may carry (proto3-JSON names); anything else is an unknown field.
    var knownFields: Set<String> {
        switch self {
        case .campaignBudget:
            ["resourceName", "id", "name", "amountMicros", "deliveryMethod", "explicitlyShared", "period", "status"]
        case .campaign:
            [
                "resourceName", "id", "name", "status", "advertisingChannelType", "advertisingChannelSubType",
                "campaignBudget", "startDate", "endDate", "manualCpc", "manualCpm", "maximizeConversions",
                "maximizeConversionValue", "targetSpend", "targetCpa", "targetRoas", "networkSettings",
                "containsEuPoliticalAdvertising", "biddingStrategy", "geoTargetTypeSetting",
                "trackingUrlTemplate", "finalUrlSuffix",
            ]
        case .adGroup:
            ["resourceName", "id", "name", "status", "campaign", "type", "cpcBidMicros", "trackingUrlTemplate"]
        case .adGroupAd: ["resourceName", "status", "adGroup", "ad"]
        case .campaignCriterion:
            [
                "resourceName", "campaign", "criterionId", "type", "status", "negative", "bidModifier", "location",
                "language",
            ]
        }
    }

    /// Fields an update mask may name.
    var mutableFields: Set<String> {
        switch self {
        case .campaignBudget: ["name", "amountMicros", "deliveryMethod"]
        case .campaign:
            [
                "name", "status", "campaignBudget", "startDate", "endDate", "manualCpc", "maximizeConversions",
                "maximizeConversionValue", "targetSpend", "targetCpa", "targetRoas", "networkSettings",
                "trackingUrlTemplate", "finalUrlSuffix",
            ]
        case .adGroup: ["name", "status", "cpcBidMicros", "trackingUrlTemplate"]
        case .adGroupAd: ["status"]
        case .campaignCriterion: ["status", "bidModifier"]
        }
    }

    /// Enum-typed fields: their proto enum type (for the JSON error text) and accepted names.
    var enumFields: [String: GoogleEnum] {
        switch self {
        case .campaignBudget:
            ["deliveryMethod": .budgetDeliveryMethod, "period": .budgetPeriod, "status": .budgetStatus]
        case .campaign:
            [
                "status": .campaignStatus, "advertisingChannelType": .advertisingChannelType,
                "containsEuPoliticalAdvertising": .euPoliticalAdvertising,
            ]
        case .adGroup: ["status": .adGroupStatus, "type": .adGroupType]
        case .adGroupAd: ["status": .adGroupAdStatus]
        case .campaignCriterion: ["status": .campaignCriterionStatus]
        }
    }

    /// Fields whose proto type is int64 (sent and answered as strings).
    var int64Fields: Set<String> {
        switch self {
        case .campaignBudget: ["amountMicros", "id"]
        case .campaign, .adGroupAd: ["id"]
        case .campaignCriterion: ["criterionId"]
        case .adGroup: ["cpcBidMicros", "id"]
        }
    }
}

/// A proto enum of Google Ads v21 (google/ads/googleads/v21/enums/*.proto) and the names it accepts.
struct GoogleEnum: Sendable {
    var typeName: String
    var values: Set<String>

    static let campaignStatus = GoogleEnum(
        typeName: "CampaignStatusEnum.CampaignStatus", values: ["ENABLED", "PAUSED", "REMOVED"])
    static let adGroupStatus = GoogleEnum(
        typeName: "AdGroupStatusEnum.AdGroupStatus", values: ["ENABLED", "PAUSED", "REMOVED"])
    static let adGroupAdStatus = GoogleEnum(
        typeName: "AdGroupAdStatusEnum.AdGroupAdStatus", values: ["ENABLED", "PAUSED", "REMOVED"])
    static let campaignCriterionStatus = GoogleEnum(
        typeName: "CampaignCriterionStatusEnum.CampaignCriterionStatus", values: ["ENABLED", "PAUSED", "REMOVED"])
    static let budgetStatus = GoogleEnum(typeName: "BudgetStatusEnum.BudgetStatus", values: ["ENABLED", "REMOVED"])
    static let budgetDeliveryMethod = GoogleEnum(
        typeName: "BudgetDeliveryMethodEnum.BudgetDeliveryMethod", values: ["STANDARD", "ACCELERATED"])
    static let budgetPeriod = GoogleEnum(
        typeName: "BudgetPeriodEnum.BudgetPeriod", values: ["DAILY", "CUSTOM_PERIOD"])
    static let advertisingChannelType = GoogleEnum(
        typeName: "AdvertisingChannelTypeEnum.AdvertisingChannelType",
        values: [
            "SEARCH", "DISPLAY", "SHOPPING", "HOTEL", "VIDEO", "MULTI_CHANNEL", "LOCAL", "SMART",
            "PERFORMANCE_MAX", "LOCAL_SERVICES", "TRAVEL", "DEMAND_GEN",
        ])
    static let adGroupType = GoogleEnum(
        typeName: "AdGroupTypeEnum.AdGroupType",
        values: [
            "SEARCH_STANDARD", "DISPLAY_STANDARD", "SHOPPING_PRODUCT_ADS", "HOTEL_ADS", "SHOPPING_SMART_ADS",
            "VIDEO_BUMPER", "VIDEO_TRUE_VIEW_IN_STREAM", "VIDEO_TRUE_VIEW_IN_DISPLAY", "VIDEO_NON_SKIPPABLE_IN_STREAM",
            "SEARCH_DYNAMIC_ADS", "SHOPPING_COMPARISON_LISTING_ADS", "PROMOTED_HOTEL_ADS", "VIDEO_RESPONSIVE",
            "VIDEO_EFFICIENT_REACH", "SMART_CAMPAIGN_ADS", "TRAVEL_ADS",
        ])
    static let servedAssetFieldType = GoogleEnum(
        typeName: "ServedAssetFieldTypeEnum.ServedAssetFieldType",
        values: ["HEADLINE_1", "HEADLINE_2", "HEADLINE_3", "DESCRIPTION_1", "DESCRIPTION_2"])
    static let euPoliticalAdvertising = GoogleEnum(
        typeName: "EuPoliticalAdvertisingStatusEnum.EuPoliticalAdvertisingStatus",
        values: ["CONTAINS_EU_POLITICAL_ADVERTISING", "DOES_NOT_CONTAIN_EU_POLITICAL_ADVERTISING"])

    var fullTypeName: String { "type.googleapis.com/google.ads.googleads.v21.enums.\(typeName)" }
}

/// lowerCamelCase → snake_case, as field paths and GAQL name proto fields.
func snakeCase(_ name: String) -> String {
    var out = ""
    for character in name {
        if character.isUppercase {
            out.append("_")
            out.append(contentsOf: character.lowercased())
        } else {
            out.append(character)
        }
    }
    return out
}

/// snake_case → lowerCamelCase, as proto3-JSON names fields.
func lowerCamelCase(_ name: String) -> String {
    var out = ""
    var upperNext = false
    for character in name {
        if character == "_" {
            upperNext = true
        } else {
            out.append(contentsOf: upperNext ? character.uppercased() : String(character))
            upperNext = false
        }
    }
    return out
}

/// The width Google Ads counts for ad text: double-width (CJK, Hangul, full-width) characters count two.
func googleDisplayWidth(_ text: String) -> Int {
    text.unicodeScalars.reduce(0) { width, scalar in
        let value = scalar.value
        let wide =
            (0x1100...0x115F).contains(value) || (0x2E80...0xA4CF).contains(value)
            || (0xAC00...0xD7A3).contains(value) || (0xF900...0xFAFF).contains(value)
            || (0xFE30...0xFE4F).contains(value) || (0xFF00...0xFF60).contains(value)
            || (0xFFE0...0xFFE6).contains(value)
        return width + (wide ? 2 : 1)
    }
}
