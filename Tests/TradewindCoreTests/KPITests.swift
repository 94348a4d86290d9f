import Foundation
import Testing
import TradewindCore

@Suite("KPIs, calendar days and journeys")
struct KPITests {
    static func day(_ text: String) -> CalendarDay { CalendarDay(text)! }

    @Test("calendar days parse exactly, know their weekday and periods, and print back")
    func calendarDays() throws {
        #expect(Self.day("1970-01-01").daysSinceEpoch == 0)
        #expect(Self.day("2024-02-29").description == "2024-02-29")
        for bad in ["2023-02-29", "2026-13-01", "2026-1-01", "2026/01/01", "", "20260101xx", "0000-01-01"] {
            #expect(CalendarDay(bad) == nil, "\(bad)")
        }
        // 2026-11-25 is a Wednesday: its ISO week starts on Monday the 23rd.
        let wednesday = Self.day("2026-11-25")
        #expect(wednesday.isoWeekday == 3)
        #expect(PeriodGranularity.week.periodStart(of: wednesday, rangeStart: wednesday) == Self.day("2026-11-23"))
        #expect(PeriodGranularity.month.periodStart(of: wednesday, rangeStart: wednesday) == Self.day("2026-11-01"))
        #expect(
            PeriodGranularity.all.periodStart(of: wednesday, rangeStart: Self.day("2026-01-01"))
                == Self.day("2026-01-01"))
        // Sunday 2026-11-29 is still in that week; Monday the 30th starts the next.
        #expect(Self.day("2026-11-23").periods(to: Self.day("2026-11-29"), granularity: .week) == 0)
        #expect(Self.day("2026-11-23").periods(to: Self.day("2026-11-30"), granularity: .week) == 1)
        #expect(Self.day("2026-11-30").periods(to: Self.day("2027-02-01"), granularity: .month) == 3)
        // A day in a time zone: 23:30 UTC on the 24th is already the 25th in Berlin.
        let late = try #require(ISO8601DateFormatter().date(from: "2026-11-24T23:30:00Z"))
        #expect(CalendarDay(late, in: TimeZone(identifier: "Europe/Berlin")!).description == "2026-11-25")
        #expect(CalendarDay(late, in: .gmt).description == "2026-11-24")
        // And the 25th begins in Berlin at 23:00 UTC on the 24th (CET, UTC+1).
        #expect(
            Self.day("2026-11-25").start(in: TimeZone(identifier: "Europe/Berlin")!)
                == late.addingTimeInterval(-30 * 60))
    }

    @Test("a day range names the bad field and caps its length")
    func dayRanges() throws {
        #expect(try DayRange(from: "2026-01-01", to: "2026-01-31").dayCount == 31)
        func field(_ from: String, _ to: String) -> [String] {
            do {
                _ = try DayRange(from: from, to: to, field: "series.range")
                return []
            } catch {
                return error.violations.map(\.field)
            }
        }
        #expect(field("", "2026-01-01") == ["series.range.from_day"])
        #expect(field("2026-01-01", "tomorrow") == ["series.range.to_day"])
        #expect(field("2026-02-01", "2026-01-01") == ["series.range.to_day"])
        // 731 days from 2024-01-01 is 2025-12-31 (2024 is a leap year); one more is too many.
        #expect(field("2024-01-01", "2025-12-31") == [])
        #expect(field("2024-01-01", "2026-01-01") == ["series.range.to_day"])
    }

    @Test("ratios in whole micros, rounded half away from zero, and absent without a denominator")
    func ratios() {
        // 1,000,001 micros over 2 clicks is 500,000.5: rounds to 500,001.
        let totals = KPITotals(
            spendMicros: 1_000_001, impressions: 3, clicks: 2, conversions: 3, revenueMicros: 10_000_000)
        #expect(totals.cpcMicros == 500_001)
        // 1,000,001 × 1000 / 3 = 333,333,666.67: rounds to 333,333,667.
        #expect(totals.cpmMicros == 333_333_667)
        #expect(totals.cpaMicros == 333_334)
        #expect(totals.aovMicros == 3_333_333)
        #expect(totals.ctr == 2.0 / 3 && totals.cvr == 1.5)
        #expect(totals.roas == 10_000_000.0 / 1_000_001)
        let empty = KPITotals()
        #expect(empty.cpcMicros == nil && empty.cpmMicros == nil && empty.cpaMicros == nil && empty.aovMicros == nil)
        #expect(empty.ctr == nil && empty.cvr == nil && empty.roas == nil)
    }

    @Test("rollups group by period and the dimensions asked for; missing values show as (none)")
    func report() {
        func rollup(_ day: String, _ channel: String, _ clicks: Int64, spend: Int64) -> DailyRollup {
            DailyRollup(
                day: Self.day(day), channel: channel, campaignID: "", country: "DE",
                totals: KPITotals(spendMicros: spend, clicks: clicks))
        }
        let rollups = [
            rollup("2026-11-23", "meta", 1, spend: 100), rollup("2026-11-24", "meta", 2, spend: 200),
            rollup("2026-11-30", "meta", 4, spend: 400), rollup("2026-11-24", "", 8, spend: 0),
            rollup("2026-12-01", "meta", 16, spend: 1600),
        ]
        let range = DayRange(uncheckedFrom: Self.day("2026-11-23"), to: Self.day("2026-11-30"))
        let weekly = KPIReport.rows(
            rollups, grouping: .init(granularity: .week, byChannel: true, byCampaign: false, byCountry: true),
            range: range)
        // The rollup of 12-01 is outside the range.
        #expect(
            weekly.rows.map { "\($0.periodStart) \($0.channel ?? "-") \($0.country ?? "-") \($0.totals.clicks)" } == [
                "2026-11-23 (none) DE 8", "2026-11-23 meta DE 3", "2026-11-30 meta DE 4",
            ])
        #expect(weekly.total.clicks == 15 && weekly.total.spendMicros == 700)
        #expect(weekly.rows.allSatisfy { $0.campaignID == nil })
        let series = KPIReport.dailySeries(rollups, range: range) { Double($0.clicks) }
        #expect(series == [1, 10, 0, 0, 0, 0, 0, 4])
    }

    @Test("cohort LTV: cumulative revenue per person by acquisition month, stopping at the data's end")
    func cohortLTV() {
        // January: 4 people spending 100 in January and 60 in March; February: 2 people, 30 in February.
        let cohorts = KPIReport.cohortLTV(
            people: [Self.day("2026-01-05"): 3, Self.day("2026-01-20"): 1, Self.day("2026-02-10"): 2],
            revenue: [
                (Self.day("2026-01-05"), Self.day("2026-01-07"), 100),
                (Self.day("2026-01-20"), Self.day("2026-03-02"), 60),
                (Self.day("2026-02-10"), Self.day("2026-02-11"), 30),
                // After the horizon: not counted.
                (Self.day("2026-01-05"), Self.day("2026-06-01"), 1_000),
            ],
            granularity: .month, horizon: 2, through: Self.day("2026-03-15"))
        #expect(cohorts.map(\.cohortStart.description) == ["2026-01-01", "2026-02-01"])
        #expect(cohorts[0].people == 4 && cohorts[0].revenueMicros == [100, 100, 160])
        #expect(cohorts[0].ltvMicros == [25, 25, 40])
        // February's cohort has had two months (February and March) by the 15th of March.
        #expect(cohorts[1].revenueMicros == [30, 30] && cohorts[1].ltvMicros == [15, 15])
    }

    @Test("journeys: conversions close them, old touches fall outside the lookback, leftovers are null paths")
    func journeys() {
        let start = Date(timeIntervalSince1970: 1_000_000)
        func at(_ hours: Double) -> Date { start.addingTimeInterval(hours * 3600) }
        let window = at(0)..<at(100)
        var set = JourneySet()
        JourneyBuilder.add(
            [
                .touch("meta", at: at(-50)),  // before the window, but within the lookback of the first order
                .touch("google_ads", at: at(1)),
                .conversion(at: at(2), revenueMicros: 5),
                .conversion(at: at(3), revenueMicros: 7),  // no touch since the last order
                .touch("email", at: at(10)),
                .touch("tiktok", at: at(99)),
            ], lookback: 72 * 3600, window: window, to: &set)
        #expect(set.journeys.count == 2 && set.conversionsWithoutTouches == 1)
        #expect(set.journeys[0].touches.map(\.channel) == ["meta", "google_ads"])
        #expect(set.journeys[0].conversions == 1 && set.journeys[0].revenueMicros == 5)
        #expect(set.journeys[1].touches.map(\.channel) == ["email", "tiktok"] && set.journeys[1].nulls == 1)
        #expect(set.convertingJourneys == 1 && set.nullJourneys == 1)

        // A conversion before the window closes its journey without counting it; touches older
        // than the lookback (a day here) are dropped; a null path whose last touch is after the
        // window is not counted.
        var other = JourneySet()
        JourneyBuilder.add(
            [
                .touch("meta", at: at(-10)), .conversion(at: at(-5), revenueMicros: 1),
                .touch("email", at: at(-4)), .touch("organic", at: at(50)), .conversion(at: at(60), revenueMicros: 2),
                .touch("meta", at: at(150)),
            ], lookback: 24 * 3600, window: window, to: &other)
        #expect(other.journeys.map { $0.touches.map(\.channel) } == [["organic"]])
    }
}
