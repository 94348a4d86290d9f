import Foundation
import GRPCCore
import SwiftProtobuf
import Testing
import TradewindCore
import TradewindProto
import TradewindStore
import TradewindTestSupport

@testable import TradewindServer

/// Automated rules end to end: over TLS to the server, rules evaluated by the real worker against
/// figures pulled from the channels' sandboxes, actions sent to the sandboxes through the outbox,
/// and what the sandboxes then hold checked.
@Suite("Automated rules", .serialized)
struct RulesTests {
    typealias Rules = Tradewind_V1_Rules.Client
    typealias Channel = CampaignsTests.Channel

    /// A tenant with published campaigns on one channel and ten days of their figures pulled.
    struct Setup {
        var key: String
        var tenant: Tenant
        var account: Tradewind_V1_ChannelAccount
        var sandboxID: String
        var campaigns: [Tradewind_V1_Campaign]
    }

    static func setUp(
        _ channel: Channel, names: [String], shaping shape: (inout Tradewind_V1_Campaign) -> Void = { _ in }
    ) async throws -> Setup {
        let (tenant, key) = try await TestStack.tenant()
        let (account, sandboxID) = try await CampaignsTests.link(key, channel)
        // Published ten days ago on the channel's clock, so the last 7 days all have figures.
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "Europe/Berlin")
        let tenDaysAgo = formatter.string(from: Date().addingTimeInterval(-10 * 86_400))
        try await SandboxControl.call(.POST, "clock", ["today": tenDaysAgo])
        var campaigns: [Tradewind_V1_Campaign] = []
        do {
            for name in names {
                var campaign = channel.campaign(accountID: account.id, name: name)
                shape(&campaign)
                let draft = try await CampaignsTests.create(key, campaign)
                _ = try await CampaignsTests.publish(key, draft.id)
                let synced = try await CampaignsTests.wait(key, draft.id, until: CampaignsTests.synced)
                #expect(synced.sync.state == .synced, "\(synced.sync)")
                campaigns.append(synced)
            }
        } catch {
            _ = try? await SandboxControl.call(.POST, "clock", ["today": NSNull()])
            throw error
        }
        try await SandboxControl.call(.POST, "clock", ["today": NSNull()])
        try await CampaignMetricsTests.sync(key, account: account.id, days: 14)
        return Setup(key: key, tenant: tenant, account: account, sandboxID: sandboxID, campaigns: campaigns)
    }

    /// Spend of a campaign over the last `days` days before the account's today (Europe/Berlin),
    /// as the sandbox holds it.
    static func spend(_ channel: Channel, _ setup: Setup, campaign: Tradewind_V1_Campaign, days: Int64) async throws
        -> Int64
    {
        let truth = try await CampaignMetricsTests.truth(channel.sandbox, setup.sandboxID)[campaign.channelCampaignID]
        let today = CalendarDay(Date(), in: TimeZone(identifier: "Europe/Berlin")!)
        return (1...days).reduce(Int64(0)) { total, back in
            total + (truth?[today.adding(days: -back).description]?.0 ?? 0)
        }
    }

    /// The same, day by day.
    static func spendByDay(_ channel: Channel, _ setup: Setup, campaign: Tradewind_V1_Campaign, days: Int64)
        async throws -> [Int64]
    {
        let truth = try await CampaignMetricsTests.truth(channel.sandbox, setup.sandboxID)[campaign.channelCampaignID]
        let today = CalendarDay(Date(), in: TimeZone(identifier: "Europe/Berlin")!)
        return (1...days).map { truth?[today.adding(days: -$0).description]?.0 ?? 0 }
    }

    static func condition(
        _ field: Tradewind_V1_RuleField, _ op: Tradewind_V1_RuleOperator, micros: Int64, currency: String = ""
    ) -> Tradewind_V1_RuleCondition {
        var condition = Tradewind_V1_RuleCondition()
        condition.field = field
        condition.operator = op
        var number = Tradewind_V1_RuleNumber()
        number.micros = micros
        number.currency = currency
        condition.number = number
        return condition
    }

    static func nameContains(_ text: String) -> Tradewind_V1_RuleCondition {
        var condition = Tradewind_V1_RuleCondition()
        condition.field = .name
        condition.operator = .contain
        condition.text = text
        return condition
    }

    static func rule(
        _ name: String, _ conditions: [Tradewind_V1_RuleCondition], action: Tradewind_V1_RuleActionType,
        preset: Tradewind_V1_RuleTimePreset = .last7Days
    ) -> Tradewind_V1_Rule {
        var rule = Tradewind_V1_Rule()
        rule.name = name
        rule.evaluation.entityType = .campaign
        rule.evaluation.timePreset = preset
        rule.evaluation.conditions = conditions
        rule.execution.action = action
        // Daily, twelve hours from now: no scheduled run falls inside a test.
        let now = Calendar(identifier: .gregorian).dateComponents(in: .gmt, from: Date())
        rule.schedule.dailyMinute = Int32(((now.hour ?? 0) * 60 + (now.minute ?? 0) + 720) % 1440)
        return rule
    }

    static func create(_ key: String, _ rule: Tradewind_V1_Rule, disabled: Bool = false) async throws
        -> Tradewind_V1_Rule
    {
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_CreateRuleRequest()
            request.rule = rule
            request.disabled = disabled
            return try await Rules(wrapping: grpc).createRule(request, metadata: .bearer(key))
        }
    }

    static func run(_ key: String, _ id: String) async throws {
        _ = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_RunRuleRequest()
            request.id = id
            return try await Rules(wrapping: grpc).runRule(request, metadata: .bearer(key))
        }
    }

    static func runs(_ key: String, _ id: String) async throws -> [Tradewind_V1_RuleRun] {
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_ListRuleRunsRequest()
            request.ruleID = id
            return try await Rules(wrapping: grpc).listRuleRuns(request, metadata: .bearer(key)).runs
        }
    }

    /// Runs the rule now and waits for the run to be recorded; returns it.
    static func runAndWait(_ key: String, _ id: String) async throws -> Tradewind_V1_RuleRun? {
        let before = try await runs(key, id).count
        try await run(key, id)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let now = try await runs(key, id)
            if now.count > before { return now.first }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("the rule's run was not recorded")
        return nil
    }

    static func dryRun(_ key: String, _ rule: Tradewind_V1_Rule) async throws -> Tradewind_V1_DryRunRuleResponse {
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_DryRunRuleRequest()
            request.rule = rule
            return try await Rules(wrapping: grpc).dryRunRule(request, metadata: .bearer(key))
        }
    }

    @Test("a rule pauses the campaigns its conditions select, once, through the outbox, audited with its values")
    func pauseOnce() async throws {
        let meta = Channel.all[1]
        let setup = try await Self.setUp(meta, names: ["Alpha boots", "Beta scarves"])
        let (alpha, beta) = (setup.campaigns[0], setup.campaigns[1])
        let spent = try await Self.spend(meta, setup, campaign: alpha, days: 7)
        #expect(spent > 0)
        let started = Date()
        let rule = Self.rule(
            "Pause alpha when it spends",
            [Self.nameContains("alpha"), Self.condition(.spend, .greaterThan, micros: 0, currency: "EUR")],
            action: .pause)

        // The dry run says what it would do and the values it saw, and changes nothing.
        let dry = try await Self.dryRun(setup.key, rule)
        #expect(dry.entitiesChecked == 2)
        #expect(dry.actions.map(\.entityID) == [alpha.id])
        let seen = dry.actions.first?.conditions ?? []
        #expect(seen.map(\.condition) == ["name CONTAIN \"alpha\"", "spend GREATER_THAN 0 EUR"])
        #expect(seen.last?.value == RuleNumber(micros: spent, currency: "EUR").description)
        #expect(dry.actions.first?.outcome == .queued && dry.actions.first?.action == .pause)
        #expect(try await CampaignsTests.get(setup.key, alpha.id).status == .active)

        let created = try await Self.create(setup.key, rule)
        #expect(created.status == .enabled && created.hasNextRunTime)
        let first = try await Self.runAndWait(setup.key, created.id)
        #expect(first?.trigger == "manual" && first?.entitiesChecked == 2 && first?.entitiesMatched == 1)
        #expect(first?.actions.map(\.outcome) == [.queued])
        #expect(first?.actions.first?.entityName == "Alpha boots" && first?.actions.first?.channel == .meta)

        let paused = try await CampaignsTests.wait(setup.key, alpha.id) {
            $0.status == .paused && CampaignsTests.synced($0)
        }
        #expect(paused.status == .paused && paused.sync.state == .synced)
        let objects = try await CampaignsTests.channelCampaigns(meta, setup.sandboxID)
        let status = Dictionary(
            objects.map { ($0["id"] as? String ?? "", $0["status"] as? String ?? "") }, uniquingKeysWith: { a, _ in a })
        #expect(status[alpha.channelCampaignID] == "PAUSED" && status[beta.channelCampaignID] == "ACTIVE", "\(status)")

        // Run again: the campaign is paused already, so nothing is queued twice.
        let second = try await Self.runAndWait(setup.key, created.id)
        #expect(second?.actions.map(\.outcome) == [.skipped] && second?.actions.first?.reason == "already paused")

        let lines = try await AuditHarness.export(key: setup.key, from: started)
        let acted = lines.filter { $0.contains("\"method\":\"tradewind/rules.pause\"") }
        #expect(acted.count == 2, "\(acted)")
        #expect(acted.allSatisfy { $0.contains("\"rule\":\"\(created.id)\"") })
        #expect(
            acted.contains {
                $0.contains("observed:spend GREATER_THAN 0 EUR = \(RuleNumber(micros: spent, currency: "EUR"))")
                    && $0.contains("outcome:queued")
            })
        // The channel call that paused it names the rule too.
        #expect(
            lines.contains {
                $0.contains("\"method\":\"tradewind/channels.meta\"") && $0.contains("\"rule\":\"\(created.id)\"")
            })
        #expect(lines.filter { $0.contains("\"method\":\"tradewind/rules.evaluate\"") }.count == 2)
        let stack = try await TestStack.running()
        #expect(AuditHarness.fault(try await AuditHarness.export(key: setup.key), keys: stack.auditKeys) == nil)
    }

    @Test("a budget rule moves within its cap, at most its daily maximum, and a USD threshold is converted per day")
    func budgetWithinBounds() async throws {
        let google = Channel.all[0]
        let setup = try await Self.setUp(google, names: ["Gamma"])
        let gamma = setup.campaigns[0]
        let spent = try await Self.spend(google, setup, campaign: gamma, days: 7)
        // The tenant's rate: 1.25 US dollars per euro on every day of the window.
        var rates = Tradewind_V1_LoadExchangeRatesRequest()
        let today = CalendarDay(Date(), in: TimeZone(identifier: "Europe/Berlin")!)
        rates.rates = (0...10).map { back in
            var rate = Tradewind_V1_ExchangeRate()
            rate.day = today.adding(days: -Int64(back)).description
            rate.currency = "EUR"
            rate.usdPerUnit = "1.25"
            return rate
        }
        let loaded = rates
        _ = try await TestStack.withClient { grpc in
            try await Tradewind_V1_Events.Client(wrapping: grpc).loadExchangeRates(loaded, metadata: .bearer(setup.key))
        }
        var rule = Self.rule(
            "Raise Gamma by 50 % up to 50 EUR", [Self.condition(.spend, .greaterThan, micros: 1, currency: "USD")],
            action: .changeBudget)
        rule.execution.change.percentMilli = 50_000
        rule.execution.change.limitMicros = 50_000_000
        rule.execution.maximumChangesPerDay = 1
        let dry = try await Self.dryRun(setup.key, rule)
        // Each day's euros at 1.25 dollars, rounded half away from zero to the micro, then summed.
        let converted = try await Self.spendByDay(google, setup, campaign: gamma, days: 7).reduce(Int64(0)) {
            $0 + (5 * $1 + 2) / 4
        }
        #expect(converted >= spent)
        #expect(
            dry.actions.first?.conditions.first?.value == RuleNumber(micros: converted, currency: "USD").description
        )
        #expect(
            dry.actions.first?.budgetBeforeMicros == 40_000_000 && dry.actions.first?.budgetAfterMicros == 50_000_000)

        let created = try await Self.create(setup.key, rule)
        let first = try await Self.runAndWait(setup.key, created.id)
        #expect(first?.actions.first?.outcome == .queued && first?.actions.first?.budgetAfterMicros == 50_000_000)
        let changed = try await CampaignsTests.wait(setup.key, gamma.id) {
            $0.budget.amountMicros == 50_000_000 && CampaignsTests.synced($0)
        }
        #expect(changed.budget.amountMicros == 50_000_000 && changed.sync.state == .synced)
        // The channel holds the new budget once the budget job has gone out.
        var onChannel: Int64?
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline && onChannel != 50_000_000 {
            let objects = try await SandboxControl.objects(google.sandbox, account: setup.sandboxID)
            onChannel = OutboxProcessesTests.dailyBudget(in: objects, campaign: "Gamma")
            if onChannel != 50_000_000 { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(onChannel == 50_000_000)

        // Once a day: the second run today changes nothing, whatever the cap says.
        let second = try await Self.runAndWait(setup.key, created.id)
        #expect(second?.actions.first?.outcome == .skipped)
        #expect(second?.actions.first?.reason == "1 change(s) today: the rule's daily maximum")
        // A day later the cap holds it: the budget sits at 50 EUR.
        #expect(RuleChange(amount: .percentMilli(50_000), limitMicros: 50_000_000).apply(to: 50_000_000) == nil)
    }

    @Test("a bid rule lowers the cap per click and the ad groups' own bids to its floor, and the channel hears of it")
    func bidWithinBounds() async throws {
        let amazon = Channel.all[3]
        let setup = try await Self.setUp(amazon, names: ["Epsilon"]) { campaign in
            campaign.bidStrategy.type = .maximumCostPerClick
            campaign.bidStrategy.amountMicros = 800_000
        }
        let epsilon = setup.campaigns[0]
        #expect(epsilon.adGroups.first?.defaultBidMicros == 500_000)
        var rule = Self.rule("Lower Epsilon's bids", [Self.nameContains("Epsilon")], action: .changeBid)
        rule.execution.change.percentMilli = -20_000
        rule.execution.change.limitMicros = 450_000
        rule.execution.maximumChangesPerDay = 2
        let dry = try await Self.dryRun(setup.key, rule)
        #expect(dry.actions.first?.action == .changeBid && dry.actions.first?.outcome == .queued)
        #expect(
            dry.actions.first?.bidBeforeMicros == 800_000 && dry.actions.first?.bidAfterMicros == 640_000,
            "\(dry)")
        #expect(dry.actions.first?.budgetBeforeMicros == 0)

        let created = try await Self.create(setup.key, rule)
        #expect(created.execution.action == .changeBid)
        let first = try await Self.runAndWait(setup.key, created.id)
        #expect(first?.actions.first?.outcome == .queued && first?.actions.first?.bidAfterMicros == 640_000)
        // The campaign's cap per click moved by 20 %; the ad group's own 0.50 stopped at the 0.45 floor.
        let changed = try await CampaignsTests.wait(setup.key, epsilon.id) {
            $0.bidStrategy.amountMicros == 640_000 && CampaignsTests.synced($0)
        }
        #expect(changed.bidStrategy.amountMicros == 640_000 && changed.sync.state == .synced, "\(changed.sync)")
        #expect(changed.adGroups.first?.defaultBidMicros == 450_000)
        #expect(changed.budget.amountMicros == epsilon.budget.amountMicros)
        // Amazon bids with the ad group's default bid: the channel holds the new 0.45.
        let objects = try await SandboxControl.objects(amazon.sandbox, account: setup.sandboxID)
        let group = objects.first { $0["level"] as? String == "ad_group" }?["fields"] as? [String: Any] ?? [:]
        #expect((group["defaultBid"] as? NSNumber)?.doubleValue == 0.45, "\(group)")
        let acted = try await AuditHarness.export(key: setup.key).filter {
            $0.contains("\"method\":\"tradewind/rules.change_bid\"")
        }
        #expect(
            acted.count == 1 && acted[0].contains("bid_before_micros:800000")
                && acted[0].contains("bid_after_micros:640000") && acted[0].contains("\"rule\":\"\(created.id)\""),
            "\(acted)")

        // 0.64 lowered by 20 % is 0.512: Amazon counts EUR bids in cents, so 0.52 (toward the old bid).
        let second = try await Self.runAndWait(setup.key, created.id)
        #expect(second?.actions.first?.bidAfterMicros == 520_000, "\(String(describing: second))")
        _ = try await CampaignsTests.wait(setup.key, epsilon.id) { CampaignsTests.synced($0) }
        let third = try await Self.runAndWait(setup.key, created.id)
        #expect(third?.actions.first?.outcome == .skipped)
        #expect(third?.actions.first?.reason == "2 change(s) today: the rule's daily maximum")
    }

    @Test("a Meta budget rule never makes a fifth budget change of a campaign within the hour")
    func metaBudgetChangesPerHour() async throws {
        let meta = Channel.all[1]
        let setup = try await Self.setUp(meta, names: ["Delta"])
        var campaign = setup.campaigns[0]
        // Four budget changes by hand within the hour.
        for amount in [21_000_000, 22_000_000, 23_000_000, 24_000_000] as [Int64] {
            campaign = try await TestStack.withClient { [campaign] grpc in
                var request = Tradewind_V1_UpdateCampaignRequest()
                request.campaign = campaign
                request.campaign.budget.amountMicros = amount
                request.updateMask.paths = ["budget"]
                return try await Tradewind_V1_Campaigns.Client(wrapping: grpc).updateCampaign(
                    request, metadata: .bearer(setup.key))
            }
        }
        var rule = Self.rule("Raise Delta", [Self.nameContains("Delta")], action: .changeBudget)
        rule.execution.change.amountMicros = 1_000_000
        rule.execution.change.limitMicros = 100_000_000
        let dry = try await Self.dryRun(setup.key, rule)
        #expect(dry.actions.first?.outcome == .skipped)
        #expect(dry.actions.first?.reason == "4 budget changes in the last hour: Meta's limit per ad set")
        let created = try await Self.create(setup.key, rule)
        let run = try await Self.runAndWait(setup.key, created.id)
        #expect(run?.actions.first?.outcome == .skipped)
        #expect(try await CampaignsTests.get(setup.key, campaign.id).budget.amountMicros == 24_000_000)
    }

    @Test("the same evaluation slot run twice (a worker lost its lease) acts once")
    func slotRunsOnce() async throws {
        let google = Channel.all[0]
        let setup = try await Self.setUp(google, names: ["Epsilon"])
        var rule = Self.rule("Raise Epsilon", [Self.nameContains("Epsilon")], action: .changeBudget)
        rule.execution.change.amountMicros = 1_000_000
        rule.execution.change.limitMicros = 100_000_000
        rule.execution.maximumChangesPerDay = 24
        let created = try await Self.create(setup.key, rule)
        let ruleID = try #require(UUID(uuidString: created.id))
        let stack = try await TestStack.running()
        let call = SystemCall(
            principal: "rules-test", tenant: setup.tenant, recording: .upkeep, timeout: .seconds(5),
            logger: TestEnvironment.logger)
        let slot = Date()
        try await stack.application.store.write(for: call) { tx in
            try await RuleJobs.enqueue(rule: ruleID, at: slot, trigger: .manual, in: tx)
            try await RuleJobs.enqueue(rule: ruleID, at: slot, trigger: .manual, in: tx)
        }
        let deadline = ContinuousClock.now + .seconds(30)
        var pending = 1
        while ContinuousClock.now < deadline && pending > 0 {
            try await Task.sleep(for: .milliseconds(200))
            pending = try await stack.application.store.read(for: call) { tx in
                try await Outbox.pending(queue: RuleJobs.queue(rule: ruleID, trigger: .manual), in: tx).count
            }
        }
        let runs = try await Self.runs(setup.key, created.id)
        #expect(runs.count == 1 && runs.first?.actions.map(\.outcome) == [.queued])
        let campaign = try await CampaignsTests.wait(setup.key, setup.campaigns[0].id) {
            CampaignsTests.synced($0) && $0.budget.amountMicros != 40_000_000
        }
        #expect(campaign.budget.amountMicros == 41_000_000)
    }

    @Test("a rule on metric syncs runs after each pull of its accounts")
    func onMetricSync() async throws {
        let tiktok = Channel.all[2]
        let setup = try await Self.setUp(tiktok, names: ["Zeta"])
        var rule = Self.rule("Note Zeta", [Self.nameContains("Zeta")], action: .notify)
        rule.schedule.onMetricSync = true
        let created = try await Self.create(setup.key, rule)
        #expect(!created.hasNextRunTime)
        try await CampaignMetricsTests.sync(setup.key, account: setup.account.id, days: 3)
        let deadline = ContinuousClock.now + .seconds(30)
        var runs: [Tradewind_V1_RuleRun] = []
        while ContinuousClock.now < deadline && runs.isEmpty {
            try await Task.sleep(for: .milliseconds(200))
            runs = try await Self.runs(setup.key, created.id)
        }
        #expect(runs.first?.trigger == "metric_sync")
        #expect(runs.first?.actions.map(\.outcome) == [.notified])
    }

    @Test("create, read, list, update with an etag, disable, enable and delete a rule")
    func lifecycle() async throws {
        let (_, key) = try await TestStack.tenant()
        var rule = Self.rule(
            "Pause expensive clicks", [Self.condition(.cpc, .greaterThan, micros: 2_000_000, currency: "USD")],
            action: .pause)
        rule.schedule.dailyMinute = 570
        let created = try await Self.create(key, rule)
        #expect(created.name == "Pause expensive clicks" && created.etag == "1")
        #expect(created.evaluation.conditions == rule.evaluation.conditions)
        // 09:30 in the tenant's zone (UTC by default), after now.
        let next = created.nextRunTime.date
        #expect(next > Date() && next < Date().addingTimeInterval(86_400))
        #expect(Calendar(identifier: .gregorian).dateComponents(in: .gmt, from: next).minute == 30)
        try await TestStack.withClient { grpc in
            let rules = Rules(wrapping: grpc)
            var get = Tradewind_V1_GetRuleRequest()
            get.id = created.id
            #expect(try await rules.getRule(get, metadata: .bearer(key)) == created)
            #expect(try await rules.listRules(.init(), metadata: .bearer(key)).rules.map(\.id) == [created.id])

            var update = Tradewind_V1_UpdateRuleRequest()
            update.rule = created
            update.rule.name = "Pause very expensive clicks"
            update.updateMask.paths = ["name"]
            let renamed = try await rules.updateRule(update, metadata: .bearer(key))
            #expect(renamed.name == "Pause very expensive clicks" && renamed.etag == "2")
            let stale = await Status.of { _ = try await rules.updateRule(update, metadata: .bearer(key)) }
            #expect(stale?.code == .aborted)

            var disable = Tradewind_V1_DisableRuleRequest()
            disable.id = created.id
            let disabled = try await rules.disableRule(disable, metadata: .bearer(key))
            #expect(disabled.status == .disabled && !disabled.hasNextRunTime)
            var run = Tradewind_V1_RunRuleRequest()
            run.id = created.id
            let refused = await Status.of { _ = try await rules.runRule(run, metadata: .bearer(key)) }
            #expect(refused?.code == .failedPrecondition)
            var listDisabled = Tradewind_V1_ListRulesRequest()
            listDisabled.status = .enabled
            #expect(try await rules.listRules(listDisabled, metadata: .bearer(key)).rules.isEmpty)
            var enable = Tradewind_V1_EnableRuleRequest()
            enable.id = created.id
            let enabled = try await rules.enableRule(enable, metadata: .bearer(key))
            #expect(enabled.status == .enabled && enabled.hasNextRunTime)

            var delete = Tradewind_V1_DeleteRuleRequest()
            delete.id = created.id
            #expect(try await rules.deleteRule(delete, metadata: .bearer(key)).id == created.id)
            let gone = await Status.of { _ = try await rules.getRule(get, metadata: .bearer(key)) }
            #expect(gone?.code == .notFound && gone?.message == "no such rule")
        }
    }

    @Test("a wrong rule is refused naming every field, and nothing is created")
    func badInput() async throws {
        let (_, key) = try await TestStack.tenant()
        var rule = Self.rule(
            "", [Self.condition(.cpc, .greaterThan, micros: 2_000_000), Self.condition(.ctr, .contain, micros: 1)],
            action: .changeBudget, preset: .unspecified)
        rule.schedule.everyMinutes = 5
        let error = await Status.of { _ = try await Self.create(key, rule) }
        #expect(error?.code == .invalidArgument)
        #expect(
            Status.fieldViolations(error) == [
                "rule.evaluation.time_preset", "rule.execution.change",
            ], "\(String(describing: error))")
        rule.evaluation.timePreset = .last7Days
        rule.execution.change.percentMilli = 10_000
        rule.execution.change.limitMicros = 0
        let meaning = await Status.of { _ = try await Self.create(key, rule) }
        #expect(
            Status.fieldViolations(meaning) == [
                "rule.name", "rule.evaluation.conditions[0].operand.currency", "rule.evaluation.conditions[1].operator",
                "rule.execution.change.limit_micros", "rule.schedule.every_minutes",
            ], "\(String(describing: meaning))")
        let listed = try await TestStack.withClient { grpc in
            try await Rules(wrapping: grpc).listRules(.init(), metadata: .bearer(key)).rules
        }
        #expect(listed.isEmpty)
    }

    @Test("another tenant's rule ids answer exactly like random ones; an analyst reads but cannot change rules")
    func crossTenantAndRoles() async throws {
        let (tenant, owner) = try await TestStack.tenant()
        let (_, other) = try await TestStack.tenant()
        let created = try await Self.create(owner, Self.rule("Mine", [Self.nameContains("x")], action: .notify))
        for id in [created.id, UUID().uuidString.lowercased()] {
            try await TestStack.withClient { grpc in
                let rules = Rules(wrapping: grpc)
                var get = Tradewind_V1_GetRuleRequest()
                get.id = id
                var run = Tradewind_V1_RunRuleRequest()
                run.id = id
                var delete = Tradewind_V1_DeleteRuleRequest()
                delete.id = id
                var runs = Tradewind_V1_ListRuleRunsRequest()
                runs.ruleID = id
                var dry = Tradewind_V1_DryRunRuleRequest()
                dry.id = id
                var update = Tradewind_V1_UpdateRuleRequest()
                update.rule = created
                update.rule.id = id
                update.updateMask.paths = ["name"]
                let answers = [
                    await Status.of { _ = try await rules.getRule(get, metadata: .bearer(other)) },
                    await Status.of { _ = try await rules.runRule(run, metadata: .bearer(other)) },
                    await Status.of { _ = try await rules.deleteRule(delete, metadata: .bearer(other)) },
                    await Status.of { _ = try await rules.listRuleRuns(runs, metadata: .bearer(other)) },
                    await Status.of { _ = try await rules.dryRunRule(dry, metadata: .bearer(other)) },
                    await Status.of { _ = try await rules.updateRule(update, metadata: .bearer(other)) },
                ]
                for answer in answers { #expect(answer?.code == .notFound && answer?.message == "no such rule") }
            }
        }
        #expect(
            try await TestStack.withClient { grpc in
                try await Rules(wrapping: grpc).listRules(.init(), metadata: .bearer(other)).rules
            }.isEmpty)
        let analyst = try await TestStack.key(tenantID: tenant.id, role: .analyst)
        try await TestStack.withClient { grpc in
            let rules = Rules(wrapping: grpc)
            var get = Tradewind_V1_GetRuleRequest()
            get.id = created.id
            let read = try await rules.getRule(get, metadata: .bearer(analyst))
            #expect(read.id == created.id)
            var delete = Tradewind_V1_DeleteRuleRequest()
            delete.id = created.id
            let denied = await Status.of { _ = try await rules.deleteRule(delete, metadata: .bearer(analyst)) }
            #expect(denied?.code == .permissionDenied)
        }
    }

    @Test("every wire enum value of rules maps to Core and back")
    func enumsRoundTrip() {
        for field in RuleField.allCases { #expect(ProtoMapping.ruleField(ProtoMapping.ruleField(field)) == field) }
        for op in RuleOperator.allCases { #expect(ProtoMapping.ruleOperator(ProtoMapping.ruleOperator(op)) == op) }
        for window in RuleTimeWindow.allCases {
            #expect(ProtoMapping.ruleWindow(ProtoMapping.ruleWindow(window)) == window)
        }
        #expect(ProtoMapping.ruleField(Tradewind_V1_RuleField.cpc) == .cpc)
        #expect(ProtoMapping.ruleOperator(Tradewind_V1_RuleOperator.notInRange) == .notInRange)
        #expect(
            ProtoMapping.ruleWindow(Tradewind_V1_RuleTimePreset.last7DaysIncludingToday) == .last7DaysIncludingToday)
        #expect(ProtoMapping.ruleField(Tradewind_V1_RuleField.unspecified) == nil)
    }
}
