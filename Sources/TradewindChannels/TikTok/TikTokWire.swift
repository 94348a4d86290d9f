import TradewindCore

/// TikTok Business API v1.3 (tiktok-business-api-sdk `CampaignCreateBody`, `AdgroupCreateBody`,
/// `AdCreateBody`, `FilteringCampaignGet`, `report_integrated_get.yml`), pure. Writes are JSON
/// bodies; GET parameters that are arrays or objects are JSON text in the query.
enum TikTokWire {
    static func path(_ rest: String) -> String { "/open_api/v1.3/\(rest)" }

    static func objective(_ objective: CampaignObjective) -> String {
        switch objective {
        case .awareness: "REACH"
        case .traffic: "TRAFFIC"
        case .leads: "LEAD_GENERATION"
        case .sales: "WEB_CONVERSIONS"
        }
    }

    static func budgetMode(_ period: Budget.Period) -> String {
        period == .daily ? "BUDGET_MODE_DAY" : "BUDGET_MODE_TOTAL"
    }

    static func operationStatus(_ status: CampaignStatus) -> String? {
        switch status {
        case .active: "ENABLE"
        case .paused: "DISABLE"
        case .archived: "DELETE"
        case .draft: nil
        }
    }

    static func campaignBody(
        _ campaign: CampaignSpec, reference: ChannelReference, advertiserID: String, currency: String
    ) -> JSONValue {
        .object([
            ("advertiser_id", .string(advertiserID)),
            ("campaign_name", .string(campaign.name + reference.nameSuffix())),
            ("objective_type", .string(objective(campaign.objective))),
            ("budget_mode", .string(budgetMode(campaign.budget.period))),
            ("budget", WireMoney.decimalNumber(micros: campaign.budget.amountMicros, currency: currency)),
            ("operation_status", .string("DISABLE")),
        ])
    }

    /// TikTok's age buckets (`age_groups`) with the years they cover.
    static let ageGroups: [(value: String, years: ClosedRange<Int>)] = [
        ("AGE_13_17", 13...17), ("AGE_18_24", 18...24), ("AGE_25_34", 25...34), ("AGE_35_44", 35...44),
        ("AGE_45_54", 45...54), ("AGE_55_100", 55...100),
    ]

    static func ageGroups(_ age: AgeRange) -> [String] {
        ageGroups.filter { $0.years.overlaps(age.minimum...max(age.minimum, age.maximum)) }.map(\.value)
    }

    /// Optimisation goal and billing event by objective.
    static func delivery(_ objective: CampaignObjective) -> (goal: String, billing: String) {
        switch objective {
        case .awareness: ("REACH", "CPM")
        case .traffic: ("CLICK", "CPC")
        case .leads: ("LEAD_GENERATION", "OCPM")
        case .sales: ("CONVERT", "OCPM")
        }
    }

    static func adGroupBody(
        _ group: AdGroupSpec, index: Int, campaign: CampaignSpec, campaignID: String, reference: ChannelReference,
        account: ChannelAccount, today: CalendarDay
    ) -> JSONValue {
        let targeting = group.targeting
        let (goal, billing) = delivery(campaign.objective)
        var fields: [(String, JSONValue)] = [
            ("advertiser_id", .string(account.identity.externalID)),
            ("campaign_id", .string(campaignID)),
            ("adgroup_name", .string(group.name + reference.nameSuffix(group: index))),
            ("operation_status", .string("ENABLE")),
            ("promotion_type", .string("WEBSITE")),
            ("placement_type", .string("PLACEMENT_TYPE_AUTOMATIC")),
            (
                "location_ids",
                .array(targeting.countries.compactMap(TargetingTables.tiktokLocation).map { .string(String($0)) })
            ),
            // The campaign holds the budget.
            ("budget_mode", .string("BUDGET_MODE_INFINITE")),
            ("optimization_goal", .string(goal)),
            ("billing_event", .string(billing)),
            ("pacing", .string("PACING_MODE_SMOOTH")),
        ]
        let languages = targeting.languages.compactMap {
            TargetingTables.lookUp($0, in: TargetingTables.tiktokLanguages)
        }
        if !languages.isEmpty { fields.append(("languages", .array(languages.map { .string($0) }))) }
        if let age = targeting.ageRange { fields.append(("age_groups", .array(ageGroups(age).map { .string($0) }))) }
        fields += bidFields(group.bidStrategy(under: campaign.bidStrategy), currency: account.currency)
        // `schedule_start_time` is required (AdgroupCreateBody); without a start day, delivery
        // starts on the account's today.
        fields.append(("schedule_type", .string(campaign.endDay == nil ? "SCHEDULE_FROM_NOW" : "SCHEDULE_START_END")))
        fields.append(
            (
                "schedule_start_time",
                .string(AccountCalendar.utcStart(of: campaign.startDay ?? today, timeZone: account.timeZone))
            ))
        if let end = campaign.endDay {
            fields.append(
                (
                    "schedule_end_time",
                    .string(AccountCalendar.utcStart(of: end.adding(days: 1), timeZone: account.timeZone))
                ))
        }
        return .object(fields)
    }

    /// The ad group's bid: no bid, or a custom bid per click or per conversion (decimal, major units).
    static func bidFields(_ bid: BidStrategy, currency: String) -> [(String, JSONValue)] {
        switch bid {
        case .automatic, .targetReturnOnAdSpend:
            [("bid_type", .string("BID_TYPE_NO_BID"))]
        case .maximumCostPerClick(let micros):
            [
                ("bid_type", .string("BID_TYPE_CUSTOM")),
                ("bid_price", WireMoney.decimalNumber(micros: micros, currency: currency)),
            ]
        case .targetCostPerAction(let micros):
            [
                ("bid_type", .string("BID_TYPE_CUSTOM")),
                ("conversion_bid_price", WireMoney.decimalNumber(micros: micros, currency: currency)),
            ]
        }
    }

    /// `POST adgroup/status/update/`: one ad group enabled or disabled.
    static func adGroupStatusBody(_ operationStatus: String, adGroupID: String, advertiserID: String) -> JSONValue {
        .object([
            ("advertiser_id", .string(advertiserID)), ("adgroup_ids", .array([.string(adGroupID)])),
            ("operation_status", .string(operationStatus)),
        ])
    }

    /// `POST ad/status/update/`: one ad enabled or disabled.
    static func adStatusBody(_ operationStatus: String, adID: String, advertiserID: String) -> JSONValue {
        .object([
            ("advertiser_id", .string(advertiserID)), ("ad_ids", .array([.string(adID)])),
            ("operation_status", .string(operationStatus)),
        ])
    }

    /// `POST campaign/update/`: the stamped name.
    static func campaignSettingsBody(
        _ campaign: CampaignSpec, reference: ChannelReference, campaignID: String, advertiserID: String
    ) -> JSONValue {
        .object([
            ("advertiser_id", .string(advertiserID)), ("campaign_id", .string(campaignID)),
            ("campaign_name", .string(campaign.name + reference.nameSuffix())),
        ])
    }

    /// `POST adgroup/update/`: the bid (the group's own amount, if it has one) and the end of the schedule. The start is left as published
    /// (a start in the past would be refused), so only the schedule type and end time are sent;
    /// without an end day the ad group runs from its start on (`SCHEDULE_FROM_NOW`).
    static func adGroupSettingsBody(
        _ group: AdGroupSpec, campaign: CampaignSpec, adGroupID: String, account: ChannelAccount
    ) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("advertiser_id", .string(account.identity.externalID)), ("adgroup_id", .string(adGroupID)),
        ]
        fields += bidFields(group.bidStrategy(under: campaign.bidStrategy), currency: account.currency)
        if let end = campaign.endDay {
            fields.append(("schedule_type", .string("SCHEDULE_START_END")))
            fields.append(
                (
                    "schedule_end_time",
                    .string(AccountCalendar.utcStart(of: end.adding(days: 1), timeZone: account.timeZone))
                )
            )
        } else {
            fields.append(("schedule_type", .string("SCHEDULE_FROM_NOW")))
        }
        return .object(fields)
    }

    static func callToAction(_ action: CallToAction) -> String {
        switch action {
        case .learnMore: "LEARN_MORE"
        case .shopNow: "SHOP_NOW"
        case .signUp: "SIGN_UP"
        case .download: "DOWNLOAD_NOW"
        case .contactUs: "CONTACT_US"
        case .bookNow: "BOOK_NOW"
        case .getQuote: "GET_QUOTE"
        case .subscribe: "SUBSCRIBE"
        }
    }

    /// `POST ad/create/` with one creative, so each ad carries its own stamped name.
    static func adBody(_ ad: AdSpec, name: String, adGroupID: String, account: ChannelAccount) -> JSONValue {
        let creative = ad.creative
        var fields: [(String, JSONValue)] = [
            ("ad_name", .string(name)),
            (
                "identity_type",
                .string(account.settings[ChannelAccount.Setting.tiktokIdentityType] ?? "CUSTOMIZED_USER")
            ),
            ("identity_id", .string(account.settings[ChannelAccount.Setting.tiktokIdentityID] ?? "")),
            ("ad_format", .string("SINGLE_IMAGE")),
            ("image_ids", .array(creative.imageReference.map { [.string($0)] } ?? [])),
            ("ad_text", .string(creative.descriptions.first ?? "")),
        ]
        if let action = creative.callToAction { fields.append(("call_to_action", .string(callToAction(action)))) }
        if let url = creative.finalURL { fields.append(("landing_page_url", .string(url))) }
        return .object([
            ("advertiser_id", .string(account.identity.externalID)),
            ("adgroup_id", .string(adGroupID)),
            ("creatives", .array([.object(fields)])),
        ])
    }

    static func findCampaignQuery(_ reference: ChannelReference, advertiserID: String) -> [(String, String)] {
        [
            ("advertiser_id", advertiserID),
            ("filtering", JSONValue.object([("campaign_name", .string(reference.bracketed + "]"))]).serialized),
            ("page_size", "100"),
        ]
    }

    static func childrenQuery(campaignID: String, advertiserID: String, page: Int) -> [(String, String)] {
        [
            ("advertiser_id", advertiserID),
            ("filtering", JSONValue.object([("campaign_ids", .array([.string(campaignID)]))]).serialized),
            ("page", String(page)), ("page_size", "1000"),
        ]
    }

    /// By ad group or ad, the parents' ids come as the attribute metrics `campaign_id`, `adgroup_id`.
    static func reportQuery(
        _ level: ChannelMetricLevel, from: CalendarDay, through: CalendarDay, advertiserID: String, page: Int
    ) -> [(String, String)] {
        let (dataLevel, id, parents): (String, String, [String]) =
            switch level {
            case .campaign: ("AUCTION_CAMPAIGN", "campaign_id", [])
            case .adGroup: ("AUCTION_ADGROUP", "adgroup_id", ["campaign_id"])
            case .ad: ("AUCTION_AD", "ad_id", ["campaign_id", "adgroup_id"])
            }
        let metrics = parents + ["spend", "impressions", "clicks", "conversion"]
        return [
            ("advertiser_id", advertiserID),
            ("report_type", "BASIC"),
            ("data_level", dataLevel),
            ("service_type", "AUCTION"),
            ("dimensions", JSONValue.array([.string(id), .string("stat_time_day")]).serialized),
            ("metrics", JSONValue.array(metrics.map { .string($0) }).serialized),
            ("start_date", from.description),
            ("end_date", through.description),
            ("page", String(page)),
            ("page_size", "1000"),
        ]
    }

    /// A report row: `{"dimensions": {"campaign_id", "stat_time_day": "2026-03-01 00:00:00"},
    /// "metrics": {"spend": "12.34", …}}`, metrics as strings.
    static func dailyMetric(_ row: JSONValue, level: ChannelMetricLevel) -> ChannelDailyMetric? {
        // Each row's own id is its dimension; its parents' ids are attribute metrics.
        func id(_ key: String, of own: ChannelMetricLevel) -> String? {
            (level == own ? row["dimensions"] : row["metrics"])?[key]?.numericText
        }
        let adGroupID = level == .campaign ? nil : id("adgroup_id", of: .adGroup)
        let adID = level == .ad ? id("ad_id", of: .ad) : nil
        guard let campaignID = id("campaign_id", of: .campaign), level == .campaign || adGroupID != nil,
            level != .ad || adID != nil,
            let dayText = row["dimensions"]?["stat_time_day"]?.stringValue,
            let day = CalendarDay(String(dayText.prefix(10)))
        else { return nil }
        let metrics = row["metrics"]
        guard let spend = metrics?["spend"]?.numericText.map(WireMoney.micros) ?? 0,
            let impressions = metrics?["impressions"]?.numericText.map({ WireMoney.scaled($0, places: 0) }) ?? 0,
            let clicks = metrics?["clicks"]?.numericText.map({ WireMoney.scaled($0, places: 0) }) ?? 0,
            let conversions = metrics?["conversion"]?.numericText.map(WireMoney.milli) ?? 0
        else { return nil }
        return ChannelDailyMetric(
            campaignExternalID: campaignID, adGroupExternalID: adGroupID, adExternalID: adID, day: day,
            impressions: impressions, clicks: clicks, spendMicros: spend, conversionsMilli: conversions,
            conversionValueMicros: 0)
    }

    static func profile(_ body: JSONValue) -> ChannelAccountProfile? {
        guard let advertiser = body["data"]?["list"]?[0], let currency = advertiser["currency"]?.stringValue,
            let zone = advertiser["display_timezone"]?.stringValue ?? advertiser["timezone"]?.stringValue
        else { return nil }
        return ChannelAccountProfile(name: advertiser["name"]?.stringValue ?? "", currency: currency, timeZone: zone)
    }
}
