import Foundation
import TradewindCore

/// Days in the ad account's time zone, written the way each channel wants them.
enum AccountCalendar {
    static func zone(_ identifier: String) -> TimeZone {
        TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: 0) ?? .current
    }

    /// The instant `day` begins in the account's zone, as ISO 8601 with the zone's offset
    /// (`2026-03-01T00:00:00+0100`), as Meta's `start_time` and `end_time` take it.
    static func iso8601Start(of day: CalendarDay, timeZone: String) -> String {
        let zone = zone(timeZone)
        let instant = day.start(in: zone)
        let offset = zone.secondsFromGMT(for: instant)
        return civil(instant, offsetSeconds: offset, separator: "T") + offsetText(offset)
    }

    /// The instant `day` begins in the account's zone, in UTC as `YYYY-MM-DD HH:MM:SS` (TikTok's
    /// `schedule_start_time`, documented as UTC+0).
    static func utcStart(of day: CalendarDay, timeZone: String) -> String {
        civil(day.start(in: zone(timeZone)), offsetSeconds: 0, separator: " ")
    }

    private static func civil(_ instant: Date, offsetSeconds: Int, separator: String) -> String {
        let local = Int64(instant.timeIntervalSince1970.rounded(.down)) + Int64(offsetSeconds)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let seconds = local - days * 86_400
        let day = CalendarDay(daysSinceEpoch: days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(day)\(separator)\(two(seconds / 3600)):\(two(seconds % 3600 / 60)):\(two(seconds % 60))"
    }

    private static func offsetText(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let minutes = abs(seconds) / 60
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(sign)\(two(minutes / 60))\(two(minutes % 60))"
    }

    /// Splits `[from, through]` into ranges of at most `days` days (TikTok 30, Amazon 31).
    static func chunks(from: CalendarDay, through: CalendarDay, days: Int64) -> [(CalendarDay, CalendarDay)] {
        var result: [(CalendarDay, CalendarDay)] = []
        var start = from
        while start <= through {
            let end = min(start.adding(days: days - 1), through)
            result.append((start, end))
            start = end.adding(days: 1)
        }
        return result
    }
}
