import Foundation
import Testing

@testable import TradewindCore

@Suite("Retention")
struct RetentionTests {
    static func at(_ iso: String) -> Date {
        ISO8601DateFormatter().date(from: iso) ?? .distantPast
    }

    static func event(_ person: String, _ name: String, _ iso: String) -> BehaviorEvent {
        BehaviorEvent(person: person, name: name, time: at(iso))
    }

    static let utc = TimeZone(identifier: "UTC")!
    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    @Test("daily cohorts: first start only, a return before the start does not count, future days omitted")
    func daily() throws {
        let events = [
            Self.event("p1", "signup", "2025-03-10T10:00:00Z"),
            Self.event("p1", "visit", "2025-03-10T09:00:00Z"),  // before signing up: not day 0
            Self.event("p1", "visit", "2025-03-11T01:00:00Z"),
            Self.event("p1", "visit", "2025-03-11T05:00:00Z"),  // same day again: counted once
            Self.event("p1", "visit", "2025-03-13T00:00:00Z"),  // the latest event: data end
            Self.event("p2", "signup", "2025-03-10T12:00:00Z"),
            Self.event("p2", "visit", "2025-03-10T13:00:00Z"),
            Self.event("p2", "visit", "2025-03-12T00:00:00Z"),
            // Cohort of the first signup only (the 11th), not the 12th as well.
            Self.event("p3", "signup", "2025-03-12T08:00:00Z"),
            Self.event("p3", "signup", "2025-03-11T08:00:00Z"),
            Self.event("p3", "visit", "2025-03-12T09:00:00Z"),
            Self.event("p4", "visit", "2025-03-11T00:00:00Z"),  // never signed up: no cohort
        ]
        let cohorts = try Retention.cohorts(
            events, startEvent: "signup", returnEvent: "visit", period: .day, horizon: 3, timeZone: Self.utc)
        // 10th: p1, p2; day 0 p2, day 1 p1, day 2 p2, day 3 p1. 11th: p3; day 1 p3, day 2 (the 13th)
        // nobody, day 3 (the 14th) is after the data and omitted.
        #expect(cohorts.map(\.start) == ["2025-03-10", "2025-03-11"])
        #expect(cohorts.map(\.size) == [2, 1])
        #expect(cohorts.map(\.returning) == [[1, 1, 1, 1], [0, 1, 0]])
        #expect(cohorts.map(\.fractions) == [[0.5, 0.5, 0.5, 0.5], [0, 1, 0]])
    }

    @Test("weekly cohorts start on Monday (ISO), across a year boundary")
    func weekly() throws {
        let events = [
            Self.event("p1", "signup", "2025-01-01T12:00:00Z"),  // Wednesday: week of Monday 2024-12-30
            Self.event("p1", "visit", "2025-01-05T23:59:00Z"),  // Sunday: same week
            Self.event("p1", "visit", "2025-01-06T00:00:00Z"),  // Monday: next week
            Self.event("p2", "signup", "2025-01-05T23:00:00Z"),
            Self.event("p2", "visit", "2025-01-13T10:00:00Z"),
        ]
        let cohorts = try Retention.cohorts(
            events, startEvent: "signup", returnEvent: "visit", period: .week, horizon: 4, timeZone: Self.utc,
            observationEnd: Self.at("2025-01-20T00:00:00Z"))
        // The data ends on the Monday of week 3, so week 4 is omitted.
        #expect(cohorts.map(\.start) == ["2024-12-30"])
        #expect(cohorts.map(\.size) == [2])
        #expect(cohorts.map(\.returning) == [[1, 1, 1, 0]])
    }

    @Test("monthly cohorts in Europe/Berlin across both DST changes")
    func monthlyAcrossDST() throws {
        let events = [
            // 00:30 CEST on 1 April (22:30 UTC on 31 March): April.
            Self.event("p1", "signup", "2025-03-31T22:30:00Z"),
            // 00:30 CET on 1 November, after DST ended: November, 7 months after April.
            Self.event("p1", "visit", "2025-10-31T23:30:00Z"),
            Self.event("p2", "signup", "2025-03-15T12:00:00Z"),
            Self.event("p2", "visit", "2025-03-31T22:30:00Z"),  // April: month 1, not 0
            // 00:30 CET on 1 March (23:30 UTC on 28 February): March.
            Self.event("p3", "signup", "2025-02-28T23:30:00Z"),
            // 02:30 CEST on 26 October, before the clocks go back: October, month 7.
            Self.event("p3", "visit", "2025-10-26T00:30:00Z"),
        ]
        let end = Self.at("2025-12-15T00:00:00Z")
        let cohorts = try Retention.cohorts(
            events, startEvent: "signup", returnEvent: "visit", period: .month, horizon: 12, timeZone: Self.berlin,
            observationEnd: end)
        // Data ends in December: months 0...9 for March, 0...8 for April.
        #expect(cohorts.map(\.start) == ["2025-03-01", "2025-04-01"])
        #expect(cohorts.map(\.size) == [2, 1])
        #expect(cohorts.map(\.returning) == [[0, 1, 0, 0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0, 0, 1, 0]])
        // The same events in UTC land in February and March instead.
        let inUTC = try Retention.cohorts(
            events, startEvent: "signup", returnEvent: "visit", period: .month, horizon: 12, timeZone: Self.utc,
            observationEnd: end)
        #expect(inUTC.map(\.start) == ["2025-02-01", "2025-03-01"])
        #expect(inUTC.map(\.size) == [1, 2])
    }

    @Test("daily periods are calendar days: across the 23-hour day in Berlin, 23 hours later is day 1")
    func dailyAcrossDST() throws {
        let events = [
            Self.event("p1", "open", "2025-03-29T23:30:00Z"),  // 00:30 CET on 30 March
            Self.event("p1", "open", "2025-03-30T22:30:00Z"),  // 00:30 CEST on 31 March
        ]
        let cohorts = try Retention.cohorts(
            events, startEvent: "open", returnEvent: "open", period: .day, horizon: 2, timeZone: Self.berlin)
        // Same start and return event: day 0 is the whole cohort.
        #expect(cohorts.map(\.start) == ["2025-03-30"])
        #expect(cohorts.map(\.returning) == [[1, 1]])
        #expect(cohorts.map(\.fractions) == [[1, 1]])
    }

    @Test("events after the observation end are ignored, no events give no cohorts")
    func observationEnd() throws {
        let events = [
            Self.event("p1", "signup", "2025-03-10T10:00:00Z"), Self.event("p1", "visit", "2025-03-11T10:00:00Z"),
            Self.event("p2", "signup", "2025-03-12T10:00:00Z"),
        ]
        let cohorts = try Retention.cohorts(
            events, startEvent: "signup", returnEvent: "visit", period: .day, horizon: 5, timeZone: Self.utc,
            observationEnd: Self.at("2025-03-11T00:00:00Z"))
        #expect(cohorts.map(\.start) == ["2025-03-10"])
        #expect(cohorts.map(\.returning) == [[0, 0]])
        #expect(
            try Retention.cohorts(
                [], startEvent: "signup", returnEvent: "visit", period: .week, horizon: 5, timeZone: Self.utc
            ).isEmpty)
    }

    @Test("period arithmetic agrees with Foundation's calendar from 1900 to 2100")
    func periodArithmetic() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.utc
        let days = RetentionPeriods(period: .day, timeZone: Self.utc)
        let weeks = RetentionPeriods(period: .week, timeZone: Self.utc)
        let months = RetentionPeriods(period: .month, timeZone: Self.utc)
        for offset in stride(from: -25_567, through: 47_482, by: 13) {
            let date = Date(timeIntervalSince1970: Double(offset) * 86_400 + 43_200)
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
            let iso = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
            #expect(days.ordinal(date) == offset)
            #expect(days.firstDay(of: offset) == iso)
            #expect(months.firstDay(of: months.ordinal(date)) == String(iso.prefix(8)) + "01")
            // Monday is weekday 2 in Foundation: the week began (weekday + 5) % 7 days earlier.
            let monday = offset - ((parts.weekday ?? 0) + 5) % 7
            #expect(weeks.firstDay(of: weeks.ordinal(date)) == days.firstDay(of: monday))
        }
    }

    @Test("invalid parameters name the request field")
    func validation() {
        func field(horizon: Int = 4, start: String = "a", returning: String = "b") -> String? {
            do {
                _ = try Retention.cohorts(
                    [], startEvent: start, returnEvent: returning, period: .day, horizon: horizon, timeZone: Self.utc)
                return nil
            } catch {
                return error.field
            }
        }
        #expect(field(horizon: 0) == "horizon")
        #expect(field(horizon: 1_001) == "horizon")
        #expect(field(horizon: 1_000) == nil)
        #expect(field(horizon: 1) == nil)
        #expect(field(start: "") == "start_event")
        #expect(field(returning: "") == "return_event")
    }
}
