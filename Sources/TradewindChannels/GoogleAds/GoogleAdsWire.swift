import Foundation
import SwiftProtobuf
import TradewindCore

/// Google Ads API v21 over REST, pure: builds request bodies and reads response bodies.
/// Shapes follow googleapis `google/ads/googleads/v21/services/google_ads_service.proto`
/// (`MutateGoogleAdsRequest`, `SearchGoogleAdsStreamRequest`) in proto3 JSON (lowerCamelCase,
/// int64 as strings, field masks as comma-separated camelCase paths).
enum GoogleAdsWire {
    static let version = "v21"

    static func customerPath(_ customerID: String) -> String { "/\(version)/customers/\(customerID)" }

    // MARK: Queries

    static func customerQuery() -> String {
        "SELECT customer.id, customer.descriptive_name, customer.currency_code, customer.time_zone FROM customer LIMIT 1"
    }

    /// GAQL `LIKE` treats `[`, `]`, `%` and `_` as special; each is escaped by wrapping it in brackets.
    static func likeEscaped(_ text: String) -> String {
        var output = ""
        for character in text {
            switch character {
            case "[", "]", "%", "_": output += "[\(character)]"
            default: output.append(character)
            }
        }
        return output
    }

    static func campaignByReferenceQuery(_ reference: ChannelReference) -> String {
        "SELECT campaign.id, campaign.name, campaign_budget.id FROM campaign WHERE campaign.name LIKE '%"
            + likeEscaped(reference.bracketed + "]") + "%' AND campaign.status != 'REMOVED'"
    }

    static func adGroupsQuery(campaignID: String) -> String {
        "SELECT ad_group.id, ad_group.name FROM ad_group WHERE campaign.id = \(campaignID)"
            + " AND ad_group.status != 'REMOVED'"
    }

    static func adsQuery(campaignID: String) -> String {
        "SELECT ad_group.id, ad_group_ad.ad.id FROM ad_group_ad WHERE campaign.id = \(campaignID)"
            + " AND ad_group_ad.status != 'REMOVED'"
    }

    static func metricsQuery(_ level: ChannelMetricLevel, from: CalendarDay, through: CalendarDay) -> String {
        let (ids, resource) =
            switch level {
            case .campaign: ("campaign.id", "campaign")
            case .adGroup: ("campaign.id, ad_group.id", "ad_group")
            case .ad: ("campaign.id, ad_group.id, ad_group_ad.ad.id", "ad_group_ad")
            }
        return "SELECT \(ids), segments.date, metrics.impressions, metrics.clicks, metrics.cost_micros,"
            + " metrics.conversions, metrics.conversions_value FROM \(resource) WHERE segments.date BETWEEN"
            + " '\(from)' AND '\(through)'"
    }

    static func searchBody(_ query: String) -> JSONValue { .object([("query", .string(query))]) }

    /// The rows of a `googleAds:search` answer or of every batch of a `googleAds:searchStream` answer.
    static func rows(_ body: JSONValue) -> [JSONValue] {
        if let batches = body.arrayValue { return batches.flatMap { $0["results"]?.arrayValue ?? [] } }
        return body["results"]?.arrayValue ?? []
    }

    // MARK: Publishing

    /// What the atomic mutate creates, in operation order, so the answer's results map back.
    enum Created: Sendable, Hashable {
        case budget
        case campaign
        case campaignCriterion
        case adGroup(Int)
        case adGroupCriterion(Int)
        case ad(group: Int, ad: Int)
    }

    /// One `googleAds:mutate` that creates budget, campaign, its criteria, ad groups, their age
    /// exclusions and responsive search ads, linked by temporary negative resource names
    /// (budget -1, campaign -2, ad group g at -(10 + g)). Not `partialFailure`: the request is
    /// atomic, so a refusal leaves nothing half-created.
    static func publishRequest(
        _ tree: CampaignTree, reference: ChannelReference, customerID: String, currency: String
    ) -> (body: JSONValue, created: [Created]) {
        let customer = "customers/\(customerID)"
        let budgetName = "\(customer)/campaignBudgets/-1"
        let campaignName = "\(customer)/campaigns/-2"
        var operations: [JSONValue] = []
        var created: [Created] = []
        func add(_ key: String, _ create: [(String, JSONValue)], _ what: Created) {
            operations.append(.object([(key, .object([("create", .object(create))]))]))
            created.append(what)
        }
        let campaign = tree.campaign
        add(
            "campaignBudgetOperation",
            [
                ("resourceName", .string(budgetName)),
                ("name", .string(campaign.name + reference.nameSuffix())),
                ("amountMicros", .string(String(campaign.budget.amountMicros))),
                ("deliveryMethod", .string("STANDARD")),
                ("explicitlyShared", .bool(false)),
            ], .budget)
        var campaignFields: [(String, JSONValue)] = [
            ("resourceName", .string(campaignName)),
            ("name", .string(campaign.name + reference.nameSuffix())),
            // Published paused: `setStatus(.active)` starts delivery once the server records the ids.
            ("status", .string("PAUSED")),
            ("advertisingChannelType", .string("SEARCH")),
            ("campaignBudget", .string(budgetName)),
            (
                "networkSettings",
                .object([
                    ("targetGoogleSearch", .bool(true)), ("targetSearchNetwork", .bool(true)),
                    ("targetContentNetwork", .bool(false)), ("targetPartnerSearchNetwork", .bool(false)),
                ])
            ),
            ("containsEuPoliticalAdvertising", .string("DOES_NOT_CONTAIN_EU_POLITICAL_ADVERTISING")),
        ]
        campaignFields.append(biddingScheme(campaign.bidStrategy, objective: campaign.objective))
        if let start = campaign.startDay { campaignFields.append(("startDate", .string(start.description))) }
        if let end = campaign.endDay { campaignFields.append(("endDate", .string(end.description))) }
        add("campaignOperation", campaignFields, .campaign)
        // Search campaigns target places and languages per campaign (`violations` requires every
        // ad group to target the same ones).
        let targeting = tree.adGroups.first?.spec.targeting ?? Targeting()
        for country in targeting.countries {
            guard let id = TargetingTables.googleGeoTarget(country) else { continue }
            add(
                "campaignCriterionOperation",
                [
                    ("campaign", .string(campaignName)),
                    ("location", .object([("geoTargetConstant", .string("geoTargetConstants/\(id)"))])),
                ], .campaignCriterion)
        }
        for language in targeting.languages {
            guard let id = TargetingTables.lookUp(language, in: TargetingTables.googleLanguages) else { continue }
            add(
                "campaignCriterionOperation",
                [
                    ("campaign", .string(campaignName)),
                    ("language", .object([("languageConstant", .string("languageConstants/\(id)"))])),
                ], .campaignCriterion)
        }
        for (g, group) in tree.adGroups.enumerated() {
            let groupName = "\(customer)/adGroups/\(-(10 + g))"
            var fields: [(String, JSONValue)] = [
                ("resourceName", .string(groupName)),
                ("name", .string(group.spec.name + reference.nameSuffix(group: g))),
                ("campaign", .string(campaignName)),
                ("status", .string("ENABLED")),
                ("type", .string("SEARCH_STANDARD")),
            ]
            if let bid = group.spec.defaultBidMicros ?? campaign.bidStrategy.maximumCostPerClickMicros {
                fields.append(("cpcBidMicros", .string(String(bid))))
            }
            add("adGroupOperation", fields, .adGroup(g))
            if let age = group.spec.targeting.ageRange {
                for bracket in excludedAgeBrackets(age) {
                    add(
                        "adGroupCriterionOperation",
                        [
                            ("adGroup", .string(groupName)), ("negative", .bool(true)),
                            ("ageRange", .object([("type", .string(bracket))])),
                        ], .adGroupCriterion(g))
                }
            }
            for (a, ad) in group.ads.enumerated() {
                var adFields: [(String, JSONValue)] = []
                if let url = ad.creative.finalURL { adFields.append(("finalUrls", .array([.string(url)]))) }
                adFields.append(
                    (
                        "responsiveSearchAd",
                        .object([
                            ("headlines", .array(ad.creative.headlines.map { .object([("text", .string($0))]) })),
                            ("descriptions", .array(ad.creative.descriptions.map { .object([("text", .string($0))]) })),
                        ])
                    ))
                add(
                    "adGroupAdOperation",
                    [("adGroup", .string(groupName)), ("status", .string("ENABLED")), ("ad", .object(adFields))],
                    .ad(group: g, ad: a))
            }
        }
        return (.object([("mutateOperations", .array(operations))]), created)
    }

    /// The standard bidding scheme embedded in the campaign (`campaign.proto` oneof
    /// `campaign_bidding_strategy`). Automatic means Maximize clicks (`targetSpend`) for traffic
    /// and Maximize conversions otherwise.
    static func biddingScheme(_ bid: BidStrategy, objective: CampaignObjective) -> (String, JSONValue) {
        switch bid {
        case .automatic:
            objective == .traffic ? ("targetSpend", .object([])) : ("maximizeConversions", .object([]))
        case .maximumCostPerClick:
            ("manualCpc", .object([("enhancedCpcEnabled", .bool(false))]))
        case .targetCostPerAction(let micros):
            ("maximizeConversions", .object([("targetCpaMicros", .string(String(micros)))]))
        case .targetReturnOnAdSpend(let permille):
            // `target_roas` is a double ratio (4.0 = 400 %); thousandths print exactly as a decimal.
            ("maximizeConversionValue", .object([("targetRoas", .number(Decimal(permille) / 1000))]))
        }
    }

    /// Google's age brackets (`AgeRangeTypeEnum`) with the years they cover; a group targets an age
    /// range by excluding the brackets wholly outside it. Google has no bracket below 18.
    static let ageBrackets: [(type: String, years: ClosedRange<Int>)] = [
        ("AGE_RANGE_18_24", 18...24), ("AGE_RANGE_25_34", 25...34), ("AGE_RANGE_35_44", 35...44),
        ("AGE_RANGE_45_54", 45...54), ("AGE_RANGE_55_64", 55...64), ("AGE_RANGE_65_UP", 65...200),
    ]

    static func excludedAgeBrackets(_ age: AgeRange) -> [String] {
        ageBrackets.filter { !$0.years.overlaps(age.minimum...max(age.minimum, age.maximum)) }.map(\.type)
    }

    /// Reads the `mutateOperationResponses` of a publish back into channel ids.
    static func published(_ body: JSONValue, created: [Created], groups: Int) -> PublishedCampaign? {
        guard let results = body["mutateOperationResponses"]?.arrayValue, results.count == created.count else {
            return nil
        }
        var campaignID: String?
        var budgetID: String?
        var groupIDs = [String?](repeating: nil, count: groups)
        var adIDs = [[String]](repeating: [], count: groups)
        for (what, result) in zip(created, results) {
            guard let (_, value) = result.objectValue?.first, let name = value["resourceName"]?.stringValue else {
                continue
            }
            let id = String(name.split(separator: "/").last ?? "")
            switch what {
            case .budget: budgetID = id
            case .campaign: campaignID = id
            case .adGroup(let g): groupIDs[g] = id
            // `customers/1/adGroupAds/{ad_group_id}~{ad_id}`
            case .ad(let g, _): adIDs[g].append(String(id.split(separator: "~").last ?? ""))
            case .campaignCriterion, .adGroupCriterion: break
            }
        }
        guard let campaignID else { return nil }
        var adGroups: [PublishedAdGroup] = []
        for g in 0..<groups {
            guard let id = groupIDs[g] else { return nil }
            adGroups.append(PublishedAdGroup(adGroupID: id, adIDs: adIDs[g]))
        }
        return PublishedCampaign(campaignID: campaignID, budgetID: budgetID, adGroups: adGroups)
    }

    // MARK: Status and budget

    /// Active and paused are updates of `status`; archiving is a `remove` (status REMOVED cannot
    /// be set by an update).
    static func statusRequest(_ status: CampaignStatus, campaignID: String, customerID: String) -> JSONValue? {
        let name = "customers/\(customerID)/campaigns/\(campaignID)"
        let operation: JSONValue
        switch status {
        case .active, .paused:
            operation = .object([
                ("updateMask", .string("status")),
                (
                    "update",
                    .object([
                        ("resourceName", .string(name)), ("status", .string(status == .active ? "ENABLED" : "PAUSED")),
                    ])
                ),
            ])
        case .archived:
            operation = .object([("remove", .string(name))])
        case .draft:
            return nil
        }
        return .object([("mutateOperations", .array([.object([("campaignOperation", operation)])]))])
    }

    static func budgetRequest(_ budget: Budget, budgetID: String, customerID: String) -> JSONValue {
        .object([
            (
                "mutateOperations",
                .array([
                    budgetUpdate(
                        "amountMicros", .string(String(budget.amountMicros)), budgetID: budgetID,
                        customerID: customerID)
                ])
            )
        ])
    }

    /// A `campaignBudgetOperation` setting one field of an existing budget, the mask naming it.
    static func budgetUpdate(_ field: String, _ value: JSONValue, budgetID: String, customerID: String) -> JSONValue {
        .object([
            (
                "campaignBudgetOperation",
                .object([
                    ("updateMask", .string(field)),
                    (
                        "update",
                        .object([
                            ("resourceName", .string("customers/\(customerID)/campaignBudgets/\(budgetID)")),
                            (field, value),
                        ])
                    ),
                ])
            )
        ])
    }

    // MARK: Settings

    /// The end date Google shows for a campaign without one; setting it removes an end date.
    static let noEndDate = "2037-12-30"

    /// `googleAds:mutate` updating the campaign's stamped name, end date and bidding scheme, and its
    /// budget's name, in one atomic request (a budget keeping the old name would mislead whoever
    /// reads the account, and block a new campaign of that name: budget names are unique). The mask
    /// names each leaf sent, and an empty scheme (`targetSpend`) by its own name; setting one member
    /// of the `campaign_bidding_strategy` oneof replaces the one there.
    static func campaignSettingsRequest(
        _ campaign: CampaignSpec, reference: ChannelReference, campaignID: String, budgetID: String?,
        customerID: String
    ) -> JSONValue {
        let (scheme, settings) = biddingScheme(campaign.bidStrategy, objective: campaign.objective)
        let leaves = settings.objectValue ?? []
        let mask = ["name", "endDate"] + (leaves.isEmpty ? [scheme] : leaves.map { "\(scheme).\($0.0)" })
        let name = campaign.name + reference.nameSuffix()
        let update: JSONValue = .object([
            ("resourceName", .string("customers/\(customerID)/campaigns/\(campaignID)")),
            ("name", .string(name)),
            ("endDate", .string(campaign.endDay?.description ?? noEndDate)),
            (scheme, settings),
        ])
        var operations: [JSONValue] = []
        if let budgetID, !budgetID.isEmpty {
            // The budget was named after the campaign at publish; it is renamed with it.
            operations.append(budgetUpdate("name", .string(name), budgetID: budgetID, customerID: customerID))
        }
        operations.append(
            .object([
                (
                    "campaignOperation",
                    .object([("updateMask", .string(mask.joined(separator: ","))), ("update", update)])
                )
            ]))
        return .object([("mutateOperations", .array(operations))])
    }

    /// `adGroups:mutate` setting each ad group's `cpcBidMicros` as `publishRequest` does (the
    /// group's default bid, else a maximum CPC strategy's amount); nil when no group has one.
    static func adGroupBidsRequest(_ tree: CampaignTree, campaign: PublishedCampaign, customerID: String)
        -> JSONValue?
    {
        var operations: [JSONValue] = []
        for (group, published) in zip(tree.adGroups, campaign.adGroups) {
            guard let bid = group.spec.defaultBidMicros ?? tree.campaign.bidStrategy.maximumCostPerClickMicros
            else { continue }
            operations.append(
                .object([
                    ("updateMask", .string("cpcBidMicros")),
                    (
                        "update",
                        .object([
                            ("resourceName", .string("customers/\(customerID)/adGroups/\(published.adGroupID)")),
                            ("cpcBidMicros", .string(String(bid))),
                        ])
                    ),
                ]))
        }
        return operations.isEmpty ? nil : .object([("operations", .array(operations))])
    }

    /// `adGroups:mutate`: one ad group's status, ENABLED or PAUSED.
    static func adGroupStatusRequest(_ status: CampaignStatus, adGroupID: String, customerID: String) -> JSONValue? {
        statusRequest(status, resourceName: "customers/\(customerID)/adGroups/\(adGroupID)")
    }

    /// `adGroupAds:mutate`: one ad's status in its ad group, ENABLED or PAUSED.
    static func adStatusRequest(_ status: CampaignStatus, adID: String, adGroupID: String, customerID: String)
        -> JSONValue?
    {
        statusRequest(status, resourceName: "customers/\(customerID)/adGroupAds/\(adGroupID)~\(adID)")
    }

    /// A mutate request of one `update{resourceName, status}` with `updateMask: "status"`.
    private static func statusRequest(_ status: CampaignStatus, resourceName: String) -> JSONValue? {
        let value: String
        switch status {
        case .active: value = "ENABLED"
        case .paused: value = "PAUSED"
        case .draft, .archived: return nil
        }
        return .object([
            (
                "operations",
                .array([
                    .object([
                        ("updateMask", .string("status")),
                        (
                            "update",
                            .object([
                                ("resourceName", .string(resourceName)), ("status", .string(value)),
                            ])
                        ),
                    ])
                ])
            )
        ])
    }

    // MARK: Reading

    static func profile(_ body: JSONValue) -> ChannelAccountProfile? {
        guard let customer = rows(body).first?["customer"], let currency = customer["currencyCode"]?.stringValue,
            let zone = customer["timeZone"]?.stringValue
        else { return nil }
        return ChannelAccountProfile(
            name: customer["descriptiveName"]?.stringValue ?? "", currency: currency, timeZone: zone)
    }

    typealias StreamBatch = Google_Ads_Googleads_V21_Services_SearchGoogleAdsStreamResponse
    typealias StreamRow = Google_Ads_Googleads_V21_Services_GoogleAdsRow

    /// The daily metrics of a `searchStream` answer to `metricsQuery`; nil when it is not one.
    /// The answer is the proto3 JSON of Google's messages (`google_ads_stream.proto`): int64 as
    /// strings, doubles as numbers, zero values left out, so a missing metric is 0.
    static func dailyMetrics(_ body: [UInt8], level: ChannelMetricLevel) -> [ChannelDailyMetric]? {
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = true
        guard let batches = try? StreamBatch.array(fromJSONUTF8Bytes: body, options: options) else { return nil }
        var metrics: [ChannelDailyMetric] = []
        metrics.reserveCapacity(batches.reduce(0) { $0 + $1.results.count })
        for batch in batches {
            for row in batch.results {
                guard let metric = dailyMetric(row, level: level) else { return nil }
                metrics.append(metric)
            }
        }
        return metrics
    }

    static func dailyMetric(_ row: StreamRow, level: ChannelMetricLevel) -> ChannelDailyMetric? {
        guard row.campaign.hasID, row.segments.hasDate, let day = CalendarDay(row.segments.date),
            level == .campaign || row.adGroup.hasID, level != .ad || row.adGroupAd.ad.hasID,
            let conversions = scaled(row.metrics.conversions, by: 1_000),
            let value = scaled(row.metrics.conversionsValue, by: 1_000_000)
        else { return nil }
        return ChannelDailyMetric(
            campaignExternalID: String(row.campaign.id),
            adGroupExternalID: level == .campaign ? nil : String(row.adGroup.id),
            adExternalID: level == .ad ? String(row.adGroupAd.ad.id) : nil, day: day,
            impressions: row.metrics.impressions,
            clicks: row.metrics.clicks, spendMicros: row.metrics.costMicros, conversionsMilli: conversions,
            conversionValueMicros: value)
    }

    /// A Google double (conversions, their value) in whole thousandths or millionths, to the
    /// nearest, ties to even as `WireMoney` rounds: Google's proto holds a double.
    static func scaled(_ value: Double, by factor: Double) -> Int64? {
        let scaled = (value * factor).rounded(.toNearestOrEven)
        guard scaled.isFinite, abs(scaled) < 9.0e18 else { return nil }
        return Int64(scaled)
    }
}

extension BidStrategy {
    var maximumCostPerClickMicros: Int64? {
        if case .maximumCostPerClick(let micros) = self { return micros }
        return nil
    }
}
