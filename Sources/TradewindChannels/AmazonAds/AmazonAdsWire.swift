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

    static func deleteBody(campaignID: String) -> JSONValue {
        .object([("campaignIdFilter", .object([("include", .array([.string(campaignID)]))]))])
    }

    static let reportColumns = ["campaignId", "date", "impressions", "clicks", "cost", "purchases7d", "sales7d"]

    static func reportBody(from: CalendarDay, through: CalendarDay, name: String) -> JSONValue {
        .object([
            ("name", .string(name)),
            ("startDate", .string(from.description)),
            ("endDate", .string(through.description)),
            (
                "configuration",
                .object([
                    ("adProduct", .string("SPONSORED_PRODUCTS")),
                    ("groupBy", .array([.string("campaign")])),
                    ("columns", .array(reportColumns.map { .string($0) })),
                    ("reportTypeId", .string("spCampaigns")),
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

    /// A row of the downloaded spCampaigns report; `cost` and `sales7d` are JSON numbers in major units.
    static func dailyMetric(_ row: JSONValue) -> ChannelDailyMetric? {
        guard let campaignID = row["campaignId"]?.numericText,
            let day = row["date"]?.stringValue.flatMap(CalendarDay.init)
        else {
            return nil
        }
        func value(_ key: String, places: Int) -> Int64? {
            guard let field = row[key], !field.isNull else { return 0 }
            return field.numericText.flatMap { WireMoney.scaled($0, places: places) }
        }
        guard let impressions = value("impressions", places: 0), let clicks = value("clicks", places: 0),
            let cost = value("cost", places: 6), let purchases = value("purchases7d", places: 3),
            let sales = value("sales7d", places: 6)
        else { return nil }
        return ChannelDailyMetric(
            campaignExternalID: campaignID, day: day, impressions: impressions, clicks: clicks, spendMicros: cost,
            conversionsMilli: purchases, conversionValueMicros: sales)
    }

    static func profile(_ body: JSONValue) -> ChannelAccountProfile? {
        guard let currency = body["currencyCode"]?.stringValue, let zone = body["timezone"]?.stringValue else {
            return nil
        }
        return ChannelAccountProfile(
            name: body["accountInfo"]?["name"]?.stringValue ?? "", currency: currency, timeZone: zone)
    }
}
