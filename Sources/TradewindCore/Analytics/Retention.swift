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
    ) throws(ValidationFailure) -> [RetentionCohort] {
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
/// since 1970-01-01, ISO weeks since the one holding it, months since year 0. An instant becomes
/// its local day by the zone's offset at that instant, so DST cannot disturb the numbering.
struct RetentionPeriods {
    let period: RetentionPeriod
    let timeZone: TimeZone

    init(period: RetentionPeriod, timeZone: TimeZone) {
        self.period = period
        self.timeZone = timeZone
    }

    func ordinal(_ date: Date) -> Int {
        let day = CalendarDay(date, in: timeZone)
        switch period {
        case .day: return Int(day.daysSinceEpoch)
        // 1970-01-01 was a Thursday: its week began three days earlier, on a Monday.
        case .week: return Int(PeriodGranularity.week.periodStart(of: day, rangeStart: day).daysSinceEpoch + 3) / 7
        case .month: return Int(day.year * 12 + day.month - 1)
        }
    }

    /// `YYYY-MM-DD` of the period's first day.
    func firstDay(of ordinal: Int) -> String {
        switch period {
        case .day: return CalendarDay(daysSinceEpoch: Int64(ordinal)).description
        case .week: return CalendarDay(daysSinceEpoch: Int64(ordinal) * 7 - 3).description
        case .month:
            let year = Int64(ordinal >= 0 ? ordinal / 12 : (ordinal - 11) / 12)
            return CalendarDay(year: year, month: Int64(ordinal) - year * 12 + 1, day: 1)?.description ?? ""
        }
    }
}
