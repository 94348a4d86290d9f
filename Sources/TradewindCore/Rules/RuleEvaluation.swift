import Foundation

/// An entity a rule may act on, with the attributes conditions test.
public struct RuleEntity: Sendable, Hashable {
    public var id: UUID
    public var level: RuleEntityLevel
    public var channel: AdChannel
    public var markets: [String]
    public var name: String
    public var status: CampaignStatus
    /// Index into `RuleMetricsTable.accounts`.
    public var account: Int

    public init(
        id: UUID, level: RuleEntityLevel, channel: AdChannel, markets: [String], name: String,
        status: CampaignStatus, account: Int
    ) {
        self.id = id
        self.level = level
        self.channel = channel
        self.markets = markets
        self.name = name
        self.status = status
        self.account = account
    }
}

/// An ad account as rules see it: its currency and its current day (in the time zone the channel
/// reports in), which anchors every window of its entities.
public struct RuleAccount: Sendable, Hashable {
    public var currency: String
    public var today: CalendarDay

    public init(currency: String, today: CalendarDay) {
        self.currency = currency
        self.today = today
    }
}

/// Every entity's daily figures over one span of days, column by column (entity-major: entity
/// `e`'s day `d` is at `e * dayCount + d`), so that evaluating many rules over many entities reads
/// memory in order. Money is in micros of the entity's account currency.
public struct RuleMetricsTable: Sendable {
    public let entities: [RuleEntity]
    public let accounts: [RuleAccount]
    public let firstDay: CalendarDay
    public let dayCount: Int
    public internal(set) var spendMicros: [Int64]
    public internal(set) var impressions: [Int64]
    public internal(set) var clicks: [Int64]
    public internal(set) var conversionsMilli: [Int64]
    public internal(set) var conversionValueMicros: [Int64]
    /// Reach per entity and window where the channel reported it (reach is not a sum of days).
    public var reach: [UUID: [RuleTimeWindow: Int64]] = [:]

    public init(entities: [RuleEntity], accounts: [RuleAccount], firstDay: CalendarDay, dayCount: Int) {
        self.entities = entities
        self.accounts = accounts
        self.firstDay = firstDay
        self.dayCount = dayCount
        let size = entities.count * dayCount
        spendMicros = Array(repeating: 0, count: size)
        impressions = Array(repeating: 0, count: size)
        clicks = Array(repeating: 0, count: size)
        conversionsMilli = Array(repeating: 0, count: size)
        conversionValueMicros = Array(repeating: 0, count: size)
    }

    /// Records one entity's day; a day outside the span is ignored.
    public mutating func record(
        entity: Int, day: CalendarDay, spendMicros: Int64, impressions: Int64, clicks: Int64, conversionsMilli: Int64,
        conversionValueMicros: Int64
    ) {
        let offset = day.daysSinceEpoch - firstDay.daysSinceEpoch
        guard entities.indices.contains(entity), offset >= 0, offset < Int64(dayCount) else { return }
        let index = entity * dayCount + Int(offset)
        self.spendMicros[index] = spendMicros
        self.impressions[index] = impressions
        self.clicks[index] = clicks
        self.conversionsMilli[index] = conversionsMilli
        self.conversionValueMicros[index] = conversionValueMicros
    }
}

/// Exchange rates by day, for thresholds written in another currency than the account's.
public struct RuleExchange: Sendable {
    private var rates: [Key: FixedRate] = [:]

    private struct Key: Hashable {
        var from: String
        var to: String
        var day: CalendarDay
    }

    public init() {}

    /// `table` holds the day's US dollars per unit, as `ExchangeRates` does for events.
    public mutating func add(day: CalendarDay, table: ExchangeRates, currencies: Set<String>) {
        for from in currencies {
            for to in currencies where to != from {
                if let rate = table.rate(from: from, to: to) { rates[Key(from: from, to: to, day: day)] = rate }
            }
        }
    }

    public func rate(from: String, to: String, on day: CalendarDay) -> FixedRate? {
        rates[Key(from: from, to: to, day: day)]
    }
}

/// What a condition saw: a value (a fraction, exactly) or why there was none.
public enum RuleObservation: Sendable, Hashable, CustomStringConvertible {
    /// `numerator / denominator` in the condition's scale (micros; money in the threshold's currency).
    case value(numerator: Int128, denominator: Int128, currency: String?)
    case text(String)
    case texts([String])
    case undefined(String)

    public var description: String {
        switch self {
        case .value(let numerator, let denominator, let currency):
            let micros = Int64(clamping: (numerator * 2 + denominator) / (denominator * 2))
            return RuleNumber(micros: micros, currency: currency).description
        case .text(let text): return text
        case .texts(let texts): return texts.joined(separator: ",")
        case .undefined(let reason): return "undefined (\(reason))"
        }
    }
}

/// Evaluates rules over a metrics table. Pure: everything it needs is passed in.
///
/// A condition on a value that cannot be worked out (CPC with no clicks, a threshold in a
/// currency without a rate for one of the days, reach the channel did not report) never holds,
/// whatever the operator: a rule acts only on what it could measure, and the dry run says why.
public struct RuleEvaluator: Sendable {
    public let table: RuleMetricsTable
    public let exchange: RuleExchange
    private var sums: [RuleTimeWindow: WindowSums] = [:]
    private var converted: [ConvertedKey: ConvertedSums] = [:]

    private struct ConvertedKey: Hashable {
        var window: RuleTimeWindow
        var currency: String
    }

    /// Per entity, the window's sums in the account's currency.
    private struct WindowSums {
        var spend: [Int64]
        var impressions: [Int64]
        var clicks: [Int64]
        var conversionsMilli: [Int64]
        var value: [Int64]
    }

    /// Per entity, spend and value converted day by day into a threshold's currency; nil where a
    /// day's rate is missing.
    private struct ConvertedSums {
        var spend: [Int64?]
        var value: [Int64?]
    }

    /// Each entity's level, read once per entity per rule (copying a `RuleEntity` out of the table
    /// costs reference counting on its strings).
    private let levels: [RuleEntityLevel]

    public init(table: RuleMetricsTable, exchange: RuleExchange = RuleExchange()) {
        self.table = table
        self.exchange = exchange
        self.levels = table.entities.map(\.level)
    }

    /// The entities `rule` matches, as indices into the table, in table order; `explain` says
    /// what each condition saw for the ones a rule then acts on.
    public mutating func matches(of rule: AutomatedRule) -> [Int] {
        let spec = rule.evaluation
        let conditions = prepare(spec)
        let sums = self.sums[spec.window]!
        // Metric conditions compare sums directly; attributes (and reach) go through `observe`.
        let numeric = conditions.filter { Self.isSum($0.condition.field) }.map(NumericCheck.init)
        let other = conditions.filter { !Self.isSum($0.condition.field) }
        // Condition by condition over the entities still in the running: each check is copied
        // once per rule, not once per entity (a copy retains its arrays), and a condition that
        // rules most entities out spares the next ones the work.
        var result = levels.indices.filter { index in
            levels[index] == spec.level && (spec.entityIDs.isEmpty || spec.entityIDs.contains(table.entities[index].id))
        }
        for check in numeric {
            result.removeAll { !check.holds(entity: $0, sums) }
        }
        for condition in other {
            result.removeAll { index in
                !holds(condition.condition, observe(condition, entity: index, window: spec.window, sums: sums))
            }
        }
        return result
    }

    /// Fields read from the window's sums alone.
    private static func isSum(_ field: RuleField) -> Bool {
        !field.isAttribute && field != .reach && field != .frequency
    }

    /// A metric condition reduced to integers: the field, the comparison and its thresholds.
    private struct NumericCheck {
        var field: RuleField
        var op: RuleOperator
        var low: Int128
        var high: Int128
        var list: [Int128]
        var spend: [Int64?]?
        var value: [Int64?]?
        /// The thresholds in 64 bits, when they fit and the operator compares with one or two.
        var fast: Bool
        var low64: Int64
        var high64: Int64

        init(_ prepared: PreparedCondition) {
            self.init(
                prepared.condition, spend: prepared.converted?.spend, value: prepared.converted?.value)
        }

        init(_ condition: RuleCondition, spend: [Int64?]? = nil, value: [Int64?]? = nil) {
            field = condition.field
            op = condition.op
            (self.spend, self.value) = (spend, value)
            (low, high, list) = (0, 0, [])
            switch condition.operand {
            case .number(let n): low = Int128(n.micros)
            case .range(let a, let b): (low, high) = (Int128(a.micros), Int128(b.micros))
            case .numbers(let numbers): list = numbers.map { Int128($0.micros) }
            case .text, .texts: op = .contain  // a shape validation refuses; never holds below
            }
            let (smallLow, smallHigh) = (Int64(exactly: low), Int64(exactly: high))
            fast = list.isEmpty && smallLow != nil && smallHigh != nil
            (low64, high64) = (smallLow ?? 0, smallHigh ?? 0)
        }

        func holds(entity index: Int, _ sums: WindowSums) -> Bool {
            if let fast = holdsInInt64(entity: index, sums) { return fast }
            return holds(RuleEvaluator.fraction(field, index, sums, spend, value))
        }

        /// The same comparison in 64-bit arithmetic, for the fields and thresholds where no product
        /// overflows (checked, not assumed): most of a bench's 20 million comparisons. Nil when the
        /// 128-bit path must decide.
        private func holdsInInt64(entity index: Int, _ sums: WindowSums) -> Bool? {
            guard fast else { return nil }
            let (low, high) = (low64, high64)
            let numerator: Int64
            let scale: Int64
            let denominator: Int64
            switch field {
            case .impressions: (numerator, scale, denominator) = (sums.impressions[index], 1_000_000, 1)
            case .clicks: (numerator, scale, denominator) = (sums.clicks[index], 1_000_000, 1)
            case .conversions: (numerator, scale, denominator) = (sums.conversionsMilli[index], 1000, 1)
            case .ctr: (numerator, scale, denominator) = (sums.clicks[index], 1_000_000, sums.impressions[index])
            // A ratio of two sums in one currency: never converted.
            case .roas: (numerator, scale, denominator) = (sums.value[index], 1_000_000, sums.spend[index])
            case .spend, .conversionValue, .cpc, .cpm, .cpa:
                // Money in the threshold's currency: the converted sums where there are any (nil: a
                // day without a rate, which the 128-bit path reports as undefined). Read in place:
                // binding the arrays would retain them once per entity.
                let money: Int64
                let earned: Int64
                if spend == nil {
                    (money, earned) = (sums.spend[index], sums.value[index])
                } else {
                    guard let converted = spend?[index] ?? nil, let convertedValue = value?[index] ?? nil else {
                        return nil
                    }
                    (money, earned) = (converted, convertedValue)
                }
                switch field {
                case .spend: (numerator, scale, denominator) = (money, 1, 1)
                case .conversionValue: (numerator, scale, denominator) = (earned, 1, 1)
                case .cpc: (numerator, scale, denominator) = (money, 1, sums.clicks[index])
                case .cpm: (numerator, scale, denominator) = (money, 1000, sums.impressions[index])
                default: (numerator, scale, denominator) = (money, 1000, sums.conversionsMilli[index])
                }
            default: return nil
            }
            // Undefined (a zero divisor) never holds; the 128-bit path says so too.
            guard denominator > 0 else { return nil }
            let (left, leftOverflow) = numerator.multipliedReportingOverflow(by: scale)
            let (right, rightOverflow) = low.multipliedReportingOverflow(by: denominator)
            guard !leftOverflow && !rightOverflow else { return nil }
            switch op {
            case .greaterThan: return left > right
            case .lessThan: return left < right
            case .equal: return left == right
            case .notEqual: return left != right
            case .inRange, .notInRange:
                let (top, topOverflow) = high.multipliedReportingOverflow(by: denominator)
                guard !topOverflow else { return nil }
                let inside = left >= right && left <= top
                return op == .inRange ? inside : !inside
            default: return nil
            }
        }

        /// The comparison of `numerator / denominator` with the thresholds, as `holds` makes it.
        func holds(_ fraction: (numerator: Int128, denominator: Int128)?) -> Bool {
            guard let (numerator, denominator) = fraction else { return false }
            func compare(_ threshold: Int128) -> Int {
                let right = threshold * denominator
                return numerator < right ? -1 : numerator > right ? 1 : 0
            }
            switch op {
            case .greaterThan: return compare(low) > 0
            case .lessThan: return compare(low) < 0
            case .equal: return compare(low) == 0
            case .notEqual: return compare(low) != 0
            case .inRange: return compare(low) >= 0 && compare(high) <= 0
            case .notInRange: return compare(low) < 0 || compare(high) > 0
            case .in: return list.contains { compare($0) == 0 }
            case .notIn: return !list.contains { compare($0) == 0 }
            default: return false
            }
        }
    }

    /// A metric of one entity over the window as `numerator / denominator` (denominator > 0) in
    /// micros, money in the threshold's currency; nil when it cannot be worked out.
    private static func fraction(
        _ field: RuleField, _ index: Int, _ sums: WindowSums, _ convertedSpend: [Int64?]?, _ convertedValue: [Int64?]?
    ) -> (numerator: Int128, denominator: Int128)? {
        let micros = Int128(1_000_000)
        func ratio(_ numerator: Int128, _ denominator: Int64) -> (Int128, Int128)? {
            denominator == 0 ? nil : (numerator, Int128(denominator))
        }
        switch field {
        case .impressions: return (Int128(sums.impressions[index]) * micros, 1)
        case .clicks: return (Int128(sums.clicks[index]) * micros, 1)
        case .conversions: return (Int128(sums.conversionsMilli[index]) * 1000, 1)
        case .ctr: return ratio(Int128(sums.clicks[index]) * micros, sums.impressions[index])
        // A ratio of two sums in one currency: no conversion needed.
        case .roas: return ratio(Int128(sums.value[index]) * micros, sums.spend[index])
        case .spend, .conversionValue, .cpc, .cpm, .cpa:
            let spend: Int64
            let value: Int64
            if let convertedSpend, let convertedValue {
                guard let s = convertedSpend[index], let v = convertedValue[index] else { return nil }
                (spend, value) = (s, v)
            } else {
                (spend, value) = (sums.spend[index], sums.value[index])
            }
            switch field {
            case .spend: return (Int128(spend), 1)
            case .conversionValue: return (Int128(value), 1)
            case .cpc: return ratio(Int128(spend), sums.clicks[index])
            case .cpm: return ratio(Int128(spend) * 1000, sums.impressions[index])
            default: return ratio(Int128(spend) * 1000, sums.conversionsMilli[index])
            }
        case .channel, .market, .name, .status, .reach, .frequency:
            return nil
        }
    }

    /// What every condition saw for one entity, whether or not they held: the dry run's "why".
    public mutating func explain(_ rule: AutomatedRule, entity: Int) -> [(RuleCondition, RuleObservation, Bool)] {
        let conditions = prepare(rule.evaluation)
        let sums = self.sums[rule.evaluation.window]!
        return conditions.map { prepared in
            let seen = observe(prepared, entity: entity, window: rule.evaluation.window, sums: sums)
            return (prepared.condition, seen, holds(prepared.condition, seen))
        }
    }

    /// A condition with what it reads resolved once, not once per entity.
    private struct PreparedCondition {
        var condition: RuleCondition
        var currency: String?
        var converted: ConvertedSums?
    }

    // MARK: Sums

    private mutating func prepare(_ spec: RuleEvaluationSpec) -> [PreparedCondition] {
        if sums[spec.window] == nil { sums[spec.window] = windowSums(spec.window) }
        return spec.conditions.map { condition in
            guard condition.field.isMoney, let currency = condition.operand.currency else {
                return PreparedCondition(condition: condition, currency: nil, converted: nil)
            }
            let key = ConvertedKey(window: spec.window, currency: currency)
            if converted[key] == nil { converted[key] = convertedSums(spec.window, into: currency) }
            return PreparedCondition(condition: condition, currency: currency, converted: converted[key])
        }
    }

    private func span(_ window: RuleTimeWindow, entity: RuleEntity) -> Range<Int> {
        let (first, last) = window.days(endingOn: table.accounts[entity.account].today)
        let start = max(0, Int(first.daysSinceEpoch - table.firstDay.daysSinceEpoch))
        let end = min(table.dayCount, Int(last.daysSinceEpoch - table.firstDay.daysSinceEpoch) + 1)
        return start < end ? start..<end : 0..<0
    }

    private func windowSums(_ window: RuleTimeWindow) -> WindowSums {
        let count = table.entities.count
        var sums = WindowSums(
            spend: .init(repeating: 0, count: count), impressions: .init(repeating: 0, count: count),
            clicks: .init(repeating: 0, count: count), conversionsMilli: .init(repeating: 0, count: count),
            value: .init(repeating: 0, count: count))
        for (index, entity) in table.entities.enumerated() {
            let base = index * table.dayCount
            var (spend, impressions, clicks, conversions, value) = (Int64(0), Int64(0), Int64(0), Int64(0), Int64(0))
            for day in span(window, entity: entity) {
                spend &+= table.spendMicros[base + day]
                impressions &+= table.impressions[base + day]
                clicks &+= table.clicks[base + day]
                conversions &+= table.conversionsMilli[base + day]
                value &+= table.conversionValueMicros[base + day]
            }
            sums.spend[index] = spend
            sums.impressions[index] = impressions
            sums.clicks[index] = clicks
            sums.conversionsMilli[index] = conversions
            sums.value[index] = value
        }
        return sums
    }

    private func convertedSums(_ window: RuleTimeWindow, into currency: String) -> ConvertedSums {
        let count = table.entities.count
        let own = sums[window]!
        var result = ConvertedSums(spend: own.spend.map { $0 }, value: own.value.map { $0 })
        // Rates depend on the account's currency and the day only: looked up once per account and day.
        let rates: [[FixedRate?]] = table.accounts.map { account in
            guard account.currency != currency else { return [] }
            return (0..<table.dayCount).map {
                exchange.rate(from: account.currency, to: currency, on: table.firstDay.adding(days: Int64($0)))
            }
        }
        for index in 0..<count {
            let entity = table.entities[index]
            let accountRates = rates[entity.account]
            guard !accountRates.isEmpty else { continue }
            let base = index * table.dayCount
            var spend: Int64? = 0
            var value: Int64? = 0
            for day in span(window, entity: entity) {
                let spent = table.spendMicros[base + day]
                let earned = table.conversionValueMicros[base + day]
                if spent == 0 && earned == 0 { continue }
                guard let rate = accountRates[day] else {
                    spend = nil
                    value = nil
                    break
                }
                spend = spend.map { $0 &+ rate.convert(spent) }
                value = value.map { $0 &+ rate.convert(earned) }
            }
            result.spend[index] = spend
            result.value[index] = value
        }
        return result
    }

    // MARK: Conditions

    private func observe(_ prepared: PreparedCondition, entity index: Int, window: RuleTimeWindow, sums: WindowSums)
        -> RuleObservation
    {
        let entity = table.entities[index]
        switch prepared.condition.field {
        case .channel: return .text(entity.channel.rawValue)
        case .market: return .texts(entity.markets)
        case .name: return .text(entity.name)
        case .status: return .text(entity.status.rawValue)
        case .reach, .frequency:
            guard let reach = table.reach[entity.id]?[window] else { return .undefined("reach not reported") }
            if prepared.condition.field == .reach {
                return .value(numerator: Int128(reach) * 1_000_000, denominator: 1, currency: nil)
            }
            guard reach != 0 else { return .undefined("no reach") }
            return .value(
                numerator: Int128(sums.impressions[index]) * 1_000_000, denominator: Int128(reach), currency: nil)
        default:
            break
        }
        let field = prepared.condition.field
        guard
            let (numerator, denominator) = Self.fraction(
                field, index, sums, prepared.converted?.spend, prepared.converted?.value)
        else {
            if let converted = prepared.converted, converted.spend[index] == nil {
                return .undefined(
                    "no \(table.accounts[entity.account].currency)→\(prepared.currency ?? "") rate for a day of the window"
                )
            }
            switch field {
            case .cpc: return .undefined("no clicks")
            case .cpm, .ctr: return .undefined("no impressions")
            case .roas: return .undefined("no spend")
            default: return .undefined("no conversions")
            }
        }
        return .value(
            numerator: numerator, denominator: denominator,
            currency: field.isMoney ? prepared.currency ?? table.accounts[entity.account].currency : nil)
    }

    private func holds(_ condition: RuleCondition, _ seen: RuleObservation) -> Bool {
        switch seen {
        case .undefined:
            return false
        case .value(let numerator, let denominator, _):
            return NumericCheck(condition).holds((numerator, denominator))
        case .text(let text):
            switch (condition.op, condition.operand) {
            case (.equal, .text(let wanted)): return text == wanted
            case (.notEqual, .text(let wanted)): return text != wanted
            case (.in, .texts(let list)), (.any, .texts(let list)): return list.contains(text)
            case (.notIn, .texts(let list)), (.none, .texts(let list)): return !list.contains(text)
            case (.all, .texts(let list)): return list.allSatisfy { $0 == text }
            case (.contain, .text(let part)): return text.localizedLowercase.contains(part.localizedLowercase)
            case (.notContain, .text(let part)): return !text.localizedLowercase.contains(part.localizedLowercase)
            default: return false
            }
        case .texts(let values):
            switch (condition.op, condition.operand) {
            case (.any, .texts(let list)), (.in, .texts(let list)): return values.contains { list.contains($0) }
            case (.all, .texts(let list)): return list.allSatisfy { values.contains($0) }
            case (.none, .texts(let list)), (.notIn, .texts(let list)): return !values.contains { list.contains($0) }
            case (.contain, .text(let one)): return values.contains(one)
            case (.notContain, .text(let one)): return !values.contains(one)
            default: return false
            }
        }
    }
}

extension RuleOperand {
    /// The currency of a money operand (every number of one operand names the same one).
    public var currency: String? {
        switch self {
        case .number(let n): n.currency
        case .range(let low, _): low.currency
        case .numbers(let list): list.first?.currency
        case .text, .texts: nil
        }
    }
}
