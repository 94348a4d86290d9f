import Foundation
import GRPCCore
import SwiftProtobuf
import TradewindCore
import TradewindProto
import TradewindStore

/// `tradewind.v1.Rules`: automated rules over every channel's campaigns.
///
/// Handlers check the whole rule first (the wire mapping, then Core's `AutomatedRule.violations`),
/// then work in one audited transaction in the tenant's home region. A rule's evaluations are
/// outbox jobs in its own queue (`RuleJobs`), written with the change that schedules them; the
/// worker runs them (`RuleJobRunner`). DryRunRule evaluates with the same `RuleEngine` in a
/// read-only transaction.
struct RulesService: Tradewind_V1_Rules.SimpleServiceProtocol {
    let store: TenantStore
    let pageTokens: PageTokenCodec
    let limits: ServerConfiguration.Limits

    static let notFound = RPCError(code: .notFound, message: "no such rule")
    static let updatablePaths: Set<String> = ["name", "evaluation", "execution", "schedule"]

    func createRule(request: Tradewind_V1_CreateRuleRequest, context: ServerContext) async throws -> Tradewind_V1_Rule {
        var collector = ViolationCollector()
        let rule = ProtoMapping.rule(request.rule, id: UUID(), prefix: "rule", into: &collector)
        try Self.check(rule, collector)
        let call = try CallContext.tenantCall()
        let (disabled, tenant, principal) = (request.disabled, call.tenant, call.principal.id)
        let record = try await store.write(for: call) { tx in
            try await RuleJobs.pullFigures(for: rule, in: tx)
            let next = try await RuleJobs.restartSchedule(
                of: rule, enabled: !disabled, from: Date(), tenant: tenant, in: tx)
            let record = try await RuleRepository.insert(
                rule, status: disabled ? .disabled : .enabled, nextRunAt: next, createdBy: principal, in: tx)
            call.touch("rule:\(rule.id.uuidString.lowercased())")
            call.wrote(rows: 1)
            return record
        }
        return ProtoMapping.proto(record)
    }

    func getRule(request: Tradewind_V1_GetRuleRequest, context: ServerContext) async throws -> Tradewind_V1_Rule {
        let id = try ProtoMapping.uuid(request.id, field: "id")
        let call = try CallContext.tenantCall()
        let record = try await store.read(for: call) { tx in
            guard let record = try await RuleRepository.get(id: id, in: tx) else { throw Self.notFound }
            call.touch("rule:\(id.uuidString.lowercased())")
            call.read(rows: 1)
            return record
        }
        return ProtoMapping.proto(record)
    }

    func listRules(request: Tradewind_V1_ListRulesRequest, context: ServerContext) async throws
        -> Tradewind_V1_ListRulesResponse
    {
        var collector = ViolationCollector()
        var status: AutomatedRuleRecord.Status?
        switch request.status {
        case .unspecified: status = nil
        case .enabled: status = .enabled
        case .disabled: status = .disabled
        default: collector.add("status", ProtoMapping.enumMessage(request.status.rawValue))
        }
        var pageSize = limits.pageSizes.defaultSize
        do { pageSize = try limits.pageSizes.resolve(request.pageSize) } catch {
            collector.add("page_size", error.message)
        }
        try collector.throwIfAny()
        let call = try CallContext.tenantCall()
        let filter = "\(request.status.rawValue)"
        let after = try CampaignsService.cursor(
            request.pageToken, pageTokens: pageTokens, scope: call.pageTokenScope, filter: filter)
        let (statusFilter, size) = (status, pageSize)
        let records = try await store.read(for: call) { tx in
            let records = try await RuleRepository.list(status: statusFilter, after: after, limit: size + 1, in: tx)
            call.read(rows: min(records.count, size))
            return records
        }
        var response = Tradewind_V1_ListRulesResponse()
        response.rules = records.prefix(pageSize).map(ProtoMapping.proto)
        if records.count > pageSize, let last = records.prefix(pageSize).last {
            response.nextPageToken = CampaignsService.token(
                at: last.createdAt, id: last.rule.id, pageTokens: pageTokens, scope: call.pageTokenScope,
                filter: filter)
        }
        return response
    }

    func updateRule(request: Tradewind_V1_UpdateRuleRequest, context: ServerContext) async throws -> Tradewind_V1_Rule {
        var collector = ViolationCollector()
        let id = ProtoMapping.uuid(request.rule.id, field: "rule.id", into: &collector)
        collector.require(!request.rule.etag.isEmpty, "rule.etag", "is required")
        let paths = request.updateMask.paths
        collector.require(!paths.isEmpty, "update_mask", "must name at least one field")
        for (i, path) in paths.enumerated() where !Self.updatablePaths.contains(path) {
            collector.add("update_mask.paths[\(i)]", "\(path) cannot be changed")
        }
        // Only the fields being changed are read from the request; the merged rule is checked whole.
        var incoming = ViolationCollector()
        let proposed = ProtoMapping.rule(request.rule, id: id ?? UUID(), prefix: "rule", into: &incoming)
        for violation in incoming.violations where paths.contains(where: { violation.field.hasPrefix("rule.\($0)") }) {
            collector.add(violation.field, violation.description)
        }
        try collector.throwIfAny()
        guard let id else { throw RPCError(code: .invalidArgument, message: "rule.id: is required") }
        let call = try CallContext.tenantCall()
        let (etag, tenant) = (request.rule.etag, call.tenant)
        let record = try await store.write(for: call) { tx in
            guard let current = try await RuleRepository.lock(id: id, in: tx) else { throw Self.notFound }
            guard current.etag == etag else {
                throw RPCError(code: .aborted, message: "rule.etag: the rule changed since; read it again")
            }
            var rule = current.rule
            for path in paths {
                switch path {
                case "name": rule.name = proposed.name
                case "evaluation": rule.evaluation = proposed.evaluation
                case "execution": rule.execution = proposed.execution
                case "schedule": rule.schedule = proposed.schedule
                default: break
                }
            }
            try Self.check(rule, ViolationCollector())
            if rule.evaluation.level != current.rule.evaluation.level {
                try await RuleJobs.pullFigures(for: rule, in: tx)
            }
            var next = current.nextRunAt
            if paths.contains("schedule") {
                next = try await RuleJobs.restartSchedule(
                    of: rule, enabled: current.status == .enabled, from: Date(), tenant: tenant, in: tx)
            }
            let record = try await RuleRepository.update(rule, status: current.status, nextRunAt: next, in: tx)
            call.touch("rule:\(id.uuidString.lowercased())")
            call.wrote(rows: 1)
            return record
        }
        return ProtoMapping.proto(record)
    }

    func deleteRule(request: Tradewind_V1_DeleteRuleRequest, context: ServerContext) async throws
        -> Tradewind_V1_DeleteRuleResponse
    {
        let id = try ProtoMapping.uuid(request.id, field: "id")
        let call = try CallContext.tenantCall()
        try await store.write(for: call) { tx in
            try await RuleJobs.cancel(rule: id, in: tx)
            guard try await RuleRepository.delete(id: id, in: tx) else { throw Self.notFound }
            call.touch("rule:\(id.uuidString.lowercased())")
            call.wrote(rows: 1)
        }
        var response = Tradewind_V1_DeleteRuleResponse()
        response.id = id.uuidString.lowercased()
        return response
    }

    func enableRule(request: Tradewind_V1_EnableRuleRequest, context: ServerContext) async throws -> Tradewind_V1_Rule {
        try await setStatus(request.id, to: .enabled)
    }

    func disableRule(request: Tradewind_V1_DisableRuleRequest, context: ServerContext) async throws
        -> Tradewind_V1_Rule
    {
        try await setStatus(request.id, to: .disabled)
    }

    func runRule(request: Tradewind_V1_RunRuleRequest, context: ServerContext) async throws -> Tradewind_V1_Rule {
        let id = try ProtoMapping.uuid(request.id, field: "id")
        let call = try CallContext.tenantCall()
        let record = try await store.write(for: call) { tx in
            guard let record = try await RuleRepository.lock(id: id, in: tx) else { throw Self.notFound }
            guard record.status == .enabled else {
                throw RPCError(code: .failedPrecondition, message: "id: the rule is disabled; enable it first")
            }
            try await RuleJobs.enqueue(rule: id, at: Date(), trigger: .manual, in: tx)
            call.touch("rule:\(id.uuidString.lowercased())")
            call.wrote(rows: 1)
            return record
        }
        return ProtoMapping.proto(record)
    }

    func dryRunRule(request: Tradewind_V1_DryRunRuleRequest, context: ServerContext) async throws
        -> Tradewind_V1_DryRunRuleResponse
    {
        var collector = ViolationCollector()
        var inline: AutomatedRule?
        var storedID: UUID?
        switch request.target {
        case .id(let text): storedID = ProtoMapping.uuid(text, field: "id", into: &collector)
        case .rule(let message):
            let rule = ProtoMapping.rule(message, id: UUID(), prefix: "rule", into: &collector)
            for violation in rule.violations() { collector.add(violation.field, violation.description) }
            inline = rule
        case nil: collector.add("target", "is required: id or rule")
        }
        try collector.throwIfAny()
        let call = try CallContext.tenantCall()
        let now = Date()
        let (ruleGiven, id) = (inline, storedID)
        let evaluation = try await store.read(for: call) { tx -> RuleEngine.Evaluation in
            var rule: AutomatedRule
            if let ruleGiven {
                rule = ruleGiven
            } else {
                guard let id, let record = try await RuleRepository.get(id: id, in: tx) else { throw Self.notFound }
                call.touch("rule:\(id.uuidString.lowercased())")
                rule = record.rule
            }
            let evaluation = try await RuleEngine.evaluate(rule, at: now, in: tx)
            call.read(rows: evaluation.checked)
            return evaluation
        }
        var response = Tradewind_V1_DryRunRuleResponse()
        response.evaluateTime = Google_Protobuf_Timestamp(date: now)
        response.entitiesChecked = Int32(evaluation.checked)
        response.actions = evaluation.matches.map { match in
            var result = Tradewind_V1_RuleActionResult()
            result.entityID = match.candidate.entityID.uuidString.lowercased()
            result.entityType = ProtoMapping.ruleEntityType(match.candidate.level)
            result.campaignID = match.candidate.campaignID.uuidString.lowercased()
            result.channel = ProtoMapping.channel(match.candidate.channel)
            result.entityName = match.candidate.name
            result.currency = match.candidate.currency
            result.accountDay = match.accountDay.description
            result.action = ProtoMapping.ruleAction(match.plan.kind)
            result.outcome = ProtoMapping.ruleOutcome(match.plan.outcome)
            result.reason = match.plan.reason
            ProtoMapping.setAmounts(
                of: match.plan.kind, before: match.plan.beforeMicros, after: match.plan.afterMicros, on: &result)
            result.conditions = match.observed.map(ProtoMapping.proto)
            return result
        }
        return response
    }

    func listRuleRuns(request: Tradewind_V1_ListRuleRunsRequest, context: ServerContext) async throws
        -> Tradewind_V1_ListRuleRunsResponse
    {
        var collector = ViolationCollector()
        let id = ProtoMapping.uuid(request.ruleID, field: "rule_id", into: &collector)
        var pageSize = limits.pageSizes.defaultSize
        do { pageSize = try limits.pageSizes.resolve(request.pageSize) } catch {
            collector.add("page_size", error.message)
        }
        try collector.throwIfAny()
        guard let id else { throw RPCError(code: .invalidArgument, message: "rule_id: is required") }
        let call = try CallContext.tenantCall()
        let filter = id.uuidString.lowercased()
        let after = try CampaignsService.cursor(
            request.pageToken, pageTokens: pageTokens, scope: call.pageTokenScope, filter: filter)
        let size = pageSize
        let (runs, labels) = try await store.read(for: call) { tx in
            guard try await RuleRepository.get(id: id, in: tx) != nil else { throw Self.notFound }
            let runs = try await RuleRepository.runs(ruleID: id, after: after, limit: size + 1, in: tx)
            let entities = Set(runs.prefix(size).flatMap { $0.actions.map(\.entityID) })
            let labels = try await RuleRepository.entityLabels(ids: Array(entities), in: tx)
            call.touch("rule:\(id.uuidString.lowercased())")
            call.read(rows: min(runs.count, size))
            return (runs, labels.mapValues { ($0.channel, $0.name, $0.currency) })
        }
        var response = Tradewind_V1_ListRuleRunsResponse()
        response.runs = runs.prefix(pageSize).map { ProtoMapping.proto($0, entities: labels) }
        if runs.count > pageSize, let last = runs.prefix(pageSize).last {
            response.nextPageToken = CampaignsService.token(
                at: last.startedAt, id: last.id, pageTokens: pageTokens, scope: call.pageTokenScope, filter: filter)
        }
        return response
    }

    // MARK: - Helpers

    private func setStatus(_ idText: String, to status: AutomatedRuleRecord.Status) async throws -> Tradewind_V1_Rule {
        let id = try ProtoMapping.uuid(idText, field: "id")
        let call = try CallContext.tenantCall()
        let tenant = call.tenant
        let record = try await store.write(for: call) { tx in
            guard let current = try await RuleRepository.lock(id: id, in: tx) else { throw Self.notFound }
            guard current.status != status else { return current }
            let next = try await RuleJobs.restartSchedule(
                of: current.rule, enabled: status == .enabled, from: Date(), tenant: tenant, in: tx)
            call.touch("rule:\(id.uuidString.lowercased())")
            call.wrote(rows: 1)
            return try await RuleRepository.update(current.rule, status: status, nextRunAt: next, in: tx)
        }
        return ProtoMapping.proto(record)
    }

    /// Wire problems first, then what the rule means; INVALID_ARGUMENT names every field.
    private static func check(_ rule: AutomatedRule, _ wire: ViolationCollector) throws {
        var collector = wire
        if wire.violations.isEmpty {
            for violation in rule.violations() { collector.add(violation.field, violation.description) }
        }
        try collector.throwIfAny()
    }
}
