import Foundation
import Testing
import TradewindCore
import TradewindProto

@testable import TradewindServer

/// Rules on ad groups (Meta's and TikTok's ad sets and ad groups): figures pulled per ad group
/// from each channel's sandbox, the ad group paused on the channel through the outbox.
extension RulesTests {
    /// Spend of an ad group over the `days` days before the account's today (Europe/Berlin), as
    /// the sandbox holds it.
    static func adGroupSpend(_ channel: Channel, _ setup: Setup, adGroup channelAdGroupID: String, days: Int64)
        async throws -> Int64
    {
        let answer = try await SandboxControl.call(
            .GET,
            "metrics?channel=\(channel.sandbox)&account=\(setup.sandboxID)&from=2026-11-01&to=2026-12-31&level=ad_group"
        )
        var byDay: [String: Int64] = [:]
        for row in ((answer as? [String: Any])?["rows"] as? [[String: Any]]) ?? []
        where row["ad_group_id"] as? String == channelAdGroupID {
            guard let day = row["date"] as? String else { continue }
            byDay[day] = (row["spend_micros"] as? NSNumber)?.int64Value ?? 0
        }
        let today = CalendarDay(Date(), in: TimeZone(identifier: "Europe/Berlin")!)
        return (1...days).reduce(Int64(0)) { $0 + (byDay[today.adding(days: -$1).description] ?? 0) }
    }

    @Test(
        "an ad-group rule pauses the ad group its figures select on each channel, and leaves the campaign and its other ad group alone",
        arguments: Channel.all)
    func adGroupPause(channel: Channel) async throws {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "Europe/Berlin")
        let tenDaysAgo = formatter.string(from: Date().addingTimeInterval(-10 * 86_400))
        let setup = try await Self.setUp(channel, names: ["Zeta"]) { campaign in
            // TikTok's ad groups carry the schedule: they deliver from the campaign's start.
            campaign.startDate = tenDaysAgo
            var second = campaign.adGroups[0]
            second.name = "Zeta second set"
            second.ads[0].name = "Zeta second ad"
            campaign.adGroups.append(second)
        }
        let zeta = setup.campaigns[0]
        try #require(zeta.adGroups.count == 2)
        let (first, second) = (zeta.adGroups[0], zeta.adGroups[1])
        #expect(first.status == .active && second.status == .active)

        var rule = Self.rule(
            "Pause the second set when it spends",
            [Self.nameContains("second"), Self.condition(.spend, .greaterThan, micros: 0, currency: "EUR")],
            action: .pause)
        rule.evaluation.entityType = .adGroup
        // No rule looked at ad groups yet, so no pull brought their figures: a rule looks at none
        // of them (a missing figure is not zero spend).
        let before = try await Self.dryRun(setup.key, rule)
        #expect(before.entitiesChecked == 0 && before.actions.isEmpty, "\(before)")
        // Creating the rule brings the account's pull forward, over 31 days: no sync asked for.
        let created = try await Self.create(setup.key, rule)
        #expect(created.evaluation.entityType == .adGroup)
        let deadline = ContinuousClock.now + .seconds(30)
        while try await Self.dryRun(setup.key, rule).entitiesChecked == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        let spent = try await Self.adGroupSpend(channel, setup, adGroup: second.channelAdGroupID, days: 7)
        #expect(spent > 0)

        let dry = try await Self.dryRun(setup.key, rule)
        #expect(dry.entitiesChecked == 2)
        #expect(dry.actions.map(\.entityID) == [second.id], "\(dry)")
        #expect(dry.actions.first?.entityType == .adGroup && dry.actions.first?.campaignID == zeta.id)
        #expect(dry.actions.first?.entityName == "Zeta second set")
        #expect(dry.actions.first?.conditions.last?.value == RuleNumber(micros: spent, currency: "EUR").description)

        // Another tenant naming this ad group sees nothing of it.
        let (_, other) = try await TestStack.tenant()
        var theirs = rule
        theirs.evaluation.entityIds = [second.id]
        let foreign = try await Self.dryRun(other, theirs)
        #expect(foreign.entitiesChecked == 0 && foreign.actions.isEmpty)

        let run = try await Self.runAndWait(setup.key, created.id)
        #expect(run?.actions.map(\.outcome) == [.queued], "\(String(describing: run))")
        #expect(run?.actions.first?.entityType == .adGroup && run?.actions.first?.entityName == "Zeta second set")
        let after = try await CampaignsTests.wait(setup.key, zeta.id) {
            $0.adGroups.count == 2 && $0.adGroups[1].status == .paused && CampaignsTests.synced($0)
        }
        #expect(after.status == .active && after.adGroups.map(\.status) == [.active, .paused], "\(after.sync)")
        let onChannel = Dictionary(
            try await SandboxControl.objects(channel.sandbox, account: setup.sandboxID)
                .filter { $0["level"] as? String == "ad_group" }
                .map { ($0["id"] as? String ?? "", ($0["status"] as? String ?? "").uppercased()) },
            uniquingKeysWith: { a, _ in a })
        let pausedOnChannel = onChannel[second.channelAdGroupID] ?? ""
        let activeOnChannel = onChannel[first.channelAdGroupID] ?? ""
        #expect(pausedOnChannel.contains("PAUSE") || pausedOnChannel.contains("DISABLE"), "\(onChannel)")
        #expect(activeOnChannel.contains("ENABLE") || activeOnChannel.contains("ACTIVE"), "\(onChannel)")

        // Again: paused already, so nothing is queued twice.
        let again = try await Self.runAndWait(setup.key, created.id)
        #expect(again?.actions.map(\.outcome) == [.skipped] && again?.actions.first?.reason == "already paused")

        let acted = try await AuditHarness.export(key: setup.key).filter {
            $0.contains("\"method\":\"tradewind/rules.pause\"")
        }
        #expect(acted.count == 2, "\(acted)")
        #expect(
            acted.allSatisfy {
                $0.contains("ad_group:\(second.id)") && $0.contains("campaign:\(zeta.id)")
                    && $0.contains("\"rule\":\"\(created.id)\"")
            })
    }

    @Test(
        "a budget rule on ad groups or ads and a bid rule on ads are refused naming the action, as is an unknown level")
    func adGroupBudgetRefused() async throws {
        let (_, key) = try await TestStack.tenant()
        var rule = Self.rule("Budget by ad set", [Self.nameContains("x")], action: .changeBudget)
        rule.evaluation.entityType = .adGroup
        rule.execution.change.percentMilli = 10_000
        rule.execution.change.limitMicros = 90_000_000
        let error = await Status.of { _ = try await Self.create(key, rule) }
        #expect(Status.fieldViolations(error) == ["rule.execution.action"], "\(String(describing: error))")
        rule.evaluation.entityType = .ad
        let onAds = await Status.of { _ = try await Self.create(key, rule) }
        #expect(Status.fieldViolations(onAds) == ["rule.execution.action"], "\(String(describing: onAds))")
        rule.execution.action = .changeBid
        let bidOnAds = await Status.of { _ = try await Self.create(key, rule) }
        #expect(Status.fieldViolations(bidOnAds) == ["rule.execution.action"], "\(String(describing: bidOnAds))")
        rule.execution.action = .changeBudget
        rule.evaluation.entityType = Tradewind_V1_RuleEntityType(rawValue: 9) ?? .unspecified
        let unknown = await Status.of { _ = try await Self.create(key, rule) }
        #expect(Status.fieldViolations(unknown) == ["rule.evaluation.entity_type"], "\(String(describing: unknown))")
    }
}

/// Rules on ads: figures pulled per ad from each channel's sandbox, the ad paused on the channel.
extension RulesTests {
    @Test(
        "an ad rule pauses the ad its figures select on each channel, and leaves the ad group's other ad alone",
        arguments: Channel.all)
    func adPause(channel: Channel) async throws {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "Europe/Berlin")
        let tenDaysAgo = formatter.string(from: Date().addingTimeInterval(-10 * 86_400))
        let setup = try await Self.setUp(channel, names: ["Eta"]) { campaign in
            campaign.startDate = tenDaysAgo
            var second = campaign.adGroups[0].ads[0]
            second.name = "Eta second ad"
            // Amazon takes each product once per ad group.
            if channel.proto == .amazonAds { second.creative.asin = "B07XJ8C8F5" }
            campaign.adGroups[0].ads.append(second)
        }
        let eta = setup.campaigns[0]
        let ads = eta.adGroups.first?.ads ?? []
        try #require(ads.count == 2)
        let (first, second) = (ads[0], ads[1])
        #expect(first.status == .active && second.status == .active)

        var rule = Self.rule(
            "Pause the second ad when it is clicked",
            [Self.nameContains("second"), Self.condition(.clicks, .greaterThan, micros: 0)], action: .pause)
        rule.evaluation.entityType = .ad
        let created = try await Self.create(setup.key, rule)
        #expect(created.evaluation.entityType == .ad)
        try await CampaignMetricsTests.sync(setup.key, account: setup.account.id, days: 14)

        let dry = try await Self.dryRun(setup.key, rule)
        #expect(dry.entitiesChecked == 2)
        #expect(dry.actions.map(\.entityID) == [second.id], "\(dry)")
        #expect(dry.actions.first?.entityType == .ad && dry.actions.first?.campaignID == eta.id)
        #expect(dry.actions.first?.entityName == "Eta second ad")

        let run = try await Self.runAndWait(setup.key, created.id)
        #expect(run?.actions.map(\.outcome) == [.queued], "\(String(describing: run))")
        let after = try await CampaignsTests.wait(setup.key, eta.id) {
            $0.adGroups.first?.ads.last?.status == .paused && CampaignsTests.synced($0)
        }
        #expect(after.status == .active && after.adGroups.first?.status == .active)
        #expect(after.adGroups.first?.ads.map(\.status) == [.active, .paused], "\(after.sync)")
        let onChannel = try await SandboxControl.objects(channel.sandbox, account: setup.sandboxID)
            .filter { $0["level"] as? String == "ad" }
        func status(_ channelAdID: String) -> String {
            (onChannel.first { ($0["id"] as? String ?? "").hasSuffix(channelAdID) }?["status"] as? String ?? "")
                .uppercased()
        }
        #expect(status(second.channelAdID).contains("PAUSE") || status(second.channelAdID).contains("DISABLE"))
        #expect(status(first.channelAdID).contains("ENABLE") || status(first.channelAdID).contains("ACTIVE"))

        let acted = try await AuditHarness.export(key: setup.key).filter {
            $0.contains("\"method\":\"tradewind/rules.pause\"")
        }
        #expect(acted.count == 1 && acted[0].contains("ad:\(second.id)") && acted[0].contains("campaign:\(eta.id)"))
    }
}
