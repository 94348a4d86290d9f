/// How a campaign-day divides among the ad groups that deliver that day, and an ad-group-day among
/// its ads.
///
/// Each field has its own seeded weights (seed, channel, account, object, day), so ad groups and ads
/// differ in price, click-through and conversion rate, not only in size, and a rule on CPC, CTR or
/// CPA has something to tell apart. Spend follows the objects' own budgets when all have one (Meta
/// ad-set budgets; ads have none). Every field sums exactly to the whole; money keeps the channel's
/// unit (micros on Google, whole minor units elsewhere), no share gets more clicks than impressions
/// or more conversions than clicks, and conversion value follows the conversions.
struct DeliverySplit {
    let seed: UInt64
    let channel: AdChannel
    let account: String
    let day: SandboxDay
    let spendUnitMicros: Int64
    let valueUnitMicros: Int64

    init(seed: UInt64, channel: AdChannel, account: String, day: SandboxDay, currency: Currency) {
        self.seed = seed
        self.channel = channel
        self.account = account
        self.day = day
        spendUnitMicros = channel == .googleAds ? 1 : currency.minorUnitMicros
        valueUnitMicros = currency.minorUnitMicros
    }

    func shares(of total: DailyFigures, among members: [AdObject]) -> [DailyFigures] {
        let jitter = members.map { member in
            SeededHash.units([String(seed), channel.rawValue, account, member.id, day.description]).map { 0.5 + $0 }
        }
        let budgets = members.map { $0.state(on: day)?.dailyBudgetMicros ?? 0 }
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
        return members.indices.map { i in
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
