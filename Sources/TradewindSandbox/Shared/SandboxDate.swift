import Foundation

/// A calendar day, "YYYY-MM-DD", as every channel writes report dates; counted in days since
/// 1970-01-01 so that ranges and ages are plain integer arithmetic.
public struct SandboxDay: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let ordinal: Int

    public init(ordinal: Int) { self.ordinal = ordinal }

    /// Parses "YYYY-MM-DD" (also "YYYYMMDD", as Amazon v2 and some Google fields accept); nil otherwise.
    public init?(_ text: String) {
        let digits = text.filter { $0 != "-" }
        guard digits.count == 8, digits.allSatisfy(\.isASCII), let number = Int(digits) else { return nil }
        let year = number / 10000
        let month = number / 100 % 100
        let day = number % 100
        guard (1970...2999).contains(year), (1...12).contains(month), (1...Self.daysIn(month, year)).contains(day)
        else { return nil }
        if text.contains("-") {
            let parts = text.split(separator: "-")
            guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2 else { return nil }
        }
        self.ordinal = Self.daysFromCivil(year: year, month: month, day: day)
    }

    /// The UTC day of an instant.
    public init(utc date: Date) {
        self.ordinal = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    public static func < (lhs: SandboxDay, rhs: SandboxDay) -> Bool { lhs.ordinal < rhs.ordinal }

    public func adding(days: Int) -> SandboxDay { SandboxDay(ordinal: ordinal + days) }

    public var description: String {
        // Built by hand: `String(format:)` went through CoreFoundation's formatter for each of the
        // tens of thousands of dates in a report.
        let (year, month, day) = Self.civil(fromDays: ordinal)
        func padded(_ number: Int, _ width: Int) -> String {
            let digits = String(number)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
    }

    /// "YYYYMMDD", as TikTok's `stat_time_day` is not but some Amazon fields are.
    public var compact: String { description.replacingOccurrences(of: "-", with: "") }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = SandboxDay(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a day"))
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's civil-from-days algorithms: exact for the proleptic Gregorian calendar.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp + (mp < 10 ? 3 : -9)
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
