import Foundation
import Testing

@testable import TradewindSandbox

extension AdReportTests {
    // MARK: TikTok

    static func tiktokAdStatus(_ client: Client, _ ids: [String], _ operation: String) async throws -> Answer {
        try await client.tiktokPost(
            "ad/status/update",
            [
                "advertiser_id": .string(TikTokTests.advertiser), "ad_ids": .array(ids.map(JSONValue.string)),
                "operation_status": .string(operation),
            ])
    }

    @Test func tiktokAdRowsSumToAdGroupRows() async throws {
        let harness = SandboxHarness(today: "2026-11-01").withDefaultAccounts()
        try await harness.run { client in
            let created = try await client.tiktokPost(
                "campaign/create", try Fixtures.load("tiktok", "campaign_create.request.json"))
            let campaign = try #require(created.json?["data"]?["campaign_id"]?.stringValue)
            var ads: [String] = []
            for (name, adNames) in [("AG1", ["A1", "A2"]), ("AG2", ["B1"])] {
                let group = try await client.tiktokPost(
                    "adgroup/create",
                    [
                        "advertiser_id": .string(TikTokTests.advertiser), "campaign_id": .string(campaign),
                        "adgroup_name": .string(name), "location_ids": ["2921044"],
                        "schedule_type": "SCHEDULE_FROM_NOW", "schedule_start_time": "2026-11-01 00:00:00",
                        "optimization_goal": "CLICK", "billing_event": "CPC", "bid_type": "BID_TYPE_NO_BID",
                    ])
                let groupID = try #require(group.json?["data"]?["adgroup_id"]?.stringValue)
                let creatives: [JSONValue] = adNames.map {
                    [
                        "ad_name": .string($0), "ad_text": "Hello", "landing_page_url": "https://example.com",
                        "image_ids": ["img1"], "ad_format": "SINGLE_IMAGE",
                    ]
                }
                let created = try await client.tiktokPost(
                    "ad/create",
                    [
                        "advertiser_id": .string(TikTokTests.advertiser), "adgroup_id": .string(groupID),
                        "creatives": .array(creatives),
                    ])
                ads += created.json?["data"]?["ad_ids"]?.arrayValue?.compactMap(\.stringValue) ?? []
            }
            #expect(ads.count == 3)
            _ = try await client.control(.post, "clock", ["today": "2026-11-05"])
            let paused = try await Self.tiktokAdStatus(client, [ads[1]], "DISABLE")
            #expect(paused.json?["code"] == 0)
            #expect(paused.json?["data"] == ["ad_ids": [.string(ads[1])], "status": "DISABLE"])
            _ = try await client.control(.post, "clock", ["today": "2026-11-07"])
            #expect(try await Self.tiktokAdStatus(client, [ads[2]], "DISABLE").json?["code"] == 0)
            _ = try await client.control(.post, "clock", ["today": "2026-11-10"])

            let metrics = ["spend", "impressions", "clicks", "conversion", "total_purchase_value"]
            let groupRows = try await AdGroupReportTests.tiktokReport(
                client, level: "AUCTION_ADGROUP", dimensions: ["adgroup_id", "stat_time_day"], metrics: metrics)
            let adRows = try await AdGroupReportTests.tiktokReport(
                client, level: "AUCTION_AD", dimensions: ["ad_id", "stat_time_day"],
                metrics: metrics + ["campaign_id", "adgroup_id", "ad_name"])
            func day(_ row: JSONValue) -> String {
                String((row["dimensions"]?["stat_time_day"]?.stringValue ?? "").prefix(10))
            }
            let keyedGroups = groupRows.map {
                Keyed(
                    adGroup: $0["dimensions"]?["adgroup_id"]?.stringValue ?? "", ad: "", day: day($0),
                    totals: AdGroupReportTests.tiktokTotals($0))
            }
            let keyedAds = adRows.map {
                Keyed(
                    adGroup: $0["metrics"]?["adgroup_id"]?.stringValue ?? "",
                    ad: $0["dimensions"]?["ad_id"]?.stringValue ?? "", day: day($0),
                    totals: AdGroupReportTests.tiktokTotals($0))
            }
            Self.checkSplit(groupRows: keyedGroups, adRows: keyedAds, paused: ads[1], stopped: ads[2])
            let row = try #require(adRows.first { $0["dimensions"]?["ad_id"] == .string(ads[0]) })
            #expect(row["metrics"]?["ad_name"] == "A1" && row["metrics"]?["campaign_id"] == .string(campaign))
            #expect(row["metrics"]?["spend"]?.stringValue != nil && row["metrics"]?["adgroup_name"] == nil)
            let listed = try await client.tiktokGet(
                "ad/get",
                "advertiser_id=\(TikTokTests.advertiser)&filtering=\(escaped(#"{"ad_ids":["\#(ads[1])"]}"#))")
            let paused1 = listed.json?["data"]?["list"]?.arrayValue?.first
            #expect(paused1?["operation_status"] == "DISABLE" && paused1?["secondary_status"] == "AD_STATUS_DISABLE")

            let query =
                "advertiser_id=\(TikTokTests.advertiser)&report_type=BASIC&start_date=2026-11-01&end_date=2026-11-09"
            for (dimensions, metrics) in [
                (#"["adgroup_id","stat_time_day"]"#, #"["spend"]"#), (#"["ad_id"]"#, #"["ad_budget"]"#),
            ] {
                let refused = try await client.tiktokGet(
                    "report/integrated/get",
                    "\(query)&data_level=AUCTION_AD&dimensions=\(escaped(dimensions))&metrics=\(escaped(metrics))")
                #expect(refused.status == 200 && refused.json?["code"] == 40002, "\(dimensions) \(metrics)")
            }
            // `ad_name` is an attribute of the ad level only.
            let onGroups = try await client.tiktokGet(
                "report/integrated/get",
                "\(query)&data_level=AUCTION_ADGROUP&dimensions=\(escaped(#"["adgroup_id"]"#))&metrics=\(escaped(#"["ad_name"]"#))"
            )
            #expect(onGroups.json?["code"] == 40002)
            #expect(try await Self.tiktokAdStatus(client, [ads[0]], "PAUSE").json?["code"] == 40002)
            #expect(try await Self.tiktokAdStatus(client, [], "DISABLE").json?["code"] == 40002)
            let partly = try await Self.tiktokAdStatus(client, [ads[0], "1"], "ENABLE")
            #expect(partly.json?["code"] == 20001 && partly.json?["data"]?["ad_ids"] == [.string(ads[0])])
        }
    }

    // MARK: Amazon Ads

    static let productAdMedia = "application/vnd.spProductAd.v3+json"

    @Test func amazonProductAdRowsSumToAdGroupRows() async throws {
        let harness = SandboxHarness(today: "2026-11-01").withDefaultAccounts()
        try await harness.run { client in
            let created = try await client.amazon(
                .post, "/sp/campaigns", media: AmazonAdsTests.campaignMedia,
                [
                    "campaigns": [
                        [
                            "name": "C", "targetingType": "AUTO", "state": "ENABLED", "startDate": "2026-11-01",
                            "budget": ["budgetType": "DAILY", "budget": 50.0],
                        ]
                    ]
                ])
            let campaign = try #require(
                created.json?["campaigns"]?["success"]?.arrayValue?.first?["campaignId"]?.stringValue)
            let groups = try await client.amazon(
                .post, "/sp/adGroups", media: "application/vnd.spAdGroup.v3+json",
                [
                    "adGroups": [
                        ["campaignId": .string(campaign), "name": "G1", "state": "ENABLED", "defaultBid": 0.5],
                        ["campaignId": .string(campaign), "name": "G2", "state": "ENABLED", "defaultBid": 0.5],
                    ]
                ])
            let groupIDs = (groups.json?["adGroups"]?["success"]?.arrayValue ?? []).compactMap {
                $0["adGroupId"]?.stringValue
            }
            #expect(groupIDs.count == 2)
            let products: [(group: Int, asin: String, sku: String?)] = [
                (0, "B000000001", nil), (0, "B000000002", "SKU-2"), (1, "B000000003", nil),
            ]
            let productAds = try await client.amazon(
                .post, "/sp/productAds", media: Self.productAdMedia,
                [
                    "productAds": .array(
                        products.map { product in
                            var ad: [String: JSONValue] = [
                                "campaignId": .string(campaign), "adGroupId": .string(groupIDs[product.group]),
                                "state": "ENABLED", "asin": .string(product.asin),
                            ]
                            ad["sku"] = product.sku.map(JSONValue.string)
                            return .object(ad)
                        })
                ])
            let ads = (productAds.json?["productAds"]?["success"]?.arrayValue ?? []).compactMap {
                $0["adId"]?.stringValue
            }
            #expect(ads.count == 3)
            func pause(_ ad: String) async throws -> Answer {
                try await client.amazon(
                    .put, "/sp/productAds", media: Self.productAdMedia,
                    ["productAds": [["adId": .string(ad), "state": "PAUSED"]]])
            }
            _ = try await client.control(.post, "clock", ["today": "2026-11-05"])
            let paused = try await pause(ads[1])
            #expect(paused.status == 207)
            #expect(paused.json?["productAds"]?["success"]?.arrayValue?.first?["adId"] == .string(ads[1]))
            _ = try await client.control(.post, "clock", ["today": "2026-11-07"])
            #expect(try await pause(ads[2]).json?["productAds"]?["success"]?.arrayValue?.count == 1)
            _ = try await client.control(.post, "clock", ["today": "2026-11-10"])

            let metrics = ["date", "impressions", "clicks", "cost", "purchases7d", "sales7d"]
            let groupRows = try await AdGroupReportTests.amazonReport(
                client, groupBy: ["adGroup"], columns: ["adGroupId"] + metrics)
            let adRows = try await AdGroupReportTests.amazonReport(
                client, type: "spAdvertisedProduct", groupBy: ["advertiser"],
                columns: ["campaignId", "adGroupId", "adId", "advertisedAsin", "advertisedSku"] + metrics)
            func keyed(_ rows: [JSONValue]) -> [Keyed] {
                rows.map {
                    Keyed(
                        adGroup: $0["adGroupId"]?.int64Value.map(String.init) ?? "",
                        ad: $0["adId"]?.int64Value.map(String.init) ?? "", day: $0["date"]?.stringValue ?? "",
                        totals: AdGroupReportTests.amazonTotals($0))
                }
            }
            Self.checkSplit(groupRows: keyed(groupRows), adRows: keyed(adRows), paused: ads[1], stopped: ads[2])
            let row = try #require(adRows.first)
            #expect(row["adId"] == .int(Int64(ads[0]) ?? 0) && row["campaignId"] == .int(Int64(campaign) ?? 0))
            #expect(row["advertisedAsin"] == "B000000001" && row["advertisedSku"] == .null)
            #expect(row["cost"]?.doubleValue != nil && row["impressions"]?.int64Value != nil)
            #expect(adRows.first { $0["adId"] == .int(Int64(ads[1]) ?? 0) }?["advertisedSku"] == "SKU-2")
            #expect(
                adRows.allSatisfy {
                    $0.objectValue.map { Set($0.keys) }
                        == Set(["campaignId", "adGroupId", "adId", "advertisedAsin", "advertisedSku"] + metrics)
                })

            func refused(_ type: String, _ groupBy: [String], _ columns: [String]) async throws -> String? {
                let answer = try await client.amazon(
                    .post, "/reporting/reports", media: AmazonAdsTests.reportMedia,
                    AdGroupReportTests.amazonReportRequest(type: type, groupBy: groupBy, columns: columns))
                #expect(answer.status == 400 && answer.json?["code"] == "400")
                return answer.json?["detail"]?.stringValue
            }
            let product = "spAdvertisedProduct"
            #expect(
                try await refused(product, ["campaign"], ["adId", "date"])
                    == "configuration invalid groupBy values: (campaign). Allowed values: (advertiser)")
            #expect(
                try await refused(product, ["advertiser"], ["adId", "adStatus", "date"])?.hasPrefix(
                    "configuration columns includes invalid values: (adStatus). Allowed values: (acosClicks14d,")
                    == true)
            #expect(
                try await refused(product, ["advertiser"], ["adId", "unitsSoldClicks7d"])
                    == "configuration columns (unitsSoldClicks7d) are not served by the sandbox.")
            #expect(
                try await refused("spTargeting", ["targeting"], ["date"])?.hasPrefix(
                    "configuration reportTypeId must be one of (spCampaigns, spAdvertisedProduct)") == true)
            // adId belongs to the ad report, not to spCampaigns.
            #expect(
                try await refused("spCampaigns", ["adGroup"], ["adGroupId", "adId", "date"])?.hasPrefix(
                    "configuration columns includes invalid values: (adId).") == true)
            let badState = try await client.amazon(
                .put, "/sp/productAds", media: Self.productAdMedia,
                ["productAds": [["adId": .string(ads[0]), "state": "STOPPED"]]])
            #expect(badState.status == 400)
            let unknown = try await client.amazon(
                .put, "/sp/productAds", media: Self.productAdMedia,
                ["productAds": [["adId": "1", "state": "PAUSED"]]])
            #expect(
                unknown.status == 207
                    && unknown.json?["productAds"]?["error"]?.arrayValue?.first?["errors"]?.arrayValue?.first?[
                        "errorType"] == "entityNotFoundError"
            )
        }
    }
}
