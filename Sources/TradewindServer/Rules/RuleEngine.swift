import Foundation
import TradewindCore
import TradewindStore

/// Evaluates one rule against the tenant's campaigns or ad groups as they are now, inside a tenant
/// transaction: loads the candidates and their figures, runs Core's `RuleEvaluator`, and plans
/// each match with Core's `RulePlanner`. The dry run stops here; a run then acts on the plans
/// (`RuleJobRunner`).
enum RuleEngine {
    struct Match: Sendable {
        var candidate: RuleRepository.Candidate
        var accountDay: CalendarDay
        var observed: [RuleConditionSeen]
        var plan: RulePlanner.Plan
    }

    struct Evaluation: Sendable {
        var checked: Int
        var matches: [Match]
    }

    static func evaluate(_ rule: AutomatedRule, at now: Date, in tx: TenantTransaction) async throws -> Evaluation {
        let spec = rule.evaluation
        let candidates = try await RuleRepository.candidates(
            level: spec.level, ids: spec.entityIDs.sorted { $0.uuidString < $1.uuidString }, in: tx)
        guard !candidates.isEmpty else { return Evaluation(checked: 0, matches: []) }

        // Each account's own today anchors its window (the channel's days, not the tenant's).
        var accountIndex: [UUID: Int] = [:]
        var accounts: [RuleAccount] = []
        for candidate in candidates where accountIndex[candidate.accountID] == nil {
            accountIndex[candidate.accountID] = accounts.count
            let zone = TimeZone(identifier: candidate.timeZone) ?? .gmt
            accounts.append(RuleAccount(currency: candidate.currency, today: CalendarDay(now, in: zone)))
        }
        let windows = accounts.map { spec.window.days(endingOn: $0.today) }
        let firstDay = windows.map(\.first).min()!
        let lastDay = windows.map(\.last).max()!
        let dayCount = Int(lastDay.daysSinceEpoch - firstDay.daysSinceEpoch) + 1
        let entities = candidates.map { candidate in
            RuleEntity(
                id: candidate.entityID, level: candidate.level, channel: candidate.channel, markets: candidate.markets,
                name: candidate.name, status: candidate.status, account: accountIndex[candidate.accountID]!)
        }
        var table = RuleMetricsTable(entities: entities, accounts: accounts, firstDay: firstDay, dayCount: dayCount)
        let position = Dictionary(uniqueKeysWithValues: candidates.enumerated().map { ($1.entityID, $0) })
        for figure in try await RuleRepository.figures(
            level: spec.level, ids: candidates.map(\.entityID), from: firstDay, through: lastDay, in: tx)
        {
            guard let entity = position[figure.entityID] else { continue }
            table.record(
                entity: entity, day: figure.day, spendMicros: figure.spendMicros, impressions: figure.impressions,
                clicks: figure.clicks, conversionsMilli: figure.conversionsMilli,
                conversionValueMicros: figure.conversionValueMicros)
        }
        let exchange = try await exchange(for: rule, accounts: accounts, from: firstDay, through: lastDay, in: tx)

        var evaluator = RuleEvaluator(table: table, exchange: exchange)
        let matched = evaluator.matches(of: rule)
        // The counts the bounds need, in one query each for all the matches.
        let days = Dictionary(
            uniqueKeysWithValues: matched.map {
                (candidates[$0].entityID, accounts[entities[$0].account].today)
            })
        let actionsToday = try await RuleRepository.queuedActions(ruleID: rule.id, on: days, in: tx)
        var budgetChanges: [UUID: Int] = [:]
        // Meta's hourly limit is on budgets only, which are campaigns'.
        if case .changeBudget = rule.execution.action, spec.level == .campaign {
            budgetChanges = try await RuleRepository.budgetChanges(
                campaignIDs: matched.filter { candidates[$0].channel == .meta }.map { candidates[$0].campaignID },
                since: now.addingTimeInterval(-3600), in: tx)
        }
        var matches: [Match] = []
        for index in matched {
            let candidate = candidates[index]
            let observed = evaluator.explain(rule, entity: index).map { condition, seen, holds in
                RuleConditionSeen(condition: condition.description, value: seen.description, holds: holds)
            }
            let situation = RulePlanner.Situation(
                level: candidate.level, channel: candidate.channel, currency: candidate.currency,
                status: candidate.status, budgetMicros: candidate.budgetMicros, bid: candidate.bidStrategy,
                actionsToday: actionsToday[candidate.entityID] ?? 0,
                budgetChangesLastHour: budgetChanges[candidate.campaignID] ?? 0)
            matches.append(
                Match(
                    candidate: candidate, accountDay: days[candidate.entityID]!, observed: observed,
                    plan: RulePlanner.plan(rule.execution, for: situation)))
        }
        return Evaluation(checked: candidates.count, matches: matches)
    }

    /// The day-by-day rates a rule's money thresholds need: from each account's currency into each
    /// threshold's, for every day of the span (the tenant's own rates first, as for events).
    private static func exchange(
        for rule: AutomatedRule, accounts: [RuleAccount], from: CalendarDay, through: CalendarDay,
        in tx: TenantTransaction
    ) async throws -> RuleExchange {
        let thresholds = Set(
            rule.evaluation.conditions.compactMap { $0.field.isMoney ? $0.operand.currency : nil })
        let currencies = thresholds.union(accounts.map(\.currency))
        var exchange = RuleExchange()
        guard thresholds.contains(where: { threshold in accounts.contains { $0.currency != threshold } }) else {
            return exchange
        }
        var pairs = Set<CurrencyDay>()
        var day = from
        while day <= through {
            for currency in currencies { pairs.insert(CurrencyDay(currency: currency, day: day.description)) }
            day = day.adding(days: 1)
        }
        let usd = try await EventRepository.usdRates(pairs, in: tx)
        var byDay: [String: [String: Decimal]] = [:]
        for (pair, rate) in usd { byDay[pair.day, default: [:]][pair.currency] = rate }
        day = from
        while day <= through {
            exchange.add(
                day: day, table: ExchangeRates(usdPerUnit: byDay[day.description] ?? [:]), currencies: currencies)
            day = day.adding(days: 1)
        }
        return exchange
    }
}
