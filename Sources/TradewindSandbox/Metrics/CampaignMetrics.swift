/// A campaign's figures for one day, as the channel reports them on the sandbox's today.
public struct CampaignDay: Sendable, Equatable {
    public var campaignID: String
    public var day: SandboxDay
    public var figures: DailyFigures
}

extension World {
    /// An account's budgets, ad groups and ads by id and parent, looked up once per report rather
    /// than by scanning every object for every campaign-day.
    struct BudgetIndex {
        var byID: [String: AdObject] = [:]
        var adGroupsByCampaign: [String: [AdObject]] = [:]
        var adsByAdGroup: [String: [AdObject]] = [:]

        init(_ objects: [AdObject], channel: AdChannel, account: String) {
            for object in objects where object.channel == channel && object.account == account {
                byID[object.id] = object
                guard let parent = object.parentID else { continue }
                switch object.level {
                case .adGroup: adGroupsByCampaign[parent, default: []].append(object)
                case .ad: adsByAdGroup[parent, default: []].append(object)
                default: break
                }
            }
        }

        /// The campaign's ad groups that deliver on `day`, in creation order; nil when none existed
        /// yet that day. A campaign delivers through its ad groups, and an ad group through its ads,
        /// so an empty list means it delivers nothing; nil keeps a campaign without ad groups
        /// delivering on its own, and keeps the days before its first ad group as they were reported.
        func deliveringAdGroups(of campaignID: String, on day: SandboxDay) -> [AdObject]? {
            Self.delivering(adGroupsByCampaign[campaignID] ?? [], on: day)?.filter {
                deliveringAds(of: $0.id, on: day)?.isEmpty != true
            }
        }

        /// The ad group's ads that deliver on `day`, in creation order; nil when none existed yet that
        /// day (an ad group without ads delivers on its own, as before ads were modelled).
        func deliveringAds(of adGroupID: String, on day: SandboxDay) -> [AdObject]? {
            Self.delivering(adsByAdGroup[adGroupID] ?? [], on: day)
        }

        private static func delivering(_ children: [AdObject], on day: SandboxDay) -> [AdObject]? {
            guard children.contains(where: { $0.state(on: day) != nil }) else { return nil }
            return children.filter { $0.delivers(on: day) }
        }
    }

    /// The budget a campaign can spend on a day, in micros: its own budget, its CampaignBudget's
    /// (Google), or the sum of its active ad groups' budgets (Meta ad-set budgets, TikTok ad groups
    /// under a BUDGET_MODE_INFINITE campaign).
    func dailyBudgetMicros(of campaign: AdObject, on day: SandboxDay, index: BudgetIndex) -> Int64 {
        if let budgetID = campaign.budgetObjectID, let budget = index.byID[budgetID] {
            return budget.state(on: day)?.dailyBudgetMicros ?? 0
        }
        if let own = campaign.state(on: day)?.dailyBudgetMicros { return own }
        return (index.deliveringAdGroups(of: campaign.id, on: day) ?? [])
            .compactMap { $0.state(on: day)?.dailyBudgetMicros }
            .reduce(0, +)
    }

    /// Every non-zero campaign-day of an account within `from...to` (clamped to today), as reported
    /// today. Days with no delivery are left out, as Google and Meta leave them out of reports; so are
    /// days on which the campaign has ad groups but none of them can deliver (all paused, removed,
    /// not started or ended, or all their ads stopped), as on the real channels.
    public func campaignDays(
        _ channel: AdChannel, account: String, from: SandboxDay, to: SandboxDay, campaignIDs: Set<String>? = nil,
        reportedOn: SandboxDay? = nil
    ) -> [CampaignDay] {
        guard let owner = self.account(channel, account) else { return [] }
        let today = reportedOn ?? self.today
        let last = min(to, today)
        let index = BudgetIndex(objects, channel: channel, account: account)
        var rows: [CampaignDay] = []
        for campaign in objects(channel, account: account, level: .campaign) {
            if let campaignIDs, !campaignIDs.contains(campaign.id) { continue }
            let first = max(from, campaign.startDay)
            guard first <= last else { continue }
            for ordinal in first.ordinal...last.ordinal {
                let day = SandboxDay(ordinal: ordinal)
                if let end = campaign.endDay, day > end { break }
                let active =
                    (campaign.state(on: day)?.active ?? false)
                    && index.deliveringAdGroups(of: campaign.id, on: day)?.isEmpty != true
                let final = DailyMetricsModel.finalFigures(
                    seed: seed, channel: channel, account: account, campaignID: campaign.id, day: day,
                    dailyBudgetMicros: dailyBudgetMicros(of: campaign, on: day, index: index), active: active,
                    currency: owner.currencyInfo)
                let figures = DailyMetricsModel.reported(final, day: day, today: today, currency: owner.currencyInfo)
                if !figures.isZero { rows.append(CampaignDay(campaignID: campaign.id, day: day, figures: figures)) }
            }
        }
        return rows
    }
}

extension AdObject {
    /// Whether the object can deliver on `day`: active then, and within its start and end days.
    func delivers(on day: SandboxDay) -> Bool {
        guard let state = state(on: day), state.active, day >= startDay else { return false }
        if let endDay, day > endDay { return false }
        return true
    }
}
