import Foundation

/// An automated rule, one shape for every channel, after Meta's ad rules: what it looks at
/// (`RuleEvaluationSpec`), what it does (`RuleExecutionSpec`) and when it runs (`RuleSchedule`).
public struct AutomatedRule: Sendable, Hashable, Codable {
    public var id: UUID
    public var name: String
    public var evaluation: RuleEvaluationSpec
    public var execution: RuleExecutionSpec
    public var schedule: RuleSchedule

    public init(
        id: UUID, name: String, evaluation: RuleEvaluationSpec, execution: RuleExecutionSpec, schedule: RuleSchedule
    ) {
        self.id = id
        self.name = name
        self.evaluation = evaluation
        self.execution = execution
        self.schedule = schedule
    }
}

/// The level a rule acts on.
public enum RuleEntityLevel: String, Sendable, Hashable, Codable, CaseIterable {
    case campaign
    case adGroup = "ad_group"
    case ad
}

/// Which entities a rule looks at and the conditions, all AND-ed, that make it act.
public struct RuleEvaluationSpec: Sendable, Hashable, Codable {
    public var level: RuleEntityLevel
    /// The entities by id; empty: every entity of the level the filters let through.
    public var entityIDs: Set<UUID>
    /// Conditions on the entity's attributes (channel, market, name, status) and on its metrics
    /// over `window`. All must hold.
    public var conditions: [RuleCondition]
    public var window: RuleTimeWindow

    public init(
        level: RuleEntityLevel, entityIDs: Set<UUID> = [], conditions: [RuleCondition], window: RuleTimeWindow
    ) {
        self.level = level
        self.entityIDs = entityIDs
        self.conditions = conditions
        self.window = window
    }
}

/// The days a rule's metrics cover, counted in the ad account's own days (the time zone the channel
/// reports in), as Meta's `time_preset`. "Last N days" end yesterday; `today` is the day so far.
public enum RuleTimeWindow: String, Sendable, Hashable, Codable, CaseIterable {
    case today = "TODAY"
    case yesterday = "YESTERDAY"
    case last3Days = "LAST_3_DAYS"
    case last7Days = "LAST_7_DAYS"
    case last14Days = "LAST_14_DAYS"
    case last30Days = "LAST_30_DAYS"
    case last7DaysIncludingToday = "LAST_7_DAYS_INCLUDING_TODAY"

    /// The first and last day of the window for an account whose day is `today`.
    public func days(endingOn today: CalendarDay) -> (first: CalendarDay, last: CalendarDay) {
        switch self {
        case .today: (today, today)
        case .yesterday: (today.adding(days: -1), today.adding(days: -1))
        case .last3Days: (today.adding(days: -3), today.adding(days: -1))
        case .last7Days: (today.adding(days: -7), today.adding(days: -1))
        case .last14Days: (today.adding(days: -14), today.adding(days: -1))
        case .last30Days: (today.adding(days: -30), today.adding(days: -1))
        case .last7DaysIncludingToday: (today.adding(days: -6), today)
        }
    }

    /// The longest window: how many days of metrics evaluation may need.
    public static let maximumDays: Int64 = 31
}

/// A field a condition can test.
public enum RuleField: String, Sendable, Hashable, Codable, CaseIterable {
    // Attributes.
    case channel, market, name, status
    // Metrics summed over the window.
    case spend, impressions, clicks, conversions
    case conversionValue = "conversion_value"
    // Ratios of those sums; undefined when the divisor is zero.
    case cpc, cpm, ctr, cpa, roas, frequency
    /// Reach over the window, as the channel reports it (not a sum of days).
    case reach

    public var isAttribute: Bool { [.channel, .market, .name, .status].contains(self) }
    /// Fields whose value is money: a threshold on them names its currency.
    public var isMoney: Bool { [.spend, .conversionValue, .cpc, .cpm, .cpa].contains(self) }
}

/// Meta's thirteen filter operators.
public enum RuleOperator: String, Sendable, Hashable, Codable, CaseIterable {
    case greaterThan = "GREATER_THAN"
    case lessThan = "LESS_THAN"
    case equal = "EQUAL"
    case notEqual = "NOT_EQUAL"
    case inRange = "IN_RANGE"
    case notInRange = "NOT_IN_RANGE"
    case `in` = "IN"
    case notIn = "NOT_IN"
    case contain = "CONTAIN"
    case notContain = "NOT_CONTAIN"
    case any = "ANY"
    case all = "ALL"
    case none = "NONE"
}

/// A number a condition compares with: a plain count or ratio as a decimal scaled by 10^6 (2.5
/// is 2_500_000), or money in micros of a currency.
public struct RuleNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    public var micros: Int64
    /// ISO 4217 for money fields, nil otherwise.
    public var currency: String?

    public init(micros: Int64, currency: String? = nil) {
        self.micros = micros
        self.currency = currency
    }

    public static func whole(_ value: Int64) -> RuleNumber { RuleNumber(micros: value * 1_000_000) }

    public var description: String {
        let sign = micros < 0 ? "-" : ""
        let magnitude = micros.magnitude
        var fraction = String(magnitude % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let text = "\(sign)\(magnitude / 1_000_000)" + (fraction.isEmpty ? "" : ".\(fraction)")
        return currency.map { "\(text) \($0)" } ?? text
    }
}

/// What a condition compares with.
public enum RuleOperand: Sendable, Hashable, Codable {
    case number(RuleNumber)
    /// Both ends included.
    case range(RuleNumber, RuleNumber)
    case numbers([RuleNumber])
    case text(String)
    case texts([String])
}

/// One condition: `field operator operand`.
public struct RuleCondition: Sendable, Hashable, Codable {
    public var field: RuleField
    public var op: RuleOperator
    public var operand: RuleOperand

    public init(_ field: RuleField, _ op: RuleOperator, _ operand: RuleOperand) {
        self.field = field
        self.op = op
        self.operand = operand
    }
}

/// What a rule does to an entity whose conditions hold.
public struct RuleExecutionSpec: Sendable, Hashable, Codable {
    public var action: RuleAction
    /// At most this many changes of one entity's budget or bid per day of the account (0: no limit
    /// beyond the channel's own).
    public var maximumChangesPerDay: Int

    public init(action: RuleAction, maximumChangesPerDay: Int = 1) {
        self.action = action
        self.maximumChangesPerDay = maximumChangesPerDay
    }
}

public enum RuleAction: Sendable, Hashable, Codable {
    case pause
    case resume
    case changeBudget(RuleChange)
    case changeBid(RuleChange)
    /// Tells the tenant's members; changes nothing on the channel.
    case notify
}

/// A change of a budget or bid: by an amount (micros of the account's currency, negative lowers)
/// or by a percentage (in thousandths of a percent: 15_000 is +15 %), never past `limit`, which is
/// a cap when the change raises and a floor when it lowers.
public struct RuleChange: Sendable, Hashable, Codable {
    public enum Amount: Sendable, Hashable, Codable {
        case micros(Int64)
        case percentMilli(Int64)
    }

    public var amount: Amount
    /// Micros of the account's currency.
    public var limitMicros: Int64

    public init(amount: Amount, limitMicros: Int64) {
        self.amount = amount
        self.limitMicros = limitMicros
    }

    /// Raises (true) or lowers the value.
    public var raises: Bool {
        switch amount {
        case .micros(let value), .percentMilli(let value): value > 0
        }
    }

    /// Whether `current` already sits at or past the limit.
    public func isAtLimit(_ current: Int64) -> Bool {
        raises ? current >= limitMicros : current <= limitMicros
    }

    /// The new value, bounded by the limit and rounded toward `current` to a multiple of `step`
    /// (the channel's unit: cents for a EUR bid), so the limit is never passed; nil when nothing
    /// would change (at or past the limit, or a change smaller than a step).
    public func apply(to current: Int64, step: Int64 = 1) -> Int64? {
        let delta: Int64
        switch amount {
        case .micros(let value):
            delta = value
        case .percentMilli(let value):
            let product = Int128(current) * Int128(value)
            let half = Int128(50_000)
            delta = Int64(clamping: product >= 0 ? (product + half) / 100_000 : (product - half) / 100_000)
        }
        let proposed = current.addingReportingOverflow(delta).overflow ? (raises ? .max : .min) : current + delta
        var bounded = raises ? min(proposed, limitMicros) : max(proposed, limitMicros)
        let remainder = step > 1 ? bounded % step : 0
        if remainder != 0 { bounded += raises ? -remainder : step - remainder }
        return bounded == current || isAtLimit(current) ? nil : bounded
    }
}
