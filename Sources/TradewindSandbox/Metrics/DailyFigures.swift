/// One campaign's delivery on one day, in integers: money in micros of the account currency, already
/// rounded as the channel reports it.
public struct DailyFigures: Sendable, Equatable {
    public var impressions: Int64
    public var clicks: Int64
    public var spendMicros: Int64
    public var conversions: Int64
    public var conversionValueMicros: Int64

    public static let zero = DailyFigures(
        impressions: 0, clicks: 0, spendMicros: 0, conversions: 0, conversionValueMicros: 0)

    public var isZero: Bool { self == .zero }

    static func + (lhs: DailyFigures, rhs: DailyFigures) -> DailyFigures {
        DailyFigures(
            impressions: lhs.impressions + rhs.impressions, clicks: lhs.clicks + rhs.clicks,
            spendMicros: lhs.spendMicros + rhs.spendMicros, conversions: lhs.conversions + rhs.conversions,
            conversionValueMicros: lhs.conversionValueMicros + rhs.conversionValueMicros
        )
    }
}
