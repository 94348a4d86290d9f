import Foundation

/// The calendar period that cohorts and returns are bucketed by.
public enum RetentionPeriod: Sendable, Hashable {
    case day
    /// ISO weeks: Monday to Sunday.
    case week
    case month
}

/// One cohort: the people whose first start event fell in one period, and how many of them came
/// back in each period after it.
public struct RetentionCohort: Sendable, Hashable {
    /// The cohort period's first day, `YYYY-MM-DD` in the analysis time zone (a Monday for weeks).
    public var start: String
    public var size: Int
    /// `returning[k]`: people of the cohort who did the return event in the k-th period after the
    /// cohort's own. Period 0 counts only return events at or after the person's first start
    /// event, so with the same start and return event it is the whole cohort. Periods that had not
    /// begun by the end of the observation are omitted, so later cohorts have shorter arrays
    /// (never shorter than 1).
    public var returning: [Int]
    /// `returning[k] / size`.
    public var fractions: [Double]
}

/// A retention request the analysis cannot run; `field` names the request field at fault.
public enum RetentionError: Error, Sendable, Hashable {
    case invalidParameter(field: String, reason: String)
}

/// Retention cohorts with PostHog's "first time" semantics: a person belongs to the cohort of the
/// period of their first `startEvent` in the input (so pass the full history, not a slice), and
/// returns in period k if they did `returnEvent` in the k-th period after it.
public enum Retention {
    public static let maxHorizon = 1000

    /// Cohorts sorted by start, for periods `0...horizon` after each cohort's.
    ///
    /// Periods are calendar periods in `timeZone` (an event belongs to the local day it happened
    /// on, whatever the DST offset). `observationEnd` is where the data stops (default: the latest
    /// event of the input): events after it are ignored, and periods beginning after it are
    /// omitted because nobody could have returned in them yet. The last period kept may be partial.
    public static func cohorts(
        _ events: [BehaviorEvent], startEvent: String, returnEvent: String, period: RetentionPeriod,
        horizon: Int, timeZone: TimeZone, observationEnd: Date? = nil
    ) throws(RetentionError) -> [RetentionCohort] {
        guard !startEvent.isEmpty else { throw .invalidParameter(field: "start_event", reason: "must not be empty") }
        guard !returnEvent.isEmpty else {
            throw .invalidParameter(field: "return_event", reason: "must not be empty")
        }
        guard (1...maxHorizon).contains(horizon) else {
            throw .invalidParameter(field: "horizon", reason: "must be in 1...\(maxHorizon)")
        }
        guard let end = observationEnd ?? events.map(\.time).max() else { return [] }
        let periods = RetentionPeriods(period: period, timeZone: timeZone)

        var slotOf: [String: Int] = [:]
        var firstStart: [Date] = []
        for event in events where event.name == startEvent && event.time <= end {
            if let slot = slotOf[event.person] {
                firstStart[slot] = min(firstStart[slot], event.time)
            } else {
                slotOf[event.person] = firstStart.count
                firstStart.append(event.time)
            }
        }
        let cohortOf = firstStart.map(periods.ordinal)

        // Each person counts once per period, however often they returned in it.
        var returned = Set<Int>()
        for event in events where event.name == returnEvent && event.time <= end {
            guard let slot = slotOf[event.person], event.time >= firstStart[slot] else { continue }
            let offset = periods.ordinal(event.time) - cohortOf[slot]
            // `>= 0` as well: where DST falls back at midnight, a later instant can be on an
            // earlier local date.
            if (0...horizon).contains(offset) { returned.insert(slot * (horizon + 1) + offset) }
        }

        let last = periods.ordinal(end)
        var sizes: [Int: Int] = [:]
        for cohort in cohortOf { sizes[cohort, default: 0] += 1 }
        var counts = sizes.mapValues { _ in [Int](repeating: 0, count: horizon + 1) }
        for key in returned {
            counts[cohortOf[key / (horizon + 1)]]?[key % (horizon + 1)] += 1
        }
        return sizes.keys.sorted().map { cohort in
            let size = sizes[cohort] ?? 0
            let returning = Array((counts[cohort] ?? []).prefix(min(horizon, last - cohort) + 1))
            return RetentionCohort(
                start: periods.firstDay(of: cohort), size: size, returning: returning,
                fractions: returning.map { Double($0) / Double(size) })
        }
    }
}

/// Numbers calendar periods consecutively, so that "k periods later" is plain subtraction: days
/// since 1970-01-01, ISO weeks since the one holding it, months since year 0. The calendar turns
/// an instant into its local date; the rest is proleptic Gregorian arithmetic on dates, which DST
/// cannot disturb.
struct RetentionPeriods {
    let period: RetentionPeriod
    let calendar: Calendar

    init(period: RetentionPeriod, timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.period = period
        self.calendar = calendar
    }

    func ordinal(_ date: Date) -> Int {
        let local = calendar.dateComponents([.year, .month, .day], from: date)
        let (year, month, day) = (local.year ?? 1970, local.month ?? 1, local.day ?? 1)
        switch period {
        case .day: return Self.days(year: year, month: month, day: day)
        // 1970-01-01 was a Thursday: its week began three days earlier.
        case .week: return Self.floorDivide(Self.days(year: year, month: month, day: day) + 3, 7)
        case .month: return year * 12 + month - 1
        }
    }

    /// `YYYY-MM-DD` of the period's first day.
    func firstDay(of ordinal: Int) -> String {
        let (year, month, day): (Int, Int, Int)
        switch period {
        case .day: (year, month, day) = Self.date(days: ordinal)
        case .week: (year, month, day) = Self.date(days: ordinal * 7 - 3)
        case .month:
            let yearNumber = Self.floorDivide(ordinal, 12)
            (year, month, day) = (yearNumber, ordinal - yearNumber * 12 + 1, 1)
        }
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(abs(value))
            return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
    }

    private static func floorDivide(_ value: Int, _ divisor: Int) -> Int {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }

    /// Days from 1970-01-01 to a Gregorian date (H. Hinnant's `days_from_civil`).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = floorDivide(shiftedYear, 400)
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The Gregorian date `days` after 1970-01-01 (H. Hinnant's `civil_from_days`).
    static func date(days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
