import Foundation
import Testing

@testable import TradewindSandbox

@Suite struct TikTokTests {
    let harness = SandboxHarness().withDefaultAccounts()
    static let advertiser = "7000000000000000001"

    @Test func campaignsAdGroupsAdsInTheEnvelope() async throws {
        try await harness.run { client in
            let created = try await client.tiktokPost(
                "campaign/create", try Fixtures.load("tiktok", "campaign_create.request.json"))
            #expect(created.status == 200 && created.json?["code"] == 0)
            #expect(
                hasShape(try #require(created.json), of: try Fixtures.load("tiktok", "campaign_create.response.json"))
                    .isEmpty)
            let campaign = try #require(created.json?["data"]?["campaign_id"]?.stringValue)

            let tooLow = try await client.tiktokPost(
                "campaign/create",
                [
                    "advertiser_id": .string(Self.advertiser), "campaign_name": "Low", "objective_type": "TRAFFIC",
                    "budget_mode": "BUDGET_MODE_DAY", "budget": 10.0,
                ])
            #expect(tooLow.json?["code"] == 40002)
            let badEnum = try await client.tiktokPost(
                "campaign/create",
                [
                    "advertiser_id": .string(Self.advertiser), "campaign_name": "E", "objective_type": "SALES",
                    "budget_mode": "BUDGET_MODE_INFINITE",
                ])
            #expect(badEnum.json?["code"] == 40002)

            let group = try await client.tiktokPost(
                "adgroup/create",
                [
                    "advertiser_id": .string(Self.advertiser), "campaign_id": .string(campaign), "adgroup_name": "AG",
                    "location_ids": ["2921044"], "languages": ["de"], "age_groups": ["AGE_25_34"],
                    "budget_mode": "BUDGET_MODE_DAY", "budget": 30.0, "schedule_type": "SCHEDULE_FROM_NOW",
                    "schedule_start_time": "2026-11-20 00:00:00", "optimization_goal": "CLICK", "billing_event": "CPC",
                    "bid_type": "BID_TYPE_NO_BID", "pacing": "PACING_MODE_SMOOTH",
                ])
            let groupID = try #require(group.json?["data"]?["adgroup_id"]?.stringValue)
            let creative: JSONValue = [
                "ad_name": "A", "ad_text": "Hello", "call_to_action": "SHOP_NOW",
                "landing_page_url": "https://example.com", "image_ids": ["img1"], "ad_format": "SINGLE_IMAGE",
            ]
            let ads = try await client.tiktokPost(
                "ad/create",
                ["advertiser_id": .string(Self.advertiser), "adgroup_id": .string(groupID), "creatives": [creative]])
            #expect(ads.json?["data"]?["ad_ids"]?.arrayValue?.count == 1)
            let longText: JSONValue = [
                "ad_name": "B", "ad_text": .string(String(repeating: "x", count: 101)),
                "landing_page_url": "https://example.com", "image_ids": ["i"], "ad_format": "SINGLE_IMAGE",
            ]
            #expect(
                try await client.tiktokPost(
                    "ad/create",
                    [
                        "advertiser_id": .string(Self.advertiser), "adgroup_id": .string(groupID),
                        "creatives": [longText],
                    ]
                ).json?["code"] == 40002)

            let list = try await client.tiktokGet(
                "campaign/get", "advertiser_id=\(Self.advertiser)&page=1&page_size=10")
            #expect(
                hasShape(try #require(list.json), of: try Fixtures.load("tiktok", "campaign_get.response.json")).isEmpty
            )
            let updated = try await client.tiktokPost(
                "campaign/update",
                ["advertiser_id": .string(Self.advertiser), "campaign_id": .string(campaign), "budget": 200.0])
            #expect(updated.json?["data"]?["budget"]?.doubleValue == 200)
            let status = try await client.tiktokPost(
                "campaign/status/update",
                [
                    "advertiser_id": .string(Self.advertiser), "campaign_ids": [.string(campaign)],
                    "operation_status": "DELETE",
                ])
            #expect(status.json?["code"] == 0)
            let after = try await client.tiktokGet("campaign/get", "advertiser_id=\(Self.advertiser)")
            #expect(after.json?["data"]?["page_info"]?["total_number"] == 0)
            let deleted = try await client.tiktokGet(
                "campaign/get",
                "advertiser_id=\(Self.advertiser)&filtering=\(escaped(#"{"primary_status":"STATUS_DELETE"}"#))")
            #expect(deleted.json?["data"]?["list"]?.arrayValue?.first?["secondary_status"] == "CAMPAIGN_STATUS_DELETE")
        }
    }

    @Test func reportAndErrorCodes() async throws {
        let harness = SandboxHarness(today: "2026-11-01").withDefaultAccounts()
        try await harness.run { client in
            _ = try await client.tiktokPost(
                "campaign/create", try Fixtures.load("tiktok", "campaign_create.request.json"))
            _ = try await client.control(.post, "clock", ["today": "2026-11-20"])
            let request = try Fixtures.load("tiktok", "report_integrated_get.request.json")
            let query = (request.objectValue ?? [:]).sorted { $0.key < $1.key }.map { key, value in
                "\(key)=\(escaped(value.stringValue ?? String(decoding: value.serialized(), as: UTF8.self)))"
            }.joined(separator: "&")
            let report = try await client.tiktokGet("report/integrated/get", query)
            #expect((report.json?["data"]?["list"]?.arrayValue?.count ?? 0) == 19)
            let problems = hasShape(
                try #require(report.json), of: try Fixtures.load("tiktok", "report_integrated_get.response.json"))
            #expect(problems.isEmpty, "\(problems)")

            _ = try await client.control(.post, "faults", ["channel": "tiktok", "kind": "rate_limit"])
            let limited = try await client.tiktokGet("campaign/get", "advertiser_id=\(Self.advertiser)")
            #expect(limited.status == 200)
            #expect(
                hasShape(try #require(limited.json), of: try Fixtures.load("tiktok", "request_too_frequent.error.json"))
                    .isEmpty)
            _ = try await client.control(.post, "faults", ["channel": "tiktok", "kind": "server_error"])
            #expect(
                try await client.tiktokGet("campaign/get", "advertiser_id=\(Self.advertiser)").json?["code"] == 50000)
            _ = try await client.control(.post, "faults", ["channel": "tiktok", "kind": "expired_token"])
            let expired = try await client.tiktokGet("campaign/get", "advertiser_id=\(Self.advertiser)")
            #expect(
                hasShape(try #require(expired.json), of: try Fixtures.load("tiktok", "access_token_expire.error.json"))
                    .isEmpty)
            #expect(expired.json?["code"] == 40102)
            let invalid = try await client.call(
                .get, "/tiktok/open_api/v1.3/campaign/get/?advertiser_id=\(Self.advertiser)",
                headers: [("Access-Token", "nope")])
            #expect(invalid.json?["code"] == 40105)

            let exchange = try await client.call(
                .post, "/tiktok/open_api/v1.3/oauth2/access_token/",
                json: [
                    "app_id": "sandbox-tiktok-client", "secret": "sandbox-tiktok-secret",
                    "auth_code": "sandbox-refresh-tiktok-\(Self.advertiser)",
                ])
            let token = try #require(exchange.json?["data"]?["access_token"]?.stringValue)
            let fresh = try await client.call(
                .get, "/tiktok/open_api/v1.3/advertiser/info/?advertiser_ids=\(escaped("[\"\(Self.advertiser)\"]"))",
                headers: [("Access-Token", token)])
            #expect(fresh.json?["data"]?["list"]?.arrayValue?.first?["currency"] == "USD")
        }
    }

    @Test func partialFailureFaultOnStatusUpdate() async throws {
        try await harness.run { client in
            var ids: [JSONValue] = []
            for name in ["One", "Two"] {
                let created = try await client.tiktokPost(
                    "campaign/create",
                    [
                        "advertiser_id": .string(Self.advertiser), "campaign_name": .string(name),
                        "objective_type": "TRAFFIC", "budget_mode": "BUDGET_MODE_INFINITE",
                    ])
                ids.append(try #require(created.json?["data"]?["campaign_id"]))
            }
            _ = try await client.control(.post, "faults", ["channel": "tiktok", "kind": "partial_failure"])
            let answer = try await client.tiktokPost(
                "campaign/status/update",
                ["advertiser_id": .string(Self.advertiser), "campaign_ids": .array(ids), "operation_status": "DISABLE"])
            #expect(answer.json?["code"] == 20001)
            #expect(answer.json?["data"]?["campaign_ids"] == .array([ids[0]]))
        }
    }
}
