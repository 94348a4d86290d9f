import Foundation
import Testing

@testable import TradewindSandbox

/// The split of ad-group-days into ad-days (`World.adDays`), checked on the state directly;
/// `AdReportTests` checks the same over each channel's wire.
@Suite struct AdSplitTests {
    static let accounts: [(AdChannel, String)] = [
        (.googleAds, SandboxHarness.google.0), (.meta, SandboxHarness.meta.0), (.tiktok, SandboxHarness.tiktok.0),
        (.amazonAds, SandboxHarness.amazon.0),
    ]

    /// An ad's object id: Google names an ad in its ad group `{adGroupId}~{adId}`.
    static func adID(_ channel: AdChannel, _ group: String, _ ad: String) -> String {
        channel == .googleAds ? "\(group)~\(ad)" : ad
    }

    /// A campaign with a $200 budget created on 2026-11-01 with ad groups g1 (ads a1, a2, a3) and g2
    /// (ad b1). a3 is paused on 11-06; b1, g2's only ad, on 11-10; a1 and a2 on 11-14, so that g1 and
    /// with it the campaign stop. The clock then at 11-20.
    static func campaignWithAds(_ channel: AdChannel, account: String) -> SandboxHarness {
        let harness = SandboxHarness(today: "2026-11-01").withDefaultAccounts()
        harness.store.write { world in
            world.insert(
                channel: channel, account: account, level: .campaign, id: "c1", name: "C", status: "ENABLED",
                fields: [:], dailyBudgetMicros: 200_000_000, active: true)
            for (group, ads) in [("g1", ["a1", "a2", "a3"]), ("g2", ["b1"])] {
                world.insert(
                    channel: channel, account: account, level: .adGroup, id: group, parentID: "c1", name: group,
                    status: "ENABLED", fields: [:], dailyBudgetMicros: nil, active: true)
                for ad in ads {
                    world.insert(
                        channel: channel, account: account, level: .ad, id: adID(channel, group, ad), parentID: group,
                        name: ad, status: "ENABLED", fields: [:], dailyBudgetMicros: nil, active: true)
                }
            }
            for (day, ads) in [
                ("2026-11-06", ["g1/a3"]), ("2026-11-10", ["g2/b1"]), ("2026-11-14", ["g1/a1", "g1/a2"]),
            ] {
                world.clockDay = SandboxDay(day)
                for path in ads {
                    let parts = path.split(separator: "/").map(String.init)
                    world.recordChange(channel, adID(channel, parts[0], parts[1]), active: false)
                }
            }
            world.clockDay = SandboxDay("2026-11-20")
        }
        return harness
    }

    static let from = SandboxDay("2026-11-01")!
    static let to = SandboxDay("2026-11-19")!

    @Test(arguments: accounts)
    func adsSumToTheirAdGroupDayAndFollowTheirStates(channel: AdChannel, account: String) {
        let world = Self.campaignWithAds(channel, account: account).store.snapshot()
        let campaigns = world.campaignDays(channel, account: account, from: Self.from, to: Self.to)
        let groups = world.adGroupDays(channel, account: account, from: Self.from, to: Self.to)
        let ads = world.adDays(channel, account: account, from: Self.from, to: Self.to)
        for group in groups {
            let mine = ads.filter { $0.adGroupID == group.adGroupID && $0.day == group.day }
            #expect(mine.map(\.figures).reduce(.zero, +) == group.figures, "\(group.adGroupID) \(group.day)")
            #expect(mine.allSatisfy { $0.campaignID == "c1" })
            #expect(mine.allSatisfy { $0.figures.clicks <= $0.figures.impressions })
            #expect(mine.allSatisfy { $0.figures.conversions <= $0.figures.clicks })
            if channel != .googleAds {
                #expect(mine.allSatisfy { $0.figures.spendMicros % 10_000 == 0 })
                #expect(mine.allSatisfy { $0.figures.conversionValueMicros % 10_000 == 0 })
            }
        }
        #expect(ads.allSatisfy { ad in groups.contains { $0.adGroupID == ad.adGroupID && $0.day == ad.day } })
        func days(_ id: String) -> [String] {
            ads.filter { $0.channelAdID == id }.map(\.day.description)
        }
        // a3 stops on 11-06; b1 on 11-10 and g2 with it; a1 and a2 on 11-14, and the campaign with them.
        #expect(days("a3").last == "2026-11-05" && days("a1").first == "2026-11-01")
        #expect(days("b1").last == "2026-11-09")
        #expect(groups.filter { $0.adGroupID == "g2" }.map(\.day.description).last == "2026-11-09")
        #expect(campaigns.map(\.day.description).last == "2026-11-13" && campaigns.count == 13)
        #expect(Set(ads.filter { $0.day.description == "2026-11-12" }.map(\.channelAdID)) == ["a1", "a2"])
        // Ads of one ad group differ in click-through, so a CTR rule has something to tell apart.
        let ctr = ads.filter { $0.adGroupID == "g1" && $0.day.description == "2026-11-03" }.map {
            Double($0.figures.clicks) / Double(max(1, $0.figures.impressions))
        }
        #expect(ctr.count == 3 && Set(ctr).count == 3)
        #expect(world.adDays(channel, account: account, from: Self.from, to: Self.to) == ads)
    }

    /// Ads that all deliver change nothing above them, and an ad group without ad objects keeps
    /// delivering alone, with no ad rows.
    @Test func adGroupsKeepTheirFiguresWhileTheirAdsDeliver() {
        let account = SandboxHarness.tiktok.0
        func world(withAds: Bool) -> World {
            let harness = SandboxHarness(today: "2026-11-01").withDefaultAccounts()
            harness.store.write { world in
                world.insert(
                    channel: .tiktok, account: account, level: .campaign, id: "c1", name: "C", status: "ENABLE",
                    fields: [:], dailyBudgetMicros: 100_000_000, active: true)
                for group in ["g1", "g2"] {
                    world.insert(
                        channel: .tiktok, account: account, level: .adGroup, id: group, parentID: "c1", name: group,
                        status: "ENABLE", fields: [:], dailyBudgetMicros: nil, active: true)
                }
                world.clockDay = SandboxDay("2026-11-04")
                if withAds {
                    for ad in ["a1", "a2"] {
                        world.insert(
                            channel: .tiktok, account: account, level: .ad, id: ad, parentID: "g1", name: ad,
                            status: "ENABLE", fields: [:], dailyBudgetMicros: nil, active: true)
                    }
                }
                world.clockDay = SandboxDay("2026-11-20")
            }
            return harness.store.snapshot()
        }
        let plain = world(withAds: false)
        let withAds = world(withAds: true)
        #expect(
            plain.campaignDays(.tiktok, account: account, from: Self.from, to: Self.to)
                == withAds.campaignDays(.tiktok, account: account, from: Self.from, to: Self.to))
        #expect(
            plain.adGroupDays(.tiktok, account: account, from: Self.from, to: Self.to)
                == withAds.adGroupDays(.tiktok, account: account, from: Self.from, to: Self.to))
        let ads = withAds.adDays(.tiktok, account: account, from: Self.from, to: Self.to)
        #expect(plain.adDays(.tiktok, account: account, from: Self.from, to: Self.to).isEmpty)
        // g1's ads exist from 11-04: no ad rows before, none ever for g2.
        #expect(ads.map(\.day.description).min() == "2026-11-04" && ads.allSatisfy { $0.adGroupID == "g1" })
        #expect(ads.count == 2 * 16)
    }

    /// On Meta ad-set budgets, an ad set whose only ad is paused stops, and its budget leaves the
    /// campaign's: the campaign then spends within the other ad set's budget.
    @Test func anAdSetWhoseAdsStoppedTakesItsBudgetAlong() {
        let account = SandboxHarness.meta.0
        let harness = SandboxHarness(today: "2026-11-01").withDefaultAccounts()
        harness.store.write { world in
            world.insert(
                channel: .meta, account: account, level: .campaign, id: "c1", name: "ABO", status: "ACTIVE",
                fields: [:], dailyBudgetMicros: nil, active: true)
            for (group, ad) in [("s1", "a1"), ("s2", "b1")] {
                world.insert(
                    channel: .meta, account: account, level: .adGroup, id: group, parentID: "c1", name: group,
                    status: "ACTIVE", fields: [:], dailyBudgetMicros: 100_000_000, active: true)
                world.insert(
                    channel: .meta, account: account, level: .ad, id: ad, parentID: group, name: ad, status: "ACTIVE",
                    fields: [:], dailyBudgetMicros: nil, active: true)
            }
            world.clockDay = SandboxDay("2026-11-05")
            world.recordChange(.meta, "b1", active: false)
            world.clockDay = SandboxDay("2026-11-20")
        }
        let world = harness.store.snapshot()
        let campaigns = world.campaignDays(.meta, account: account, from: Self.from, to: Self.to)
        let before = campaigns.filter { $0.day.description < "2026-11-05" }
        let after = campaigns.filter { $0.day.description >= "2026-11-05" }
        // At least 55 % of the two ad sets' $200 before; at most s1's $100 after.
        #expect(before.count == 4 && before.allSatisfy { $0.figures.spendMicros > 100_000_000 })
        #expect(after.count == 15 && after.allSatisfy { $0.figures.spendMicros <= 100_000_000 })
        let groups = world.adGroupDays(.meta, account: account, from: Self.from, to: Self.to)
        #expect(groups.filter { $0.day.description >= "2026-11-05" }.allSatisfy { $0.adGroupID == "s1" })
    }

    @Test func controlAPIServesTheGroundTruthPerAd() async throws {
        let harness = Self.campaignWithAds(.googleAds, account: SandboxHarness.google.0)
        try await harness.run { client in
            let path = "metrics?channel=google-ads&account=\(SandboxHarness.google.0)&from=2026-11-01&to=2026-11-19"
            let groups = try #require(
                try await client.control(.get, path + "&level=ad_group").json?["rows"]?.arrayValue)
            let ads = try #require(try await client.control(.get, path + "&level=ad").json)
            #expect(ads["level"] == "ad")
            let rows = ads["rows"]?.arrayValue ?? []
            // `ad_id` is Google's id of the ad, not the ad group ad's `{adGroupId}~{adId}`.
            #expect(Set(rows.compactMap { $0["ad_id"]?.stringValue }) == ["a1", "a2", "a3", "b1"])
            #expect(
                rows.allSatisfy { $0["campaign_id"] == "c1" && $0["ad_group_id"]?.stringValue?.hasPrefix("g") == true })
            for field in ["impressions", "clicks", "spend_micros", "conversions", "conversion_value_micros"] {
                #expect(
                    rows.compactMap { $0[field]?.int64Value }.reduce(0, +)
                        == groups.compactMap { $0[field]?.int64Value }.reduce(0, +), "\(field)")
            }
            #expect(try await client.control(.get, path + "&level=creative").status == 400)
        }
    }
}
