import Foundation
import TradewindCore

/// Amazon Ads Sponsored Products v3 and reporting v3, pure. Shapes from Amazon's SP OpenAPI
/// (vancodocton/AmazonAdsGenerated: `SponsoredProductsCreateCampaign`, `…CreateAdGroup`,
/// `…CreateProductAd`, `…BulkCampaignOperationResponse`, `…ListSponsoredProductsCampaignsRequestContent`,
/// `…NameFilter`) and advertising.amazon.com's reporting v3 guide.
enum AmazonAdsWire {
    static let campaignType = "application/vnd.spCampaign.v3+json"
    static let adGroupType = "application/vnd.spAdGroup.v3+json"
    static let productAdType = "application/vnd.spProductAd.v3+json"
    static let reportRequestType = "application/vnd.createasyncreportrequest.v3+json"

    /// The tag key that carries the reference next to the name suffix (`tags`, up to 50 pairs).
    static let referenceTag = "tradewind_reference"

    static func state(_ status: CampaignStatus) -> String? {
        switch status {
        case .active: "ENABLED"
        case .paused: "PAUSED"
        case .archived: "ARCHIVED"
        case .draft: nil
        }
    }

    static func budget(_ budget: Budget, currency: String) -> JSONValue {
        .object([
            ("budgetType", .string("DAILY")),
            ("budget", WireMoney.decimalNumber(micros: budget.amountMicros, currency: currency)),
        ])
    }

    /// Automatic bidding is Amazon's "dynamic bids - down only"; a maximum CPC is fixed bids.
    static func biddingStrategy(_ bid: BidStrategy) -> String {
        bid.kind == .maximumCostPerClick ? "MANUAL" : "LEGACY_FOR_SALES"
    }

    static func campaignBody(_ campaign: CampaignSpec, reference: ChannelReference, currency: String) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("name", .string(campaign.name + reference.nameSuffix())),
            ("targetingType", .string("AUTO")),
            ("state", .string("PAUSED")),
            ("dynamicBidding", .object([("strategy", .string(biddingStrategy(campaign.bidStrategy)))])),
            ("budget", budget(campaign.budget, currency: currency)),
            ("tags", .object([(referenceTag, .string(reference.value))])),
        ]
        if let start = campaign.startDay { fields.append(("startDate", .string(start.description))) }
        if let end = campaign.endDay { fields.append(("endDate", .string(end.description))) }
        return .object([("campaigns", .array([.object(fields)]))])
    }

    static func adGroupsBody(
        _ groups: [(index: Int, spec: AdGroupSpec)], campaignID: String, reference: ChannelReference, currency: String
    ) -> JSONValue {
        .object([
            (
                "adGroups",
                .array(
                    groups.map { group in
                        .object([
                            ("campaignId", .string(campaignID)),
                            ("name", .string(group.spec.name + reference.nameSuffix(group: group.index))),
                            ("state", .string("ENABLED")),
                            (
                                "defaultBid",
                                WireMoney.decimalNumber(micros: group.spec.defaultBidMicros ?? 0, currency: currency)
                            ),
                        ])
                    })
            )
        ])
    }

    static func productAdsBody(_ ads: [(adGroupID: String, product: ProductReference)], campaignID: String) -> JSONValue
    {
        .object([
            (
                "productAds",
                .array(
                    ads.map { ad in
                        var fields: [(String, JSONValue)] = [
                            ("campaignId", .string(campaignID)), ("adGroupId", .string(ad.adGroupID)),
                            ("state", .string("ENABLED")),
                        ]
                        switch ad.product {
                        case .asin(let asin): fields.append(("asin", .string(asin)))
                        case .sku(let sku): fields.append(("sku", .string(sku)))
                        }
                        return .object(fields)
                    })
            )
        ])
    }

    /// One item of a 207 answer.
    enum ItemResult: Sendable, Hashable {
        case success(id: String)
        /// `errorType` and the first error value's message and JSON-path location.
        case failure(code: String, message: String, location: String?)
    }

    /// Reads `{"<entities>": {"success": [{index, <idKey>}], "error": [{index, errors: [{errorType, errorValue}]}]}}`
    /// into one result per request item; nil for an item the answer does not mention.
    static func itemResults(_ body: JSONValue, entities: String, idKey: String, count: Int) -> [ItemResult?] {
        var results = [ItemResult?](repeating: nil, count: count)
        let container = body[entities]
        for item in container?["success"]?.arrayValue ?? [] {
            guard let index = item["index"]?.int64Value.map(Int.init), results.indices.contains(index),
                let id = item[idKey]?.numericText
            else { continue }
            results[index] = .success(id: id)
        }
        for item in container?["error"]?.arrayValue ?? [] {
            guard let index = item["index"]?.int64Value.map(Int.init), results.indices.contains(index) else { continue }
            let first = item["errors"]?[0]
            let type = first?["errorType"]?.stringValue ?? "error"
            let value = first?["errorValue"]?.objectValue?.first?.1
            results[index] = .failure(
                code: (value?["reason"]?.stringValue).map { "\(type).\($0)" } ?? type,
                message: value?["message"]?.stringValue ?? type, location: value?["cause"]?["location"]?.stringValue)
        }
        return results
    }

    static func findCampaignBody(_ reference: ChannelReference) -> JSONValue {
        .object([
            (
                "nameFilter",
                .object([
                    ("queryTermMatchType", .string("BROAD_MATCH")),
                    ("include", .array([.string(reference.bracketed + "]")])),
                ])
            ),
            ("stateFilter", .object([("include", .array(["ENABLED", "PAUSED", "ARCHIVED"].map { .string($0) }))])),
        ])
    }

    static func byCampaignBody(_ campaignID: String, nextToken: String?) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("campaignIdFilter", .object([("include", .array([.string(campaignID)]))])),
            ("stateFilter", .object([("include", .array(["ENABLED", "PAUSED"].map { .string($0) }))])),
        ]
        if let nextToken { fields.append(("nextToken", .string(nextToken))) }
        return .object(fields)
    }

    static func stateUpdateBody(campaignID: String, state: String) -> JSONValue {
        .object([("campaigns", .array([.object([("campaignId", .string(campaignID)), ("state", .string(state))])]))])
    }

    /// `PUT /sp/productAds`: one product ad's state.
    static func productAdStateBody(adID: String, state: String) -> JSONValue {
        .object([("productAds", .array([.object([("adId", .string(adID)), ("state", .string(state))])]))])
    }

    /// `PUT /sp/adGroups`: one ad group's state.
    static func adGroupStateBody(adGroupID: String, state: String) -> JSONValue {
        .object([("adGroups", .array([.object([("adGroupId", .string(adGroupID)), ("state", .string(state))])]))])
    }

    static func budgetUpdateBody(campaignID: String, budget: Budget, currency: String) -> JSONValue {
        .object([
            (
                "campaigns",
                .array([
                    .object([("campaignId", .string(campaignID)), ("budget", self.budget(budget, currency: currency))])
                ])
            )
        ])
    }

    /// `PUT /sp/campaigns`: the stamped name, the bidding strategy and the end date (`null`
    /// removes one).
    static func campaignSettingsBody(_ campaign: CampaignSpec, reference: ChannelReference, campaignID: String)
        -> JSONValue
    {
        .object([
            (
                "campaigns",
                .array([
                    .object([
                        ("campaignId", .string(campaignID)),
                        ("name", .string(campaign.name + reference.nameSuffix())),
                        ("dynamicBidding", .object([("strategy", .string(biddingStrategy(campaign.bidStrategy)))])),
                        ("endDate", campaign.endDay.map { .string($0.description) } ?? .null),
                    ])
                ])
            )
        ])
    }

    /// `PUT /sp/adGroups`: every ad group's default bid, as `adGroupsBody` creates it.
    static func adGroupBidsBody(_ tree: CampaignTree, campaign: PublishedCampaign, currency: String) -> JSONValue {
        .object([
            (
                "adGroups",
                .array(
                    zip(tree.adGroups, campaign.adGroups).map { group, published in
                        .object([
                            ("adGroupId", .string(published.adGroupID)),
                            (
                                "defaultBid",
                                WireMoney.decimalNumber(micros: group.spec.defaultBidMicros ?? 0, currency: currency)
                            ),
                        ])
                    })
            )
        ])
    }

    static func deleteBody(campaignID: String) -> JSONValue {
        .object([("campaignIdFilter", .object([("include", .array([.string(campaignID)]))]))])
    }

    static let reportColumns = ["campaignId", "date", "impressions", "clicks", "cost", "purchases7d", "sales7d"]

    /// By campaign, or by ad group: `groupBy: ["campaign", "adGroup"]`, since each group-by adds
    /// its own columns (`campaignId` comes with "campaign", `adGroupId` with "adGroup"); by product
    /// ad, the spAdvertisedProduct report (`groupBy: ["advertiser"]`, whose rows carry `adId`,
    /// `adGroupId` and `campaignId`).
    static func reportBody(_ level: ChannelMetricLevel, from: CalendarDay, through: CalendarDay, name: String)
        -> JSONValue
    {
        let (type, group, columns): (String, [String], [String]) =
            switch level {
            case .campaign: ("spCampaigns", ["campaign"], reportColumns)
            case .adGroup: ("spCampaigns", ["campaign", "adGroup"], ["adGroupId"] + reportColumns)
            case .ad: ("spAdvertisedProduct", ["advertiser"], ["adId", "adGroupId"] + reportColumns)
            }
        return .object([
            ("name", .string(name)),
            ("startDate", .string(from.description)),
            ("endDate", .string(through.description)),
            (
                "configuration",
                .object([
                    ("adProduct", .string("SPONSORED_PRODUCTS")),
                    ("groupBy", .array(group.map { .string($0) })),
                    ("columns", .array(columns.map { .string($0) })),
                    ("reportTypeId", .string(type)),
                    ("timeUnit", .string("DAILY")),
                    ("format", .string("GZIP_JSON")),
                ])
            ),
        ])
    }

    /// The report id of a 425 answer, whose `detail` reads "The Request is a duplicate of : <uuid>".
    static func duplicateReportID(_ body: JSONValue) -> String? {
        guard let detail = body["detail"]?.stringValue ?? body["details"]?.stringValue ?? body["message"]?.stringValue,
            let colon = detail.lastIndex(of: ":")
        else { return nil }
        let id = detail[detail.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        return id.isEmpty ? nil : id
    }

    /// A row of the downloaded spCampaigns report: ids and figures are JSON numbers, `cost` and
    /// `sales7d` in major units; a figure with nothing to report may be null.
    struct ReportRow: Decodable {
        var campaignId: Decimal
        var adGroupId: Decimal?
        var adId: Decimal?
        var date: String
        var impressions: Decimal?
        var clicks: Decimal?
        var cost: Decimal?
        var purchases7d: Decimal?
        var sales7d: Decimal?
    }

    /// The rows of a downloaded (and inflated) report; nil when it is not one.
    static func dailyMetrics(_ report: [UInt8], level: ChannelMetricLevel) -> [ChannelDailyMetric]? {
        guard let rows = try? JSONDecoder().decode([ReportRow].self, from: Data(report)) else { return nil }
        var metrics: [ChannelDailyMetric] = []
        for row in rows {
            guard let metric = dailyMetric(row, level: level) else { return nil }
            metrics.append(metric)
        }
        return metrics
    }

    static func dailyMetric(_ row: ReportRow, level: ChannelMetricLevel) -> ChannelDailyMetric? {
        func scaled(_ value: Decimal?, places: Int) -> Int64? {
            WireMoney.scaled((value ?? 0).description, places: places)
        }
        let adGroupID = row.adGroupId.flatMap { scaled($0, places: 0) }
        let adID = row.adId.flatMap { scaled($0, places: 0) }
        guard let day = CalendarDay(row.date), let campaignID = scaled(row.campaignId, places: 0),
            level == .campaign || adGroupID != nil, level != .ad || adID != nil,
            let impressions = scaled(row.impressions, places: 0), let clicks = scaled(row.clicks, places: 0),
            let cost = scaled(row.cost, places: 6), let purchases = scaled(row.purchases7d, places: 3),
            let sales = scaled(row.sales7d, places: 6)
        else { return nil }
        return ChannelDailyMetric(
            campaignExternalID: String(campaignID),
            adGroupExternalID: level == .campaign ? nil : adGroupID.map { String($0) },
            adExternalID: level == .ad ? adID.map { String($0) } : nil, day: day,
            impressions: impressions, clicks: clicks,
            spendMicros: cost, conversionsMilli: purchases, conversionValueMicros: sales)
    }

    static func profile(_ body: JSONValue) -> ChannelAccountProfile? {
        guard let currency = body["currencyCode"]?.stringValue, let zone = body["timezone"]?.stringValue else {
            return nil
        }
        return ChannelAccountProfile(
            name: body["accountInfo"]?["name"]?.stringValue ?? "", currency: currency, timeZone: zone)
    }
}
