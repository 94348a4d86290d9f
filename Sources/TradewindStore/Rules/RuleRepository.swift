import Foundation
import PostgresNIO
import TradewindCore

/// SQL for automated rules, their runs and actions, inside a tenant transaction.
public enum RuleRepository {
    private static let columns = """
        r.id, r.name, r.spec::text, r.status, r.version, r.next_run_at, r.last_run_at, r.created_by, r.created_at,
        r.updated_at
        """

    public static func insert(
        _ rule: AutomatedRule, status: AutomatedRuleRecord.Status, nextRunAt: Date?, createdBy: String,
        in tx: TenantTransaction
    ) async throws -> AutomatedRuleRecord {
        let rows = try await tx.connection.query(
            """
            INSERT INTO automated_rules AS r (tenant_id, id, name, spec, status, next_run_at, created_by)
            VALUES (\(tx.tenantID), \(rule.id), \(rule.name), \(try StoredJSON.encode(rule))::jsonb,
                    \(Int16(status.rawValue)), \(nextRunAt), \(createdBy))
            RETURNING \(unescaped: columns)
            """, logger: tx.logger)
        guard let record = try await decode(rows).first else {
            throw StoredValueError(table: "automated_rules", id: rule.id)
        }
        return record
    }

    public static func get(id: UUID, in tx: TenantTransaction) async throws -> AutomatedRuleRecord? {
        let rows = try await tx.connection.query(
            "SELECT \(unescaped: columns) FROM automated_rules r WHERE r.tenant_id = \(tx.tenantID) AND r.id = \(id)",
            logger: tx.logger)
        return try await decode(rows).first
    }

    /// The rule, locked until the transaction ends, for a read-check-write.
    public static func lock(id: UUID, in tx: TenantTransaction) async throws -> AutomatedRuleRecord? {
        let rows = try await tx.connection.query(
            """
            SELECT \(unescaped: columns) FROM automated_rules r
            WHERE r.tenant_id = \(tx.tenantID) AND r.id = \(id) FOR UPDATE
            """, logger: tx.logger)
        return try await decode(rows).first
    }

    /// Rules newest first after the one at `after` (creation time in microseconds, id).
    public static func list(
        status: AutomatedRuleRecord.Status?, after: (Int64, UUID)?, limit: Int, in tx: TenantTransaction
    ) async throws -> [AutomatedRuleRecord] {
        let rows = try await tx.connection.query(
            """
            SELECT \(unescaped: columns) FROM automated_rules r
            WHERE r.tenant_id = \(tx.tenantID)
              AND (\(status == nil) OR r.status = \(Int16(status?.rawValue ?? 0)))
              AND (\(after == nil) OR (r.created_at, r.id)
                    < ('epoch'::timestamptz + \(after?.0 ?? 0) * interval '1 microsecond', \(after?.1 ?? UUID())))
            ORDER BY r.created_at DESC, r.id DESC LIMIT \(limit)
            """, logger: tx.logger)
        return try await decode(rows)
    }

    /// The enabled rules that run after each metric sync.
    public static func triggeredByMetricSync(in tx: TenantTransaction) async throws -> [UUID] {
        let rows = try await tx.connection.query(
            """
            SELECT r.id FROM automated_rules r
            WHERE r.tenant_id = \(tx.tenantID) AND r.status = 1 AND r.spec->'schedule' ? 'onMetricSync'
            """, logger: tx.logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    /// Writes back a locked rule's spec, status and next run, and bumps its version.
    public static func update(
        _ rule: AutomatedRule, status: AutomatedRuleRecord.Status, nextRunAt: Date?, in tx: TenantTransaction
    ) async throws -> AutomatedRuleRecord {
        let rows = try await tx.connection.query(
            """
            UPDATE automated_rules AS r SET name = \(rule.name), spec = \(try StoredJSON.encode(rule))::jsonb,
                status = \(Int16(status.rawValue)), next_run_at = \(nextRunAt), version = version + 1,
                updated_at = now()
            WHERE r.tenant_id = \(tx.tenantID) AND r.id = \(rule.id)
            RETURNING \(unescaped: columns)
            """, logger: tx.logger)
        guard let record = try await decode(rows).first else {
            throw StoredValueError(table: "automated_rules", id: rule.id)
        }
        return record
    }

    /// Records that the rule ran and when it runs next (no new version: the rule did not change).
    public static func markRun(id: UUID, at time: Date, nextRunAt: Date?, in tx: TenantTransaction) async throws {
        try await tx.connection.query(
            """
            UPDATE automated_rules SET last_run_at = \(time), next_run_at = \(nextRunAt)
            WHERE tenant_id = \(tx.tenantID) AND id = \(id)
            """, logger: tx.logger)
    }

    /// Deletes the rule with its runs and actions; false when there was none.
    public static func delete(id: UUID, in tx: TenantTransaction) async throws -> Bool {
        let rows = try await tx.connection.query(
            "DELETE FROM automated_rules WHERE tenant_id = \(tx.tenantID) AND id = \(id) RETURNING id",
            logger: tx.logger)
        var deleted = false
        for try await _ in rows { deleted = true }
        return deleted
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [AutomatedRuleRecord] {
        var records: [AutomatedRuleRecord] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            let id = try cells[0].decode(UUID.self)
            guard let status = AutomatedRuleRecord.Status(rawValue: Int(try cells[3].decode(Int16.self))) else {
                throw StoredValueError(table: "automated_rules", id: id)
            }
            records.append(
                AutomatedRuleRecord(
                    rule: try StoredJSON.decode(AutomatedRule.self, try cells[2].decode(String.self)), status: status,
                    version: try cells[4].decode(Int64.self), nextRunAt: try cells[5].decode(Date?.self),
                    lastRunAt: try cells[6].decode(Date?.self), createdBy: try cells[7].decode(String.self),
                    createdAt: try cells[8].decode(Date.self), updatedAt: try cells[9].decode(Date.self)))
        }
        return records
    }

    // MARK: - Runs and actions

    /// Starts the run of `ruleID` for the slot `scheduledFor`; nil when that slot has a run already
    /// (the evaluation job ran before and its transaction committed: nothing more to do).
    public static func startRun(
        id: UUID, ruleID: UUID, trigger: RuleTrigger, scheduledFor: Date, ruleVersion: Int64, in tx: TenantTransaction
    ) async throws -> UUID? {
        let rows = try await tx.connection.query(
            """
            INSERT INTO rule_runs (tenant_id, id, rule_id, trigger, scheduled_for, rule_version)
            VALUES (\(tx.tenantID), \(id), \(ruleID), \(trigger.rawValue), \(scheduledFor), \(ruleVersion))
            ON CONFLICT (tenant_id, rule_id, scheduled_for) DO NOTHING
            RETURNING id
            """, logger: tx.logger)
        var started: UUID?
        for try await value in rows.decode(UUID.self) { started = value }
        return started
    }

    public static func finishRun(
        id: UUID, checked: Int, matched: Int, status: RuleRunRecord.Status, error: String, in tx: TenantTransaction
    ) async throws {
        try await tx.connection.query(
            """
            UPDATE rule_runs SET entities_checked = \(Int32(checked)), entities_matched = \(Int32(matched)),
                status = \(Int16(status.rawValue)), error = \(String(error.prefix(2000)))
            WHERE tenant_id = \(tx.tenantID) AND id = \(id)
            """, logger: tx.logger)
    }

    public static func insertAction(_ action: RuleActionRecord, ruleID: UUID, in tx: TenantTransaction) async throws {
        try await tx.connection.query(
            """
            INSERT INTO rule_actions (tenant_id, id, rule_id, run_id, entity_level, entity_id, campaign_id, account_day,
                                      action, outcome, reason, before_micros, after_micros, observed, job_id)
            VALUES (\(tx.tenantID), \(action.id), \(ruleID), \(action.runID), \(action.level.rawValue),
                    \(action.entityID), \(action.level == .campaign ? nil : action.campaignID),
                    \(action.accountDay.description)::date, \(action.kind.rawValue), \(action.outcome.rawValue),
                    \(String(action.reason.prefix(500))), \(action.beforeMicros), \(action.afterMicros),
                    \(try StoredJSON.encode(action.observed))::jsonb, \(action.jobID))
            """, logger: tx.logger)
    }

    /// How many actions the rule queued for each entity on its account's day (the daily cap), in
    /// one query for all of a run's matches; entities without any are absent.
    public static func queuedActions(
        ruleID: UUID, on days: [UUID: CalendarDay], in tx: TenantTransaction
    ) async throws -> [UUID: Int] {
        guard !days.isEmpty else { return [:] }
        let ids = Array(days.keys)
        let rows = try await tx.connection.query(
            """
            SELECT a.entity_id, count(*) FROM rule_actions a
            JOIN unnest(\(ids)::uuid[], \(ids.map { days[$0]!.description })::date[]) AS d(entity_id, day)
              ON d.entity_id = a.entity_id AND d.day = a.account_day
            WHERE a.tenant_id = \(tx.tenantID) AND a.rule_id = \(ruleID) AND a.outcome = 'queued'
            GROUP BY a.entity_id
            """, logger: tx.logger)
        var counts: [UUID: Int] = [:]
        for try await (id, count) in rows.decode((UUID, Int64).self) { counts[id] = Int(count) }
        return counts
    }

    /// Budget changes of each campaign queued for its channel since `time`, by rules or by hand
    /// (Meta takes four an hour per ad set); campaigns without any are absent.
    public static func budgetChanges(campaignIDs: [UUID], since time: Date, in tx: TenantTransaction) async throws
        -> [UUID: Int]
    {
        guard !campaignIDs.isEmpty else { return [:] }
        let rows = try await tx.connection.query(
            """
            SELECT subject_id, count(*) FROM outbox_jobs
            WHERE tenant_id = \(tx.tenantID) AND subject_id = ANY(\(campaignIDs)) AND kind = 'campaign.budget'
              AND created_at > \(time)
            GROUP BY subject_id
            """, logger: tx.logger)
        var counts: [UUID: Int] = [:]
        for try await (id, count) in rows.decode((UUID, Int64).self) { counts[id] = Int(count) }
        return counts
    }

    /// A rule's runs, newest first, after the one at `after` (start time in microseconds, id),
    /// each with its actions.
    public static func runs(ruleID: UUID, after: (Int64, UUID)?, limit: Int, in tx: TenantTransaction) async throws
        -> [RuleRunRecord]
    {
        let rows = try await tx.connection.query(
            """
            SELECT id, trigger, scheduled_for, started_at, rule_version, entities_checked, entities_matched, status,
                   error
            FROM rule_runs
            WHERE tenant_id = \(tx.tenantID) AND rule_id = \(ruleID)
              AND (\(after == nil) OR (started_at, id)
                    < ('epoch'::timestamptz + \(after?.0 ?? 0) * interval '1 microsecond', \(after?.1 ?? UUID())))
            ORDER BY started_at DESC, id DESC LIMIT \(limit)
            """, logger: tx.logger)
        var runs: [RuleRunRecord] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            let id = try cells[0].decode(UUID.self)
            guard let trigger = RuleTrigger(rawValue: try cells[1].decode(String.self)),
                let status = RuleRunRecord.Status(rawValue: Int(try cells[7].decode(Int16.self)))
            else { throw StoredValueError(table: "rule_runs", id: id) }
            runs.append(
                RuleRunRecord(
                    id: id, ruleID: ruleID, trigger: trigger, scheduledFor: try cells[2].decode(Date.self),
                    startedAt: try cells[3].decode(Date.self), ruleVersion: try cells[4].decode(Int64.self),
                    entitiesChecked: Int(try cells[5].decode(Int32.self)),
                    entitiesMatched: Int(try cells[6].decode(Int32.self)), status: status,
                    error: try cells[8].decode(String.self), actions: []))
        }
        guard !runs.isEmpty else { return [] }
        let actions = try await tx.connection.query(
            """
            SELECT id, run_id, entity_id, account_day::text, action, outcome, reason, before_micros, after_micros,
                   observed::text, job_id, created_at, entity_level, coalesce(campaign_id, entity_id)
            FROM rule_actions
            WHERE tenant_id = \(tx.tenantID) AND run_id = ANY(\(runs.map(\.id)))
            ORDER BY created_at, id
            """, logger: tx.logger)
        var byRun: [UUID: [RuleActionRecord]] = [:]
        for try await row in actions {
            let cells = row.makeRandomAccess()
            let id = try cells[0].decode(UUID.self)
            guard let day = CalendarDay(try cells[3].decode(String.self)),
                let level = RuleEntityLevel(rawValue: try cells[12].decode(String.self)),
                let kind = RuleActionRecord.Kind(rawValue: try cells[4].decode(String.self)),
                let outcome = RuleActionRecord.Outcome(rawValue: try cells[5].decode(String.self))
            else { throw StoredValueError(table: "rule_actions", id: id) }
            let runID = try cells[1].decode(UUID.self)
            byRun[runID, default: []].append(
                RuleActionRecord(
                    id: id, runID: runID, level: level, entityID: try cells[2].decode(UUID.self),
                    campaignID: try cells[13].decode(UUID.self), accountDay: day, kind: kind,
                    outcome: outcome, reason: try cells[6].decode(String.self),
                    beforeMicros: try cells[7].decode(Int64?.self), afterMicros: try cells[8].decode(Int64?.self),
                    observed: try StoredJSON.decode([RuleConditionSeen].self, try cells[9].decode(String.self)),
                    jobID: try cells[10].decode(UUID?.self), createdAt: try cells[11].decode(Date.self)))
        }
        return runs.map { run in
            var run = run
            run.actions = byRun[run.id] ?? []
            return run
        }
    }

    // MARK: - What rules evaluate

    /// A campaign, ad group or ad a rule may act on: published, its campaign not archived, on a linked
    /// account.
    public struct Candidate: Sendable, Hashable {
        public var level: RuleEntityLevel
        /// The campaign's, ad group's or ad's id.
        public var entityID: UUID
        public var campaignID: UUID
        public var accountID: UUID
        public var channel: AdChannel
        /// The entity's own name and status.
        public var name: String
        public var status: CampaignStatus
        /// The campaign's.
        public var markets: [String]
        public var budgetMicros: Int64
        /// The entity's own way of bidding: an ad group's amount under its campaign's strategy.
        public var bidStrategy: BidStrategy
        public var currency: String
        public var timeZone: String
    }

    /// The entities of `level` rules may act on (all, or those of `ids`). Ad groups and ads only
    /// on accounts whose last pull covered their level: before it, they have no figures at all.
    public static func candidates(level: RuleEntityLevel, ids: [UUID], in tx: TenantTransaction) async throws
        -> [Candidate]
    {
        let rows: PostgresRowSequence
        switch level {
        case .campaign:
            rows = try await tx.connection.query(
                """
                SELECT c.id, c.id, c.account_id, c.channel, c.name, c.status, c.markets, c.budget_micros, a.currency,
                       a.time_zone, c.bid_strategy::text, NULL::bigint
                FROM campaigns c JOIN channel_accounts a ON a.tenant_id = c.tenant_id AND a.id = c.account_id
                WHERE c.tenant_id = \(tx.tenantID) AND c.status IN (2, 3) AND c.published IS NOT NULL AND a.status <> 3
                  AND (cardinality(\(ids)::uuid[]) = 0 OR c.id = ANY(\(ids)::uuid[]))
                ORDER BY c.id
                """, logger: tx.logger)
        case .adGroup:
            rows = try await tx.connection.query(
                """
                SELECT g.id, c.id, c.account_id, c.channel, g.name, g.status, c.markets, c.budget_micros, a.currency,
                       a.time_zone, c.bid_strategy::text, g.default_bid_micros
                FROM ad_groups g
                JOIN campaigns c ON c.tenant_id = g.tenant_id AND c.id = g.campaign_id
                JOIN channel_accounts a ON a.tenant_id = c.tenant_id AND a.id = c.account_id
                WHERE g.tenant_id = \(tx.tenantID) AND c.status IN (2, 3) AND c.published IS NOT NULL
                  AND g.channel_ad_group_id IS NOT NULL AND a.status <> 3 AND 'ad_group' = ANY(a.metric_levels)
                  AND (cardinality(\(ids)::uuid[]) = 0 OR g.id = ANY(\(ids)::uuid[]))
                ORDER BY g.id
                """, logger: tx.logger)
        case .ad:
            rows = try await tx.connection.query(
                """
                SELECT d.id, c.id, c.account_id, c.channel, d.name, d.status, c.markets, c.budget_micros, a.currency,
                       a.time_zone, c.bid_strategy::text, g.default_bid_micros
                FROM ads d
                JOIN ad_groups g ON g.tenant_id = d.tenant_id AND g.id = d.ad_group_id
                JOIN campaigns c ON c.tenant_id = g.tenant_id AND c.id = g.campaign_id
                JOIN channel_accounts a ON a.tenant_id = c.tenant_id AND a.id = c.account_id
                WHERE d.tenant_id = \(tx.tenantID) AND c.status IN (2, 3) AND c.published IS NOT NULL
                  AND d.channel_ad_id IS NOT NULL AND a.status <> 3 AND 'ad' = ANY(a.metric_levels)
                  AND (cardinality(\(ids)::uuid[]) = 0 OR d.id = ANY(\(ids)::uuid[]))
                ORDER BY d.id
                """, logger: tx.logger)
        }
        var candidates: [Candidate] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            let id = try cells[0].decode(UUID.self)
            guard let channel = AdChannel(storedCode: Int(try cells[3].decode(Int16.self))),
                let status = CampaignStatus(storedCode: Int(try cells[5].decode(Int16.self)))
            else { throw StoredValueError(table: level == .campaign ? "campaigns" : "\(level.rawValue)s", id: id) }
            let campaignBid = try StoredJSON.decode(BidStrategy.self, try cells[10].decode(String.self))
            let ownBid = try cells[11].decode(Int64?.self)
            candidates.append(
                Candidate(
                    level: level, entityID: id, campaignID: try cells[1].decode(UUID.self),
                    accountID: try cells[2].decode(UUID.self), channel: channel,
                    name: try cells[4].decode(String.self), status: status, markets: try cells[6].decode([String].self),
                    budgetMicros: try cells[7].decode(Int64.self),
                    bidStrategy: ownBid.map { campaignBid.with(amountMicros: $0) } ?? campaignBid,
                    currency: try cells[8].decode(String.self), timeZone: try cells[9].decode(String.self)))
        }
        return candidates
    }

    /// What a run history shows of campaigns, ad groups and ads, whatever their status: the channel,
    /// the entity's name and the currency.
    public static func entityLabels(ids: [UUID], in tx: TenantTransaction) async throws -> [UUID: (
        channel: AdChannel, name: String, currency: String
    )] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await tx.connection.query(
            """
            SELECT id, channel, name, currency FROM campaigns
            WHERE tenant_id = \(tx.tenantID) AND id = ANY(\(ids))
            UNION ALL
            SELECT g.id, c.channel, g.name, c.currency
            FROM ad_groups g JOIN campaigns c ON c.tenant_id = g.tenant_id AND c.id = g.campaign_id
            WHERE g.tenant_id = \(tx.tenantID) AND g.id = ANY(\(ids))
            UNION ALL
            SELECT d.id, c.channel, d.name, c.currency
            FROM ads d
            JOIN ad_groups g ON g.tenant_id = d.tenant_id AND g.id = d.ad_group_id
            JOIN campaigns c ON c.tenant_id = g.tenant_id AND c.id = g.campaign_id
            WHERE d.tenant_id = \(tx.tenantID) AND d.id = ANY(\(ids))
            """, logger: tx.logger)
        var labels: [UUID: (channel: AdChannel, name: String, currency: String)] = [:]
        for try await (id, code, name, currency) in rows.decode((UUID, Int16, String, String).self) {
            guard let channel = AdChannel(storedCode: Int(code)) else { continue }
            labels[id] = (channel, name, currency)
        }
        return labels
    }

    /// One campaign's, ad group's or ad's day as the channel reported it, in the account's currency.
    public struct DailyFigures: Sendable, Hashable {
        public var entityID: UUID
        public var day: CalendarDay
        public var spendMicros: Int64
        public var impressions: Int64
        public var clicks: Int64
        public var conversionsMilli: Int64
        public var conversionValueMicros: Int64
    }

    /// The channel's figures of the campaigns, ad groups or ads for `from` through `through`.
    public static func figures(
        level: RuleEntityLevel, ids: [UUID], from: CalendarDay, through: CalendarDay, in tx: TenantTransaction
    ) async throws -> [DailyFigures] {
        guard !ids.isEmpty else { return [] }
        let (table, column): (String, String)
        switch level {
        case .campaign: (table, column) = ("channel_daily_metrics", "campaign_id")
        case .adGroup: (table, column) = ("channel_ad_group_daily_metrics", "ad_group_id")
        case .ad: (table, column) = ("channel_ad_daily_metrics", "ad_id")
        }
        let rows = try await tx.connection.query(
            """
            SELECT \(unescaped: column), day::text, spend_micros, impressions, clicks, conversions_milli,
                   conversion_value_micros
            FROM \(unescaped: table)
            WHERE tenant_id = \(tx.tenantID) AND \(unescaped: column) = ANY(\(ids))
              AND day BETWEEN \(from.description)::date AND \(through.description)::date
            """, logger: tx.logger)
        var figures: [DailyFigures] = []
        for try await (id, day, spend, impressions, clicks, conversions, value) in rows.decode(
            (UUID, String, Int64, Int64, Int64, Int64, Int64).self)
        {
            guard let day = CalendarDay(day) else { continue }
            figures.append(
                DailyFigures(
                    entityID: id, day: day, spendMicros: spend, impressions: impressions, clicks: clicks,
                    conversionsMilli: conversions, conversionValueMicros: value))
        }
        return figures
    }

    /// The levels the tenant's rules act on: the channels' figures are pulled per ad group or per
    /// ad only for tenants with rules at that level.
    public static func levelsInUse(in tx: TenantTransaction) async throws -> Set<RuleEntityLevel> {
        let rows = try await tx.connection.query(
            """
            SELECT DISTINCT spec->'evaluation'->>'level' FROM automated_rules WHERE tenant_id = \(tx.tenantID)
            """, logger: tx.logger)
        var levels = Set<RuleEntityLevel>()
        for try await level in rows.decode(String?.self) {
            if let level = level.flatMap(RuleEntityLevel.init(rawValue:)) { levels.insert(level) }
        }
        return levels
    }
}
