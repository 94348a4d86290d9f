import Foundation

/// A stored rule: the rule, whether it runs, its version (the etag) and its times.
public struct AutomatedRuleRecord: Sendable, Hashable {
    public enum Status: Int, Sendable, Hashable {
        case enabled = 1
        case disabled = 2
    }

    public var rule: AutomatedRule
    public var status: Status
    public var version: Int64
    /// When the next scheduled evaluation is due; nil while disabled or for `onMetricSync`.
    public var nextRunAt: Date?
    public var lastRunAt: Date?
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        rule: AutomatedRule, status: Status, version: Int64, nextRunAt: Date?, lastRunAt: Date?, createdBy: String,
        createdAt: Date, updatedAt: Date
    ) {
        self.rule = rule
        self.status = status
        self.version = version
        self.nextRunAt = nextRunAt
        self.lastRunAt = lastRunAt
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var etag: String { "\(version)" }
}

/// Why a rule was evaluated.
public enum RuleTrigger: String, Sendable, Hashable, Codable {
    case schedule
    case metricSync = "metric_sync"
    /// `RunRule`: now, as if scheduled.
    case manual
}

/// One evaluation of a rule and what it did.
public struct RuleRunRecord: Sendable, Hashable {
    public enum Status: Int, Sendable, Hashable {
        case done = 1
        case failed = 2
    }

    public var id: UUID
    public var ruleID: UUID
    public var trigger: RuleTrigger
    public var scheduledFor: Date
    public var startedAt: Date
    public var ruleVersion: Int64
    public var entitiesChecked: Int
    public var entitiesMatched: Int
    public var status: Status
    public var error: String
    public var actions: [RuleActionRecord]

    public init(
        id: UUID, ruleID: UUID, trigger: RuleTrigger, scheduledFor: Date, startedAt: Date, ruleVersion: Int64,
        entitiesChecked: Int, entitiesMatched: Int, status: Status, error: String, actions: [RuleActionRecord]
    ) {
        self.id = id
        self.ruleID = ruleID
        self.trigger = trigger
        self.scheduledFor = scheduledFor
        self.startedAt = startedAt
        self.ruleVersion = ruleVersion
        self.entitiesChecked = entitiesChecked
        self.entitiesMatched = entitiesMatched
        self.status = status
        self.error = error
        self.actions = actions
    }
}

/// What one condition saw for an entity: the values that fired (or would fire) an action.
public struct RuleConditionSeen: Sendable, Hashable, Codable {
    /// `cpc GREATER_THAN 2 USD`.
    public var condition: String
    /// `2.31 USD`, or `undefined (no clicks)`.
    public var value: String
    public var holds: Bool

    public init(condition: String, value: String, holds: Bool) {
        self.condition = condition
        self.value = value
        self.holds = holds
    }
}

/// What a run did, or decided not to do, to one entity.
public struct RuleActionRecord: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case pause
        case resume
        case changeBudget = "change_budget"
        case changeBid = "change_bid"
        case notify
    }

    public enum Outcome: String, Sendable, Hashable, Codable {
        /// A job is in the campaign's publish queue: the channel hears of it through the outbox.
        case queued
        case notified
        /// Nothing was done; `reason` says why.
        case skipped
    }

    public var id: UUID
    public var runID: UUID
    public var level: RuleEntityLevel
    /// The campaign or ad group acted on.
    public var entityID: UUID
    /// The entity's campaign (itself for a campaign).
    public var campaignID: UUID
    /// The ad account's day the run saw (daily caps count in it).
    public var accountDay: CalendarDay
    public var kind: Kind
    public var outcome: Outcome
    public var reason: String
    public var beforeMicros: Int64?
    public var afterMicros: Int64?
    public var observed: [RuleConditionSeen]
    public var jobID: UUID?
    public var createdAt: Date

    public init(
        id: UUID, runID: UUID, level: RuleEntityLevel, entityID: UUID, campaignID: UUID, accountDay: CalendarDay,
        kind: Kind, outcome: Outcome, reason: String, beforeMicros: Int64?, afterMicros: Int64?,
        observed: [RuleConditionSeen], jobID: UUID?, createdAt: Date
    ) {
        self.id = id
        self.runID = runID
        self.level = level
        self.entityID = entityID
        self.campaignID = campaignID
        self.accountDay = accountDay
        self.kind = kind
        self.outcome = outcome
        self.reason = reason
        self.beforeMicros = beforeMicros
        self.afterMicros = afterMicros
        self.observed = observed
        self.jobID = jobID
        self.createdAt = createdAt
    }
}

extension RuleCondition: CustomStringConvertible {
    /// `cpc GREATER_THAN 2 USD`, as run histories and audit records show a condition.
    public var description: String {
        let operand: String
        switch self.operand {
        case .number(let n): operand = n.description
        case .range(let low, let high): operand = "[\(low), \(high)]"
        case .numbers(let list): operand = "[" + list.map(\.description).joined(separator: ", ") + "]"
        case .text(let text): operand = "\"\(text)\""
        case .texts(let texts): operand = "[" + texts.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        }
        return "\(field.rawValue) \(op.rawValue) \(operand)"
    }
}
