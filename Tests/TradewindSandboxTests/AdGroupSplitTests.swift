import Foundation
import Testing

@testable import TradewindSandbox

/// The split of campaign-days into ad-group-days (`World.adGroupDays`, `DeliverySplit`), checked on the
/// state directly; `AdGroupReportTests` checks the same over each channel's wire.
@Suite struct AdGroupSplitTests {
    @Test func apportionSumsExactlyAndHonoursCaps() {
        #expect(DeliverySplit.apportion(10, weights: [1, 1, 1]) == [4, 3, 3])
        #expect(DeliverySplit.apportion(7, weights: [0, 0]) == [4, 3])
        #expect(DeliverySplit.apportion(0, weights: [0.2, 0.8]) == [0, 0])
        // Money in whole units of 10,000 micros (cents); a rest under one unit goes to the heaviest share.
        let cents = DeliverySplit.apportion(1_230_005, unit: 10_000, weights: [1, 2, 3])
        #expect(cents.reduce(0, +) == 1_230_005 && cents.dropLast().allSatisfy { $0 % 10_000 == 0 })
        // Clicks under impressions: the rest goes heaviest first, as far as each cap allows.
        let clicks = DeliverySplit.apportion(5, weights: [10, 1, 1], caps: [2, 5, 5])
        #expect(clicks.reduce(0, +) == 5 && clicks[0] <= 2)
        #expect(zip(DeliverySplit.apportion(9, weights: [1, 1, 1], caps: [1, 1, 9]), [1, 1, 7]).allSatisfy(==))
    }

    /// A campaign with a $200 budget created on 2026-11-01 with three ad groups, one of which ends on
    /// 11-05 and one is paused on 11-08; the clock then at 11-20.
    static func campaignWithThreeGroups(_ channel: AdChannel, account: String) -> SandboxHarness {
        let harness = SandboxHarness(today: "2026-11-01").withDefaultAccounts()
        harness.store.write { world in
            world.insert(
                channel: channel, account: account, level: .campaign, id: "c1", name: "C", status: "ENABLED",
                fields: [:], dailyBudgetMicros: 200_000_000, active: true)
            for (id, end) in [("g1", nil), ("g2", SandboxDay("2026-11-05")), ("g3", nil)] {
                world.insert(
                    channel: channel, account: account, level: .adGroup, id: id, parentID: "c1", name: id,
                    status: "ENABLED", fields: [:], dailyBudgetMicros: nil, active: true, endDay: end)
            }
            world.clockDay = SandboxDay("2026-11-08")
            world.recordChange(channel, "g3", active: false)
            world.clockDay = SandboxDay("2026-11-20")
        }
        return harness
    }

    @Test(arguments: [(AdChannel.googleAds, "1234567890"), (.meta, "101000000000001")])
    func adGroupsSumToTheirCampaignDayAndFollowTheirStates(channel: AdChannel, account: String) throws {
        let world = Self.campaignWithThreeGroups(channel, account: account).store.snapshot()
        let from = try #require(SandboxDay("2026-11-01"))
        let to = try #require(SandboxDay("2026-11-19"))
        let campaigns = world.campaignDays(channel, account: account, from: from, to: to)
        let groups = world.adGroupDays(channel, account: account, from: from, to: to)
        #expect(campaigns.count == 19)
        for campaign in campaigns {
            let mine = groups.filter { $0.day == campaign.day }
            #expect(mine.map(\.figures).reduce(.zero, +) == campaign.figures, "\(campaign.day)")
            #expect(mine.allSatisfy { $0.figures.clicks <= $0.figures.impressions })
            #expect(mine.allSatisfy { $0.figures.conversions <= $0.figures.clicks })
            if channel != .googleAds { #expect(mine.allSatisfy { $0.figures.spendMicros % 10_000 == 0 }) }
        }
        // g2 ends on 11-05 and g3 is paused from 11-08: neither has a share after that.
        #expect(groups.filter { $0.adGroupID == "g2" }.allSatisfy { $0.day.description <= "2026-11-05" })
        #expect(groups.filter { $0.adGroupID == "g3" }.allSatisfy { $0.day.description < "2026-11-08" })
        #expect(groups.contains { $0.adGroupID == "g3" && $0.day.description == "2026-11-07" })
        #expect(groups.filter { $0.day.description >= "2026-11-08" }.allSatisfy { $0.adGroupID == "g1" })
        // Ad groups differ in price, not only in size.
        let first = groups.filter { $0.day.description == "2026-11-02" }.map {
            Double($0.figures.spendMicros) / Double(max(1, $0.figures.clicks))
        }
        #expect(Set(first).count == first.count)
        #expect(world.adGroupDays(channel, account: account, from: from, to: to) == groups)
    }

    @Test func aCampaignWhoseAdGroupsAllStoppedDeliversNothing() throws {
        let store = Self.campaignWithThreeGroups(.googleAds, account: "1234567890").store
        store.write { world in
            world.clockDay = SandboxDay("2026-11-12")
            world.recordChange(.googleAds, "g1", active: false)
            world.clockDay = SandboxDay("2026-11-20")
        }
        let world = store.snapshot()
        let days = world.campaignDays(
            .googleAds, account: "1234567890", from: try #require(SandboxDay("2026-11-01")),
            to: try #require(SandboxDay("2026-11-19")))
        #expect(days.map(\.day.description).last == "2026-11-11")
        #expect(days.count == 11)
    }

    @Test func aCampaignWithoutAdGroupsKeepsDelivering() throws {
        let harness = SandboxHarness(today: "2026-11-01").withDefaultAccounts()
        harness.store.write { world in
            world.insert(
                channel: .tiktok, account: SandboxHarness.tiktok.0, level: .campaign, id: "c", name: "C",
                status: "ENABLE", fields: [:], dailyBudgetMicros: 100_000_000, active: true)
            world.clockDay = SandboxDay("2026-11-20")
        }
        let world = harness.store.snapshot()
        let from = try #require(SandboxDay("2026-11-01"))
        let to = try #require(SandboxDay("2026-11-19"))
        #expect(world.campaignDays(.tiktok, account: SandboxHarness.tiktok.0, from: from, to: to).count == 19)
        #expect(world.adGroupDays(.tiktok, account: SandboxHarness.tiktok.0, from: from, to: to).isEmpty)
    }

    @Test func controlAPIServesTheGroundTruthPerAdGroup() async throws {
        let harness = Self.campaignWithThreeGroups(.amazonAds, account: SandboxHarness.amazon.0)
        try await harness.run { client in
            let path = "metrics?channel=amazon-ads&account=\(SandboxHarness.amazon.0)&from=2026-11-01&to=2026-11-19"
            let campaigns = try #require(try await client.control(.get, path).json?["rows"]?.arrayValue)
            let groups = try #require(try await client.control(.get, path + "&level=ad_group").json)
            #expect(groups["level"] == "ad_group")
            let rows = groups["rows"]?.arrayValue ?? []
            #expect(rows.allSatisfy { $0["ad_group_id"]?.stringValue?.hasPrefix("g") == true })
            let spend = rows.compactMap { $0["spend_micros"]?.int64Value }.reduce(0, +)
            #expect(spend == campaigns.compactMap { $0["spend_micros"]?.int64Value }.reduce(0, +))
            #expect(try await client.control(.get, path + "&level=creative").status == 400)
        }
    }
}
