import Foundation
import Testing

@testable import TradewindSandbox

@Suite struct ControlAndMetricsTests {
    /// A Google campaign with a $100 budget created on 2026-11-01, and the ground truth on `today`.
    static func groundTruth(seed: UInt64, today: String) async throws -> JSONValue {
        let harness = SandboxHarness(seed: seed, today: "2026-11-01").withDefaultAccounts()
        return try await harness.run { client in
            let budget = try await GoogleAdsTests.budget(client, amount: "100000000")
            _ = try await client.google(
                "campaigns:mutate",
                [
                    "operations": [
                        [
                            "create": [
                                "name": "M", "advertisingChannelType": "SEARCH", "campaignBudget": .string(budget),
                            ]
                        ]
                    ]
                ])
            _ = try await client.control(.post, "clock", ["today": .string(today)])
            return try #require(
                try await client.control(
                    .get, "metrics?channel=google-ads&account=1234567890&from=2026-11-01&to=2026-11-30"
                ).json)
        }
    }

    @Test func metricsAreAPureFunctionOfTheSeed() async throws {
        let first = try await Self.groundTruth(seed: 7, today: "2026-11-20")
        let again = try await Self.groundTruth(seed: 7, today: "2026-11-20")
        let other = try await Self.groundTruth(seed: 8, today: "2026-11-20")
        // Object ids embed nothing random, so the rows match exactly for the same seed.
        #expect(first["rows"] == again["rows"])
        #expect(
            first["rows"]?.arrayValue?.map { $0["spend_micros"] }
                != other["rows"]?.arrayValue?.map { $0["spend_micros"] })
        let rows = first["rows"]?.arrayValue ?? []
        #expect(rows.count == 20)
        #expect(rows.allSatisfy { ($0["spend_micros"]?.int64Value ?? .max) <= 100_000_000 })
    }

    @Test func recentConversionsAreRestated() async throws {
        let early = try await Self.groundTruth(seed: 7, today: "2026-11-20")
        let late = try await Self.groundTruth(seed: 7, today: "2026-11-24")
        func row(_ json: JSONValue, _ day: String) -> JSONValue? {
            json["rows"]?.arrayValue?.first { $0["date"]?.stringValue == day }
        }
        for day in ["2026-11-17", "2026-11-18", "2026-11-19"] {
            let before = try #require(row(early, day))
            let after = try #require(row(late, day))
            #expect(before["spend_micros"] == after["spend_micros"])
            #expect((before["conversions"]?.int64Value ?? 0) <= (after["conversions"]?.int64Value ?? 0))
        }
        #expect(row(early, "2026-11-10") == row(late, "2026-11-10"))
        let final = SandboxDay("2026-11-19")
        let figures = DailyMetricsModel.finalFigures(
            seed: 1, channel: .meta, account: "1", campaignID: "c", day: try #require(final),
            dailyBudgetMicros: 1_000_000_000,
            active: true, currency: Currency("USD"))
        let reported = DailyMetricsModel.reported(
            figures, day: try #require(final), today: try #require(SandboxDay("2026-11-20")), currency: Currency("USD"))
        #expect(reported.conversions == figures.conversions * 60 / 100)
    }

    @Test func pausedDaysSpendNothing() async throws {
        let harness = SandboxHarness(today: "2026-11-01").withDefaultAccounts()
        try await harness.run { client in
            let budget = try await GoogleAdsTests.budget(client)
            let created = try await client.google(
                "campaigns:mutate",
                [
                    "operations": [
                        [
                            "create": [
                                "name": "P", "advertisingChannelType": "SEARCH", "campaignBudget": .string(budget),
                            ]
                        ]
                    ]
                ])
            let name = try #require(created.json?["results"]?.arrayValue?.first?["resourceName"]?.stringValue)
            _ = try await client.control(.post, "clock", ["today": "2026-11-05"])
            _ = try await client.google(
                "campaigns:mutate",
                [
                    "operations": [
                        ["update": ["resourceName": .string(name), "status": "PAUSED"], "updateMask": "status"]
                    ]
                ])
            _ = try await client.control(.post, "clock", ["today": "2026-11-10"])
            let truth = try await client.control(
                .get, "metrics?channel=google-ads&account=1234567890&from=2026-11-01&to=2026-11-10")
            let days = truth.json?["rows"]?.arrayValue?.compactMap { $0["date"]?.stringValue } ?? []
            #expect(days == ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"])
        }
    }

    @Test func realRateLimitAnswersTheChannelSignal() async throws {
        let harness = SandboxHarness().withDefaultAccounts()
        try await harness.run { client in
            _ = try await client.control(.post, "rate-limits", ["channel": "amazon-ads", "requests_per_minute": 2])
            for _ in 0..<2 {
                #expect(
                    try await client.amazon(.post, "/sp/campaigns/list", media: AmazonAdsTests.campaignMedia, [:])
                        .status == 200)
            }
            let third = try await client.amazon(.post, "/sp/campaigns/list", media: AmazonAdsTests.campaignMedia, [:])
            #expect(third.status == 429 && third.headers["retry-after"] != nil)
            let log = try await client.control(.get, "requests?channel=amazon-ads")
            #expect(log.json?["requests"]?.arrayValue?.last?["status"] == 429)
        }
    }

    @Test func lostResponseAppliesTheChangeAndDropsTheConnection() async throws {
        let harness = SandboxHarness().withDefaultAccounts()
        try await harness.run(.live) { client in
            _ = try await client.control(
                .post, "faults", ["channel": "tiktok", "kind": "lost_response", "operation": "campaign/create"])
            await #expect(throws: (any Error).self) {
                _ = try await client.tiktokPost(
                    "campaign/create", try Fixtures.load("tiktok", "campaign_create.request.json"))
            }
        }
        #expect(
            harness.store.read { $0.objects(.tiktok, account: TikTokTests.advertiser, level: .campaign).count } == 1)
    }

    @Test func timeoutHoldsAndDoesNotApply() async throws {
        let harness = SandboxHarness().withDefaultAccounts()
        try await harness.run(.live) { client in
            _ = try await client.control(.post, "faults", ["channel": "tiktok", "kind": "timeout"])
            await #expect(throws: (any Error).self) {
                _ = try await client.tiktokPost(
                    "campaign/create", try Fixtures.load("tiktok", "campaign_create.request.json"))
            }
        }
        #expect(harness.store.read { $0.objects.count } == 0)
    }

    @Test func latencyDelaysTheAnswer() async throws {
        let harness = SandboxHarness().withDefaultAccounts()
        try await harness.run { client in
            _ = try await client.control(
                .post, "faults", ["channel": "meta", "kind": "latency", "latency_ms": 200, "times": 0])
            let start = ContinuousClock.now
            #expect(try await client.meta(.get, "act_101000000000001").status == 200)
            #expect(ContinuousClock.now - start >= .milliseconds(200))
            #expect(try await client.control(.get, "faults").json?["faults"]?.arrayValue?.count == 1)
            _ = try await client.control(.delete, "faults")
            #expect(try await client.control(.get, "faults").json?["faults"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func stateSurvivesARestartAndResetKeepsTheSeed() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let harness = SandboxHarness(seed: 9, stateFile: file).withDefaultAccounts()
        try await harness.run { client in
            _ = try await client.tiktokPost(
                "campaign/create", try Fixtures.load("tiktok", "campaign_create.request.json"))
        }
        // What `StatePersistence` does every second and at shutdown.
        harness.store.persist()
        let restarted = SandboxStore(seed: 1, stateFile: file)
        #expect(restarted.read { $0.objects.count } == 1 && restarted.read { $0.seed } == 9)
        let second = SandboxHarness(seed: 9, stateFile: file)
        try await second.run { client in
            _ = try await client.control(.post, "reset")
        }
        second.store.persist()
        let reset = SandboxStore(seed: 1, stateFile: file)
        #expect(reset.read { $0.objects.isEmpty && $0.accounts.isEmpty } && reset.read { $0.seed } == 9)
    }

    @Test func provisioningThroughTheControlAPI() async throws {
        try await SandboxHarness().run { client in
            let created = try await client.control(
                .post, "accounts", ["channel": "meta", "id": "555", "currency": "JPY", "time_zone": "Asia/Tokyo"])
            #expect(created.status == 201)
            let token = try #require(created.json?["credentials"]?["access_token"]?.stringValue)
            let campaign = try await client.call(
                .post, "/meta/v25.0/act_555/campaigns", headers: [("Authorization", "Bearer \(token)")],
                json: ["name": "Yen", "objective": "OUTCOME_SALES", "special_ad_categories": [], "daily_budget": 100])
            // JPY has offset 1: 100 means ¥100, under the sandbox's ¥150 minimum.
            #expect(campaign.json?["error"]?["error_user_title"] == "Your Budget Is Too Low")
            let bad = try await client.control(
                .post, "accounts", ["channel": "bing", "id": "1", "currency": "USD", "time_zone": "UTC"])
            #expect(bad.status == 400)
            #expect(try await client.control(.get, "accounts").json?["accounts"]?.arrayValue?.count == 1)
        }
    }
}
