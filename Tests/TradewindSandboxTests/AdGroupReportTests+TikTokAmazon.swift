import Foundation
import Testing

@testable import TradewindSandbox

extension AdGroupReportTests {
    // MARK: TikTok

    /// Every row of a synchronous report over 11-01...11-09, page by page (`page_size` 4).
    static func tiktokReport(_ client: Client, level: String, dimensions: [String], metrics: [String])
        async throws -> [JSONValue]
    {
        var rows: [JSONValue] = []
        var page = 1
        var pages = 1
        repeat {
            let answer = try await client.tiktokGet(
                "report/integrated/get",
                "advertiser_id=\(TikTokTests.advertiser)&report_type=BASIC&data_level=\(level)"
                    + "&dimensions=\(escaped(String(decoding: JSONValue.array(dimensions.map(JSONValue.string)).serialized(), as: UTF8.self)))"
                    + "&metrics=\(escaped(String(decoding: JSONValue.array(metrics.map(JSONValue.string)).serialized(), as: UTF8.self)))"
                    + "&start_date=2026-11-01&end_date=2026-11-09&page=\(page)&page_size=4")
            #expect(answer.json?["code"] == 0, "\(String(decoding: answer.body, as: UTF8.self))")
            rows += answer.json?["data"]?["list"]?.arrayValue ?? []
            pages = Int(answer.json?["data"]?["page_info"]?["total_page"]?.int64Value ?? 1)
            page += 1
        } while page <= pages
        return rows
    }

    static func tiktokTotals(_ row: JSONValue) -> Totals {
        let metrics = row["metrics"]
        return Totals(
            impressions: metrics?["impressions"]?.int64Value ?? 0, clicks: metrics?["clicks"]?.int64Value ?? 0,
            spendMicros: micros(metrics?["spend"]), conversions: metrics?["conversion"]?.int64Value ?? 0,
            valueMicros: micros(metrics?["total_purchase_value"]))
    }

    @Test func tiktokAdGroupRowsSumToCampaignRows() async throws {
        let harness = SandboxHarness(today: "2026-11-01").withDefaultAccounts()
        try await harness.run { client in
            let created = try await client.tiktokPost(
                "campaign/create", try Fixtures.load("tiktok", "campaign_create.request.json"))
            let campaign = try #require(created.json?["data"]?["campaign_id"]?.stringValue)
            var groups: [String] = []
            for name in ["AG1", "AG2"] {
                let group = try await client.tiktokPost(
                    "adgroup/create",
                    [
                        "advertiser_id": .string(TikTokTests.advertiser), "campaign_id": .string(campaign),
                        "adgroup_name": .string(name), "location_ids": ["2921044"],
                        "schedule_type": "SCHEDULE_FROM_NOW", "schedule_start_time": "2026-11-01 00:00:00",
                        "optimization_goal": "CLICK", "billing_event": "CPC", "bid_type": "BID_TYPE_NO_BID",
                    ])
                groups.append(try #require(group.json?["data"]?["adgroup_id"]?.stringValue))
            }
            _ = try await client.control(.post, "clock", ["today": "2026-11-05"])
            let paused = try await client.tiktokPost(
                "adgroup/status/update",
                [
                    "advertiser_id": .string(TikTokTests.advertiser), "adgroup_ids": [.string(groups[1])],
                    "operation_status": "DISABLE",
                ])
            #expect(paused.json?["code"] == 0 && paused.json?["data"]?["adgroup_ids"] == [.string(groups[1])])
            _ = try await client.control(.post, "clock", ["today": "2026-11-10"])

            let metrics = ["spend", "impressions", "clicks", "conversion", "total_purchase_value"]
            let campaignRows = try await Self.tiktokReport(
                client, level: "AUCTION_CAMPAIGN", dimensions: ["campaign_id", "stat_time_day"], metrics: metrics)
            let groupRows = try await Self.tiktokReport(
                client, level: "AUCTION_ADGROUP", dimensions: ["adgroup_id", "stat_time_day"],
                metrics: metrics + ["campaign_id", "adgroup_name"])
            #expect(campaignRows.count == 9)
            func day(_ row: JSONValue) -> String {
                String((row["dimensions"]?["stat_time_day"]?.stringValue ?? "").prefix(10))
            }
            let byCampaign = Self.byCampaignDay(
                campaignRows.map {
                    ($0["dimensions"]?["campaign_id"]?.stringValue ?? "", day($0), Self.tiktokTotals($0))
                })
            let byGroup = Self.byCampaignDay(
                groupRows.map { ($0["metrics"]?["campaign_id"]?.stringValue ?? "", day($0), Self.tiktokTotals($0)) })
            #expect(byCampaign == byGroup)
            let row = try #require(groupRows.first)
            #expect(row["dimensions"]?["stat_time_day"] == "2026-11-01 00:00:00")
            #expect(row["metrics"]?["adgroup_name"]?.stringValue?.hasPrefix("AG") == true)
            #expect(row["metrics"]?["spend"]?.stringValue != nil && row["metrics"]?["impressions"]?.stringValue != nil)
            let pausedDays = groupRows.filter { $0["dimensions"]?["adgroup_id"] == .string(groups[1]) }.map(day)
            #expect(pausedDays.sorted() == Array(Self.days.prefix(4)))

            let query =
                "advertiser_id=\(TikTokTests.advertiser)&report_type=BASIC&start_date=2026-11-01&end_date=2026-11-09"
            for (level, dimensions, metrics) in [
                ("AUCTION_CAMPAIGN", #"["campaign_id"]"#, #"["adgroup_name"]"#),
                ("AUCTION_ADGROUP", #"["campaign_id","stat_time_day"]"#, #"["spend"]"#),
                ("AUCTION_ADVERTISER", #"["adgroup_id"]"#, #"["spend"]"#),
            ] {
                let refused = try await client.tiktokGet(
                    "report/integrated/get",
                    "\(query)&data_level=\(level)&dimensions=\(escaped(dimensions))&metrics=\(escaped(metrics))")
                #expect(refused.status == 200 && refused.json?["code"] == 40002, "\(level)")
            }
        }
    }

    // MARK: Amazon Ads

    /// Requests a DAILY report (spCampaigns unless told) over 11-01...11-09, polls it to COMPLETED and
    /// returns its rows.
    static func amazonReport(
        _ client: Client, type: String = "spCampaigns", groupBy: [String], columns: [String]
    ) async throws -> [JSONValue] {
        let created = try await client.amazon(
            .post, "/reporting/reports", media: AmazonAdsTests.reportMedia,
            Self.amazonReportRequest(type: type, groupBy: groupBy, columns: columns))
        #expect(created.status == 200, "\(String(decoding: created.body, as: UTF8.self))")
        let id = try #require(created.json?["reportId"]?.stringValue)
        var status = created.json
        // PENDING → PROCESSING → COMPLETED, one step per status read.
        for _ in 0..<2 {
            status = try await client.amazon(.get, "/reporting/reports/\(id)", media: AmazonAdsTests.reportMedia, [:])
                .json
        }
        let url = try #require(status?["url"]?.stringValue.flatMap { URLComponents(string: $0) })
        let file = try await client.call(.get, "\(url.path)?\(url.percentEncodedQuery ?? "")")
        return try #require(Gzip.unwrapStored(file.body).flatMap(JSONValue.parse)?.arrayValue)
    }

    static func amazonReportRequest(type: String = "spCampaigns", groupBy: [String], columns: [String]) -> JSONValue {
        [
            "name": .string("SP \(groupBy.joined(separator: "+"))"), "startDate": "2026-11-01", "endDate": "2026-11-09",
            "configuration": [
                "adProduct": "SPONSORED_PRODUCTS", "reportTypeId": .string(type), "timeUnit": "DAILY",
                "format": "GZIP_JSON", "groupBy": .array(groupBy.map(JSONValue.string)),
                "columns": .array(columns.map(JSONValue.string)),
            ],
        ]
    }

    static func amazonTotals(_ row: JSONValue) -> Totals {
        Totals(
            impressions: row["impressions"]?.int64Value ?? 0, clicks: row["clicks"]?.int64Value ?? 0,
            spendMicros: micros(row["cost"]), conversions: row["purchases7d"]?.int64Value ?? 0,
            valueMicros: micros(row["sales7d"]))
    }

    @Test func amazonAdGroupRowsSumToCampaignRows() async throws {
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
            let groupMedia = "application/vnd.spAdGroup.v3+json"
            let groups = try await client.amazon(
                .post, "/sp/adGroups", media: groupMedia,
                [
                    "adGroups": [
                        ["campaignId": .string(campaign), "name": "G1", "state": "ENABLED", "defaultBid": 0.5],
                        ["campaignId": .string(campaign), "name": "G2", "state": "ENABLED", "defaultBid": 0.5],
                    ]
                ])
            let ids = (groups.json?["adGroups"]?["success"]?.arrayValue ?? []).compactMap {
                $0["adGroupId"]?.stringValue
            }
            #expect(ids.count == 2)
            _ = try await client.control(.post, "clock", ["today": "2026-11-05"])
            let paused = try await client.amazon(
                .put, "/sp/adGroups", media: groupMedia,
                ["adGroups": [["adGroupId": .string(ids[1]), "state": "PAUSED"]]])
            #expect(paused.status == 207 && paused.json?["adGroups"]?["success"]?.arrayValue?.count == 1)
            _ = try await client.control(.post, "clock", ["today": "2026-11-10"])

            let metrics = ["date", "impressions", "clicks", "cost", "purchases7d", "sales7d"]
            let campaignRows = try await Self.amazonReport(
                client, groupBy: ["campaign"], columns: ["campaignId"] + metrics)
            let groupRows = try await Self.amazonReport(
                client, groupBy: ["campaign", "adGroup"], columns: ["campaignId", "adGroupId", "adStatus"] + metrics)
            #expect(campaignRows.count == 9)
            func keyed(_ rows: [JSONValue]) -> [(campaign: String, day: String, totals: Totals)] {
                rows.map {
                    (
                        $0["campaignId"]?.int64Value.map(String.init) ?? "", $0["date"]?.stringValue ?? "",
                        Self.amazonTotals($0)
                    )
                }
            }
            #expect(Self.byCampaignDay(keyed(campaignRows)) == Self.byCampaignDay(keyed(groupRows)))
            let row = try #require(groupRows.first)
            #expect(row["adGroupId"] == .int(Int64(ids[0]) ?? 0) && row["campaignId"] == .int(Int64(campaign) ?? 0))
            #expect(row["cost"]?.doubleValue != nil && row["adStatus"] == "ENABLED")
            let pausedRows = groupRows.filter { $0["adGroupId"] == .int(Int64(ids[1]) ?? 0) }
            #expect(pausedRows.compactMap { $0["date"]?.stringValue } == Array(Self.days.prefix(4)))
            #expect(pausedRows.allSatisfy { $0["adStatus"] == "PAUSED" })

            // groupBy adGroup alone: its own columns, and the same figures per ad group and day.
            let alone = try await Self.amazonReport(
                client, groupBy: ["adGroup"], columns: ["adGroupId", "adGroupName"] + metrics)
            #expect(
                alone.allSatisfy { $0.objectValue.map { Set($0.keys) } == Set(["adGroupId", "adGroupName"] + metrics) })
            #expect(alone.map(Self.amazonTotals) == groupRows.map(Self.amazonTotals))

            let campaignColumn = try await client.amazon(
                .post, "/reporting/reports", media: AmazonAdsTests.reportMedia,
                Self.amazonReportRequest(groupBy: ["adGroup"], columns: ["campaignId", "adGroupId", "date"]))
            #expect(campaignColumn.status == 400 && campaignColumn.json?["code"] == "400")
            #expect(
                campaignColumn.json?["detail"]?.stringValue?.hasPrefix(
                    "configuration columns includes invalid values: (campaignId).") == true)
            let adGroupColumn = try await client.amazon(
                .post, "/reporting/reports", media: AmazonAdsTests.reportMedia,
                Self.amazonReportRequest(groupBy: ["campaign"], columns: ["adGroupId", "date"]))
            #expect(adGroupColumn.status == 400)
            let badGroup = try await client.amazon(
                .post, "/reporting/reports", media: AmazonAdsTests.reportMedia,
                Self.amazonReportRequest(groupBy: ["adGroups"], columns: ["date"]))
            #expect(
                badGroup.status == 400
                    && badGroup.json?["detail"]?.stringValue?.hasPrefix(
                        "configuration invalid groupBy values: (adGroups).")
                        == true
            )
        }
    }
}
