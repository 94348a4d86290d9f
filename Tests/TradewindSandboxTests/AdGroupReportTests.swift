import Foundation
import Testing

@testable import TradewindSandbox

/// Ad-group (ad set) daily reports on each channel's wire, over HTTPS: the ad-group rows of a
/// campaign-day sum exactly to the campaign row, a paused ad group gets no share from the day of its
/// pause, and bad parameters get the channel's own error. Every test creates one campaign with two ad
/// groups on 2026-11-01, pauses the second on 11-05 and reads 11-01...11-09 on 11-10.
@Suite struct AdGroupReportTests {
    typealias Client = SandboxHarness.Client

    /// One report row's figures in integers, whatever the channel writes: money in micros.
    struct Totals: Equatable, CustomStringConvertible {
        var impressions: Int64 = 0
        var clicks: Int64 = 0
        var spendMicros: Int64 = 0
        var conversions: Int64 = 0
        var valueMicros: Int64 = 0

        static func + (lhs: Totals, rhs: Totals) -> Totals {
            Totals(
                impressions: lhs.impressions + rhs.impressions, clicks: lhs.clicks + rhs.clicks,
                spendMicros: lhs.spendMicros + rhs.spendMicros, conversions: lhs.conversions + rhs.conversions,
                valueMicros: lhs.valueMicros + rhs.valueMicros)
        }

        var description: String { "\(impressions)/\(clicks)/\(spendMicros)/\(conversions)/\(valueMicros)" }
    }

    /// Micros of a major-unit amount as the channels write it ("12.3", "12.30", 12.3).
    static func micros(_ value: JSONValue?) -> Int64 {
        Int64(((value?.doubleValue ?? 0) * 1_000_000).rounded())
    }

    /// Totals per "campaign|day", adding up rows that share one (the ad groups of a campaign-day).
    static func byCampaignDay(_ rows: [(campaign: String, day: String, totals: Totals)]) -> [String: Totals] {
        rows.reduce(into: [:]) { sums, row in
            let key = "\(row.campaign)|\(row.day)"
            sums[key] = (sums[key] ?? Totals()) + row.totals
        }
    }

    static let days = (1...9).map { "2026-11-0\($0)" }

    // MARK: Google Ads

    static func gaql(_ client: Client, _ query: String) async throws -> [JSONValue] {
        let answer = try await client.google("googleAds:searchStream", ["query": .string(query)])
        #expect(answer.status == 200, "\(String(decoding: answer.body, as: UTF8.self))")
        return (answer.json?.arrayValue ?? []).flatMap { $0["results"]?.arrayValue ?? [] }
    }

    static func googleTotals(_ row: JSONValue) -> Totals {
        let metrics = row["metrics"]
        return Totals(
            impressions: metrics?["impressions"]?.int64Value ?? 0, clicks: metrics?["clicks"]?.int64Value ?? 0,
            spendMicros: metrics?["costMicros"]?.int64Value ?? 0,
            conversions: metrics?["conversions"]?.int64Value ?? 0, valueMicros: micros(metrics?["conversionsValue"]))
    }

    @Test func googleAdGroupRowsSumToCampaignRows() async throws {
        let harness = SandboxHarness(today: "2026-11-01").withDefaultAccounts()
        try await harness.run { client in
            let budget = try await GoogleAdsTests.budget(client, amount: "100000000")
            let created = try await client.google(
                "campaigns:mutate",
                [
                    "operations": [
                        [
                            "create": [
                                "name": "C", "advertisingChannelType": "SEARCH", "campaignBudget": .string(budget),
                            ]
                        ]
                    ]
                ])
            let campaign = try #require(SettingsUpdateTests.first(created))
            var groups: [String] = []
            for name in ["G1", "G2"] {
                let group = try await client.google(
                    "adGroups:mutate",
                    ["operations": [["create": ["name": .string(name), "campaign": .string(campaign)]]]])
                groups.append(try #require(SettingsUpdateTests.first(group)))
            }
            _ = try await client.control(.post, "clock", ["today": "2026-11-05"])
            let paused = try await client.google(
                "adGroups:mutate",
                [
                    "operations": [
                        ["update": ["resourceName": .string(groups[1]), "status": "PAUSED"], "updateMask": "status"]
                    ]
                ])
            #expect(paused.status == 200 && SettingsUpdateTests.first(paused) == groups[1])
            _ = try await client.control(.post, "clock", ["today": "2026-11-10"])

            let metrics =
                "metrics.impressions, metrics.clicks, metrics.cost_micros, metrics.conversions, metrics.conversions_value"
            let range = "WHERE segments.date BETWEEN '2026-11-01' AND '2026-11-09'"
            let campaignRows = try await Self.gaql(
                client, "SELECT campaign.id, segments.date, \(metrics) FROM campaign \(range)")
            let groupRows = try await Self.gaql(
                client, "SELECT campaign.id, ad_group.id, segments.date, \(metrics) FROM ad_group \(range)")
            #expect(campaignRows.count == 9)
            func keyed(_ rows: [JSONValue]) -> [(campaign: String, day: String, totals: Totals)] {
                rows.map {
                    (
                        $0["campaign"]?["id"]?.stringValue ?? "", $0["segments"]?["date"]?.stringValue ?? "",
                        Self.googleTotals($0)
                    )
                }
            }
            #expect(Self.byCampaignDay(keyed(campaignRows)) == Self.byCampaignDay(keyed(groupRows)))

            let row = try #require(groupRows.first)
            let campaignID = try #require(campaign.split(separator: "/").last.map(String.init))
            let pausedID = try #require(groups[1].split(separator: "/").last.map(String.init))
            #expect(row["campaign"] == ["resourceName": .string(campaign), "id": .string(campaignID)])
            #expect(row["adGroup"]?["resourceName"]?.stringValue?.hasPrefix("customers/1234567890/adGroups/") == true)
            #expect(row["metrics"]?["impressions"]?.stringValue != nil && row["metrics"]?["costMicros"] != nil)
            let pausedDays = groupRows.filter { $0["adGroup"]?["id"]?.stringValue == pausedID }.compactMap {
                $0["segments"]?["date"]?.stringValue
            }
            #expect(pausedDays == Array(Self.days.prefix(4)))

            // Unsegmented through googleAds:search: one row per ad group over the range.
            let summary = try await client.google(
                "googleAds:search",
                [
                    "query": .string(
                        "SELECT ad_group.id, ad_group.name, ad_group.status, metrics.cost_micros FROM ad_group \(range)"
                    )
                ])
            let results = summary.json?["results"]?.arrayValue ?? []
            #expect(results.compactMap { $0["adGroup"]?["status"]?.stringValue } == ["ENABLED", "PAUSED"])
            #expect(
                results.compactMap { $0["metrics"]?["costMicros"]?.int64Value }.reduce(0, +)
                    == campaignRows.map { Self.googleTotals($0).spendMicros }.reduce(0, +))

            let onBudgets = try await client.google(
                "googleAds:search",
                ["query": .string("SELECT campaign_budget.id, metrics.clicks FROM campaign_budget \(range)")])
            let error = onBudgets.json?["error"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue?.first
            #expect(onBudgets.status == 400)
            #expect(error?["errorCode"] == ["queryError": "PROHIBITED_METRIC_IN_SELECT_OR_WHERE_CLAUSE"])
            let noRange = try await client.google(
                "googleAds:search", ["query": "SELECT ad_group.id, segments.date, metrics.clicks FROM ad_group"])
            #expect(
                noRange.json?["error"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue?.first?["errorCode"]
                    == ["queryError": "EXPECTED_FILTERS_ON_DATE_RANGE"])
        }
    }

    // MARK: Meta

    /// Every row of an insights request, following `paging.cursors.after` while `paging.next` is there.
    static func insights(_ client: Client, _ query: String) async throws -> [JSONValue] {
        var rows: [JSONValue] = []
        var after: String?
        repeat {
            let page = try await client.meta(
                .get, "\(MetaTests.account)/insights?\(query)\(after.map { "&after=\($0)" } ?? "")")
            #expect(page.status == 200, "\(String(decoding: page.body, as: UTF8.self))")
            rows += page.json?["data"]?.arrayValue ?? []
            after = page.json?["paging"]?["next"] == nil ? nil : page.json?["paging"]?["cursors"]?["after"]?.stringValue
        } while after != nil
        return rows
    }

    static func metaTotals(_ row: JSONValue) -> Totals {
        func purchase(_ list: String) -> JSONValue? {
            row[list]?.arrayValue?.first { $0["action_type"] == "purchase" }?["value"]
        }
        return Totals(
            impressions: row["impressions"]?.int64Value ?? 0, clicks: row["clicks"]?.int64Value ?? 0,
            spendMicros: micros(row["spend"]), conversions: purchase("actions")?.int64Value ?? 0,
            valueMicros: micros(purchase("action_values")))
    }

    @Test func metaAdSetRowsSumToCampaignRows() async throws {
        let harness = SandboxHarness(today: "2026-11-01").withDefaultAccounts()
        try await harness.run { client in
            // Ad-set budgets (no campaign budget): the ad sets' budgets weigh their shares.
            let created = try await client.meta(
                .post, "\(MetaTests.account)/campaigns",
                form: "name=ABO&objective=OUTCOME_SALES&special_ad_categories=%5B%5D")
            let campaign = try #require(created.json?["id"]?.stringValue)
            var adSets: [String] = []
            for (name, budget) in [("AS1", 20000), ("AS2", 5000)] {
                let adSet = try await client.meta(
                    .post, "\(MetaTests.account)/adsets",
                    form:
                        "name=\(name)&campaign_id=\(campaign)&daily_budget=\(budget)&billing_event=IMPRESSIONS&optimization_goal=LINK_CLICKS&targeting=\(escaped(#"{"geo_locations":{"countries":["DE"]}}"#))"
                )
                adSets.append(try #require(adSet.json?["id"]?.stringValue))
            }
            _ = try await client.control(.post, "clock", ["today": "2026-11-05"])
            #expect(try await client.meta(.post, adSets[1], form: "status=PAUSED").json?["success"] == true)
            _ = try await client.control(.post, "clock", ["today": "2026-11-10"])

            let range =
                "time_increment=1&limit=4&time_range=\(escaped(#"{"since":"2026-11-01","until":"2026-11-09"}"#))"
            let fields = "impressions,clicks,spend,actions,action_values"
            let campaignRows = try await Self.insights(
                client, "level=campaign&\(range)&fields=campaign_id,\(fields)")
            let adSetRows = try await Self.insights(
                client, "level=adset&\(range)&fields=campaign_id,adset_id,adset_name,\(fields)")
            #expect(campaignRows.count == 9)
            func keyed(_ rows: [JSONValue]) -> [(campaign: String, day: String, totals: Totals)] {
                rows.map {
                    ($0["campaign_id"]?.stringValue ?? "", $0["date_start"]?.stringValue ?? "", Self.metaTotals($0))
                }
            }
            #expect(Self.byCampaignDay(keyed(campaignRows)) == Self.byCampaignDay(keyed(adSetRows)))
            let row = try #require(adSetRows.first)
            #expect(row["adset_name"] == "AS1" && row["campaign_id"] == .string(campaign))
            #expect(row["spend"]?.stringValue != nil && row["date_stop"] == row["date_start"])
            let pausedDays = adSetRows.filter { $0["adset_id"] == .string(adSets[1]) }.compactMap {
                $0["date_start"]?.stringValue
            }
            #expect(pausedDays == Array(Self.days.prefix(4)))
            // The bigger budget takes the bigger share on the days both ad sets deliver.
            let early = adSetRows.filter { $0["date_start"] == "2026-11-02" }.map { Self.metaTotals($0).spendMicros }
            #expect(early.count == 2 && early[0] > early[1])

            // `paging.next` repeats the request, so following it stays at the ad set level.
            let first = try await client.meta(
                .get, "\(MetaTests.account)/insights?level=adset&\(range)&fields=adset_id")
            let next = try #require(first.json?["paging"]?["next"]?.stringValue.flatMap { URLComponents(string: $0) })
            #expect(next.queryItems?.first { $0.name == "level" }?.value == "adset")
            let followed = try await client.meta(
                .get, "\(MetaTests.account)/insights?\(next.percentEncodedQuery ?? "")")
            #expect(followed.json?["data"]?.arrayValue?.first?["adset_id"] != nil)

            let badLevel = try await client.meta(.get, "\(MetaTests.account)/insights?level=creative&\(range)")
            #expect(badLevel.status == 400 && badLevel.json?["error"]?["code"] == 100)
            let badField = try await client.meta(
                .get, "\(MetaTests.account)/insights?level=adset&\(range)&fields=adset_budget")
            #expect(badField.status == 400 && badField.json?["error"]?["type"] == "OAuthException")
        }
    }
}
