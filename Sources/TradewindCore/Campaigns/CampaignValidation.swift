/// A campaign with its ad groups and their ads: what Create takes and Publish sends.
public struct CampaignTree: Sendable, Hashable, Codable {
    public struct AdGroup: Sendable, Hashable, Codable {
        public var spec: AdGroupSpec
        public var ads: [AdSpec]

        public init(spec: AdGroupSpec, ads: [AdSpec]) {
            self.spec = spec
            self.ads = ads
        }
    }

    public var campaign: CampaignSpec
    public var adGroups: [AdGroup]

    public init(campaign: CampaignSpec, adGroups: [AdGroup]) {
        self.campaign = campaign
        self.adGroups = adGroups
    }

    /// Limits of one campaign tree, whatever the channel.
    public static let maximumAdGroups = 20
    public static let maximumAdsPerGroup = 20
    public static let maximumMarkets = 50
    public static let maximumSegmentsPerGroup = 20
}

/// Checks a campaign tree for one channel and account currency. Field paths are those of the
/// `Campaign` message under `prefix` (`campaign.ad_groups[0].ads[1].creative.headlines[3]`), and
/// every refusal that is the channel's own names the channel.
public enum CampaignValidation {
    public static func violations(
        of tree: CampaignTree, channel: AdChannel, currency: String, prefix: String = "campaign"
    ) -> [FieldViolation] {
        var collector = ViolationCollector()
        let rules = channel.rules
        checkCampaign(tree.campaign, rules: rules, currency: currency, prefix: prefix, into: &collector)
        collector.require(
            tree.adGroups.count <= CampaignTree.maximumAdGroups, "\(prefix).ad_groups",
            "at most \(CampaignTree.maximumAdGroups) ad groups per campaign")
        for (g, group) in tree.adGroups.enumerated() {
            let groupPath = "\(prefix).ad_groups[\(g)]"
            checkAdGroup(group.spec, markets: tree.campaign.markets, rules: rules, prefix: groupPath, into: &collector)
            collector.require(
                group.ads.count <= CampaignTree.maximumAdsPerGroup, "\(groupPath).ads",
                "at most \(CampaignTree.maximumAdsPerGroup) ads per ad group")
            for (a, ad) in group.ads.enumerated() {
                checkAd(ad, rules: rules, prefix: "\(groupPath).ads[\(a)]", into: &collector)
            }
        }
        return collector.violations
    }

    static func checkCampaign(
        _ campaign: CampaignSpec, rules: ChannelRules, currency: String, prefix: String,
        into collector: inout ViolationCollector
    ) {
        let channel = rules.channel.rawValue
        checkName(
            campaign.name, maximum: rules.maximumNameLength, channel: channel, field: "\(prefix).name", into: &collector
        )
        collector.require(
            rules.objectives.contains(campaign.objective), "\(prefix).objective",
            "\(channel) does not run \(campaign.objective.rawValue) campaigns through Tradewind; it takes "
                + rules.objectives.map(\.rawValue).sorted().joined(separator: ", "))
        checkBudget(campaign.budget, rules: rules, currency: currency, field: "\(prefix).budget", into: &collector)
        checkBid(
            campaign.bidStrategy, rules: rules, currency: currency, field: "\(prefix).bid_strategy", into: &collector)
        if let start = campaign.startDay, let end = campaign.endDay {
            collector.require(end >= start, "\(prefix).end_date", "must not be before start_date")
        }
        if campaign.budget.period == .lifetime {
            collector.require(campaign.endDay != nil, "\(prefix).end_date", "a lifetime budget needs an end date")
        }
        collector.require(
            campaign.markets.count <= CampaignTree.maximumMarkets, "\(prefix).markets",
            "at most \(CampaignTree.maximumMarkets) markets")
        for (i, market) in campaign.markets.enumerated() {
            collector.require(
                FieldFormats.isValidCountryCode(market), "\(prefix).markets[\(i)]",
                "must be an ISO 3166-1 alpha-2 code such as DE")
        }
        collector.require(
            Set(campaign.markets).count == campaign.markets.count, "\(prefix).markets", "must not repeat a market")
        for (i, language) in campaign.languages.enumerated() {
            collector.require(
                FieldFormats.isValidLanguageTag(language), "\(prefix).languages[\(i)]",
                "must be a BCP 47 language tag such as de or zh-Hans")
        }
        if let category = campaign.productCategory {
            collector.require(
                CopyCategory.known.contains(category), "\(prefix).product_category",
                "must be one of " + CopyCategory.known.sorted().joined(separator: ", "))
        }
    }

    static func checkBudget(
        _ budget: Budget, rules: ChannelRules, currency: String, field: String, into collector: inout ViolationCollector
    ) {
        let channel = rules.channel.rawValue
        collector.require(
            rules.budgetPeriods.contains(budget.period), "\(field).period",
            "\(channel) takes only \(rules.budgetPeriods.map(\.rawValue).sorted().joined(separator: " or ")) budgets")
        guard budget.amountMicros > 0 else {
            collector.add("\(field).amount_micros", "must be positive")
            return
        }
        let step = rules.budgetStepMicros(currency)
        if budget.amountMicros % step != 0 {
            collector.add(
                "\(field).amount_micros",
                "\(channel) counts \(currency) budgets in steps of \(step) micros; \(budget.amountMicros) is not a multiple"
            )
        }
        if budget.period == .daily, let minimum = rules.minimumDailyBudgetMicros[currency],
            budget.amountMicros < minimum
        {
            collector.add(
                "\(field).amount_micros",
                "\(channel) needs a daily budget of at least \(CurrencyUnits.decimalString(micros: minimum, currency: currency)) \(currency)"
            )
        }
    }

    static func checkBid(
        _ bid: BidStrategy, rules: ChannelRules, currency: String, field: String,
        into collector: inout ViolationCollector
    ) {
        let channel = rules.channel.rawValue
        guard rules.bidKinds.contains(bid.kind) else {
            collector.add(field, "\(channel) does not take \(bid.kind.rawValue) bidding")
            return
        }
        let step = CurrencyUnits.microsPerMinorUnit(currency)
        switch bid {
        case .automatic:
            break
        case .maximumCostPerClick(let micros), .targetCostPerAction(let micros):
            collector.require(micros > 0, "\(field).amount_micros", "must be positive")
            collector.require(
                micros % step == 0, "\(field).amount_micros",
                "\(channel) counts \(currency) bids in steps of \(step) micros")
        case .targetReturnOnAdSpend(let permille):
            collector.require(
                (1...1_000_000).contains(permille), "\(field).target_roas_permille", "must be between 1 and 1000000")
        }
    }

    static func checkAdGroup(
        _ group: AdGroupSpec, markets: [String], rules: ChannelRules, prefix: String,
        into collector: inout ViolationCollector
    ) {
        let channel = rules.channel.rawValue
        checkName(
            group.name, maximum: rules.maximumNameLength, channel: channel, field: "\(prefix).name", into: &collector)
        let targeting = group.targeting
        collector.require(
            !targeting.countries.isEmpty, "\(prefix).targeting.countries", "must name at least one country")
        for (i, country) in targeting.countries.enumerated() {
            if !FieldFormats.isValidCountryCode(country) {
                collector.add("\(prefix).targeting.countries[\(i)]", "must be an ISO 3166-1 alpha-2 code such as DE")
            } else if !markets.isEmpty && !markets.contains(country) {
                collector.add("\(prefix).targeting.countries[\(i)]", "\(country) is not one of the campaign's markets")
            }
        }
        for (i, language) in targeting.languages.enumerated() {
            collector.require(
                FieldFormats.isValidLanguageTag(language), "\(prefix).targeting.languages[\(i)]",
                "must be a BCP 47 language tag such as de or zh-Hans")
        }
        if let age = targeting.ageRange {
            collector.require(
                AgeRange.allowed.contains(age.minimum) && AgeRange.allowed.contains(age.maximum)
                    && age.minimum <= age.maximum,
                "\(prefix).targeting.age_range", "must lie within 13 to 65 with min_age <= max_age")
        }
        collector.require(
            targeting.segmentIDs.count <= CampaignTree.maximumSegmentsPerGroup, "\(prefix).targeting.segment_ids",
            "at most \(CampaignTree.maximumSegmentsPerGroup) segments")
        switch (rules.defaultBid, group.defaultBidMicros) {
        case (.required, nil):
            collector.add("\(prefix).default_bid_micros", "\(channel) needs a default bid for every ad group")
        case (.notTaken, .some):
            collector.add("\(prefix).default_bid_micros", "\(channel) takes no ad group bid")
        case (_, .some(let micros)) where micros <= 0:
            collector.add("\(prefix).default_bid_micros", "must be positive")
        default:
            break
        }
    }

    static func checkAd(_ ad: AdSpec, rules: ChannelRules, prefix: String, into collector: inout ViolationCollector) {
        let channel = rules.channel.rawValue
        checkName(
            ad.name, maximum: rules.maximumNameLength, channel: channel, field: "\(prefix).name", into: &collector)
        let creative = ad.creative
        let path = "\(prefix).creative"
        checkTexts(
            creative.headlines, count: rules.headlineCount, maximumLength: rules.headlineMaximumLength,
            noun: "headline", channel: channel, field: "\(path).headlines", into: &collector)
        checkTexts(
            creative.descriptions, count: rules.descriptionCount, maximumLength: rules.descriptionMaximumLength,
            noun: "description", channel: channel, field: "\(path).descriptions", into: &collector)
        check(
            rules.finalURL, present: creative.finalURL != nil, channel: channel, field: "\(path).final_url",
            into: &collector)
        if let url = creative.finalURL, !FieldFormats.isValidHTTPSURL(url) {
            collector.add("\(path).final_url", "must be an https URL")
        }
        check(
            rules.callToAction, present: creative.callToAction != nil, channel: channel,
            field: "\(path).call_to_action", into: &collector)
        check(
            rules.image, present: creative.imageReference != nil, channel: channel, field: "\(path).image_reference",
            into: &collector)
        if let image = creative.imageReference, !FieldFormats.isPrintableText(image, maxLength: 256) || image.isEmpty {
            collector.add("\(path).image_reference", "must be the channel's id of an uploaded image")
        }
        check(
            rules.product, present: creative.product != nil, channel: channel, field: "\(path).product",
            into: &collector)
        switch creative.product {
        case .asin(let asin):
            collector.require(isASIN(asin), "\(path).product.asin", "must be a 10-character ASIN such as B08N5WRWNW")
        case .sku(let sku):
            collector.require(
                !sku.isEmpty && FieldFormats.isPrintableText(sku, maxLength: 40), "\(path).product.sku",
                "must be 1 to 40 printable characters")
        case nil:
            break
        }
    }

    static func checkTexts(
        _ texts: [String], count: ClosedRange<Int>, maximumLength: Int, noun: String, channel: String, field: String,
        into collector: inout ViolationCollector
    ) {
        if count.upperBound == 0 {
            collector.require(texts.isEmpty, field, "\(channel) takes no \(noun)s")
            return
        }
        if !count.contains(texts.count) {
            let wanted =
                count.lowerBound == count.upperBound
                ? "exactly \(count.lowerBound)" : "\(count.lowerBound) to \(count.upperBound)"
            collector.add(
                field, "\(channel) takes \(wanted) \(noun)\(count.upperBound == 1 ? "" : "s"), not \(texts.count)")
        }
        // Counted the channel's way: Google and TikTok count a Chinese, Japanese or Korean character twice.
        let wide = ChannelTextLimits.counting(channel: channel) == .displayWidth
        for (i, text) in texts.enumerated() {
            let length = wide ? ChannelTextLimits.length(of: text, channel: channel) : text.count
            if text.trimmingWhitespace().isEmpty {
                collector.add("\(field)[\(i)]", "must not be empty")
            } else if length > maximumLength {
                let counting = wide ? " (Chinese, Japanese and Korean characters count 2)" : ""
                collector.add(
                    "\(field)[\(i)]", "\(channel) takes at most \(maximumLength) characters\(counting), not \(length)")
            } else if !FieldFormats.isPrintableText(text, maxLength: maximumLength) {
                collector.add("\(field)[\(i)]", "must not contain control characters")
            }
        }
    }

    static func check(
        _ requirement: ChannelRules.Requirement, present: Bool, channel: String, field: String,
        into collector: inout ViolationCollector
    ) {
        switch requirement {
        case .required where !present: collector.add(field, "\(channel) needs it")
        case .notTaken where present:
            collector.add(field, "\(channel) takes no \(field.split(separator: ".").last ?? "")")
        default: break
        }
    }

    static func checkName(
        _ name: String, maximum: Int, channel: String, field: String, into collector: inout ViolationCollector
    ) {
        if name.trimmingWhitespace().isEmpty {
            collector.add(field, "must not be empty")
        } else if name.count > maximum {
            collector.add(field, "\(channel) takes names of at most \(maximum) characters")
        } else if !FieldFormats.isPrintableText(name, maxLength: maximum) {
            collector.add(field, "must not contain control characters")
        }
    }

    static func isASIN(_ text: String) -> Bool {
        text.utf8.count == 10 && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) }
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> Substring {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return slice
    }
}
