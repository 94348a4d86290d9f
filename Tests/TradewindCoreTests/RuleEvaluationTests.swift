import Foundation
import Testing

@testable import TradewindCore

/// Automated rules in the pure core, against hand-worked figures.
@Suite("Automated rules: conditions, windows, currencies, changes and schedules")
struct RuleEvaluationTests {
    static let day = CalendarDay("2026-03-10")!

    /// One account per currency, today 2026-03-10; entity 0 in EUR, entity 1 in JPY.
    static func table() -> RuleMetricsTable {
        let entities = [
            RuleEntity(
                id: UUID(uuidString: "00000000-0000-0000-0000-000000000001")!, level: .campaign, channel: .googleAds,
                markets: ["DE", "AT"], name: "Spring sale DE", status: .active, account: 0),
            RuleEntity(
                id: UUID(uuidString: "00000000-0000-0000-0000-000000000002")!, level: .campaign, channel: .meta,
                markets: ["JP"], name: "Hanami JP", status: .active, account: 1),
        ]
        let accounts = [
            RuleAccount(currency: "EUR", today: day), RuleAccount(currency: "JPY", today: day),
        ]
        return RuleMetricsTable(entities: entities, accounts: accounts, firstDay: day.adding(days: -30), dayCount: 31)
    }

    static func rule(_ conditions: [RuleCondition], window: RuleTimeWindow = .last3Days) -> AutomatedRule {
        AutomatedRule(
            id: UUID(), name: "test",
            evaluation: RuleEvaluationSpec(level: .campaign, conditions: conditions, window: window),
            execution: RuleExecutionSpec(action: .pause), schedule: .hourly)
    }

    static func eur(_ micros: Int64) -> RuleNumber { RuleNumber(micros: micros, currency: "EUR") }

    @Test("CPC over the last 3 days: 30 EUR over 12 clicks is 2.50 EUR, so > 2 EUR holds and = 2.5 EUR is exact")
    func costPerClick() {
        var table = Self.table()
        // Days 7, 8, 9 March (the last 3 days end yesterday); today's 100 EUR is outside the window.
        for (offset, spend, clicks) in [
            (-3, 10_000_000, 4), (-2, 15_000_000, 5), (-1, 5_000_000, 3), (0, 100_000_000, 1),
        ] {
            table.record(
                entity: 0, day: Self.day.adding(days: Int64(offset)), spendMicros: Int64(spend), impressions: 1000,
                clicks: Int64(clicks), conversionsMilli: 0, conversionValueMicros: 0)
        }
        var evaluator = RuleEvaluator(table: table)
        let over = evaluator.matches(of: Self.rule([RuleCondition(.cpc, .greaterThan, .number(Self.eur(2_000_000)))]))
        #expect(over == [0])
        #expect(
            evaluator.explain(Self.rule([RuleCondition(.cpc, .greaterThan, .number(Self.eur(2_000_000)))]), entity: 0)
                .first?.1.description == "2.5 EUR")
        let exact = Self.rule([RuleCondition(.cpc, .equal, .number(Self.eur(2_500_000)))])
        #expect(evaluator.matches(of: exact) == [0])
        let under = Self.rule([RuleCondition(.cpc, .lessThan, .number(Self.eur(2_500_000)))])
        #expect(evaluator.matches(of: under).isEmpty)
    }

    @Test("No clicks: CPC is undefined, and no operator holds on it, not even NOT_EQUAL")
    func divisionByZero() {
        var table = Self.table()
        table.record(
            entity: 0, day: Self.day.adding(days: -1), spendMicros: 9_000_000, impressions: 500, clicks: 0,
            conversionsMilli: 0, conversionValueMicros: 0)
        var evaluator = RuleEvaluator(table: table)
        for op in [RuleOperator.greaterThan, .lessThan, .notEqual] {
            #expect(evaluator.matches(of: Self.rule([RuleCondition(.cpc, op, .number(Self.eur(1)))])).isEmpty)
        }
        let notInRange = Self.rule([RuleCondition(.cpc, .notInRange, .range(Self.eur(0), Self.eur(1)))])
        #expect(evaluator.matches(of: notInRange).isEmpty)
        let why = evaluator.explain(Self.rule([RuleCondition(.cpc, .greaterThan, .number(Self.eur(1)))]), entity: 0)
        #expect(why.first?.1 == .undefined("no clicks") && why.first?.2 == false)
        // Spend itself is defined: 9 EUR.
        #expect(
            evaluator.matches(of: Self.rule([RuleCondition(.spend, .equal, .number(Self.eur(9_000_000)))]))
                == [0])
    }

    @Test("A threshold in EUR on a JPY account converts each day's spend at that day's rate")
    func currencyPerDay() {
        var table = Self.table()
        // ¥10,000 on 8 March at 150 JPY/EUR, ¥16,000 on 9 March at 160 JPY/EUR: 66.666667 + 100 EUR.
        table.record(
            entity: 1, day: Self.day.adding(days: -2), spendMicros: 10_000_000_000, impressions: 100, clicks: 10,
            conversionsMilli: 0, conversionValueMicros: 0)
        table.record(
            entity: 1, day: Self.day.adding(days: -1), spendMicros: 16_000_000_000, impressions: 100, clicks: 10,
            conversionsMilli: 0, conversionValueMicros: 0)
        var exchange = RuleExchange()
        // US dollars per unit: EUR 1.1 both days; JPY 1.1/150, then 1.1/160.
        for (offset, yenPerEuro) in [(-2, Decimal(150)), (-1, Decimal(160))] {
            exchange.add(
                day: Self.day.adding(days: Int64(offset)),
                table: ExchangeRates(usdPerUnit: [
                    "EUR": Decimal(string: "1.1")!, "JPY": Decimal(string: "1.1")! / yenPerEuro,
                ]),
                currencies: ["EUR", "JPY"])
        }
        var evaluator = RuleEvaluator(table: table, exchange: exchange)
        let spend = Self.rule([RuleCondition(.spend, .greaterThan, .number(Self.eur(166_000_000)))])
        let matched = evaluator.matches(of: spend)
        #expect(matched == [1])
        #expect(evaluator.explain(spend, entity: 1).first?.1.description == "166.666667 EUR")
        #expect(
            evaluator.matches(of: Self.rule([RuleCondition(.spend, .greaterThan, .number(Self.eur(166_700_000)))]))
                .isEmpty)
        // CPC in EUR: 166.666667 EUR / 20 clicks = 8.333333 EUR.
        let cpc = Self.rule([RuleCondition(.cpc, .inRange, .range(Self.eur(8_333_000), Self.eur(8_334_000)))])
        #expect(evaluator.matches(of: cpc) == [1])
        // Without the 9 March rate the sum cannot be made, so nothing fires.
        var partial = RuleExchange()
        partial.add(
            day: Self.day.adding(days: -2),
            table: ExchangeRates(usdPerUnit: ["EUR": 1, "JPY": Decimal(string: "0.007")!]), currencies: ["EUR", "JPY"])
        var missing = RuleEvaluator(table: table, exchange: partial)
        #expect(missing.matches(of: spend).isEmpty)
        if case .undefined(let reason) = missing.explain(spend, entity: 1).first?.1 {
            #expect(reason.contains("JPY→EUR"))
        } else {
            Issue.record("a missing rate must leave spend undefined")
        }
    }

    @Test("Windows are the account's days: the same instant is 1 March in New York and 2 March in Tokyo")
    func accountDays() {
        let instant = Date(timeIntervalSince1970: 1_772_406_000)  // 2026-03-01T23:00:00Z
        #expect(CalendarDay(instant, in: TimeZone(identifier: "America/New_York")!) == CalendarDay("2026-03-01"))
        #expect(CalendarDay(instant, in: TimeZone(identifier: "Asia/Tokyo")!) == CalendarDay("2026-03-02"))
        let tokyoToday = CalendarDay(instant, in: TimeZone(identifier: "Asia/Tokyo")!)
        #expect(RuleTimeWindow.yesterday.days(endingOn: tokyoToday).first == CalendarDay("2026-03-01"))
        #expect(
            RuleTimeWindow.last7DaysIncludingToday.days(endingOn: tokyoToday)
                == (CalendarDay("2026-02-24")!, CalendarDay("2026-03-02")!))
        // Two accounts with different todays read different days of the same table.
        var table = RuleMetricsTable(
            entities: [
                RuleEntity(
                    id: UUID(), level: .campaign, channel: .tiktok, markets: ["US"], name: "a", status: .active,
                    account: 0),
                RuleEntity(
                    id: UUID(), level: .campaign, channel: .tiktok, markets: ["JP"], name: "b", status: .active,
                    account: 1),
            ],
            accounts: [
                RuleAccount(currency: "USD", today: CalendarDay("2026-03-01")!),
                RuleAccount(currency: "USD", today: CalendarDay("2026-03-02")!),
            ], firstDay: CalendarDay("2026-02-20")!, dayCount: 12)
        for entity in 0..<2 {
            table.record(
                entity: entity, day: CalendarDay("2026-03-01")!, spendMicros: 5_000_000, impressions: 1, clicks: 1,
                conversionsMilli: 0, conversionValueMicros: 0)
        }
        var evaluator = RuleEvaluator(table: table)
        let yesterday = Self.rule(
            [RuleCondition(.spend, .greaterThan, .number(RuleNumber(micros: 0, currency: "USD")))], window: .yesterday)
        #expect(evaluator.matches(of: yesterday) == [1])
        let today = Self.rule(
            [RuleCondition(.spend, .greaterThan, .number(RuleNumber(micros: 0, currency: "USD")))], window: .today)
        #expect(evaluator.matches(of: today) == [0])
    }

    @Test("Attributes: thirteen operators on channel, name and markets; conditions are AND-ed")
    func attributes() {
        var evaluator = RuleEvaluator(table: Self.table())
        func entities(_ conditions: [RuleCondition]) -> [Int] {
            evaluator.matches(of: Self.rule(conditions))
        }
        #expect(entities([RuleCondition(.channel, .equal, .text("meta"))]) == [1])
        #expect(entities([RuleCondition(.channel, .notEqual, .text("meta"))]) == [0])
        #expect(entities([RuleCondition(.channel, .in, .texts(["meta", "tiktok"]))]) == [1])
        #expect(entities([RuleCondition(.channel, .notIn, .texts(["meta", "tiktok"]))]) == [0])
        #expect(entities([RuleCondition(.name, .contain, .text("sale"))]) == [0])
        #expect(entities([RuleCondition(.name, .notContain, .text("SALE"))]) == [1])
        #expect(entities([RuleCondition(.market, .any, .texts(["AT", "US"]))]) == [0])
        #expect(entities([RuleCondition(.market, .all, .texts(["AT", "DE"]))]) == [0])
        #expect(entities([RuleCondition(.market, .all, .texts(["AT", "JP"]))]).isEmpty)
        #expect(entities([RuleCondition(.market, .none, .texts(["DE"]))]) == [1])
        #expect(entities([RuleCondition(.status, .in, .texts(["active"]))]) == [0, 1])
        #expect(
            entities([RuleCondition(.status, .in, .texts(["active"])), RuleCondition(.channel, .equal, .text("meta"))])
                == [1])
        // Impressions compared as whole numbers; IN on numbers.
        #expect(entities([RuleCondition(.impressions, .in, .numbers([.whole(0), .whole(7)]))]) == [0, 1])
        #expect(entities([RuleCondition(.impressions, .notIn, .numbers([.whole(0)]))]).isEmpty)
    }

    @Test("Ratios: CTR, CPM, CPA and ROAS exactly, frequency only where reach was reported")
    func ratios() {
        var table = Self.table()
        table.record(
            entity: 0, day: Self.day.adding(days: -1), spendMicros: 40_000_000, impressions: 8_000, clicks: 120,
            conversionsMilli: 2_500, conversionValueMicros: 100_000_000)
        table.reach[table.entities[0].id] = [.last3Days: 3_200]
        var evaluator = RuleEvaluator(table: table)
        func seen(_ field: RuleField, _ operand: RuleOperand) -> String? {
            evaluator.explain(Self.rule([RuleCondition(field, .greaterThan, operand)]), entity: 0).first?.1.description
        }
        #expect(seen(.ctr, .number(.whole(0))) == "0.015")  // 120 / 8,000
        #expect(seen(.cpm, .number(Self.eur(0))) == "5 EUR")  // 40 EUR per 8,000 impressions × 1,000
        #expect(seen(.cpa, .number(Self.eur(0))) == "16 EUR")  // 40 EUR / 2.5 conversions
        #expect(seen(.roas, .number(.whole(0))) == "2.5")  // 100 EUR / 40 EUR
        #expect(seen(.frequency, .number(.whole(0))) == "2.5")  // 8,000 / 3,200
        #expect(seen(.conversions, .number(.whole(0))) == "2.5")
        var noReach = RuleEvaluator(table: Self.table())
        #expect(
            noReach.explain(Self.rule([RuleCondition(.frequency, .greaterThan, .number(.whole(1)))]), entity: 0).first?
                .1 == .undefined("reach not reported"))
    }

    @Test("Budget changes stop at the cap or the floor, and do nothing at it")
    func boundedChanges() {
        let raise = RuleChange(amount: .percentMilli(20_000), limitMicros: 110_000_000)
        #expect(raise.apply(to: 50_000_000) == 60_000_000)
        #expect(raise.apply(to: 100_000_000) == 110_000_000)  // +20 % would be 120
        #expect(raise.apply(to: 110_000_000) == nil)
        #expect(raise.apply(to: 130_000_000) == nil)  // already past the cap: never lowered by a raise
        let lower = RuleChange(amount: .micros(-15_000_000), limitMicros: 20_000_000)
        #expect(lower.apply(to: 50_000_000) == 35_000_000)
        #expect(lower.apply(to: 30_000_000) == 20_000_000)
        #expect(lower.apply(to: 20_000_000) == nil)
        // Percentages round half away from zero to the micro: -33.333 % of 3 micros is -0.99999, so -1.
        #expect(RuleChange(amount: .percentMilli(-33_333), limitMicros: 0).apply(to: 3) == 2)
    }

    @Test("Schedules in the tenant's time zone across daylight-saving changes")
    func schedules() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
        // Spring forward, 29 March 2026: 02:00 → 03:00. A daily 02:30 runs at 03:00 local (01:00Z).
        #expect(
            RuleSchedule.daily(minuteOfDay: 150).nextRun(after: utc("2026-03-28T12:00:00Z"), in: berlin)
                == utc("2026-03-29T01:00:00Z"))
        // Fall back, 25 October 2026: 03:00 → 02:00; 02:30 happens twice and the rule runs once, at the first.
        let first = RuleSchedule.daily(minuteOfDay: 150).nextRun(after: utc("2026-10-24T12:00:00Z"), in: berlin)
        #expect(first == utc("2026-10-25T00:30:00Z"))
        #expect(
            RuleSchedule.daily(minuteOfDay: 150).nextRun(after: try #require(first), in: berlin)
                == utc("2026-10-26T01:30:00Z"))
        // Midnight in Tokyo is 15:00Z the day before.
        #expect(
            RuleSchedule.daily(minuteOfDay: 0).nextRun(
                after: utc("2026-03-01T14:59:00Z"), in: TimeZone(identifier: "Asia/Tokyo")!)
                == utc("2026-03-01T15:00:00Z"))
        #expect(
            RuleSchedule.hourly.nextRun(after: utc("2026-03-01T10:00:00Z"), in: berlin) == utc("2026-03-01T11:00:00Z"))
        // Every 45 minutes from the tenant's midnight: 00:00, 00:45, ... 23:15, then the next midnight.
        #expect(
            RuleSchedule.everyMinutes(45).nextRun(after: utc("2026-03-01T22:20:00Z"), in: berlin)
                == utc("2026-03-01T23:00:00Z"))
        #expect(RuleSchedule.onMetricSync.nextRun(after: Date(), in: berlin) == nil)
    }

    @Test("Validation names the field: operator, operand shape, currency, change and schedule")
    func validation() {
        var rule = Self.rule([
            RuleCondition(.cpc, .greaterThan, .number(.whole(2))),
            RuleCondition(.name, .greaterThan, .text("x")),
            RuleCondition(.ctr, .inRange, .range(.whole(3), .whole(1))),
            RuleCondition(.spend, .lessThan, .number(RuleNumber(micros: 1, currency: "XYZ"))),
            RuleCondition(.market, .any, .texts([])),
        ])
        rule.execution = RuleExecutionSpec(
            action: .changeBid(RuleChange(amount: .percentMilli(0), limitMicros: 0)), maximumChangesPerDay: 30)
        rule.schedule = .everyMinutes(5)
        let fields = rule.violations().map(\.field)
        #expect(
            fields == [
                "rule.evaluation.conditions[0].operand.currency", "rule.evaluation.conditions[1].operator",
                "rule.evaluation.conditions[2].operand", "rule.evaluation.conditions[3].operand.currency",
                "rule.evaluation.conditions[4].operand", "rule.execution.change.amount",
                "rule.execution.change.limit_micros", "rule.execution.maximum_changes_per_day",
                "rule.schedule.every_minutes",
            ])
        #expect(Self.rule([RuleCondition(.cpc, .greaterThan, .number(Self.eur(2_000_000)))]).violations().isEmpty)
    }

    @Test("Ad groups and ads: a rule may look at them; never at their budget, nor at an ad's bid")
    func levels() {
        var rule = Self.rule([RuleCondition(.cpc, .greaterThan, .number(Self.eur(2_000_000)))])
        rule.evaluation.level = .adGroup
        #expect(rule.violations().isEmpty)
        rule.execution = RuleExecutionSpec(action: .changeBudget(RuleChange(amount: .micros(1), limitMicros: 9)))
        #expect(rule.violations().map(\.field) == ["rule.execution.action"])
        rule.execution = RuleExecutionSpec(action: .changeBid(RuleChange(amount: .micros(1), limitMicros: 9)))
        #expect(rule.violations().isEmpty)
        rule.evaluation.level = .ad
        #expect(rule.violations().map(\.field) == ["rule.execution.action"])
        rule.execution = RuleExecutionSpec(action: .pause)
        #expect(rule.violations().isEmpty)

        // The evaluator looks only at entities of the rule's level.
        var entities = Self.table().entities
        entities[1].level = .adGroup
        var table = RuleMetricsTable(
            entities: entities, accounts: Self.table().accounts, firstDay: Self.day.adding(days: -30), dayCount: 31)
        for entity in 0..<2 {
            table.record(
                entity: entity, day: Self.day.adding(days: -1), spendMicros: 50_000_000, impressions: 1000, clicks: 10,
                conversionsMilli: 0, conversionValueMicros: 0)
        }
        var byAdGroup = Self.rule([RuleCondition(.clicks, .greaterThan, .number(.whole(5)))])
        byAdGroup.evaluation.level = .adGroup
        var evaluator = RuleEvaluator(table: table)
        #expect(evaluator.matches(of: byAdGroup) == [1])
        #expect(evaluator.matches(of: Self.rule([RuleCondition(.clicks, .greaterThan, .number(.whole(5)))])) == [0])
    }
}

@Suite("Rule evaluation: the 64-bit fast path decides as the exact one")
struct RuleFastPathTests {
    @Test("Random figures (zeros, huge values, a day without a rate) and thresholds: matches equal explain's verdicts")
    func fastPathAgreesWithExplain() {
        var random = SplitMix64(seed: 7)
        func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
        let today = CalendarDay("2026-03-10")!
        let accounts = [RuleAccount(currency: "EUR", today: today), RuleAccount(currency: "JPY", today: today)]
        let entities = (0..<60).map { i in
            RuleEntity(
                id: UUID(), level: .campaign, channel: .googleAds, markets: ["DE"], name: "e\(i)", status: .active,
                account: i % 2)
        }
        var table = RuleMetricsTable(
            entities: entities, accounts: accounts, firstDay: today.adding(days: -30), dayCount: 31)
        let magnitudes: [Int64] = [0, 1, 7, 1_000, 999_999, 2_500_000, 9_000_000_000_000, Int64.max / 64]
        for entity in 0..<entities.count {
            for day in 0..<31 {
                table.record(
                    entity: entity, day: today.adding(days: Int64(day - 30)), spendMicros: pick(magnitudes),
                    impressions: pick(magnitudes) / 1000, clicks: pick([0, 1, 3, 40, 1_000_000]),
                    conversionsMilli: pick([0, 500, 3000]), conversionValueMicros: pick(magnitudes))
            }
        }
        var exchange = RuleExchange()
        for day in 0..<31 where day != 25 {
            exchange.add(
                day: today.adding(days: Int64(day - 30)),
                table: ExchangeRates(usdPerUnit: ["EUR": Decimal(string: "1.0843")!, "JPY": Decimal(string: "0.0067")!]
                ),
                currencies: ["EUR", "JPY", "USD"])
        }
        var evaluator = RuleEvaluator(table: table, exchange: exchange)
        let fields: [RuleField] = [
            .impressions, .clicks, .conversions, .spend, .conversionValue, .cpc, .cpm, .ctr, .cpa, .roas,
        ]
        let ops: [RuleOperator] = [.greaterThan, .lessThan, .equal, .notEqual, .inRange, .notInRange]
        for _ in 0..<400 {
            let field = pick(fields)
            let op = pick(ops)
            let currency: String? = field.isMoney ? pick(["EUR", "USD", "JPY"]) : nil
            let a = pick(magnitudes + [-5, 2_000_000, Int64.max / 2])
            let b = pick(magnitudes + [Int64.max / 2])
            let operand: RuleOperand =
                op == .inRange || op == .notInRange
                ? .range(
                    RuleNumber(micros: min(a, b), currency: currency), RuleNumber(micros: max(a, b), currency: currency)
                )
                : .number(RuleNumber(micros: a, currency: currency))
            let rule = AutomatedRule(
                id: UUID(), name: "r",
                evaluation: RuleEvaluationSpec(
                    level: .campaign, conditions: [RuleCondition(field, op, operand)],
                    window: pick(RuleTimeWindow.allCases)),
                execution: RuleExecutionSpec(action: .pause), schedule: .hourly)
            let matched = Set(evaluator.matches(of: rule))
            for entity in 0..<entities.count {
                let verdict = evaluator.explain(rule, entity: entity).allSatisfy(\.2)
                #expect(matched.contains(entity) == verdict, "\(rule.evaluation.conditions[0]) on entity \(entity)")
            }
        }
    }
}

@Suite("Rule planning: what a rule does to a campaign within its bounds")
struct RulePlanningTests {
    static func situation(
        _ channel: AdChannel = .googleAds, status: CampaignStatus = .active, budget: Int64 = 40_000_000,
        bid: BidStrategy = .maximumCostPerClick(micros: 1_500_000), today: Int = 0, lastHour: Int = 0,
        level: RuleEntityLevel = .campaign
    ) -> RulePlanner.Situation {
        RulePlanner.Situation(
            level: level, channel: channel, currency: "EUR", status: status, budgetMicros: budget, bid: bid,
            actionsToday: today,
            budgetChangesLastHour: lastHour)
    }

    static func raise(_ percentMilli: Int64, cap: Int64, perDay: Int = 1) -> RuleExecutionSpec {
        RuleExecutionSpec(
            action: .changeBudget(RuleChange(amount: .percentMilli(percentMilli), limitMicros: cap)),
            maximumChangesPerDay: perDay)
    }

    @Test("Pause and resume act only when they change something; notify always notifies")
    func statusActions() {
        #expect(RulePlanner.plan(RuleExecutionSpec(action: .pause), for: Self.situation()).outcome == .queued)
        let again = RulePlanner.plan(RuleExecutionSpec(action: .pause), for: Self.situation(status: .paused))
        #expect(again.outcome == .skipped && again.reason == "already paused")
        #expect(
            RulePlanner.plan(RuleExecutionSpec(action: .resume), for: Self.situation(status: .paused)).outcome
                == .queued)
        #expect(RulePlanner.plan(RuleExecutionSpec(action: .resume), for: Self.situation()).reason == "already active")
        #expect(RulePlanner.plan(RuleExecutionSpec(action: .notify), for: Self.situation()).outcome == .notified)
    }

    @Test("Never on a draft or an archived campaign, whatever the action")
    func neverArchived() {
        for status in [CampaignStatus.draft, .archived] {
            for action in [
                RuleAction.pause, .resume, .notify, .changeBudget(RuleChange(amount: .micros(1), limitMicros: 9)),
            ] {
                let plan = RulePlanner.plan(RuleExecutionSpec(action: action), for: Self.situation(status: status))
                #expect(plan.outcome == .skipped && plan.reason == "the campaign is \(status.rawValue)")
            }
        }
    }

    @Test("A budget moves by the percentage up to the cap, down to the floor, and not past either")
    func budgetBounds() {
        let up = RulePlanner.plan(Self.raise(50_000, cap: 50_000_000), for: Self.situation())
        #expect(up.outcome == .queued && up.beforeMicros == 40_000_000 && up.afterMicros == 50_000_000)
        let small = RulePlanner.plan(Self.raise(10_000, cap: 50_000_000), for: Self.situation())
        #expect(small.afterMicros == 44_000_000)
        let atCap = RulePlanner.plan(Self.raise(10_000, cap: 40_000_000), for: Self.situation())
        #expect(atCap.outcome == .skipped && atCap.reason == "the budget is at the rule's cap")
        let down = RulePlanner.plan(Self.raise(-30_000, cap: 35_000_000), for: Self.situation())
        #expect(down.afterMicros == 35_000_000)
        let atFloor = RulePlanner.plan(Self.raise(-30_000, cap: 45_000_000), for: Self.situation())
        #expect(atFloor.outcome == .skipped && atFloor.reason == "the budget is at the rule's floor")
    }

    @Test("A bid moves the strategy's amount within the limit; automatic and ROAS bidding have none to move")
    func bidBounds() {
        func lower(_ percentMilli: Int64, floor: Int64, perDay: Int = 1) -> RuleExecutionSpec {
            RuleExecutionSpec(
                action: .changeBid(RuleChange(amount: .percentMilli(percentMilli), limitMicros: floor)),
                maximumChangesPerDay: perDay)
        }
        // 1.50 lowered by 20 % is 1.20; with a floor of 1.30 it stops there; at the floor, nothing.
        let down = RulePlanner.plan(lower(-20_000, floor: 1_000_000), for: Self.situation())
        #expect(down.kind == .changeBid && down.outcome == .queued)
        #expect(down.beforeMicros == 1_500_000 && down.afterMicros == 1_200_000)
        #expect(RulePlanner.plan(lower(-20_000, floor: 1_300_000), for: Self.situation()).afterMicros == 1_300_000)
        let atFloor = RulePlanner.plan(lower(-20_000, floor: 1_500_000), for: Self.situation())
        #expect(atFloor.outcome == .skipped && atFloor.reason == "the bid is at the rule's floor")
        // A target cost per action moves the same way, by an amount too.
        let cpa = RulePlanner.plan(
            RuleExecutionSpec(action: .changeBid(RuleChange(amount: .micros(250_000), limitMicros: 9_000_000))),
            for: Self.situation(bid: .targetCostPerAction(micros: 8_000_000)))
        #expect(cpa.outcome == .queued && cpa.afterMicros == 8_250_000)
        let automatic = RulePlanner.plan(lower(-20_000, floor: 1), for: Self.situation(bid: .automatic))
        #expect(
            automatic.outcome == .skipped && automatic.reason == "the campaign bids automatically: no bid to change")
        let roas = RulePlanner.plan(
            lower(-20_000, floor: 1), for: Self.situation(bid: .targetReturnOnAdSpend(permille: 4000)))
        #expect(roas.outcome == .skipped && roas.afterMicros == nil)
        // The daily maximum counts bid changes too; Meta's hourly budget limit does not.
        let daily = RulePlanner.plan(lower(-20_000, floor: 1, perDay: 2), for: Self.situation(today: 2))
        #expect(daily.outcome == .skipped && daily.reason == "2 change(s) today: the rule's daily maximum")
        #expect(RulePlanner.plan(lower(-20_000, floor: 1), for: Self.situation(.meta, lastHour: 9)).outcome == .queued)
        // The channel counts EUR bids in cents: 1.50 lowered by 7 % is 1.395, which becomes 1.40 (rounded
        // toward the old bid, never past the floor); a change under a cent changes nothing.
        #expect(RulePlanner.plan(lower(-7_000, floor: 1), for: Self.situation()).afterMicros == 1_400_000)
        #expect(RulePlanner.plan(lower(-7_000, floor: 1_396_000), for: Self.situation()).afterMicros == 1_400_000)
        let tiny = RulePlanner.plan(lower(-500, floor: 1), for: Self.situation())
        #expect(
            tiny.outcome == .skipped && tiny.reason == "the change is smaller than the channel's step of 10000 micros")
        #expect(
            RuleChange(amount: .percentMilli(7_000), limitMicros: 2_000_000).apply(to: 1_500_000, step: 10_000)
                == 1_600_000)
        #expect(BidStrategy.targetCostPerAction(micros: 5).with(amountMicros: 7) == .targetCostPerAction(micros: 7))
        #expect(BidStrategy.automatic.with(amountMicros: 7) == .automatic)
    }

    @Test("The daily maximum and Meta's four budget changes an hour stop a change")
    func budgetCaps() {
        let daily = RulePlanner.plan(Self.raise(10_000, cap: 90_000_000, perDay: 2), for: Self.situation(today: 2))
        #expect(daily.outcome == .skipped && daily.reason == "2 change(s) today: the rule's daily maximum")
        #expect(
            RulePlanner.plan(Self.raise(10_000, cap: 90_000_000, perDay: 2), for: Self.situation(today: 1)).outcome
                == .queued)
        let meta = RulePlanner.plan(Self.raise(10_000, cap: 90_000_000), for: Self.situation(.meta, lastHour: 4))
        #expect(meta.outcome == .skipped && meta.reason == "4 budget changes in the last hour: Meta's limit per ad set")
        // The hourly limit is Meta's alone.
        #expect(
            RulePlanner.plan(Self.raise(10_000, cap: 90_000_000), for: Self.situation(.tiktok, lastHour: 9)).outcome
                == .queued)
        #expect(
            RulePlanner.plan(Self.raise(10_000, cap: 90_000_000), for: Self.situation(.meta, lastHour: 3)).outcome
                == .queued)
    }

    @Test("An ad group pauses on its own status, bids its own amount, and never moves a budget")
    func adGroups() {
        let paused = RulePlanner.plan(
            RuleExecutionSpec(action: .pause), for: Self.situation(status: .paused, level: .adGroup))
        #expect(paused.outcome == .skipped && paused.reason == "already paused")
        let automatic = RulePlanner.plan(
            RuleExecutionSpec(action: .changeBid(RuleChange(amount: .percentMilli(10_000), limitMicros: 9_000_000))),
            for: Self.situation(bid: .automatic, level: .adGroup))
        #expect(automatic.reason == "the ad group bids automatically: no bid to change")
        let budget = RulePlanner.plan(Self.raise(10_000, cap: 90_000_000), for: Self.situation(level: .adGroup))
        #expect(budget.outcome == .skipped && budget.reason == "the budget is the campaign's, not the ad group's")
        // Its own amount under the campaign's strategy, or the campaign's when it has none.
        let own = AdGroupSpec(name: "g", targeting: Targeting(countries: ["DE"]), defaultBidMicros: 800_000)
        #expect(
            own.bidStrategy(under: .maximumCostPerClick(micros: 1_500_000)) == .maximumCostPerClick(micros: 800_000))
        #expect(own.bidStrategy(under: .targetCostPerAction(micros: 9)) == .targetCostPerAction(micros: 800_000))
        #expect(own.bidStrategy(under: .automatic) == .automatic)
        let inherited = AdGroupSpec(name: "g", targeting: Targeting(countries: ["DE"]))
        #expect(
            inherited.bidStrategy(under: .maximumCostPerClick(micros: 1_500_000))
                == .maximumCostPerClick(micros: 1_500_000))
    }
}
