import Foundation
import Logging
import TradewindAudit
import TradewindCore
import TradewindStore

/// Runs one claimed evaluation of a rule: in one tenant transaction it records the run, plans
/// each matching campaign's action within the rule's bounds, queues the changes in the
/// campaigns' publish queues (the channels hear of them through the outbox, like any change),
/// records every action with the values that fired it, audits each, and queues the rule's next
/// scheduled evaluation. Either all of that commits or none of it.
struct RuleJobRunner: Sendable {
    let store: TenantStore
    let timeout: Duration
    let logger: Logger
    /// Attempts before an evaluation that keeps failing is recorded as a failed run.
    var maximumAttempts = 3

    static let principal = AuditPrincipal(id: "rule-engine", kind: "system")

    func run(_ job: OutboxJob, tenant: Tenant, owner: UUID) async {
        let call = SystemCall(
            principal: Self.principal.id, tenant: tenant, recording: .upkeep, timeout: timeout, logger: logger)
        guard let ruleID = job.subjectID,
            let payload = try? JSONDecoder().decode(RuleJobs.EvaluatePayload.self, from: Data(job.payload.utf8))
        else {
            _ = try? await store.write(for: call) { tx in
                try await Outbox.fail(job, owner: owner, code: "bad_payload", message: "unreadable payload", in: tx)
            }
            return
        }
        do {
            try await evaluate(job, ruleID: ruleID, payload: payload, tenant: tenant, owner: owner, call: call)
        } catch {
            logger.warning(
                "rule evaluation failed",
                metadata: ["rule": "\(ruleID)", "job": "\(job.id)", "error": "\(StoreError.logDescription(error))"])
            let message = StoreError.logDescription(error)
            let giveUp = job.attempts >= maximumAttempts
            _ = try? await store.write(for: call) { tx in
                if giveUp {
                    try await recordFailure(
                        job, ruleID: ruleID, payload: payload, message: message, tenant: tenant, owner: owner, in: tx)
                } else {
                    let next = Date().addingTimeInterval(Double(1 << min(job.attempts, 8)))
                    _ = try await Outbox.retry(job, owner: owner, at: next, code: "internal", message: message, in: tx)
                }
                try await Outbox.refreshWake(in: tx)
            }
        }
    }

    private func evaluate(
        _ job: OutboxJob, ruleID: UUID, payload: RuleJobs.EvaluatePayload, tenant: Tenant, owner: UUID,
        call: SystemCall
    ) async throws {
        let started = ContinuousClock.now
        let requestID = job.id.uuidString.lowercased()
        _ = try await store.write(for: call, alsoRecording: { $0 }) { tx -> [AuditEntry] in
            guard let record = try await RuleRepository.lock(id: ruleID, in: tx), record.status == .enabled else {
                // Deleted or disabled since it was queued: nothing to do, nothing to schedule.
                _ = try await Outbox.complete(job, owner: owner, in: tx)
                try await Outbox.refreshWake(in: tx)
                return []
            }
            let rule = record.rule
            let now = Date()
            guard
                let runID = try await RuleRepository.startRun(
                    id: UUID(), ruleID: ruleID, trigger: payload.trigger, scheduledFor: payload.scheduledFor,
                    ruleVersion: record.version, in: tx)
            else {
                // This slot ran already (an earlier attempt committed and then lost its lease).
                _ = try await Outbox.complete(job, owner: owner, in: tx)
                try await scheduleNext(after: job, record: record, trigger: payload.trigger, tenant: tenant, in: tx)
                try await Outbox.refreshWake(in: tx)
                return []
            }
            let evaluation = try await RuleEngine.evaluate(rule, at: now, in: tx)
            var entries: [AuditEntry] = []
            for match in evaluation.matches {
                var plan = match.plan
                var jobID: UUID?
                if plan.outcome == .queued {
                    switch match.candidate.level {
                    case .campaign:
                        (plan, jobID) = try await act(
                            plan, of: rule.execution, on: match.candidate.campaignID, rule: ruleID, in: tx)
                    case .adGroup:
                        (plan, jobID) = try await act(
                            plan, onAdGroup: match.candidate.entityID, of: match.candidate.campaignID, rule: ruleID,
                            in: tx)
                    case .ad:
                        (plan, jobID) = try await act(
                            plan, onAd: match.candidate.entityID, of: match.candidate.campaignID, rule: ruleID, in: tx)
                    }
                }
                let action = RuleActionRecord(
                    id: UUID(), runID: runID, level: match.candidate.level, entityID: match.candidate.entityID,
                    campaignID: match.candidate.campaignID, accountDay: match.accountDay, kind: plan.kind,
                    outcome: plan.outcome, reason: plan.reason, beforeMicros: plan.beforeMicros,
                    afterMicros: plan.afterMicros, observed: match.observed, jobID: jobID, createdAt: now)
                try await RuleRepository.insertAction(action, ruleID: ruleID, in: tx)
                entries.append(
                    Self.auditEntry(
                        for: action, ruleID: ruleID, channel: match.candidate.channel, tenant: tenant,
                        requestID: requestID))
            }
            try await RuleRepository.finishRun(
                id: runID, checked: evaluation.checked, matched: evaluation.matches.count, status: .done, error: "",
                in: tx)
            _ = try await Outbox.complete(job, owner: owner, in: tx)
            try await scheduleNext(after: job, record: record, trigger: payload.trigger, tenant: tenant, in: tx)
            try await RuleRepository.markRun(
                id: ruleID, at: now, nextRunAt: try await Self.nextQueued(rule: ruleID, in: tx), in: tx)
            try await Outbox.refreshWake(in: tx)
            entries.append(
                Self.runEntry(
                    ruleID: ruleID, runID: runID, evaluation: evaluation, actions: entries.count, tenant: tenant,
                    requestID: requestID, latency: ContinuousClock.now - started))
            return entries
        }
    }

    /// Carries out a queued plan on the campaign, locked: the change and its job for the channel
    /// in this transaction. The campaign may have changed since it was evaluated (archived, paused
    /// by hand): then nothing is done and the plan says why.
    private func act(
        _ plan: RulePlanner.Plan, of execution: RuleExecutionSpec, on campaignID: UUID, rule: UUID,
        in tx: TenantTransaction
    ) async throws -> (RulePlanner.Plan, UUID?) {
        func skipped(_ reason: String) -> (RulePlanner.Plan, UUID?) { (plan.skipped(reason), nil) }
        guard var record = try await CampaignRepository.lock(id: campaignID, in: tx) else {
            return skipped("the campaign no longer exists")
        }
        switch plan.kind {
        case .pause, .resume:
            let (from, to, operation): (CampaignStatus, CampaignStatus, CampaignJobs.Operation) =
                plan.kind == .pause ? (.active, .paused, .pause) : (.paused, .active, .resume)
            guard record.status == from else { return skipped("the campaign is \(record.status.rawValue)") }
            let job = try await CampaignJobs.enqueue(operation, for: record, byRule: rule, in: tx)
            try await CampaignRepository.setStatus(
                id: campaignID, status: to, sync: SyncState(kind: .pending, operation: operation.syncName), in: tx)
            return (plan, job.id)
        case .changeBudget:
            guard record.status == .active || record.status == .paused else {
                return skipped("the campaign is \(record.status.rawValue)")
            }
            guard let after = plan.afterMicros, record.tree.campaign.budget.amountMicros == plan.beforeMicros else {
                return skipped("the budget changed while the rule ran")
            }
            record.tree.campaign.budget.amountMicros = after
            let refused = CampaignValidation.violations(
                of: record.tree, channel: record.channel, currency: record.currency
            ).filter { $0.field.hasPrefix("campaign.budget") }
            if let first = refused.first {
                return skipped("\(record.channel.rawValue) refuses it: \(first.description)")
            }
            let updated = try await CampaignRepository.update(record, replacingAdGroups: false, in: tx)
            let jobs = try await CampaignJobs.enqueueChanges([.budget], for: updated, byRule: rule, in: tx)
            return (plan, jobs.first?.id)
        case .changeBid:
            guard record.status == .active || record.status == .paused else {
                return skipped("the campaign is \(record.status.rawValue)")
            }
            guard case .changeBid(let change) = execution.action, let after = plan.afterMicros,
                record.tree.campaign.bidStrategy.amountMicros == plan.beforeMicros
            else { return skipped("the bid changed while the rule ran") }
            record.tree.campaign.bidStrategy = record.tree.campaign.bidStrategy.with(amountMicros: after)
            // The ad groups' own bids (Amazon's are the ones it uses) move by the same change.
            for index in record.tree.adGroups.indices {
                guard let bid = record.tree.adGroups[index].spec.defaultBidMicros else { continue }
                record.tree.adGroups[index].spec.defaultBidMicros =
                    change.apply(to: bid, step: CurrencyUnits.microsPerMinorUnit(record.currency)) ?? bid
            }
            let refused = CampaignValidation.violations(
                of: record.tree, channel: record.channel, currency: record.currency
            ).filter { $0.field.hasPrefix("campaign.bid_strategy") || $0.field.hasSuffix("default_bid_micros") }
            if let first = refused.first {
                return skipped("\(record.channel.rawValue) refuses it: \(first.description)")
            }
            try await CampaignRepository.updateAdGroupBids(record, in: tx)
            let updated = try await CampaignRepository.update(record, replacingAdGroups: false, in: tx)
            let jobs = try await CampaignJobs.enqueueChanges([.settings], for: updated, byRule: rule, in: tx)
            return (plan, jobs.first?.id)
        case .notify:
            return (plan, nil)
        }
    }

    /// Carries out a queued plan on one ad group of the campaign, locked: its own status or bid, and
    /// the job that tells the channel, in this transaction. Like `act(_:of:on:rule:in:)`, it does
    /// nothing, and says why, when the ad group or its campaign changed since the evaluation.
    private func act(
        _ plan: RulePlanner.Plan, onAdGroup adGroupID: UUID, of campaignID: UUID, rule: UUID,
        in tx: TenantTransaction
    ) async throws -> (RulePlanner.Plan, UUID?) {
        func skipped(_ reason: String) -> (RulePlanner.Plan, UUID?) { (plan.skipped(reason), nil) }
        guard var record = try await CampaignRepository.lock(id: campaignID, in: tx),
            let index = record.adGroupIDs.firstIndex(of: adGroupID)
        else { return skipped("the ad group no longer exists") }
        guard record.status == .active || record.status == .paused else {
            return skipped("its campaign is \(record.status.rawValue)")
        }
        switch plan.kind {
        case .pause, .resume:
            let (from, to): (CampaignStatus, CampaignStatus) =
                plan.kind == .pause ? (.active, .paused) : (.paused, .active)
            guard record.adGroupStatuses[index] == from else {
                return skipped("the ad group is \(record.adGroupStatuses[index].rawValue)")
            }
            guard
                try await CampaignRepository.setAdGroupStatus(
                    id: adGroupID, campaignID: campaignID, status: to, in: tx),
                let updated = try await CampaignRepository.get(id: campaignID, in: tx)
            else { return skipped("the ad group no longer exists") }
            let jobs = try await CampaignJobs.enqueueChanges(
                [.adGroupStatus], for: updated, byRule: rule, adGroupID: adGroupID, in: tx)
            return (plan, jobs.first?.id)
        case .changeBid:
            var group = record.tree.adGroups[index].spec
            guard let after = plan.afterMicros,
                group.bidStrategy(under: record.tree.campaign.bidStrategy).amountMicros == plan.beforeMicros
            else { return skipped("the bid changed while the rule ran") }
            group.defaultBidMicros = after
            record.tree.adGroups[index].spec = group
            let refused = CampaignValidation.violations(
                of: record.tree, channel: record.channel, currency: record.currency
            ).filter { $0.field == "campaign.ad_groups[\(index)].default_bid_micros" }
            if let first = refused.first {
                return skipped("\(record.channel.rawValue) refuses it: \(first.description)")
            }
            try await CampaignRepository.updateAdGroupBids(record, in: tx)
            let updated = try await CampaignRepository.update(record, replacingAdGroups: false, in: tx)
            let jobs = try await CampaignJobs.enqueueChanges([.settings], for: updated, byRule: rule, in: tx)
            return (plan, jobs.first?.id)
        case .changeBudget:
            return skipped("the budget is the campaign's, not the ad group's")
        case .notify:
            return (plan, nil)
        }
    }

    /// Carries out a queued plan on one ad of the campaign, locked: its own status, and the job that
    /// tells the channel. Ads have no budget or bid of their own (validation refuses those rules).
    private func act(
        _ plan: RulePlanner.Plan, onAd adID: UUID, of campaignID: UUID, rule: UUID, in tx: TenantTransaction
    ) async throws -> (RulePlanner.Plan, UUID?) {
        func skipped(_ reason: String) -> (RulePlanner.Plan, UUID?) { (plan.skipped(reason), nil) }
        guard let record = try await CampaignRepository.lock(id: campaignID, in: tx),
            let (g, a) = record.position(ofAd: adID)
        else { return skipped("the ad no longer exists") }
        guard record.status == .active || record.status == .paused else {
            return skipped("its campaign is \(record.status.rawValue)")
        }
        switch plan.kind {
        case .pause, .resume:
            let (from, to): (CampaignStatus, CampaignStatus) =
                plan.kind == .pause ? (.active, .paused) : (.paused, .active)
            guard record.adStatuses[g][a] == from else {
                return skipped("the ad is \(record.adStatuses[g][a].rawValue)")
            }
            guard try await CampaignRepository.setAdStatus(id: adID, campaignID: campaignID, status: to, in: tx),
                let updated = try await CampaignRepository.get(id: campaignID, in: tx)
            else { return skipped("the ad no longer exists") }
            let jobs = try await CampaignJobs.enqueueChanges(
                [.adStatus], for: updated, byRule: rule, adID: adID, in: tx)
            return (plan, jobs.first?.id)
        case .changeBudget, .changeBid:
            return skipped("an ad has no budget or bid of its own")
        case .notify:
            return (plan, nil)
        }
    }

    /// Queues the rule's next scheduled evaluation after a scheduled one, unless one is queued
    /// already (an update or enable queued it).
    private func scheduleNext(
        after job: OutboxJob, record: AutomatedRuleRecord, trigger: RuleTrigger, tenant: Tenant,
        in tx: TenantTransaction
    ) async throws {
        guard trigger == .schedule else { return }
        let queued = try await Outbox.pending(queue: job.queue, in: tx).filter { $0.id != job.id }
        guard queued.isEmpty, let next = RuleJobs.nextRun(of: record.rule, after: Date(), tenant: tenant) else {
            return
        }
        try await RuleJobs.enqueue(rule: record.rule.id, at: next, trigger: .schedule, in: tx)
    }

    private static func nextQueued(rule: UUID, in tx: TenantTransaction) async throws -> Date? {
        try await Outbox.pending(queue: RuleJobs.queue(rule: rule, trigger: .schedule), in: tx).map(\.dueAt).min()
    }

    private func recordFailure(
        _ job: OutboxJob, ruleID: UUID, payload: RuleJobs.EvaluatePayload, message: String, tenant: Tenant,
        owner: UUID, in tx: TenantTransaction
    ) async throws {
        guard let record = try await RuleRepository.lock(id: ruleID, in: tx) else {
            _ = try await Outbox.fail(job, owner: owner, code: "internal", message: message, in: tx)
            return
        }
        if let runID = try await RuleRepository.startRun(
            id: UUID(), ruleID: ruleID, trigger: payload.trigger, scheduledFor: payload.scheduledFor,
            ruleVersion: record.version, in: tx)
        {
            try await RuleRepository.finishRun(
                id: runID, checked: 0, matched: 0, status: .failed, error: message, in: tx)
        }
        _ = try await Outbox.fail(job, owner: owner, code: "internal", message: message, in: tx)
        try await scheduleNext(after: job, record: record, trigger: payload.trigger, tenant: tenant, in: tx)
    }

    // MARK: - Audit

    /// One record per action: the rule, the campaign (and ad group or ad), what was done (or why
    /// not) and the values each condition saw. Ids, amounts and figures only, never personal data.
    static func auditEntry(
        for action: RuleActionRecord, ruleID: UUID, channel: AdChannel, tenant: Tenant, requestID: String
    ) -> AuditEntry {
        var resources = [
            "rule:\(ruleID.uuidString.lowercased())", "rule_run:\(action.runID.uuidString.lowercased())",
            "campaign:\(action.campaignID.uuidString.lowercased())",
        ]
        switch action.level {
        case .campaign: break
        case .adGroup: resources.append("ad_group:\(action.entityID.uuidString.lowercased())")
        case .ad: resources.append("ad:\(action.entityID.uuidString.lowercased())")
        }
        resources.append("outcome:\(action.outcome.rawValue)")
        let amount = action.kind == .changeBid ? "bid" : "budget"
        if let before = action.beforeMicros { resources.append("\(amount)_before_micros:\(before)") }
        if let after = action.afterMicros { resources.append("\(amount)_after_micros:\(after)") }
        if !action.reason.isEmpty { resources.append("reason:\(action.reason)") }
        resources += action.observed.map { "observed:\($0.condition) = \($0.value)" }
        return AuditEntry(
            time: action.createdAt, requestID: requestID, tenantID: tenant.id, region: tenant.homeRegion.rawValue,
            principal: principal, method: "tradewind/rules.\(action.kind.rawValue)", resources: resources,
            code: 0, outcome: "ok", latencyMicroseconds: 0, peer: "local", dataClasses: [.rules, .campaigns],
            rowsWritten: action.outcome == .queued ? 1 : 0, ruleID: ruleID.uuidString.lowercased())
    }

    /// One record per run, whatever it found.
    static func runEntry(
        ruleID: UUID, runID: UUID, evaluation: RuleEngine.Evaluation, actions: Int, tenant: Tenant, requestID: String,
        latency: Duration
    ) -> AuditEntry {
        AuditEntry(
            time: Date(), requestID: requestID, tenantID: tenant.id, region: tenant.homeRegion.rawValue,
            principal: principal, method: "tradewind/rules.evaluate",
            resources: ["rule:\(ruleID.uuidString.lowercased())", "rule_run:\(runID.uuidString.lowercased())"],
            code: 0, outcome: "ok", latencyMicroseconds: Int64(latency / .microseconds(1)), peer: "local",
            dataClasses: [.rules, .channelMetrics], rowsRead: Int64(evaluation.checked),
            rowsWritten: Int64(actions + 1),
            ruleID: ruleID.uuidString.lowercased())
    }
}

extension RulePlanner.Plan {
    /// The plan turned into nothing done, and why: what the entity had become when the rule came
    /// to act on it.
    func skipped(_ reason: String) -> RulePlanner.Plan {
        var plan = self
        plan.outcome = .skipped
        plan.reason = reason
        plan.afterMicros = nil
        return plan
    }
}
