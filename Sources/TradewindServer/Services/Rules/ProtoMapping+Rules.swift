import Foundation
import SwiftProtobuf
import TradewindCore
import TradewindProto

/// Rules between the wire and Core. The wire enums number their values in the order Core lists
/// its cases (`RuleField.allCases`, `RuleOperator.allCases`, `RuleTimeWindow.allCases`), from 1;
/// `RulesTests/enumsRoundTrip` keeps the two in step.
extension ProtoMapping {
    static func ruleField(_ value: Tradewind_V1_RuleField) -> RuleField? {
        RuleField.allCases.indices.contains(value.rawValue - 1) ? RuleField.allCases[value.rawValue - 1] : nil
    }

    static func ruleField(_ value: RuleField) -> Tradewind_V1_RuleField {
        Tradewind_V1_RuleField(rawValue: RuleField.allCases.firstIndex(of: value)! + 1) ?? .unspecified
    }

    static func ruleOperator(_ value: Tradewind_V1_RuleOperator) -> RuleOperator? {
        RuleOperator.allCases.indices.contains(value.rawValue - 1) ? RuleOperator.allCases[value.rawValue - 1] : nil
    }

    static func ruleOperator(_ value: RuleOperator) -> Tradewind_V1_RuleOperator {
        Tradewind_V1_RuleOperator(rawValue: RuleOperator.allCases.firstIndex(of: value)! + 1) ?? .unspecified
    }

    static func ruleEntityType(_ level: RuleEntityLevel) -> Tradewind_V1_RuleEntityType {
        switch level {
        case .campaign: .campaign
        case .adGroup: .adGroup
        case .ad: .ad
        }
    }

    static func ruleWindow(_ value: Tradewind_V1_RuleTimePreset) -> RuleTimeWindow? {
        RuleTimeWindow.allCases.indices.contains(value.rawValue - 1) ? RuleTimeWindow.allCases[value.rawValue - 1] : nil
    }

    static func ruleWindow(_ value: RuleTimeWindow) -> Tradewind_V1_RuleTimePreset {
        Tradewind_V1_RuleTimePreset(rawValue: RuleTimeWindow.allCases.firstIndex(of: value)! + 1) ?? .unspecified
    }

    /// The rule a request describes, with every wire-level problem named under `prefix`; Core's
    /// `AutomatedRule.violations` then checks what the rule means.
    static func rule(_ message: Tradewind_V1_Rule, id: UUID, prefix: String, into collector: inout ViolationCollector)
        -> AutomatedRule
    {
        let evaluation = ruleEvaluation(message.evaluation, prefix: "\(prefix).evaluation", into: &collector)
        let execution = ruleExecution(message.execution, prefix: "\(prefix).execution", into: &collector)
        let schedule = ruleSchedule(message.schedule, prefix: "\(prefix).schedule", into: &collector)
        return AutomatedRule(
            id: id, name: message.name, evaluation: evaluation, execution: execution, schedule: schedule)
    }

    static func ruleEvaluation(
        _ message: Tradewind_V1_RuleEvaluationSpec, prefix: String, into collector: inout ViolationCollector
    ) -> RuleEvaluationSpec {
        var level = RuleEntityLevel.campaign
        switch message.entityType {
        case .campaign: level = .campaign
        case .adGroup: level = .adGroup
        case .ad: level = .ad
        case .unspecified: collector.add("\(prefix).entity_type", "is required")
        case .UNRECOGNIZED: collector.add("\(prefix).entity_type", enumMessage(message.entityType.rawValue))
        }
        var ids = Set<UUID>()
        for (i, text) in message.entityIds.enumerated() {
            if let id = uuid(text, field: "\(prefix).entity_ids[\(i)]", into: &collector) { ids.insert(id) }
        }
        let window = ruleWindow(message.timePreset)
        if window == nil {
            collector.add(
                "\(prefix).time_preset",
                message.timePreset == .unspecified ? "is required" : enumMessage(message.timePreset.rawValue))
        }
        let conditions = message.conditions.enumerated().compactMap { i, condition in
            ruleCondition(condition, prefix: "\(prefix).conditions[\(i)]", into: &collector)
        }
        return RuleEvaluationSpec(level: level, entityIDs: ids, conditions: conditions, window: window ?? .last7Days)
    }

    static func ruleCondition(
        _ message: Tradewind_V1_RuleCondition, prefix: String, into collector: inout ViolationCollector
    ) -> RuleCondition? {
        let field = ruleField(message.field)
        if field == nil {
            collector.add(
                "\(prefix).field", message.field == .unspecified ? "is required" : enumMessage(message.field.rawValue))
        }
        let op = ruleOperator(message.operator)
        if op == nil {
            collector.add(
                "\(prefix).operator",
                message.operator == .unspecified ? "is required" : enumMessage(message.operator.rawValue))
        }
        func number(_ n: Tradewind_V1_RuleNumber) -> RuleNumber {
            RuleNumber(micros: n.micros, currency: n.currency.isEmpty ? nil : n.currency)
        }
        let operand: RuleOperand?
        switch message.operand {
        case .number(let n): operand = .number(number(n))
        case .range(let range):
            if !range.hasLow || !range.hasHigh { collector.add("\(prefix).operand", "a range needs low and high") }
            operand = .range(number(range.low), number(range.high))
        case .numbers(let list): operand = .numbers(list.values.map(number))
        case .text(let text):
            collector.require(
                FieldFormats.isPrintableText(text, maxLength: 200), "\(prefix).operand",
                "must be 1-200 printable characters")
            operand = .text(text)
        case .texts(let list):
            collector.require(list.values.count <= 100, "\(prefix).operand", "at most 100 values")
            operand = .texts(list.values)
        case nil:
            collector.add("\(prefix).operand", "is required")
            operand = nil
        }
        guard let field, let op, let operand else { return nil }
        return RuleCondition(field, op, operand)
    }

    static func ruleExecution(
        _ message: Tradewind_V1_RuleExecutionSpec, prefix: String, into collector: inout ViolationCollector
    ) -> RuleExecutionSpec {
        let perDay = Int(message.maximumChangesPerDay == 0 ? 1 : message.maximumChangesPerDay)
        func change() -> RuleChange {
            guard message.hasChange else {
                collector.add("\(prefix).change", "is required for CHANGE_BUDGET and CHANGE_BID")
                return RuleChange(amount: .micros(0), limitMicros: 1)
            }
            let amount: RuleChange.Amount
            switch message.change.amount {
            case .amountMicros(let micros): amount = .micros(micros)
            case .percentMilli(let milli): amount = .percentMilli(milli)
            case nil:
                collector.add("\(prefix).change.amount", "is required: amount_micros or percent_milli")
                amount = .micros(1)
            }
            return RuleChange(amount: amount, limitMicros: message.change.limitMicros)
        }
        let action: RuleAction
        switch message.action {
        case .pause: action = .pause
        case .resume: action = .resume
        case .notify: action = .notify
        case .changeBudget: action = .changeBudget(change())
        case .changeBid: action = .changeBid(change())
        case .unspecified:
            collector.add("\(prefix).action", "is required")
            action = .notify
        default:
            collector.add("\(prefix).action", enumMessage(message.action.rawValue))
            action = .notify
        }
        if message.hasChange, message.action != .changeBudget, message.action != .changeBid {
            collector.add("\(prefix).change", "only CHANGE_BUDGET and CHANGE_BID take a change")
        }
        return RuleExecutionSpec(action: action, maximumChangesPerDay: perDay)
    }

    static func ruleSchedule(
        _ message: Tradewind_V1_RuleSchedule, prefix: String, into collector: inout ViolationCollector
    )
        -> RuleSchedule
    {
        switch message.when {
        case .everyMinutes(let minutes): return .everyMinutes(Int(minutes))
        case .dailyMinute(let minute): return .daily(minuteOfDay: Int(minute))
        case .hourly(let on):
            collector.require(on, "\(prefix).hourly", "must be true when set")
            return .hourly
        case .onMetricSync(let on):
            collector.require(on, "\(prefix).on_metric_sync", "must be true when set")
            return .onMetricSync
        case nil:
            collector.add("\(prefix)", "is required: every_minutes, hourly, daily_minute or on_metric_sync")
            return .hourly
        }
    }

    // MARK: - Core to wire

    static func proto(_ record: AutomatedRuleRecord) -> Tradewind_V1_Rule {
        var message = proto(record.rule)
        message.status = record.status == .enabled ? .enabled : .disabled
        if let next = record.nextRunAt { message.nextRunTime = Google_Protobuf_Timestamp(date: next) }
        if let last = record.lastRunAt { message.lastRunTime = Google_Protobuf_Timestamp(date: last) }
        message.createTime = Google_Protobuf_Timestamp(date: record.createdAt)
        message.updateTime = Google_Protobuf_Timestamp(date: record.updatedAt)
        message.etag = record.etag
        return message
    }

    static func proto(_ rule: AutomatedRule) -> Tradewind_V1_Rule {
        var message = Tradewind_V1_Rule()
        message.id = rule.id.uuidString.lowercased()
        message.name = rule.name
        message.evaluation.entityType = ruleEntityType(rule.evaluation.level)
        message.evaluation.entityIds = rule.evaluation.entityIDs.map { $0.uuidString.lowercased() }.sorted()
        message.evaluation.timePreset = ruleWindow(rule.evaluation.window)
        message.evaluation.conditions = rule.evaluation.conditions.map(proto)
        switch rule.execution.action {
        case .pause: message.execution.action = .pause
        case .resume: message.execution.action = .resume
        case .notify: message.execution.action = .notify
        case .changeBudget(let change), .changeBid(let change):
            if case .changeBid = rule.execution.action {
                message.execution.action = .changeBid
            } else {
                message.execution.action = .changeBudget
            }
            switch change.amount {
            case .micros(let micros): message.execution.change.amountMicros = micros
            case .percentMilli(let milli): message.execution.change.percentMilli = milli
            }
            message.execution.change.limitMicros = change.limitMicros
            message.execution.maximumChangesPerDay = Int32(rule.execution.maximumChangesPerDay)
        }
        switch rule.schedule {
        case .everyMinutes(let minutes): message.schedule.everyMinutes = Int32(minutes)
        case .hourly: message.schedule.hourly = true
        case .daily(let minute): message.schedule.dailyMinute = Int32(minute)
        case .onMetricSync: message.schedule.onMetricSync = true
        }
        return message
    }

    static func proto(_ condition: RuleCondition) -> Tradewind_V1_RuleCondition {
        func number(_ n: RuleNumber) -> Tradewind_V1_RuleNumber {
            var message = Tradewind_V1_RuleNumber()
            message.micros = n.micros
            message.currency = n.currency ?? ""
            return message
        }
        var message = Tradewind_V1_RuleCondition()
        message.field = ruleField(condition.field)
        message.operator = ruleOperator(condition.op)
        switch condition.operand {
        case .number(let n): message.number = number(n)
        case .range(let low, let high):
            message.range.low = number(low)
            message.range.high = number(high)
        case .numbers(let list): message.numbers.values = list.map(number)
        case .text(let text): message.text = text
        case .texts(let texts): message.texts.values = texts
        }
        return message
    }

    static func ruleAction(_ kind: RuleActionRecord.Kind) -> Tradewind_V1_RuleActionType {
        switch kind {
        case .pause: .pause
        case .resume: .resume
        case .changeBudget: .changeBudget
        case .changeBid: .changeBid
        case .notify: .notify
        }
    }

    /// A budget change's amounts go in the budget fields, a bid change's in the bid fields.
    static func setAmounts(
        of kind: RuleActionRecord.Kind, before: Int64?, after: Int64?, on result: inout Tradewind_V1_RuleActionResult
    ) {
        switch kind {
        case .changeBudget:
            result.budgetBeforeMicros = before ?? 0
            result.budgetAfterMicros = after ?? 0
        case .changeBid:
            result.bidBeforeMicros = before ?? 0
            result.bidAfterMicros = after ?? 0
        case .pause, .resume, .notify:
            break
        }
    }

    static func ruleOutcome(_ outcome: RuleActionRecord.Outcome) -> Tradewind_V1_RuleActionOutcome {
        switch outcome {
        case .queued: .queued
        case .notified: .notified
        case .skipped: .skipped
        }
    }

    static func proto(_ seen: RuleConditionSeen) -> Tradewind_V1_RuleConditionResult {
        var message = Tradewind_V1_RuleConditionResult()
        message.condition = seen.condition
        message.value = seen.value
        message.holds = seen.holds
        return message
    }

    /// `entities`: the channel, name and currency of each campaign or ad group acted on.
    static func proto(_ run: RuleRunRecord, entities: [UUID: (AdChannel, String, String)])
        -> Tradewind_V1_RuleRun
    {
        var message = Tradewind_V1_RuleRun()
        message.id = run.id.uuidString.lowercased()
        message.trigger = run.trigger.rawValue
        message.scheduledTime = Google_Protobuf_Timestamp(date: run.scheduledFor)
        message.startTime = Google_Protobuf_Timestamp(date: run.startedAt)
        message.ruleEtag = "\(run.ruleVersion)"
        message.entitiesChecked = Int32(run.entitiesChecked)
        message.entitiesMatched = Int32(run.entitiesMatched)
        message.failed = run.status == .failed
        message.error = run.error
        message.actions = run.actions.map { action in
            var result = Tradewind_V1_RuleActionResult()
            result.entityID = action.entityID.uuidString.lowercased()
            result.entityType = ruleEntityType(action.level)
            result.campaignID = action.campaignID.uuidString.lowercased()
            if let (channel, name, currency) = entities[action.entityID] {
                result.channel = ProtoMapping.channel(channel)
                result.entityName = name
                result.currency = currency
            }
            result.accountDay = action.accountDay.description
            result.action = ruleAction(action.kind)
            result.outcome = ruleOutcome(action.outcome)
            result.reason = action.reason
            setAmounts(of: action.kind, before: action.beforeMicros, after: action.afterMicros, on: &result)
            result.conditions = action.observed.map(proto)
            return result
        }
        return message
    }
}
