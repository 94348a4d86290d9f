/// An ad's figures for one day: its share of its ad group's (Meta: ad set's) day, as the channel
/// reports it on the sandbox's today.
public struct AdDay: Sendable, Equatable {
    public var campaignID: String
    public var adGroupID: String
    /// The ad object's id in the sandbox: on Google `{adGroupId}~{adId}`, as its resource name has it.
    public var adID: String
    public var day: SandboxDay
    public var figures: DailyFigures

    /// The id the channel gives the ad itself: Google's ad id is the part after the tilde.
    public var channelAdID: String {
        adID.split(separator: "~").last.map(String.init) ?? adID
    }
}

extension World {
    /// Every non-zero ad-day of an account within `from...to` (clamped to today), as reported today:
    /// each ad-group-day of `adGroupDays` split among the ads that deliver that day. The ads of an
    /// ad-group-day sum exactly to it, field by field, so an ad report never disagrees with the ad
    /// group and campaign reports. An ad group with no ads yet on a day has no ad rows for it.
    public func adDays(
        _ channel: AdChannel, account: String, from: SandboxDay, to: SandboxDay, campaignIDs: Set<String>? = nil,
        reportedOn: SandboxDay? = nil
    ) -> [AdDay] {
        adDays(
            splitting: adGroupDays(
                channel, account: account, from: from, to: to, campaignIDs: campaignIDs, reportedOn: reportedOn),
            channel, account: account)
    }

    /// Splits ad-group-days that `adGroupDays` computed for this channel and account (the store
    /// splits its cached ones rather than compute them twice).
    func adDays(splitting days: [AdGroupDay], _ channel: AdChannel, account: String) -> [AdDay] {
        guard let owner = self.account(channel, account) else { return [] }
        let index = BudgetIndex(objects, channel: channel, account: account)
        let currency = owner.currencyInfo
        var rows: [AdDay] = []
        for groupDay in days {
            guard let ads = index.deliveringAds(of: groupDay.adGroupID, on: groupDay.day), !ads.isEmpty else {
                continue
            }
            let split = DeliverySplit(
                seed: seed, channel: channel, account: account, day: groupDay.day, currency: currency)
            for (ad, figures) in zip(ads, split.shares(of: groupDay.figures, among: ads)) where !figures.isZero {
                rows.append(
                    AdDay(
                        campaignID: groupDay.campaignID, adGroupID: groupDay.adGroupID, adID: ad.id, day: groupDay.day,
                        figures: figures))
            }
        }
        return rows
    }
}
