import Foundation
import Testing

@testable import TradewindSandbox

/// Ad daily reports on each channel's wire, over HTTPS: the ad rows of an ad-group-day sum exactly to
/// the ad-group row, a paused ad gets no share from the day of its pause, an ad group whose ads have
/// all stopped stops too, and bad parameters get the channel's own error. Every test creates one
/// campaign on 2026-11-01 with ad groups G1 (ads A1, A2) and G2 (ad B1), pauses A2 on 11-05 and B1 on
/// 11-07 through the channel's own status call, and reads 11-01...11-09 on 11-10.
@Suite struct AdReportTests {
    typealias Client = SandboxHarness.Client
    typealias Totals = AdGroupReportTests.Totals

    /// One report row as the ad group and day it belongs to, the ad, and its figures.
    struct Keyed {
        var adGroup: String
        var ad: String
        var day: String
        var totals: Totals
    }

    /// Totals per "ad group|day".
    static func byAdGroupDay(_ rows: [Keyed]) -> [String: Totals] {
        AdGroupReportTests.byCampaignDay(rows.map { ($0.adGroup, $0.day, $0.totals) })
    }

    static func days(of ad: String, in rows: [Keyed]) -> [String] {
        rows.filter { $0.ad == ad }.map(\.day).sorted()
    }

    /// Checks what every channel's test checks on its keyed ad-group and ad rows.
    static func checkSplit(groupRows: [Keyed], adRows: [Keyed], paused: String, stopped: String) {
        #expect(!adRows.isEmpty)
        #expect(byAdGroupDay(groupRows) == byAdGroupDay(adRows))
        #expect(days(of: paused, in: adRows) == Array(AdGroupReportTests.days.prefix(4)))
        #expect(days(of: stopped, in: adRows) == Array(AdGroupReportTests.days.prefix(6)))
        // G2's only ad stopped on 11-07, and G2 with it; G1 delivers every day.
        let groups = Set(adRows.map(\.adGroup)).sorted()
        #expect(groups.count == 2)
        let perGroup = groups.map { group in Set(groupRows.filter { $0.adGroup == group }.map(\.day)).count }
        #expect(perGroup.sorted() == [6, 9])
    }

    // MARK: Google Ads

    static func googleAd(_ client: Client, group: String, name: String) async throws -> String {
        let headlines: [JSONValue] = ["Fast shipping", "Great prices", .string(name)].map { ["text": $0] }
        let created = try await client.google(
            "adGroupAds:mutate",
            [
                "operations": [
                    [
                        "create": [
                            "adGroup": .string(group), "status": "ENABLED",
                            "ad": [
                                "finalUrls": ["https://example.com"],
                                "responsiveSearchAd": [
                                    "headlines": .array(headlines), "descriptions": [["text": "One"], ["text": "Two"]],
                                ],
                            ],
                        ]
                    ]
                ]
            ])
        return try #require(SettingsUpdateTests.first(created), "\(String(decoding: created.body, as: UTF8.self))")
    }

    static func googleStatus(_ client: Client, _ adGroupAd: String, _ status: JSONValue) async throws -> Answer {
        try await client.google(
            "adGroupAds:mutate",
            [
                "operations": [
                    ["update": ["resourceName": .string(adGroupAd), "status": status], "updateMask": "status"]
                ]
            ])
    }

    @Test func googleAdRowsSumToAdGroupRows() async throws {
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
            var ads: [String] = []
            for (name, adNames) in [("G1", ["A1", "A2"]), ("G2", ["B1"])] {
                let group = try await client.google(
                    "adGroups:mutate",
                    ["operations": [["create": ["name": .string(name), "campaign": .string(campaign)]]]])
                let groupName = try #require(SettingsUpdateTests.first(group))
                for adName in adNames { ads.append(try await Self.googleAd(client, group: groupName, name: adName)) }
            }
            _ = try await client.control(.post, "clock", ["today": "2026-11-05"])
            let paused = try await Self.googleStatus(client, ads[1], "PAUSED")
            #expect(paused.status == 200 && SettingsUpdateTests.first(paused) == ads[1])
            _ = try await client.control(.post, "clock", ["today": "2026-11-07"])
            #expect(SettingsUpdateTests.first(try await Self.googleStatus(client, ads[2], "PAUSED")) == ads[2])
            _ = try await client.control(.post, "clock", ["today": "2026-11-10"])

            let metrics =
                "metrics.impressions, metrics.clicks, metrics.cost_micros, metrics.conversions, metrics.conversions_value"
            let range = "WHERE segments.date BETWEEN '2026-11-01' AND '2026-11-09'"
            let groupRows = try await AdGroupReportTests.gaql(
                client, "SELECT campaign.id, ad_group.id, segments.date, \(metrics) FROM ad_group \(range)")
            let adRows = try await AdGroupReportTests.gaql(
                client,
                "SELECT campaign.id, ad_group.id, ad_group_ad.ad.id, segments.date, \(metrics) FROM ad_group_ad \(range)"
            )
            func keyed(_ rows: [JSONValue]) -> [Keyed] {
                rows.map {
                    Keyed(
                        adGroup: $0["adGroup"]?["id"]?.stringValue ?? "",
                        ad: $0["adGroupAd"]?["ad"]?["id"]?.stringValue ?? "",
                        day: $0["segments"]?["date"]?.stringValue ?? "", totals: AdGroupReportTests.googleTotals($0))
                }
            }
            // `customers/C/adGroupAds/{adGroupId}~{adId}`: the ad's own id is the part after the tilde.
            let adIDs = ads.map { String($0.split(separator: "~").last ?? "") }
            Self.checkSplit(groupRows: keyed(groupRows), adRows: keyed(adRows), paused: adIDs[1], stopped: adIDs[2])

            let row = try #require(adRows.first)
            #expect(
                row["adGroupAd"]
                    == [
                        "resourceName": .string(ads[0]),
                        "ad": [
                            "resourceName": .string("customers/1234567890/ads/\(adIDs[0])"), "id": .string(adIDs[0]),
                        ],
                    ])
            #expect(row["campaign"]?["resourceName"] == .string(campaign))
            let groupID = try #require(row["adGroup"]?["id"]?.stringValue)
            #expect(ads[0].hasSuffix("/adGroupAds/\(groupID)~\(adIDs[0])"))
            #expect(row["metrics"]?["costMicros"]?.stringValue != nil && row["metrics"]?["conversions"] != nil)

            // Unsegmented through googleAds:search, with the ad's status: one row per ad over the range.
            let summary = try await client.google(
                "googleAds:search",
                [
                    "query": .string(
                        "SELECT ad_group_ad.ad.id, ad_group_ad.status, metrics.clicks FROM ad_group_ad \(range)")
                ])
            let results = summary.json?["results"]?.arrayValue ?? []
            #expect(results.compactMap { $0["adGroupAd"]?["status"]?.stringValue } == ["ENABLED", "PAUSED", "PAUSED"])
            #expect(
                results.compactMap { $0["metrics"]?["clicks"]?.int64Value }.reduce(0, +)
                    == groupRows.map { AdGroupReportTests.googleTotals($0).clicks }.reduce(0, +))

            func errorCode(_ answer: Answer) -> JSONValue? {
                answer.json?["error"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue?.first?["errorCode"]
            }
            let noRange = try await client.google(
                "googleAds:search",
                ["query": "SELECT ad_group_ad.ad.id, segments.date, metrics.clicks FROM ad_group_ad"])
            #expect(noRange.status == 400 && errorCode(noRange) == ["queryError": "EXPECTED_FILTERS_ON_DATE_RANGE"])
            let removed = try await Self.googleStatus(client, ads[0], "REMOVED")
            #expect(removed.status == 400 && errorCode(removed) == ["fieldError": "INVALID_VALUE"])
            let malformed = try await Self.googleStatus(client, "customers/1234567890/adGroupAds/\(adIDs[0])", "PAUSED")
            #expect(malformed.status == 400 && errorCode(malformed) == ["requestError": "RESOURCE_NAME_MALFORMED"])
            let badStatus = try await Self.googleStatus(client, ads[0], "STOPPED")
            #expect(badStatus.status == 400 && badStatus.json?["error"]?["status"] == "INVALID_ARGUMENT")
        }
    }

    // MARK: Meta

    @Test func metaAdRowsSumToAdSetRows() async throws {
        let harness = SandboxHarness(today: "2026-11-01").withDefaultAccounts()
        try await harness.run { client in
            let created = try await client.meta(
                .post, "\(MetaTests.account)/campaigns",
                form: "name=ABO&objective=OUTCOME_SALES&special_ad_categories=%5B%5D")
            let campaign = try #require(created.json?["id"]?.stringValue)
            let creative = try await client.meta(
                .post, "\(MetaTests.account)/adcreatives",
                form:
                    "name=Cr&object_story_spec=\(escaped(#"{"page_id":"1","link_data":{"link":"https://example.com","message":"Hi"}}"#))"
            )
            let creativeID = try #require(creative.json?["id"]?.stringValue)
            var ads: [String] = []
            for (name, adNames) in [("AS1", ["A1", "A2"]), ("AS2", ["B1"])] {
                let adSet = try await client.meta(
                    .post, "\(MetaTests.account)/adsets",
                    form:
                        "name=\(name)&campaign_id=\(campaign)&daily_budget=10000&billing_event=IMPRESSIONS&optimization_goal=LINK_CLICKS&targeting=\(escaped(#"{"geo_locations":{"countries":["DE"]}}"#))"
                )
                let adSetID = try #require(adSet.json?["id"]?.stringValue)
                for adName in adNames {
                    let ad = try await client.meta(
                        .post, "\(MetaTests.account)/ads",
                        form:
                            "name=\(adName)&adset_id=\(adSetID)&creative=\(escaped("{\"creative_id\":\"\(creativeID)\"}"))&status=ACTIVE"
                    )
                    ads.append(try #require(ad.json?["id"]?.stringValue))
                }
            }
            _ = try await client.control(.post, "clock", ["today": "2026-11-05"])
            #expect(try await client.meta(.post, ads[1], form: "status=PAUSED").json?["success"] == true)
            _ = try await client.control(.post, "clock", ["today": "2026-11-07"])
            #expect(try await client.meta(.post, ads[2], form: "status=PAUSED").json?["success"] == true)
            _ = try await client.control(.post, "clock", ["today": "2026-11-10"])

            let range =
                "time_increment=1&limit=4&time_range=\(escaped(#"{"since":"2026-11-01","until":"2026-11-09"}"#))"
            let fields = "impressions,clicks,spend,actions,action_values"
            let adSetRows = try await AdGroupReportTests.insights(
                client, "level=adset&\(range)&fields=adset_id,\(fields)")
            let adRows = try await AdGroupReportTests.insights(
                client, "level=ad&\(range)&fields=campaign_id,adset_id,ad_id,ad_name,\(fields)")
            func keyed(_ rows: [JSONValue]) -> [Keyed] {
                rows.map {
                    Keyed(
                        adGroup: $0["adset_id"]?.stringValue ?? "", ad: $0["ad_id"]?.stringValue ?? "",
                        day: $0["date_start"]?.stringValue ?? "", totals: AdGroupReportTests.metaTotals($0))
                }
            }
            Self.checkSplit(groupRows: keyed(adSetRows), adRows: keyed(adRows), paused: ads[1], stopped: ads[2])
            let row = try #require(adRows.first)
            #expect(
                row["ad_id"] == .string(ads[0]) && row["ad_name"] == "A1" && row["campaign_id"] == .string(campaign))
            #expect(row["spend"]?.stringValue != nil && row["date_stop"] == row["date_start"])
            // Only the fields asked for: no ad name unless asked.
            let bare = try await client.meta(.get, "\(MetaTests.account)/insights?level=ad&\(range)&fields=ad_id,spend")
            #expect(bare.json?["data"]?.arrayValue?.first?["ad_name"] == nil)
            #expect(bare.json?["data"]?.arrayValue?.first?["ad_id"] == .string(ads[0]))

            let badLevel = try await client.meta(.get, "\(MetaTests.account)/insights?level=ads&\(range)")
            #expect(badLevel.status == 400 && badLevel.json?["error"]?["code"] == 100)
            let badField = try await client.meta(
                .get, "\(MetaTests.account)/insights?level=ad&\(range)&fields=ad_status")
            #expect(badField.status == 400 && badField.json?["error"]?["type"] == "OAuthException")
            let badStatus = try await client.meta(.post, ads[0], form: "status=STOPPED")
            #expect(badStatus.status == 400 && badStatus.json?["error"]?["code"] == 100)
        }
    }
}
