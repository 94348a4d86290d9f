import ArgumentParser
import Foundation
import TradewindCore

extension Analytics {
    /// The automated-rules benchmark (bench/rules-eval): seeded metrics for many ads, many rules,
    /// all evaluated in the pure core; only the evaluation is timed.
    struct EvaluateRules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "evaluate-rules",
            abstract: "Evaluate seeded automated rules over seeded ad metrics; prints timings as JSON.",
            discussion: """
                Ads spread over accounts in EUR, USD and JPY with their own todays; each rule tests two or \
                three conditions (CPC, CTR, ROAS, spend, impressions, CPA) over one of the windows, with \
                thresholds in EUR or USD, so spend in another currency is converted day by day. Building \
                the table is not timed.
                """)

        @Option(help: "Rules to evaluate.") var rules = 200
        @Option(help: "Ads whose metrics the rules read.") var ads = 100_000
        @Option(help: "Days of metrics per ad (at most 31).") var days = 30
        @Option(help: "Seed of the generated metrics and rules.") var seed: UInt64 = 1

        struct Output: Encodable {
            var rules: Int
            var ads: Int
            var days: Int
            var conditions: Int
            var matches: Int
            var seconds: Double
            var evaluationsPerSecond: Double
        }

        func run() async throws {
            guard (1...31).contains(days), ads > 0, rules > 0 else {
                throw ValidationError("--days must be 1-31, --ads and --rules positive")
            }
            var random = SplitMix64(seed: seed)
            let today = CalendarDay("2026-03-31")!
            let accounts = (0..<30).map { index in
                RuleAccount(currency: ["EUR", "USD", "JPY"][index % 3], today: today.adding(days: Int64(index % 2)))
            }
            let entities = (0..<ads).map { index in
                RuleEntity(
                    id: UUID(), level: .ad, channel: AdChannel.allCases[index % 4], markets: ["DE"],
                    name: "ad \(index)",
                    status: .active, account: index % accounts.count)
            }
            let first = today.adding(days: Int64(-days))
            var table = RuleMetricsTable(entities: entities, accounts: accounts, firstDay: first, dayCount: days + 1)
            for entity in 0..<ads {
                let scale: Int64 = accounts[entity % accounts.count].currency == "JPY" ? 150 : 1
                for day in 0...days {
                    let impressions = Int64(random.next() % 5_000)
                    let clicks = impressions / Int64(20 + random.next() % 80)
                    let conversions = clicks * Int64(random.next() % 100)
                    table.record(
                        entity: entity, day: first.adding(days: Int64(day)),
                        spendMicros: clicks * Int64(200_000 + random.next() % 2_000_000) * scale,
                        impressions: impressions, clicks: clicks, conversionsMilli: conversions * 10,
                        conversionValueMicros: conversions * 400_000 * scale)
                }
            }
            var exchange = RuleExchange()
            for day in 0...days {
                exchange.add(
                    day: first.adding(days: Int64(day)),
                    table: ExchangeRates(usdPerUnit: [
                        "USD": 1, "EUR": Decimal(string: "1.1")!, "JPY": Decimal(string: "0.0067")!,
                    ]),
                    currencies: ["USD", "EUR", "JPY"])
            }
            let fields: [(RuleField, Int64)] = [
                (.cpc, 1_000_000), (.ctr, 20_000), (.roas, 2_000_000), (.spend, 50_000_000),
                (.impressions, 40_000_000_000), (.cpa, 5_000_000),
            ]
            let operators: [RuleOperator] = [.greaterThan, .lessThan, .inRange, .notEqual]
            var conditionCount = 0
            let generated = (0..<rules).map { index -> AutomatedRule in
                let count = 2 + Int(random.next() % 2)
                let currency = index % 2 == 0 ? "EUR" : "USD"
                let conditions = (0..<count).map { _ -> RuleCondition in
                    let (field, threshold) = fields[Int(random.next() % UInt64(fields.count))]
                    let number = RuleNumber(micros: threshold, currency: field.isMoney ? currency : nil)
                    let op = operators[Int(random.next() % UInt64(operators.count))]
                    let operand: RuleOperand =
                        op == .inRange
                        ? .range(number, RuleNumber(micros: threshold * 3, currency: number.currency)) : .number(number)
                    return RuleCondition(field, op, operand)
                }
                conditionCount += conditions.count
                return AutomatedRule(
                    id: UUID(), name: "rule \(index)",
                    evaluation: RuleEvaluationSpec(
                        level: .ad, conditions: conditions,
                        window: [.last3Days, .last7Days, .last14Days, .last30Days, .yesterday][index % 5]),
                    execution: RuleExecutionSpec(action: .pause), schedule: .hourly)
            }
            let start = ContinuousClock.now
            var evaluator = RuleEvaluator(table: table, exchange: exchange)
            var matches = 0
            for rule in generated { matches += evaluator.matches(of: rule).count }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            let output = Output(
                rules: rules, ads: ads, days: days, conditions: conditionCount, matches: matches, seconds: seconds,
                evaluationsPerSecond: Double(rules * ads) / seconds)
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        }
    }
}
