import TradewindCore

/// Marketing API v25.0 (facebook-python-business-sdk `adobjects/{adaccount,campaign,adset,
/// adcreative,ad,adsinsights}.py`), pure. Writes are form-encoded; object and array parameters
/// are JSON text, as the SDK sends them.
enum MetaWire {
    static let version = "v25.0"

    static func path(_ rest: String) -> String { "/\(version)/\(rest)" }

    static let accountFields = "name,currency,timezone_name,account_status"

    static func objective(_ objective: CampaignObjective) -> String {
        switch objective {
        case .awareness: "OUTCOME_AWARENESS"
        case .traffic: "OUTCOME_TRAFFIC"
        case .leads: "OUTCOME_LEADS"
        case .sales: "OUTCOME_SALES"
        }
    }

    static func bidStrategy(_ bid: BidStrategy) -> String {
        switch bid {
        case .automatic: "LOWEST_COST_WITHOUT_CAP"
        case .maximumCostPerClick: "LOWEST_COST_WITH_BID_CAP"
        case .targetCostPerAction: "COST_CAP"
        case .targetReturnOnAdSpend: "LOWEST_COST_WITH_MIN_ROAS"
        }
    }

    static func status(_ status: CampaignStatus) -> String? {
        switch status {
        case .active: "ACTIVE"
        case .paused: "PAUSED"
        case .archived: "ARCHIVED"
        case .draft: nil
        }
    }

    static func budgetField(_ budget: Budget, currency: String) -> (String, String)? {
        guard let units = WireMoney.metaUnits(micros: budget.amountMicros, currency: currency) else { return nil }
        return (budget.period == .daily ? "daily_budget" : "lifetime_budget", String(units))
    }

    /// `POST act_<id>/campaigns`: the budget sits on the campaign (Advantage campaign budget), so
    /// ad sets share it; created paused.
    static func campaignForm(_ campaign: CampaignSpec, reference: ChannelReference, currency: String) -> [(
        String, String
    )] {
        var form: [(String, String)] = [
            ("name", campaign.name + reference.nameSuffix()),
            ("objective", objective(campaign.objective)),
            ("status", "PAUSED"),
            ("special_ad_categories", "[]"),
            ("buying_type", "AUCTION"),
            ("bid_strategy", bidStrategy(campaign.bidStrategy)),
        ]
        if let budget = budgetField(campaign.budget, currency: currency) { form.append(budget) }
        return form
    }

    /// What the ad set optimises for, by objective.
    static func optimizationGoal(_ objective: CampaignObjective) -> String {
        switch objective {
        case .awareness: "REACH"
        case .traffic: "LINK_CLICKS"
        case .leads, .sales: "OFFSITE_CONVERSIONS"
        }
    }

    static func targeting(_ targeting: Targeting) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            (
                "geo_locations",
                .object([
                    (
                        "countries",
                        .array(targeting.countries.compactMap(TargetingTables.metaCountry).map { .string($0) })
                    )
                ])
            )
        ]
        if let age = targeting.ageRange {
            fields.append(("age_min", .integer(age.minimum)))
            fields.append(("age_max", .integer(age.maximum)))
        }
        let locales = targeting.languages.flatMap { TargetingTables.lookUp($0, in: TargetingTables.metaLocales) ?? [] }
        if !locales.isEmpty { fields.append(("locales", .array(locales.map { .integer($0) }))) }
        return .object(fields)
    }

    /// `POST act_<id>/adsets`.
    static func adSetForm(
        _ group: AdGroupSpec, index: Int, campaign: CampaignSpec, campaignID: String, reference: ChannelReference,
        account: ChannelAccount
    ) -> [(String, String)] {
        var form: [(String, String)] = [
            ("name", group.name + reference.nameSuffix(group: index)),
            ("campaign_id", campaignID),
            ("status", "ACTIVE"),
            ("billing_event", "IMPRESSIONS"),
            ("optimization_goal", optimizationGoal(campaign.objective)),
            ("targeting", targeting(group.targeting).serialized),
        ]
        if campaign.objective != .awareness { form.append(("destination_type", "WEBSITE")) }
        if campaign.objective == .leads || campaign.objective == .sales,
            let pixel = account.settings[ChannelAccount.Setting.metaPixelID]
        {
            let event = campaign.objective == .sales ? "PURCHASE" : "LEAD"
            form.append(
                (
                    "promoted_object",
                    JSONValue.object([("pixel_id", .string(pixel)), ("custom_event_type", .string(event))]).serialized
                ))
        }
        form += adSetBid(group.bidStrategy(under: campaign.bidStrategy), currency: account.currency)
        if let start = campaign.startDay {
            form.append(("start_time", AccountCalendar.iso8601Start(of: start, timeZone: account.timeZone)))
        }
        if let end = campaign.endDay {
            form.append(("end_time", AccountCalendar.iso8601Start(of: end.adding(days: 1), timeZone: account.timeZone)))
        }
        return form
    }

    /// The ad set's part of the bid strategy: the cap or target in Meta units, or the ROAS floor.
    static func adSetBid(_ bid: BidStrategy, currency: String) -> [(String, String)] {
        switch bid {
        case .maximumCostPerClick(let micros), .targetCostPerAction(let micros):
            guard let units = WireMoney.metaUnits(micros: micros, currency: currency) else { return [] }
            return [("bid_amount", String(units))]
        case .targetReturnOnAdSpend(let permille):
            // `roas_average_floor` is the ratio × 10000 (1.0 = 10000).
            return [
                ("bid_constraints", JSONValue.object([("roas_average_floor", .integer(permille * 10))]).serialized)
            ]
        case .automatic:
            return []
        }
    }

    /// `POST /<campaign id>`: the stamped name and the bid strategy, which sits on the campaign
    /// because the budget does.
    static func campaignSettingsForm(_ campaign: CampaignSpec, reference: ChannelReference) -> [(String, String)] {
        [("name", campaign.name + reference.nameSuffix()), ("bid_strategy", bidStrategy(campaign.bidStrategy))]
    }

    /// `POST /<ad set id>`: the end (the next midnight in the account's zone, or `0`, Meta's "no end
    /// date" for an ad set whose campaign has a daily budget) and the ad set's part of the bid (its
    /// own amount, if it has one).
    static func adSetSettingsForm(_ group: AdGroupSpec, campaign: CampaignSpec, account: ChannelAccount) -> [(
        String, String
    )] {
        let end = campaign.endDay.map {
            AccountCalendar.iso8601Start(of: $0.adding(days: 1), timeZone: account.timeZone)
        }
        return [("end_time", end ?? "0")]
            + adSetBid(group.bidStrategy(under: campaign.bidStrategy), currency: account.currency)
    }

    static func callToAction(_ action: CallToAction) -> String {
        switch action {
        case .learnMore: "LEARN_MORE"
        case .shopNow: "SHOP_NOW"
        case .signUp: "SIGN_UP"
        case .download: "DOWNLOAD"
        case .contactUs: "CONTACT_US"
        case .bookNow: "BOOK_TRAVEL"
        case .getQuote: "GET_QUOTE"
        case .subscribe: "SUBSCRIBE"
        }
    }

    /// `POST act_<id>/adcreatives`: a single-image link ad published as the account's Page.
    static func creativeForm(_ ad: AdSpec, name: String, pageID: String) -> [(String, String)] {
        let creative = ad.creative
        var link: [(String, JSONValue)] = []
        if let url = creative.finalURL { link.append(("link", .string(url))) }
        if let message = creative.descriptions.first { link.append(("message", .string(message))) }
        if let headline = creative.headlines.first { link.append(("name", .string(headline))) }
        if let image = creative.imageReference { link.append(("image_hash", .string(image))) }
        if let action = creative.callToAction {
            var cta: [(String, JSONValue)] = [("type", .string(callToAction(action)))]
            if let url = creative.finalURL { cta.append(("value", .object([("link", .string(url))]))) }
            link.append(("call_to_action", .object(cta)))
        }
        let spec = JSONValue.object([("page_id", .string(pageID)), ("link_data", .object(link))])
        return [("name", name), ("object_story_spec", spec.serialized)]
    }

    /// `POST act_<id>/ads`.
    static func adForm(name: String, adSetID: String, creativeID: String) -> [(String, String)] {
        [
            ("name", name), ("adset_id", adSetID),
            ("creative", JSONValue.object([("creative_id", .string(creativeID))]).serialized), ("status", "ACTIVE"),
        ]
    }

    /// `GET act_<id>/campaigns` filtered to names containing the reference stamp.
    static func findCampaignQuery(_ reference: ChannelReference) -> [(String, String)] {
        let filter = JSONValue.array([
            .object([
                ("field", .string("name")), ("operator", .string("CONTAIN")),
                ("value", .string(reference.bracketed + "]")),
            ])
        ])
        return [("fields", "id,name"), ("filtering", filter.serialized), ("limit", "50")]
    }

    static func insightsQuery(_ level: ChannelMetricLevel, from: CalendarDay, through: CalendarDay, after: String?)
        -> [(String, String)]
    {
        let (metaLevel, ids) =
            switch level {
            case .campaign: ("campaign", "campaign_id")
            case .adGroup: ("adset", "campaign_id,adset_id")
            case .ad: ("ad", "campaign_id,adset_id,ad_id")
            }
        var query: [(String, String)] = [
            ("level", metaLevel),
            ("time_increment", "1"),
            (
                "time_range",
                JSONValue.object([("since", .string(from.description)), ("until", .string(through.description))])
                    .serialized
            ),
            ("fields", "\(ids),date_start,date_stop,spend,impressions,clicks,actions,action_values"),
            ("limit", "500"),
        ]
        if let after { query.append(("after", after)) }
        return query
    }

    /// Action types counted as conversions: website purchases and leads (`actions[].action_type`).
    static let conversionActions: Set<String> = ["purchase", "lead"]

    static func dailyMetric(_ row: JSONValue, level: ChannelMetricLevel) -> ChannelDailyMetric? {
        let adSetID = row["adset_id"]?.stringValue
        let adID = row["ad_id"]?.stringValue
        guard let campaignID = row["campaign_id"]?.stringValue, level == .campaign || adSetID != nil,
            level != .ad || adID != nil,
            let day = row["date_start"]?.stringValue.flatMap(CalendarDay.init),
            let spend = (row["spend"]?.numericText).map(WireMoney.micros) ?? 0,
            let impressions = row["impressions"].map({ $0.int64Value }) ?? 0,
            let clicks = row["clicks"].map({ $0.int64Value }) ?? 0
        else { return nil }
        func sum(_ key: String, places: Int) -> Int64? {
            var total: Int64 = 0
            for action in row[key]?.arrayValue ?? [] {
                guard let type = action["action_type"]?.stringValue, conversionActions.contains(type) else { continue }
                guard let value = action["value"]?.numericText.flatMap({ WireMoney.scaled($0, places: places) }) else {
                    return nil
                }
                total += value
            }
            return total
        }
        guard let conversions = sum("actions", places: 3), let value = sum("action_values", places: 6) else {
            return nil
        }
        return ChannelDailyMetric(
            campaignExternalID: campaignID, adGroupExternalID: level == .campaign ? nil : adSetID,
            adExternalID: level == .ad ? adID : nil, day: day,
            impressions: impressions, clicks: clicks, spendMicros: spend, conversionsMilli: conversions,
            conversionValueMicros: value)
    }

    static func profile(_ body: JSONValue) -> ChannelAccountProfile? {
        guard let currency = body["currency"]?.stringValue, let zone = body["timezone_name"]?.stringValue else {
            return nil
        }
        return ChannelAccountProfile(name: body["name"]?.stringValue ?? "", currency: currency, timeZone: zone)
    }
}
