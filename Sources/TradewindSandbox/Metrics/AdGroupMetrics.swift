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
                seed: seed, channel: channel, account: account, day: campaignDay.day,
                spendUnitMicros: channel == .googleAds ? 1 : currency.minorUnitMicros,
                valueUnitMicros: currency.minorUnitMicros)
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

/// How a campaign-day divides among the ad groups that deliver that day.
///
/// Each field has its own seeded weights (seed, channel, account, ad group, day), so ad groups differ
/// in price and conversion rate, not only in size, and an ad-group rule on CPC or CPA has something
/// to tell apart. Spend follows the ad groups' own budgets when all have one (Meta ad-set budgets).
/// Every field sums exactly to the campaign's; money keeps the channel's unit (micros on Google,
/// whole minor units elsewhere), no ad group gets more clicks than impressions or more conversions
/// than clicks, and conversion value follows the conversions.
struct DeliverySplit {
    let seed: UInt64
    let channel: AdChannel
    let account: String
    let day: SandboxDay
    let spendUnitMicros: Int64
    let valueUnitMicros: Int64

    func shares(of total: DailyFigures, among groups: [AdObject]) -> [DailyFigures] {
        let jitter = groups.map { group in
            SeededHash.units([String(seed), channel.rawValue, account, group.id, day.description]).map { 0.5 + $0 }
        }
        let budgets = groups.map { $0.state(on: day)?.dailyBudgetMicros ?? 0 }
        let spendWeights = zip(jitter, budgets).map { weights, budget in
            budgets.allSatisfy { $0 > 0 } ? weights[0] * Double(budget) : weights[0]
        }
        let spend = Self.apportion(total.spendMicros, unit: spendUnitMicros, weights: spendWeights)
        let impressions = Self.apportion(
            total.impressions, weights: zip(spend, jitter).map { Double($0) * $1[1] })
        let clicks = Self.apportion(
            total.clicks, weights: zip(impressions, jitter).map { Double($0) * $1[2] }, caps: impressions)
        let conversions = Self.apportion(
            total.conversions, weights: zip(clicks, jitter).map { Double($0) * $1[3] }, caps: clicks)
        let value = Self.apportion(
            total.conversionValueMicros, unit: valueUnitMicros, weights: conversions.map(Double.init))
        return groups.indices.map { i in
            DailyFigures(
                impressions: impressions[i], clicks: clicks[i], spendMicros: spend[i], conversions: conversions[i],
                conversionValueMicros: value[i])
        }
    }

    /// Divides `total` in whole `unit`s by `weights` (equal shares when all are zero), rounding each
    /// share down, then hands out the rest: to the heaviest share, or, under `caps` (in `unit`s),
    /// heaviest first as far as each cap allows. Whatever the caps cannot take, and a rest under one
    /// `unit`, also goes to the heaviest share: the sum is exact whatever the inputs.
    static func apportion(_ total: Int64, unit: Int64 = 1, weights: [Double], caps: [Int64]? = nil) -> [Int64] {
        let sum = weights.reduce(0, +)
        let normalized = sum > 0 ? weights.map { $0 / sum } : weights.map { _ in 1 / Double(weights.count) }
        let units = total / unit
        var shares = normalized.indices.map { i in min(Int64(Double(units) * normalized[i]), caps?[i] ?? .max) }
        // Heaviest first; equal weights in creation order.
        let order = normalized.indices.sorted { (normalized[$1], $0) < (normalized[$0], $1) }
        var rest = units - shares.reduce(0, +)
        for i in order where rest > 0 {
            let added = min(rest, caps.map { max(0, $0[i] - shares[i]) } ?? rest)
            shares[i] += added
            rest -= added
        }
        var amounts = shares.map { $0 * unit }
        amounts[order[0]] += rest * unit + total % unit
        return amounts
    }
}
