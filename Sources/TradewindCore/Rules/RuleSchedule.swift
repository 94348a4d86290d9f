import Foundation

/// When a rule runs: on a schedule in the tenant's time zone, or after each metric sync of the
/// accounts it covers.
public enum RuleSchedule: Sendable, Hashable, Codable {
    /// Every `minutes` (15-1440), aligned to the tenant's midnight.
    case everyMinutes(Int)
    case hourly
    /// Once a day at `minuteOfDay` (0-1439) of the tenant's day.
    case daily(minuteOfDay: Int)
    case onMetricSync

    public static let minimumMinutes = 15

    /// The first run strictly after `date`, in `timeZone`; nil for `onMetricSync`.
    ///
    /// Times are wall-clock times of the tenant: a daily 02:30 on the night the clocks spring from
    /// 02:00 to 03:00 runs at 03:00, the first minute that exists after it; on the night they fall
    /// back it runs once, at the first 02:30.
    public func nextRun(after date: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        switch self {
        case .onMetricSync:
            return nil
        case .hourly:
            return calendar.nextDate(
                after: date, matching: DateComponents(minute: 0, second: 0), matchingPolicy: .nextTime,
                repeatedTimePolicy: .first, direction: .forward)
        case .daily(let minuteOfDay):
            return calendar.nextDate(
                after: date, matching: DateComponents(hour: minuteOfDay / 60, minute: minuteOfDay % 60, second: 0),
                matchingPolicy: .nextTime, repeatedTimePolicy: .first, direction: .forward)
        case .everyMinutes(let minutes):
            // The slots of the tenant's day: midnight, midnight + n, ... A day's slots restart at
            // its midnight, so a step that does not divide 1440 never drifts across days.
            let step = max(Self.minimumMinutes, minutes)
            var day = calendar.startOfDay(for: date)
            while true {
                var slot = 0
                while slot < 1440 {
                    if let run = calendar.date(byAdding: .minute, value: slot, to: day), run > date,
                        calendar.isDate(run, inSameDayAs: day)
                    {
                        return run
                    }
                    slot += step
                }
                guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
                day = calendar.startOfDay(for: next)
            }
        }
    }
}
