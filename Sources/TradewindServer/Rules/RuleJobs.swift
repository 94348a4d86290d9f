import Foundation
import TradewindCore
import TradewindStore

/// The outbox jobs of automated rules. Each rule has a queue per trigger
/// (`rules:<rule id>:schedule` holds its next scheduled evaluation, due in the future; manual and
/// metric-sync evaluations wait in queues of their own, so they never queue behind it).
/// Evaluations of one rule never overlap all the same: each locks the rule's row. A crash re-runs
/// at most the evaluation that was under way, which then finds its run recorded and does nothing
/// twice.
enum RuleJobs {
    static let evaluateKind = "rule.evaluate"
    static let queuePrefix = "rules:"

    static func queue(rule id: UUID, trigger: RuleTrigger) -> String {
        "\(queuePrefix)\(id.uuidString.lowercased()):\(trigger.rawValue)"
    }

    struct EvaluatePayload: Codable {
        /// The slot the evaluation is for: a run is recorded once per rule and slot.
        var scheduledFor: Date
        var trigger: RuleTrigger
    }

    /// The next scheduled run of `rule` after `time`, in the tenant's time zone; nil for rules
    /// that run after metric syncs.
    static func nextRun(of rule: AutomatedRule, after time: Date, tenant: Tenant) -> Date? {
        rule.schedule.nextRun(after: time, in: TimeZone(identifier: tenant.settings.timeZone) ?? .gmt)
    }

    /// Queues an evaluation of the rule at `time`.
    @discardableResult
    static func enqueue(rule id: UUID, at time: Date, trigger: RuleTrigger, in tx: TenantTransaction) async throws
        -> OutboxJob
    {
        // Whole microseconds, as the database keeps them, so a slot compares equal when re-read.
        let slot = time.roundedToMicroseconds
        let payload = String(
            decoding: try JSONEncoder().encode(EvaluatePayload(scheduledFor: slot, trigger: trigger)), as: UTF8.self)
        return try await Outbox.enqueue(
            queue: queue(rule: id, trigger: trigger), kind: evaluateKind, subjectID: id, payload: payload,
            dueAt: slot, in: tx)
    }

    /// Cancels the rule's queued evaluations that no worker holds (one under way finishes).
    static func cancel(rule id: UUID, in tx: TenantTransaction) async throws {
        _ = try await Outbox.cancelPending(subjectID: id, kinds: [evaluateKind], in: tx)
    }

    /// Starts (or restarts) a rule's schedule from `time`: cancels what was queued and queues the
    /// next scheduled run of an enabled rule; returns when it is due.
    static func restartSchedule(
        of rule: AutomatedRule, enabled: Bool, from time: Date, tenant: Tenant, in tx: TenantTransaction
    ) async throws -> Date? {
        try await cancel(rule: rule.id, in: tx)
        guard enabled, let next = nextRun(of: rule, after: time, tenant: tenant) else { return nil }
        return try await enqueue(rule: rule.id, at: next, trigger: .schedule, in: tx).dueAt
    }

    /// A rule on ad groups or ads needs their figures, which accounts pull only for tenants with
    /// such rules: brings every linked account's next pull forward to now, over the longest window
    /// a rule looks at, so the rule has whole windows from its first run on. Until that pull is
    /// done, the rule sees no entity of its level on the account (`RuleRepository.candidates`).
    ///
    /// Call it before anything else of the transaction touches the outbox: it locks the pending
    /// pulls' rows first, then the wake row, the order a worker finishing a pull takes them in.
    /// The other order (a rule's evaluation queued first) deadlocked against a finishing pull.
    static func pullFigures(for rule: AutomatedRule, in tx: TenantTransaction) async throws {
        guard rule.evaluation.level != .campaign else { return }
        let accounts = try await ChannelAccountRepository.linked(in: tx)
        try await Outbox.lockPending(
            queues: accounts.map { CampaignJobs.metricsQueue(channel: $0.channel, account: $0.id) }, in: tx)
        for account in accounts {
            try await CampaignJobs.scheduleMetricsSync(
                channel: account.channel, account: account.id, days: Int(RuleTimeWindow.maximumDays), at: Date(),
                in: tx)
        }
    }

    /// After a metric sync: an evaluation now of every enabled rule that runs on syncs, unless one
    /// is queued already.
    static func scheduleAfterMetricSync(in tx: TenantTransaction) async throws {
        let now = Date()
        for id in try await RuleRepository.triggeredByMetricSync(in: tx) {
            let queued = try await Outbox.pending(queue: queue(rule: id, trigger: .metricSync), in: tx)
            // A queued evaluation that has not started will see this sync's figures too.
            guard !queued.contains(where: { $0.attempts == 0 }) else { continue }
            try await enqueue(rule: id, at: now, trigger: .metricSync, in: tx)
        }
    }
}
