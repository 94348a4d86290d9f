import Foundation

/// The additive counts behind every KPI, for one group of events. Money is in micros of the
/// reporting currency; sums are exact integers.
public struct KPITotals: Sendable, Hashable {
    public var spendMicros: Int64 = 0
    public var impressions: Int64 = 0
    public var clicks: Int64 = 0
    public var pageViews: Int64 = 0
    public var conversions: Int64 = 0
    public var revenueMicros: Int64 = 0

    public init(
        spendMicros: Int64 = 0, impressions: Int64 = 0, clicks: Int64 = 0, pageViews: Int64 = 0,
        conversions: Int64 = 0, revenueMicros: Int64 = 0
    ) {
        self.spendMicros = spendMicros
        self.impressions = impressions
        self.clicks = clicks
        self.pageViews = pageViews
        self.conversions = conversions
        self.revenueMicros = revenueMicros
    }

    public static func += (lhs: inout KPITotals, rhs: KPITotals) {
        lhs.spendMicros += rhs.spendMicros
        lhs.impressions += rhs.impressions
        lhs.clicks += rhs.clicks
        lhs.pageViews += rhs.pageViews
        lhs.conversions += rhs.conversions
        lhs.revenueMicros += rhs.revenueMicros
    }

    /// Spend per click, micros, rounded half away from zero; `nil` without clicks.
    public var cpcMicros: Int64? { Self.divide(spendMicros, by: clicks) }
    /// Spend per thousand impressions, micros; `nil` without impressions.
    public var cpmMicros: Int64? { impressions > 0 ? Self.divide(spendMicros * 1000, by: impressions) : nil }
    /// Spend per conversion, micros; `nil` without conversions.
    public var cpaMicros: Int64? { Self.divide(spendMicros, by: conversions) }
    /// Revenue per conversion, micros; `nil` without conversions.
    public var aovMicros: Int64? { Self.divide(revenueMicros, by: conversions) }
    /// Clicks per impression.
    public var ctr: Double? { impressions > 0 ? Double(clicks) / Double(impressions) : nil }
    /// Conversions per click.
    public var cvr: Double? { clicks > 0 ? Double(conversions) / Double(clicks) : nil }
    /// Revenue per unit of spend.
    public var roas: Double? { spendMicros > 0 ? Double(revenueMicros) / Double(spendMicros) : nil }

    /// Integer division rounded half away from zero, so a ratio of micros stays in whole micros.
    static func divide(_ numerator: Int64, by denominator: Int64) -> Int64? {
        guard denominator > 0 else { return nil }
        let (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: denominator)
        guard remainder.magnitude * 2 >= denominator.magnitude else { return quotient }
        return numerator >= 0 ? quotient + 1 : quotient - 1
    }
}

/// How long a reporting period is.
public enum PeriodGranularity: Sendable, Hashable {
    /// The whole range as one period.
    case all
    case day
    /// ISO weeks, starting on Monday.
    case week
    case month

    /// The first day of the period holding `day` (`YYYY-MM-DD`); `rangeStart` for `.all`.
    public func periodStart(of day: CalendarDay, rangeStart: CalendarDay) -> CalendarDay {
        switch self {
        case .all: rangeStart
        case .day: day
        case .week: CalendarDay(daysSinceEpoch: day.daysSinceEpoch - Int64(day.isoWeekday - 1))
        case .month: CalendarDay(year: day.year, month: day.month, day: 1)!
        }
    }
}

/// A calendar date without a time zone, `YYYY-MM-DD`: days are already local to the tenant.
public struct CalendarDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let daysSinceEpoch: Int64

    public init(daysSinceEpoch: Int64) { self.daysSinceEpoch = daysSinceEpoch }

    /// `nil` for a date that does not exist.
    public init?(year: Int64, month: Int64, day: Int64) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1 else { return nil }
        let days = Self.days(year: year, month: month, day: day)
        guard LocalDay.civil(fromDaysSinceEpoch: days) == (year, month, day) else { return nil }
        daysSinceEpoch = days
    }

    /// Parses `YYYY-MM-DD` exactly.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public var year: Int64 { LocalDay.civil(fromDaysSinceEpoch: daysSinceEpoch).0 }
    public var month: Int64 { LocalDay.civil(fromDaysSinceEpoch: daysSinceEpoch).1 }
    /// 1 for Monday ... 7 for Sunday (1970-01-01 was a Thursday).
    public var isoWeekday: Int {
        let weekday = (daysSinceEpoch + 3) % 7
        return Int(weekday < 0 ? weekday + 7 : weekday) + 1
    }

    public func adding(days: Int64) -> CalendarDay { CalendarDay(daysSinceEpoch: daysSinceEpoch + days) }

    /// The instant this day begins in `timeZone` (the first valid instant, where DST skips midnight).
    public func start(in timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let (year, month, day) = LocalDay.civil(fromDaysSinceEpoch: daysSinceEpoch)
        return calendar.date(from: DateComponents(year: Int(year), month: Int(month), day: Int(day)))
            ?? Date(timeIntervalSince1970: TimeInterval(daysSinceEpoch * 86_400))
    }

    /// The day `date` falls on in `timeZone`.
    public init(_ date: Date, in timeZone: TimeZone) {
        // The zone's offset at that instant, then plain integer arithmetic: Foundation's calendar
        // is far too slow for a million events.
        let local = Int64(date.timeIntervalSince1970.rounded(.down)) + Int64(timeZone.secondsFromGMT(for: date))
        self.init(daysSinceEpoch: local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
    }

    /// Whole periods from `self` to `later` (both taken at their period's start): days, ISO weeks or
    /// calendar months.
    public func periods(to later: CalendarDay, granularity: PeriodGranularity) -> Int64 {
        switch granularity {
        case .all: 0
        case .day: later.daysSinceEpoch - daysSinceEpoch
        case .week:
            (granularity.periodStart(of: later, rangeStart: later).daysSinceEpoch
                - granularity.periodStart(of: self, rangeStart: self).daysSinceEpoch) / 7
        case .month: (later.year - year) * 12 + later.month - month
        }
    }

    public var description: String {
        let (year, month, day) = LocalDay.civil(fromDaysSinceEpoch: daysSinceEpoch)
        // Built digit by digit: String(format:) costs more than the arithmetic (ingestion formats
        // one per event).
        var bytes = [UInt8](repeating: UInt8(ascii: "-"), count: 10)
        func put(_ value: Int64, at end: Int, digits: Int) {
            var value = value
            for index in stride(from: end, to: end - digits, by: -1) {
                bytes[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        put(year, at: 3, digits: 4)
        put(month, at: 6, digits: 2)
        put(day, at: 9, digits: 2)
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    /// Howard Hinnant's days-from-civil (proleptic Gregorian calendar).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// An inclusive range of calendar days, as every analytics request names one.
public struct DayRange: Sendable, Hashable {
    public let from: CalendarDay
    public let to: CalendarDay

    /// The longest range one request may span.
    public static let maximumDays: Int64 = 731

    public var dayCount: Int64 { to.daysSinceEpoch - from.daysSinceEpoch + 1 }

    /// Every day of the range, in order.
    public var days: [CalendarDay] { (0..<dayCount).map { from.adding(days: $0) } }

    /// Validates `from_day` and `to_day` (under `field`, e.g. `range` or `series.range`).
    public init(from: String, to: String, field: String = "range") throws(ValidationFailure) {
        guard let first = CalendarDay(from) else {
            throw ValidationFailure(
                field: "\(field).from_day", from.isEmpty ? "is required" : "must be a date, YYYY-MM-DD")
        }
        guard let last = CalendarDay(to) else {
            throw ValidationFailure(field: "\(field).to_day", to.isEmpty ? "is required" : "must be a date, YYYY-MM-DD")
        }
        guard first <= last else { throw ValidationFailure(field: "\(field).to_day", "must not be before from_day") }
        guard last.daysSinceEpoch - first.daysSinceEpoch < Self.maximumDays else {
            throw ValidationFailure(field: "\(field).to_day", "must be at most \(Self.maximumDays) days after from_day")
        }
        self.from = first
        self.to = last
    }

    /// The instants the range covers in `timeZone`: from the first day's start to the start of
    /// the day after the last.
    public func instants(in timeZone: TimeZone) -> Range<Date> {
        from.start(in: timeZone)..<to.adding(days: 1).start(in: timeZone)
    }

    public init(uncheckedFrom from: CalendarDay, to: CalendarDay) {
        self.from = from
        self.to = to
    }
}

/// One KPI row: a period, the group's dimension values (`nil` when not grouped by it), totals.
public struct KPIRow: Sendable, Hashable {
    public var periodStart: CalendarDay
    public var channel: String?
    public var campaignID: String?
    public var country: String?
    public var totals: KPITotals

    public init(
        periodStart: CalendarDay, channel: String?, campaignID: String?, country: String?, totals: KPITotals
    ) {
        self.periodStart = periodStart
        self.channel = channel
        self.campaignID = campaignID
        self.country = country
        self.totals = totals
    }
}

/// A daily rollup row as stored: day, dimension values (empty when the event had none), totals.
public struct DailyRollup: Sendable, Hashable {
    public var day: CalendarDay
    public var channel: String
    public var campaignID: String
    public var country: String
    public var totals: KPITotals

    public init(day: CalendarDay, channel: String, campaignID: String, country: String, totals: KPITotals) {
        self.day = day
        self.channel = channel
        self.campaignID = campaignID
        self.country = country
        self.totals = totals
    }
}

/// Groups daily rollups into KPI rows.
public enum KPIReport {
    /// What a group shows for a dimension the event did not carry.
    public static let none = "(none)"

    public struct Grouping: Sendable, Hashable {
        public var granularity: PeriodGranularity
        public var byChannel: Bool
        public var byCampaign: Bool
        public var byCountry: Bool

        public init(granularity: PeriodGranularity, byChannel: Bool, byCampaign: Bool, byCountry: Bool) {
            self.granularity = granularity
            self.byChannel = byChannel
            self.byCampaign = byCampaign
            self.byCountry = byCountry
        }
    }

    /// Rows ordered by period, then channel, campaign and country, and the range's total.
    public static func rows(_ rollups: [DailyRollup], grouping: Grouping, range: DayRange) -> (
        rows: [KPIRow], total: KPITotals
    ) {
        struct Key: Hashable {
            var period: CalendarDay
            var channel: String?
            var campaignID: String?
            var country: String?
        }
        var groups: [Key: KPITotals] = [:]
        var total = KPITotals()
        for rollup in rollups where rollup.day >= range.from && rollup.day <= range.to {
            let key = Key(
                period: grouping.granularity.periodStart(of: rollup.day, rangeStart: range.from),
                channel: grouping.byChannel ? (rollup.channel.isEmpty ? none : rollup.channel) : nil,
                campaignID: grouping.byCampaign ? (rollup.campaignID.isEmpty ? none : rollup.campaignID) : nil,
                country: grouping.byCountry ? (rollup.country.isEmpty ? none : rollup.country) : nil)
            groups[key, default: KPITotals()] += rollup.totals
            total += rollup.totals
        }
        let rows = groups.map {
            KPIRow(
                periodStart: $0.key.period, channel: $0.key.channel, campaignID: $0.key.campaignID,
                country: $0.key.country, totals: $0.value)
        }.sorted {
            ($0.periodStart, $0.channel ?? "", $0.campaignID ?? "", $0.country ?? "")
                < ($1.periodStart, $1.channel ?? "", $1.campaignID ?? "", $1.country ?? "")
        }
        return (rows, total)
    }

    /// One value per day of `range` for a daily series (days without data are zero).
    public static func dailySeries(_ rollups: [DailyRollup], range: DayRange, value: (KPITotals) -> Double)
        -> [Double]
    {
        var byDay: [CalendarDay: KPITotals] = [:]
        for rollup in rollups { byDay[rollup.day, default: KPITotals()] += rollup.totals }
        return range.days.map { value(byDay[$0] ?? KPITotals()) }
    }
}

/// Lifetime value of one acquisition cohort.
public struct CohortLTV: Sendable, Hashable {
    public var cohortStart: CalendarDay
    public var people: Int64
    /// Cumulative revenue of the cohort after 0, 1, 2 ... periods, micros.
    public var revenueMicros: [Int64]
    /// Cumulative revenue per person, micros, rounded.
    public var ltvMicros: [Int64]
}

extension KPIReport {
    /// Cohorts by the period of their people's first day, with cumulative revenue per person for
    /// periods `0...horizon` after it, stopping at the period holding `through`.
    public static func cohortLTV(
        people: [CalendarDay: Int64], revenue: [(first: CalendarDay, day: CalendarDay, micros: Int64)],
        granularity: PeriodGranularity, horizon: Int, through: CalendarDay
    ) -> [CohortLTV] {
        func start(_ day: CalendarDay) -> CalendarDay { granularity.periodStart(of: day, rangeStart: day) }
        var sizes: [CalendarDay: Int64] = [:]
        for (first, count) in people { sizes[start(first), default: 0] += count }
        var perPeriod: [CalendarDay: [Int64]] = [:]
        for cohort in sizes.keys {
            let observed = min(Int64(horizon), max(0, cohort.periods(to: through, granularity: granularity)))
            perPeriod[cohort] = [Int64](repeating: 0, count: Int(observed) + 1)
        }
        for entry in revenue {
            let cohort = start(entry.first)
            let index = Int(cohort.periods(to: entry.day, granularity: granularity))
            guard var values = perPeriod[cohort], values.indices.contains(index) else { continue }
            values[index] += entry.micros
            perPeriod[cohort] = values
        }
        return sizes.keys.sorted().map { cohort in
            var running: Int64 = 0
            let cumulative = (perPeriod[cohort] ?? []).map { value -> Int64 in
                running += value
                return running
            }
            let size = sizes[cohort] ?? 0
            return CohortLTV(
                cohortStart: cohort, people: size, revenueMicros: cumulative,
                ltvMicros: cumulative.map { KPITotals.divide($0, by: size) ?? 0 })
        }
    }
}
