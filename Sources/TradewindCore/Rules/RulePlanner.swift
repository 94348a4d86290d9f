/// What a rule does to one campaign or ad group whose conditions held, within its bounds: pure,
/// so the worker and the dry run decide alike and the bounds are unit-tested.
public enum RulePlanner {
    /// Meta refuses a fifth budget change of an ad set within an hour (anchors B5).
    public static let metaBudgetChangesPerHour = 4

    /// The campaign or ad group as the rule finds it.
    public struct Situation: Sendable, Hashable {
        public var level: RuleEntityLevel
        public var channel: AdChannel
        /// The account's currency: the channel counts budgets and bids in its steps.
        public var currency: String
        /// The entity's own status: an ad group is active or paused whatever its campaign is.
        public var status: CampaignStatus
        /// The campaign's budget (an ad group's is its campaign's).
        public var budgetMicros: Int64
        /// How the entity bids: a rule changes the amount of a cap per click or a target cost
        /// per action. An ad group bids its own amount under its campaign's strategy
        /// (`AdGroupSpec.bidStrategy(under:)`).
        public var bid: BidStrategy
        /// Changes this rule queued for the entity on the account's current day.
        public var actionsToday: Int
        /// Budget changes of the campaign queued for its channel in the last hour, by anyone.
        public var budgetChangesLastHour: Int

        public init(
            level: RuleEntityLevel, channel: AdChannel, currency: String, status: CampaignStatus,
            budgetMicros: Int64, bid: BidStrategy, actionsToday: Int, budgetChangesLastHour: Int
        ) {
            self.level = level
            self.channel = channel
            self.currency = currency
            self.status = status
            self.budgetMicros = budgetMicros
            self.bid = bid
            self.actionsToday = actionsToday
            self.budgetChangesLastHour = budgetChangesLastHour
        }

        public var budgetStepMicros: Int64 { channel.rules.budgetStepMicros(currency) }
        public var bidStepMicros: Int64 { CurrencyUnits.microsPerMinorUnit(currency) }
    }

    public struct Plan: Sendable, Hashable {
        public var kind: RuleActionRecord.Kind
        public var outcome: RuleActionRecord.Outcome
        public var reason: String
        public var beforeMicros: Int64?
        public var afterMicros: Int64?
    }

    public static func plan(_ execution: RuleExecutionSpec, for situation: Situation) -> Plan {
        func skip(_ kind: RuleActionRecord.Kind, _ reason: String, before: Int64? = nil) -> Plan {
            Plan(kind: kind, outcome: .skipped, reason: reason, beforeMicros: before, afterMicros: nil)
        }
        let noun =
            switch situation.level {
            case .campaign: "campaign"
            case .adGroup: "ad group"
            case .ad: "ad"
            }
        // A rule never touches a draft or an archived campaign (they are not candidates either).
        guard situation.status == .active || situation.status == .paused else {
            return skip(kind(of: execution.action), "the \(noun) is \(situation.status.rawValue)")
        }
        // Budget and bid changes of one entity count together against the rule's daily maximum.
        let kind = kind(of: execution.action)
        if kind == .changeBudget || kind == .changeBid {
            let daily = max(1, execution.maximumChangesPerDay)
            if situation.actionsToday >= daily {
                return skip(
                    kind, "\(situation.actionsToday) change(s) today: the rule's daily maximum",
                    before: kind == .changeBudget ? situation.budgetMicros : situation.bid.amountMicros)
            }
        }
        switch execution.action {
        case .notify:
            return Plan(kind: .notify, outcome: .notified, reason: "", beforeMicros: nil, afterMicros: nil)
        case .pause:
            if situation.status == .paused { return skip(.pause, "already paused") }
            return Plan(kind: .pause, outcome: .queued, reason: "", beforeMicros: nil, afterMicros: nil)
        case .resume:
            if situation.status == .active { return skip(.resume, "already active") }
            return Plan(kind: .resume, outcome: .queued, reason: "", beforeMicros: nil, afterMicros: nil)
        case .changeBid(let change):
            // Validation refuses bid rules on ads; a stored one never moves a bid.
            guard situation.level != .ad else { return skip(.changeBid, "an ad has no bid of its own") }
            guard let before = situation.bid.amountMicros else {
                return skip(
                    .changeBid,
                    situation.bid == .automatic
                        ? "the \(noun) bids automatically: no bid to change"
                        : "the \(noun) bids to a return on ad spend: no bid amount to change")
            }
            guard let after = change.apply(to: before, step: situation.bidStepMicros) else {
                return skip(.changeBid, unchanged("bid", change, before, step: situation.bidStepMicros), before: before)
            }
            return Plan(kind: .changeBid, outcome: .queued, reason: "", beforeMicros: before, afterMicros: after)
        case .changeBudget(let change):
            // Validation refuses budget rules on ad groups; a stored one never moves a budget.
            guard situation.level == .campaign else {
                return skip(.changeBudget, "the budget is the campaign's, not the \(noun)'s")
            }
            let before = situation.budgetMicros
            if situation.channel == .meta && situation.budgetChangesLastHour >= metaBudgetChangesPerHour {
                return skip(
                    .changeBudget,
                    "\(situation.budgetChangesLastHour) budget changes in the last hour: Meta's limit per ad set",
                    before: before)
            }
            guard let after = change.apply(to: before, step: situation.budgetStepMicros) else {
                return skip(
                    .changeBudget, unchanged("budget", change, before, step: situation.budgetStepMicros),
                    before: before)
            }
            return Plan(kind: .changeBudget, outcome: .queued, reason: "", beforeMicros: before, afterMicros: after)
        }
    }

    /// Why a budget or bid does not move.
    static func unchanged(_ what: String, _ change: RuleChange, _ value: Int64, step: Int64) -> String {
        if change.isAtLimit(value) {
            return change.raises ? "the \(what) is at the rule's cap" : "the \(what) is at the rule's floor"
        }
        return "the change is smaller than the channel's step of \(step) micros"
    }

    static func kind(of action: RuleAction) -> RuleActionRecord.Kind {
        switch action {
        case .pause: .pause
        case .resume: .resume
        case .notify: .notify
        case .changeBudget: .changeBudget
        case .changeBid: .changeBid
        }
    }
}

extension BidStrategy {
    /// The amount a rule's bid change moves: the cap per click or the target cost per action.
    public var amountMicros: Int64? {
        switch self {
        case .maximumCostPerClick(let micros), .targetCostPerAction(let micros): micros
        case .automatic, .targetReturnOnAdSpend: nil
        }
    }

    /// The same strategy with another amount; strategies without one are unchanged.
    public func with(amountMicros micros: Int64) -> BidStrategy {
        switch self {
        case .maximumCostPerClick: .maximumCostPerClick(micros: micros)
        case .targetCostPerAction: .targetCostPerAction(micros: micros)
        case .automatic, .targetReturnOnAdSpend: self
        }
    }
}
