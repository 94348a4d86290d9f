/// A reporting v3 report type the sandbox serves: the groupBy values Amazon accepts for it and the
/// columns each allows, as Amazon documents them (advertising.amazon.com/API/docs/en-us/guides/reporting/
/// v3/report-types/{campaign, advertised-product}), and which of them the sandbox computes.
struct AmazonReportType: Sendable {
    let id: String
    /// Amazon's groupBy values for the type, in its order.
    let groupBys: [String]
    /// groupBy values Amazon accepts that the sandbox does not serve.
    let unservedGroupBys: Set<String>
    /// Columns the sandbox serves whatever the groupBy.
    let baseColumns: Set<String>
    /// Columns the sandbox serves that each groupBy value adds.
    let groupColumns: [String: Set<String>]
    /// The object each groupBy value makes a row about.
    let rowLevels: [String: ObjectLevel]
    /// Columns Amazon documents that the sandbox does not compute: refused as such, not as invalid.
    let unservedColumns: Set<String>

    /// spCampaigns, grouped by `campaign`, `adGroup` (each ad group's share of its campaign) or both;
    /// each groupBy value adds its own columns to the base metrics.
    static let spCampaigns = AmazonReportType(
        id: "spCampaigns", groupBys: ["campaign", "adGroup", "campaignPlacement"],
        unservedGroupBys: ["campaignPlacement"],
        baseColumns: [
            "date", "startDate", "endDate", "impressions", "clicks", "cost", "purchases1d", "purchases7d",
            "purchases14d", "purchases30d", "sales1d", "sales7d", "sales14d", "sales30d",
        ],
        groupColumns: [
            "campaign": [
                "campaignId", "campaignName", "campaignStatus", "campaignBudgetAmount", "campaignBudgetCurrencyCode",
            ],
            "adGroup": ["adGroupId", "adGroupName", "adStatus"],
        ],
        rowLevels: ["campaign": .campaign, "adGroup": .adGroup], unservedColumns: [])

    /// spAdvertisedProduct: one row per product ad (each ad's share of its ad group), grouped by
    /// `advertiser` only, which adds no columns. A sandbox product ad advertises one product and every
    /// purchase it brings is of that product, so the same-SKU figures equal the totals.
    static let spAdvertisedProduct = AmazonReportType(
        id: "spAdvertisedProduct", groupBys: ["advertiser"], unservedGroupBys: [],
        baseColumns: [
            "date", "startDate", "endDate", "campaignName", "campaignId", "adGroupName", "adGroupId", "adId",
            "impressions", "clicks", "cost", "spend", "campaignBudgetCurrencyCode", "campaignBudgetAmount",
            "campaignBudgetType", "campaignStatus", "advertisedAsin", "advertisedSku", "purchases1d", "purchases7d",
            "purchases14d", "purchases30d", "purchasesSameSku1d", "purchasesSameSku7d", "purchasesSameSku14d",
            "purchasesSameSku30d", "sales1d", "sales7d", "sales14d", "sales30d", "attributedSalesSameSku1d",
            "attributedSalesSameSku7d", "attributedSalesSameSku14d", "attributedSalesSameSku30d",
        ],
        groupColumns: ["advertiser": []], rowLevels: ["advertiser": .ad],
        unservedColumns: [
            "addToList", "qualifiedBorrows", "royaltyQualifiedBorrows", "portfolioId", "costPerClick",
            "clickThroughRate", "unitsSoldClicks1d", "unitsSoldClicks7d", "unitsSoldClicks14d", "unitsSoldClicks30d",
            "salesOtherSku7d", "unitsSoldSameSku1d", "unitsSoldSameSku7d", "unitsSoldSameSku14d", "unitsSoldSameSku30d",
            "unitsSoldOtherSku7d", "kindleEditionNormalizedPagesRead14d", "kindleEditionNormalizedPagesRoyalties14d",
            "acosClicks7d", "acosClicks14d", "roasClicks7d", "roasClicks14d",
        ])

    static let served = [spCampaigns, spAdvertisedProduct]

    static func named(_ id: String?) -> AmazonReportType? {
        served.first { $0.id == id }
    }

    /// The finest object a row is about with these groupBy values: an ad, else an ad group, else a
    /// campaign.
    func grain(groupBy: [String]) -> ObjectLevel {
        let levels = Set(groupBy.compactMap { rowLevels[$0] })
        return [.ad, .adGroup].first(where: levels.contains) ?? .campaign
    }

    /// Why Amazon, or the sandbox, refuses these groupBy values and columns; nil when it takes them.
    func problem(groupBy: [String], columns: [String]) -> String? {
        let unknownGroups = groupBy.filter { !groupBys.contains($0) }
        guard !groupBy.isEmpty, unknownGroups.isEmpty else {
            return
                "configuration invalid groupBy values: (\(unknownGroups.joined(separator: ", "))). Allowed values: (\(groupBys.joined(separator: ", ")))"
        }
        if let unserved = groupBy.first(where: unservedGroupBys.contains) {
            return "configuration groupBy \(unserved) is not served by the sandbox."
        }
        let allowed = groupBy.reduce(baseColumns) { $0.union(groupColumns[$1] ?? []) }
        let invalid = columns.filter { !allowed.contains($0) && !unservedColumns.contains($0) }
        guard !columns.isEmpty, invalid.isEmpty else {
            return
                "configuration columns includes invalid values: (\(invalid.joined(separator: ", "))). Allowed values: (\(allowed.union(unservedColumns).sorted().joined(separator: ", ")))"
        }
        let unserved = columns.filter(unservedColumns.contains)
        guard unserved.isEmpty else {
            return "configuration columns (\(unserved.joined(separator: ", "))) are not served by the sandbox."
        }
        return nil
    }
}
