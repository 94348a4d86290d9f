/// The simulated delivery of a campaign: a pure function of (seed, channel, account, campaign, day,
/// that day's budget and activity), plus the conversion maturity of the day relative to "today".
///
/// Spend stays under the daily budget; impressions, clicks and conversions follow from plausible
/// prices scaled to the currency. Conversions and their value are still maturing for the three days
/// before today (and today itself), so a report pulled tomorrow restates them.
public enum DailyMetricsModel {
    /// Percent of the final conversions and value reported for a day `age` days before today.
    public static func maturityPercent(age: Int) -> Int64 {
        switch age {
        case ..<0: 0
        case 0: 40
        case 1: 60
        case 2: 85
        case 3: 95
        default: 100
        }
    }

    /// The final (fully matured) figures of a day.
    public static func finalFigures(
        seed: UInt64, channel: AdChannel, account: String, campaignID: String, day: SandboxDay,
        dailyBudgetMicros: Int64, active: Bool, currency: Currency
    ) -> DailyFigures {
        guard active, dailyBudgetMicros > 0 else { return .zero }
        let u = SeededHash.units([String(seed), channel.rawValue, account, campaignID, day.description])
        // Spend 55-97 % of the budget; Google reports exact micros, the others whole minor units.
        let rawSpend = Int64(Double(dailyBudgetMicros) * (0.55 + 0.42 * u[0]))
        let spend = min(
            dailyBudgetMicros, channel == .googleAds ? rawSpend : currency.floorToMinorUnit(rawSpend))
        let scale = currency.unitsPerDollar
        let cpm = (2.0 + 10.0 * u[1]) * scale
        let impressions = Int64(Double(spend) / 1_000_000 / cpm * 1000)
        let clicks = Int64(Double(impressions) * (0.005 + 0.025 * u[2]))
        let conversions = Int64(Double(clicks) * (0.01 + 0.05 * u[3]))
        let orderValue =
            (20.0 + 100.0 * SeededHash.units([String(seed), campaignID, day.description, "aov"])[0]) * scale
        let value = currency.floorToMinorUnit(Int64(Double(conversions) * orderValue * 1_000_000))
        return DailyFigures(
            impressions: impressions, clicks: clicks, spendMicros: spend, conversions: conversions,
            conversionValueMicros: value)
    }

    /// The figures as reported on `today`: conversions and value cut to the day's maturity, rounded down.
    public static func reported(_ final: DailyFigures, day: SandboxDay, today: SandboxDay, currency: Currency)
        -> DailyFigures
    {
        let percent = maturityPercent(age: today.ordinal - day.ordinal)
        var figures = final
        figures.conversions = final.conversions * percent / 100
        // Value matures with the conversions it belongs to, so a day never shows value without conversions.
        figures.conversionValueMicros =
            final.conversions == 0
            ? 0 : currency.floorToMinorUnit(final.conversionValueMicros / final.conversions * figures.conversions)
        return figures
    }
}
