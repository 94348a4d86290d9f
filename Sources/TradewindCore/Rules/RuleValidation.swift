/// The checks a rule passes before it is stored, each naming the request field it is about
/// (`rule.evaluation.conditions[1].operand`), so a client can point at it.
extension AutomatedRule {
    public static let maximumConditions = 20
    public static let maximumNameLength = 200
    public static let maximumEntityIDs = 1000

    public func violations(prefix: String = "rule") -> [FieldViolation] {
        var found: [FieldViolation] = []
        func refuse(_ field: String, _ reason: String) {
            found.append(FieldViolation(field: "\(prefix).\(field)", description: reason))
        }
        if name.trimmingCharacters(in: .whitespaces).isEmpty { refuse("name", "must not be empty") }
        if name.count > Self.maximumNameLength {
            refuse("name", "must be at most \(Self.maximumNameLength) characters")
        }
        let conditions = evaluation.conditions
        if conditions.isEmpty && evaluation.entityIDs.isEmpty {
            refuse("evaluation.conditions", "a rule needs at least one condition or entity id")
        }
        if conditions.count > Self.maximumConditions {
            refuse("evaluation.conditions", "at most \(Self.maximumConditions) conditions")
        }
        switch (evaluation.level, execution.action) {
        case (.adGroup, .changeBudget), (.ad, .changeBudget):
            refuse(
                "execution.action",
                "CHANGE_BUDGET acts on campaigns: in Tradewind the budget is the campaign's, not its ad groups' or ads'"
            )
        case (.ad, .changeBid):
            refuse("execution.action", "CHANGE_BID acts on campaigns and ad groups: an ad has no bid of its own")
        default:
            break
        }
        if evaluation.entityIDs.count > Self.maximumEntityIDs {
            refuse("evaluation.entity_ids", "at most \(Self.maximumEntityIDs) ids")
        }
        for (index, condition) in conditions.enumerated() {
            for reason in condition.problems() {
                refuse("evaluation.conditions[\(index)].\(reason.field)", reason.text)
            }
        }
        switch execution.action {
        case .changeBudget(let change), .changeBid(let change):
            switch change.amount {
            case .micros(let value) where value == 0, .percentMilli(let value) where value == 0:
                refuse("execution.change.amount", "must not be zero")
            case .percentMilli(let value) where value <= -100_000:
                refuse("execution.change.amount", "cannot lower by 100 % or more")
            default: break
            }
            if change.limitMicros <= 0 { refuse("execution.change.limit_micros", "must be positive") }
        case .pause, .resume, .notify:
            break
        }
        if execution.maximumChangesPerDay < 0 || execution.maximumChangesPerDay > 24 {
            refuse("execution.maximum_changes_per_day", "must be 0-24")
        }
        switch schedule {
        case .everyMinutes(let minutes) where minutes < RuleSchedule.minimumMinutes || minutes > 1440:
            refuse("schedule.every_minutes", "must be \(RuleSchedule.minimumMinutes)-1440")
        case .daily(let minute) where !(0..<1440).contains(minute):
            refuse("schedule.daily_minute", "must be 0-1439 (minutes after the tenant's midnight)")
        default:
            break
        }
        return found
    }
}

extension RuleCondition {
    fileprivate struct Problem {
        var field: String
        var text: String
    }

    /// What is wrong with the condition's operator or operand for its field.
    fileprivate func problems() -> [Problem] {
        let textOperators: Set<RuleOperator> = [
            .equal, .notEqual, .in, .notIn, .contain, .notContain, .any, .all, .none,
        ]
        let numberOperators: Set<RuleOperator> = [
            .greaterThan, .lessThan, .equal, .notEqual, .inRange, .notInRange, .in, .notIn,
        ]
        if field.isAttribute {
            guard textOperators.contains(op) else {
                return [Problem(field: "operator", text: "\(op.rawValue) does not apply to \(field.rawValue)")]
            }
            switch (op, operand) {
            case (.equal, .text), (.notEqual, .text), (.contain, .text), (.notContain, .text): return []
            case (.in, .texts(let list)), (.notIn, .texts(let list)), (.any, .texts(let list)),
                (.all, .texts(let list)), (.none, .texts(let list)):
                return list.isEmpty ? [Problem(field: "operand", text: "needs at least one value")] : []
            default:
                return [Problem(field: "operand", text: "\(op.rawValue) takes \(Self.shape(op, numeric: false))")]
            }
        }
        guard numberOperators.contains(op) else {
            return [Problem(field: "operator", text: "\(op.rawValue) does not apply to the metric \(field.rawValue)")]
        }
        let numbers: [RuleNumber]
        switch (op, operand) {
        case (.greaterThan, .number(let n)), (.lessThan, .number(let n)), (.equal, .number(let n)),
            (.notEqual, .number(let n)):
            numbers = [n]
        case (.inRange, .range(let low, let high)), (.notInRange, .range(let low, let high)):
            if low.micros > high.micros {
                return [Problem(field: "operand", text: "the range's low end is above its high end")]
            }
            numbers = [low, high]
        case (.in, .numbers(let list)), (.notIn, .numbers(let list)):
            if list.isEmpty { return [Problem(field: "operand", text: "needs at least one value")] }
            numbers = list
        default:
            return [Problem(field: "operand", text: "\(op.rawValue) takes \(Self.shape(op, numeric: true))")]
        }
        let currencies = Set(numbers.map(\.currency))
        if field.isMoney {
            guard currencies.count == 1, let currency = currencies.first ?? nil else {
                return [
                    Problem(field: "operand.currency", text: "\(field.rawValue) is money: name one ISO 4217 currency")
                ]
            }
            if !ISOCodes.currencies.contains(currency) {
                return [Problem(field: "operand.currency", text: "\(currency) is not an ISO 4217 currency")]
            }
        } else if currencies != [nil] {
            return [Problem(field: "operand.currency", text: "\(field.rawValue) is not money: no currency")]
        }
        return []
    }

    private static func shape(_ op: RuleOperator, numeric: Bool) -> String {
        switch op {
        case .inRange, .notInRange: "a range"
        case .in, .notIn, .any, .all, .none: numeric ? "a list of numbers" : "a list of values"
        default: numeric ? "one number" : "one value"
        }
    }
}
