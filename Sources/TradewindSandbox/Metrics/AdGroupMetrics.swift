/// An ad group's (Meta: ad set's) figures for one day: its share of its campaign's day, as the channel
/// reports it on the sandbox's today.
public struct AdGroupDay: Sendable, Equatable {
    public var campaignID: String
    public var adGroupID: String
    public var day: SandboxDay
    public var figures: DailyFigures
}

extension World {
    /// Every non-zero ad-group-day of an account within `from...to` (clamped to today), as reported
    /// today: each campaign-day of `campaignDays` split among the ad groups that deliver that day.
    /// The ad groups of a campaign-day sum exactly to it, field by field, so a campaign report and its
    /// ad-group report never disagree. A campaign with no ad groups yet on a day has no ad-group rows
    /// for it.
    public func adGroupDays(
        _ channel: AdChannel, account: String, from: SandboxDay, to: SandboxDay, campaignIDs: Set<String>? = nil,
        reportedOn: SandboxDay? = nil
    ) -> [AdGroupDay] {
        adGroupDays(
            splitting: campaignDays(
                channel, account: account, from: from, to: to, campaignIDs: campaignIDs, reportedOn: reportedOn),
            channel, account: account)
    }

    /// Splits campaign-days that `campaignDays` computed for this channel and account (the store
    /// splits its cached ones rather than compute them twice).
    func adGroupDays(splitting days: [CampaignDay], _ channel: AdChannel, account: String) -> [AdGroupDay] {
        guard let owner = self.account(channel, account) else { return [] }
        let index = BudgetIndex(objects, channel: channel, account: account)
        let currency = owner.currencyInfo
        var rows: [AdGroupDay] = []
        for campaignDay in days {
            guard let groups = index.deliveringAdGroups(of: campaignDay.campaignID, on: campaignDay.day),
                !groups.isEmpty
            else { continue }
            let split = DeliverySplit(
                seed: seed, channel: channel, account: account, day: campaignDay.day, currency: currency)
            let shares = split.shares(of: campaignDay.figures, among: groups)
            for (group, figures) in zip(groups, shares) where !figures.isZero {
                rows.append(
                    AdGroupDay(
                        campaignID: campaignDay.campaignID, adGroupID: group.id, day: campaignDay.day, figures: figures)
                )
            }
        }
        return rows
    }
}
