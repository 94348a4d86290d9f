import Foundation
import Testing

@testable import TradewindSandbox

/// A published campaign's name, end date and bid changed through each channel's own update calls,
/// read back through the channel's own reads, and one refusal per channel in its error shape.
@Suite struct SettingsUpdateTests {
    let harness = SandboxHarness().withDefaultAccounts()
    typealias Client = SandboxHarness.Client

    static func first(_ answer: Answer, _ key: String = "results") -> String? {
        answer.json?[key]?.arrayValue?.first?["resourceName"]?.stringValue
    }

    @Test func googleCampaignAndAdGroupUpdates() async throws {
        try await harness.run { client in
            let budget = try await GoogleAdsTests.budget(client)
            let campaign = try #require(
                Self.first(
                    try await client.google(
                        "campaigns:mutate",
                        [
                            "operations": [
                                [
                                    "create": [
                                        "name": "Old", "advertisingChannelType": "SEARCH",
                                        "campaignBudget": .string(budget), "maximizeConversions": [:],
                                        "startDate": "2026-12-01", "endDate": "2026-12-31",
                                    ]
                                ]
                            ]
                        ])))
            let group = try #require(
                Self.first(
                    try await client.google(
                        "adGroups:mutate", ["operations": [["create": ["name": "G", "campaign": .string(campaign)]]]])))

            let updated = try await client.google(
                "campaigns:mutate",
                [
                    "operations": [
                        [
                            "updateMask": "name,endDate,manualCpc.enhancedCpcEnabled",
                            "update": [
                                "resourceName": .string(campaign), "name": "New", "endDate": "2027-01-31",
                                "manualCpc": ["enhancedCpcEnabled": false],
                            ],
                        ]
                    ]
                ])
            #expect(updated.status == 200, "\(String(decoding: updated.body, as: UTF8.self))")
            let bid = try await client.google(
                "adGroups:mutate",
                [
                    "operations": [
                        [
                            "updateMask": "cpcBidMicros",
                            "update": ["resourceName": .string(group), "cpcBidMicros": "1250000"],
                        ]
                    ]
                ])
            #expect(bid.status == 200)

            let search = try await client.google(
                "googleAds:search",
                [
                    "query":
                        "SELECT campaign.name, campaign.end_date, campaign.bidding_strategy_type, ad_group.cpc_bid_micros FROM ad_group"
                ])
            let row = try #require(search.json?["results"]?.arrayValue?.first)
            #expect(row["campaign"]?["name"] == "New")
            #expect(row["campaign"]?["endDate"] == "2027-01-31")
            // The manual CPC scheme replaced Maximize conversions: one member of the oneof at a time.
            #expect(row["campaign"]?["biddingStrategyType"] == "MANUAL_CPC")
            #expect(row["adGroup"]?["cpcBidMicros"] == "1250000")

            // Google's "no end date".
            let unending = try await client.google(
                "campaigns:mutate",
                [
                    "operations": [
                        [
                            "updateMask": "endDate",
                            "update": ["resourceName": .string(campaign), "endDate": "2037-12-30"],
                        ]
                    ]
                ])
            #expect(unending.status == 200)
            let stored = try await client.control(.get, "objects?channel=google-ads")
            let object = stored.json?["objects"]?.arrayValue?.first { $0["level"] == "campaign" }
            #expect(object != nil && object?["end_date"] == nil)

            let early = try await client.google(
                "campaigns:mutate",
                [
                    "operations": [
                        [
                            "updateMask": "endDate",
                            "update": ["resourceName": .string(campaign), "endDate": "2026-11-30"],
                        ]
                    ]
                ])
            #expect(early.status == 400)
            let error = early.json?["error"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue?.first
            #expect(error?["errorCode"]?["dateError"] == "DATE_RANGE_MINIMUM_DATE_LATER_THAN_MAXIMUM_DATE")
            #expect(error?["location"]?["fieldPathElements"]?.arrayValue?.last?["fieldName"] == "end_date")
            let unknown = try await client.google(
                "campaigns:mutate",
                [
                    "operations": [
                        ["updateMask": "bidCeiling", "update": ["resourceName": .string(campaign), "name": "X"]]
                    ]
                ])
            #expect(
                unknown.json?["error"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue?.first?["errorCode"]?[
                    "fieldMaskError"] == "FIELD_NOT_FOUND")
        }
    }

    @Test func metaCampaignAndAdSetUpdates() async throws {
        try await harness.run { client in
            let account = MetaTests.account
            let created = try await client.meta(
                .post, "\(account)/campaigns",
                form:
                    "name=Old&objective=OUTCOME_TRAFFIC&special_ad_categories=%5B%5D&daily_budget=2000&bid_strategy=LOWEST_COST_WITHOUT_CAP"
            )
            let campaign = try #require(created.json?["id"]?.stringValue)
            let adSet = try await client.meta(
                .post, "\(account)/adsets",
                form:
                    "name=AS&campaign_id=\(campaign)&billing_event=IMPRESSIONS&optimization_goal=LINK_CLICKS&targeting=\(escaped(#"{"geo_locations":{"countries":["DE"]}}"#))&start_time=2026-12-01T00:00:00%2B0100&end_time=2027-01-01T00:00:00%2B0100"
            )
            let adSetID = try #require(adSet.json?["id"]?.stringValue)

            let setUpdate = try await client.meta(
                .post, adSetID, form: "end_time=\(escaped("2027-02-01T00:00:00+0100"))&bid_amount=150")
            #expect(setUpdate.json?["success"] == true)
            let campaignUpdate = try await client.meta(
                .post, campaign, form: "name=New&bid_strategy=LOWEST_COST_WITH_BID_CAP")
            #expect(campaignUpdate.json?["success"] == true)
            let readCampaign = try await client.meta(.get, "\(campaign)?fields=name,bid_strategy")
            #expect(readCampaign.json?["name"] == "New")
            #expect(readCampaign.json?["bid_strategy"] == "LOWEST_COST_WITH_BID_CAP")
            let readSet = try await client.meta(.get, "\(adSetID)?fields=end_time,bid_amount")
            #expect(readSet.json?["end_time"] == "2027-02-01T00:00:00+0100")
            #expect(readSet.json?["bid_amount"] == 150)

            // `end_time=0`: no end date.
            #expect(try await client.meta(.post, adSetID, form: "end_time=0").json?["success"] == true)
            #expect(try await client.meta(.get, "\(adSetID)?fields=end_time").json?["end_time"] == nil)

            let badStrategy = try await client.meta(.post, campaign, form: "bid_strategy=HIGHEST_VALUE")
            #expect(badStrategy.status == 400)
            #expect(badStrategy.json?["error"]?["code"] == 100)
            #expect(badStrategy.json?["error"]?["type"] == "OAuthException")
            #expect(badStrategy.json?["error"]?["fbtrace_id"] != nil)
            let badBid = try await client.meta(.post, adSetID, form: "bid_amount=-5")
            #expect(badBid.status == 400 && badBid.json?["error"]?["code"] == 100)
            let beforeStart = try await client.meta(
                .post, adSetID, form: "end_time=\(escaped("2026-11-01T00:00:00+0100"))")
            #expect(beforeStart.status == 400)
            // Nothing of the refused calls was kept.
            #expect(
                try await client.meta(.get, "\(campaign)?fields=bid_strategy").json?["bid_strategy"]
                    == "LOWEST_COST_WITH_BID_CAP")
            #expect(try await client.meta(.get, "\(adSetID)?fields=bid_amount").json?["bid_amount"] == 150)
        }
    }

    @Test func tiktokCampaignAndAdGroupUpdates() async throws {
        try await harness.run { client in
            let advertiser = JSONValue.string(TikTokTests.advertiser)
            let created = try await client.tiktokPost(
                "campaign/create",
                [
                    "advertiser_id": advertiser, "campaign_name": "Old", "objective_type": "TRAFFIC",
                    "budget_mode": "BUDGET_MODE_DAY", "budget": 60.0,
                ])
            let campaign = try #require(created.json?["data"]?["campaign_id"]?.stringValue)
            let group = try await client.tiktokPost(
                "adgroup/create",
                [
                    "advertiser_id": advertiser, "campaign_id": .string(campaign), "adgroup_name": "AG",
                    "location_ids": ["2921044"], "budget_mode": "BUDGET_MODE_INFINITE",
                    "schedule_type": "SCHEDULE_START_END", "schedule_start_time": "2026-11-30 23:00:00",
                    "schedule_end_time": "2026-12-31 23:00:00", "optimization_goal": "CLICK", "billing_event": "CPC",
                    "bid_type": "BID_TYPE_NO_BID",
                ])
            let groupID = try #require(group.json?["data"]?["adgroup_id"]?.stringValue)

            let renamed = try await client.tiktokPost(
                "campaign/update",
                ["advertiser_id": advertiser, "campaign_id": .string(campaign), "campaign_name": "New"])
            #expect(renamed.json?["code"] == 0)
            let updated = try await client.tiktokPost(
                "adgroup/update",
                [
                    "advertiser_id": advertiser, "adgroup_id": .string(groupID), "bid_type": "BID_TYPE_CUSTOM",
                    "bid_price": 1.25, "schedule_type": "SCHEDULE_START_END",
                    "schedule_end_time": "2027-01-31 23:00:00",
                ])
            #expect(updated.json?["code"] == 0, "\(String(decoding: updated.body, as: UTF8.self))")

            let campaigns = try await client.tiktokGet("campaign/get", "advertiser_id=\(TikTokTests.advertiser)")
            #expect(campaigns.json?["data"]?["list"]?.arrayValue?.first?["campaign_name"] == "New")
            let groups = try await client.tiktokGet("adgroup/get", "advertiser_id=\(TikTokTests.advertiser)")
            let read = try #require(groups.json?["data"]?["list"]?.arrayValue?.first)
            #expect(read["bid_type"] == "BID_TYPE_CUSTOM")
            #expect(read["bid_price"]?.doubleValue == 1.25)
            #expect(read["schedule_end_time"] == "2027-01-31 23:00:00")

            // Back to no bid and no end: the bid and the end time go.
            let automatic = try await client.tiktokPost(
                "adgroup/update",
                [
                    "advertiser_id": advertiser, "adgroup_id": .string(groupID), "bid_type": "BID_TYPE_NO_BID",
                    "schedule_type": "SCHEDULE_FROM_NOW",
                ])
            #expect(automatic.json?["code"] == 0)
            #expect(automatic.json?["data"]?["bid_price"] == nil)
            #expect(automatic.json?["data"]?["schedule_end_time"] == nil)

            for refused: JSONValue in [
                ["bid_type": "BID_TYPE_CUSTOM", "bid_price": 0.0],
                ["bid_type": "BID_TYPE_MAX_CONVERSION"],
                ["schedule_type": "SCHEDULE_START_END", "schedule_end_time": "2026-11-01 00:00:00"],
                ["adgroup_name": "Renamed", "bid_type": "BID_TYPE_CUSTOM", "bid_price": -1.0],
            ] {
                var body = refused.objectValue ?? [:]
                body["advertiser_id"] = advertiser
                body["adgroup_id"] = .string(groupID)
                let answer = try await client.tiktokPost("adgroup/update", .object(body))
                // TikTok refuses in the envelope with HTTP 200 and code 40002.
                #expect(answer.status == 200 && answer.json?["code"] == 40002, "\(refused)")
                #expect(answer.json?["request_id"] != nil)
            }
            let kept = try await client.tiktokGet("adgroup/get", "advertiser_id=\(TikTokTests.advertiser)")
            #expect(kept.json?["data"]?["list"]?.arrayValue?.first?["bid_type"] == "BID_TYPE_NO_BID")
            #expect(kept.json?["data"]?["list"]?.arrayValue?.first?["adgroup_name"] == "AG")
            let objects = try await client.control(.get, "objects?channel=tiktok")
            #expect(objects.json?["objects"]?.arrayValue?.contains { $0["name"] == "Renamed" } == false)
        }
    }

    @Test func amazonCampaignAndAdGroupUpdates() async throws {
        try await harness.run { client in
            let campaignMedia = AmazonAdsTests.campaignMedia
            let groupMedia = "application/vnd.spAdGroup.v3+json"
            let created = try await client.amazon(
                .post, "/sp/campaigns", media: campaignMedia,
                [
                    "campaigns": [
                        [
                            "name": "Old", "targetingType": "AUTO", "state": "PAUSED",
                            "dynamicBidding": ["strategy": "LEGACY_FOR_SALES"],
                            "budget": ["budgetType": "DAILY", "budget": 10.0], "startDate": "2026-12-01",
                            "endDate": "2026-12-31",
                        ]
                    ]
                ])
            let campaign = try #require(
                created.json?["campaigns"]?["success"]?.arrayValue?.first?["campaignId"]?.stringValue)
            let groups = try await client.amazon(
                .post, "/sp/adGroups", media: groupMedia,
                ["adGroups": [["campaignId": .string(campaign), "name": "G", "state": "ENABLED", "defaultBid": 0.5]]])
            let group = try #require(
                groups.json?["adGroups"]?["success"]?.arrayValue?.first?["adGroupId"]?.stringValue)

            let updated = try await client.amazon(
                .put, "/sp/campaigns", media: campaignMedia,
                [
                    "campaigns": [
                        [
                            "campaignId": .string(campaign), "name": "New", "dynamicBidding": ["strategy": "MANUAL"],
                            "endDate": "2027-01-31",
                        ]
                    ]
                ])
            #expect(updated.status == 207)
            #expect(updated.json?["campaigns"]?["success"]?.arrayValue?.count == 1)
            let bid = try await client.amazon(
                .put, "/sp/adGroups", media: groupMedia,
                ["adGroups": [["adGroupId": .string(group), "defaultBid": 0.85]]])
            #expect(bid.json?["adGroups"]?["success"]?.arrayValue?.count == 1)

            let list = try await client.amazon(
                .post, "/sp/campaigns/list", media: campaignMedia,
                ["campaignIdFilter": ["include": [.string(campaign)]]])
            let read = try #require(list.json?["campaigns"]?.arrayValue?.first)
            #expect(read["name"] == "New")
            #expect(read["dynamicBidding"]?["strategy"] == "MANUAL")
            #expect(read["endDate"] == "2027-01-31")
            let groupList = try await client.amazon(
                .post, "/sp/adGroups/list", media: groupMedia, ["campaignIdFilter": ["include": [.string(campaign)]]])
            #expect(groupList.json?["adGroups"]?.arrayValue?.first?["defaultBid"]?.doubleValue == 0.85)

            // `endDate: null` removes the end date.
            let unending = try await client.amazon(
                .put, "/sp/campaigns", media: campaignMedia,
                ["campaigns": [["campaignId": .string(campaign), "endDate": .null]]])
            #expect(unending.json?["campaigns"]?["success"]?.arrayValue?.count == 1)
            let again = try await client.amazon(
                .post, "/sp/campaigns/list", media: campaignMedia,
                ["campaignIdFilter": ["include": [.string(campaign)]]])
            #expect(again.json?["campaigns"]?.arrayValue?.first?["endDate"] == nil)

            let low = try await client.amazon(
                .put, "/sp/adGroups", media: groupMedia,
                ["adGroups": [["adGroupId": .string(group), "defaultBid": 0.01]]])
            #expect(low.status == 207)
            let error = low.json?["adGroups"]?["error"]?.arrayValue?.first
            #expect(error?["index"] == 0)
            #expect(error?["errors"]?.arrayValue?.first?["errorType"] == "biddingError")
            let early = try await client.amazon(
                .put, "/sp/campaigns", media: campaignMedia,
                ["campaigns": [["campaignId": .string(campaign), "endDate": "2026-11-01"]]])
            #expect(
                early.json?["campaigns"]?["error"]?.arrayValue?.first?["errors"]?.arrayValue?.first?["errorType"]
                    == "dateError")
            let badStrategy = try await client.amazon(
                .put, "/sp/campaigns", media: campaignMedia,
                ["campaigns": [["campaignId": .string(campaign), "dynamicBidding": ["strategy": "FIXED"]]]])
            #expect(badStrategy.status == 400 && badStrategy.json?["code"] == "INVALID_ARGUMENT")
            let kept = try await client.amazon(
                .post, "/sp/adGroups/list", media: groupMedia, ["campaignIdFilter": ["include": [.string(campaign)]]])
            #expect(kept.json?["adGroups"]?.arrayValue?.first?["defaultBid"]?.doubleValue == 0.85)
        }
    }
}
