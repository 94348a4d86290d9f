import Foundation
import Testing

@testable import TradewindSandbox

@Suite struct AmazonAdsTests {
    let harness = SandboxHarness().withDefaultAccounts()
    static let campaignMedia = "application/vnd.spCampaign.v3+json"
    static let reportMedia = "application/vnd.createasyncreportrequest.v3+json"

    @Test func tokenProfilesAndSponsoredProducts() async throws {
        try await harness.run { client in
            let token = try await client.call(
                .post, "/amazon-auth/auth/o2/token", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Data(
                    "grant_type=refresh_token&refresh_token=sandbox-refresh-amazon-ads-3000000000001&client_id=sandbox-amazon-ads-client&client_secret=sandbox-amazon-ads-secret"
                        .utf8))
            #expect(
                hasShape(try #require(token.json), of: try Fixtures.load("amazon-ads", "lwa_token.response.json"))
                    .isEmpty)
            let profiles = try await client.call(
                .get, "/amazon-ads/v2/profiles",
                headers: [
                    ("Authorization", "Bearer \(token.json?["access_token"]?.stringValue ?? "")"),
                    ("Amazon-Advertising-API-ClientId", "sandbox-amazon-ads-client"),
                ])
            #expect(
                hasShape(try #require(profiles.json), of: try Fixtures.load("amazon-ads", "profiles.response.json"))
                    .isEmpty)
            #expect(profiles.headers["x-amz-request-id"] != nil)

            let created = try await client.amazon(
                .post, "/sp/campaigns", media: Self.campaignMedia,
                try Fixtures.load("amazon-ads", "campaigns_create.request.json"), prefer: true)
            #expect(created.status == 207)
            #expect(
                hasShape(
                    try #require(created.json), of: try Fixtures.load("amazon-ads", "campaigns_create.response.json")
                ).isEmpty)
            let campaignID = try #require(
                created.json?["campaigns"]?["success"]?.arrayValue?.first?["campaignId"]?.stringValue)
            let low = try await client.amazon(
                .post, "/sp/campaigns", media: Self.campaignMedia,
                [
                    "campaigns": [
                        [
                            "name": "Low", "targetingType": "AUTO", "state": "ENABLED",
                            "budget": ["budgetType": "DAILY", "budget": 0.5],
                        ]
                    ]
                ])
            #expect(
                hasShape(try #require(low.json), of: try Fixtures.load("amazon-ads", "budget_too_low.error.json"))
                    .isEmpty)
            let badState = try await client.amazon(
                .post, "/sp/campaigns", media: Self.campaignMedia,
                [
                    "campaigns": [
                        [
                            "name": "S", "targetingType": "AUTO", "state": "LIVE",
                            "budget": ["budgetType": "DAILY", "budget": 5.0],
                        ]
                    ]
                ])
            #expect(badState.status == 400 && badState.json?["code"] == "INVALID_ARGUMENT")
            let wrongMedia = try await client.amazon(
                .post, "/sp/campaigns", media: "application/json", ["campaigns": []])
            #expect(wrongMedia.status == 415)

            let list = try await client.amazon(
                .post, "/sp/campaigns/list", media: Self.campaignMedia,
                try Fixtures.load("amazon-ads", "campaigns_list.request.json"))
            #expect(
                hasShape(try #require(list.json), of: try Fixtures.load("amazon-ads", "campaigns_list.response.json"))
                    .isEmpty)

            let groups = try await client.amazon(
                .post, "/sp/adGroups", media: "application/vnd.spAdGroup.v3+json",
                ["adGroups": [["campaignId": .string(campaignID), "name": "G", "state": "ENABLED", "defaultBid": 0.5]]])
            let groupID = try #require(
                groups.json?["adGroups"]?["success"]?.arrayValue?.first?["adGroupId"]?.stringValue)
            let ads = try await client.amazon(
                .post, "/sp/productAds", media: "application/vnd.spProductAd.v3+json",
                [
                    "productAds": [
                        [
                            "campaignId": .string(campaignID), "adGroupId": .string(groupID), "state": "ENABLED",
                            "asin": "B000000001",
                        ],
                        [
                            "campaignId": .string(campaignID), "adGroupId": .string(groupID), "state": "ENABLED",
                            "asin": "bad",
                        ],
                    ]
                ])
            #expect(ads.json?["productAds"]?["success"]?.arrayValue?.count == 1)
            #expect(ads.json?["productAds"]?["error"]?.arrayValue?.first?["index"] == 1)

            let update = try await client.amazon(
                .put, "/sp/campaigns", media: Self.campaignMedia,
                [
                    "campaigns": [
                        [
                            "campaignId": .string(campaignID), "state": "PAUSED",
                            "budget": ["budgetType": "DAILY", "budget": 20.0],
                        ]
                    ]
                ])
            #expect(update.status == 207 && update.json?["campaigns"]?["success"]?.arrayValue?.count == 1)
            let delete = try await client.amazon(
                .post, "/sp/campaigns/delete", media: Self.campaignMedia,
                ["campaignIdFilter": ["include": [.string(campaignID)]]])
            #expect(delete.json?["campaigns"]?["success"]?.arrayValue?.count == 1)
            #expect(harness.store.read { $0.object(.amazonAds, campaignID)?.status } == "ARCHIVED")
        }
    }

    @Test func reportStateMachineDuplicateAndDownload() async throws {
        let harness = SandboxHarness(today: "2026-11-01").withDefaultAccounts()
        try await harness.run { client in
            _ = try await client.amazon(
                .post, "/sp/campaigns", media: Self.campaignMedia,
                [
                    "campaigns": [
                        [
                            "name": "Reported", "targetingType": "AUTO", "state": "ENABLED", "startDate": "2026-11-01",
                            "budget": ["budgetType": "DAILY", "budget": 10.0],
                        ]
                    ]
                ])
            _ = try await client.control(.post, "clock", ["today": "2026-11-20"])
            let body = try Fixtures.load("amazon-ads", "report_create.request.json")
            let created = try await client.amazon(.post, "/reporting/reports", media: Self.reportMedia, body)
            #expect(created.status == 200)
            #expect(
                hasShape(try #require(created.json), of: try Fixtures.load("amazon-ads", "report_create.response.json"))
                    .isEmpty)
            let id = try #require(created.json?["reportId"]?.stringValue)
            let duplicate = try await client.amazon(.post, "/reporting/reports", media: Self.reportMedia, body)
            #expect(duplicate.status == 425)
            #expect(
                hasShape(
                    try #require(duplicate.json), of: try Fixtures.load("amazon-ads", "duplicate_report.error.json")
                ).isEmpty)
            #expect(duplicate.json?["detail"]?.stringValue?.hasSuffix(id) == true)

            let poll1 = try await client.amazon(.get, "/reporting/reports/\(id)", media: Self.reportMedia, [:])
            #expect(poll1.json?["status"] == "PROCESSING")
            let poll2 = try await client.amazon(.get, "/reporting/reports/\(id)", media: Self.reportMedia, [:])
            #expect(poll2.json?["status"] == "COMPLETED")
            #expect(
                hasShape(
                    try #require(poll2.json), of: try Fixtures.load("amazon-ads", "report_completed.response.json")
                ).isEmpty)
            let link = try #require(poll2.json?["url"]?.stringValue)
            let url = try #require(URLComponents(string: link))
            let download = "\(url.path)?\(url.percentEncodedQuery ?? "")"
            let refused = try await client.call(.get, download, headers: [("Authorization", "Bearer x")])
            #expect(refused.status == 400)
            let file = try await client.call(.get, download)
            #expect(file.status == 200)
            let rows = try #require(Gzip.unwrapStored(file.body).flatMap(JSONValue.parse))
            #expect(rows.arrayValue?.count == 19)
            #expect(hasShape(rows, of: try Fixtures.load("amazon-ads", "report_rows.response.json")).isEmpty)

            let tooLong = try await client.amazon(
                .post, "/reporting/reports", media: Self.reportMedia,
                ["startDate": "2026-10-01", "endDate": "2026-11-19", "configuration": body["configuration"] ?? [:]])
            #expect(tooLong.status == 400 && tooLong.json?["detail"] != nil)
        }
    }

    @Test func throttlingAndExpiredToken() async throws {
        try await harness.run { client in
            _ = try await client.control(
                .post, "faults", ["channel": "amazon-ads", "kind": "rate_limit", "retry_after_seconds": 7])
            let limited = try await client.amazon(.post, "/sp/campaigns/list", media: Self.campaignMedia, [:])
            #expect(limited.status == 429 && limited.headers["retry-after"] == "7")
            #expect(
                hasShape(try #require(limited.json), of: try Fixtures.load("amazon-ads", "throttled.error.json"))
                    .isEmpty)
            _ = try await client.control(.post, "faults", ["channel": "amazon-ads", "kind": "expired_token"])
            let expired = try await client.amazon(.post, "/sp/campaigns/list", media: Self.campaignMedia, [:])
            #expect(expired.status == 401 && expired.json?["code"] == "UNAUTHORIZED")
            _ = try await client.control(.post, "faults", ["channel": "amazon-ads", "kind": "server_error"])
            let token = try await client.call(
                .post, "/amazon-auth/auth/o2/token",
                body: Data(
                    "grant_type=refresh_token&refresh_token=sandbox-refresh-amazon-ads-3000000000001&client_id=sandbox-amazon-ads-client&client_secret=sandbox-amazon-ads-secret"
                        .utf8))
            #expect(token.status == 500)
        }
    }
}
