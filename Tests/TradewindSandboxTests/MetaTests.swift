import Foundation
import Testing

@testable import TradewindSandbox

@Suite struct MetaTests {
    let harness = SandboxHarness().withDefaultAccounts()
    static let account = "act_101000000000001"

    static func form(_ json: JSONValue) -> String {
        (json.objectValue ?? [:]).sorted { $0.key < $1.key }.map { key, value in
            let text = value.stringValue ?? String(decoding: value.serialized(), as: UTF8.self)
            return "\(key)=\(escaped(text))"
        }.joined(separator: "&")
    }

    @Test func objectTreeCreateListUpdate() async throws {
        try await harness.run { client in
            let request = try Fixtures.load("meta", "campaign_create.request.json")
            let created = try await client.meta(.post, "\(Self.account)/campaigns", form: Self.form(request))
            #expect(created.status == 200)
            #expect(
                hasShape(try #require(created.json), of: try Fixtures.load("meta", "campaign_create.response.json"))
                    .isEmpty)
            #expect(created.headers["x-fb-trace-id"] != nil && created.headers["x-business-use-case-usage"] != nil)
            let campaign = try #require(created.json?["id"]?.stringValue)
            let adSet = try await client.meta(
                .post, "\(Self.account)/adsets",
                form:
                    "name=AS&campaign_id=\(campaign)&daily_budget=1500&billing_event=IMPRESSIONS&optimization_goal=LINK_CLICKS&targeting=\(escaped(#"{"geo_locations":{"countries":["DE"]},"age_min":25,"age_max":45,"locales":[5]}"#))&status=ACTIVE"
            )
            #expect(adSet.json?["error"]?["error_user_title"] == "Budget set at campaign level")
            let cboOff = try await client.meta(
                .post, "\(Self.account)/campaigns",
                form: "name=ABO&objective=OUTCOME_SALES&special_ad_categories=%5B%5D")
            let aboCampaign = try #require(cboOff.json?["id"]?.stringValue)
            let adSet2 = try await client.meta(
                .post, "\(Self.account)/adsets",
                form:
                    "name=AS&campaign_id=\(aboCampaign)&daily_budget=1500&billing_event=IMPRESSIONS&optimization_goal=LINK_CLICKS&targeting=\(escaped(#"{"geo_locations":{"countries":["DE"]}}"#))"
            )
            let adSetID = try #require(adSet2.json?["id"]?.stringValue)
            let creative = try await client.meta(
                .post, "\(Self.account)/adcreatives",
                form:
                    "name=Cr&object_story_spec=\(escaped(#"{"page_id":"1","link_data":{"link":"https://example.com","message":"Hi"}}"#))"
            )
            let creativeID = try #require(creative.json?["id"]?.stringValue)
            let ad = try await client.meta(
                .post, "\(Self.account)/ads",
                form:
                    "name=Ad&adset_id=\(adSetID)&creative=\(escaped("{\"creative_id\":\"\(creativeID)\"}"))&status=PAUSED"
            )
            #expect(ad.json?["id"] != nil)

            let filtered = try await client.meta(
                .get,
                "\(Self.account)/campaigns?fields=id,name,daily_budget&limit=1&filtering=\(escaped(#"[{"field":"name","operator":"CONTAIN","value":"camp"}]"#))"
            )
            let rows = filtered.json?["data"]?.arrayValue ?? []
            #expect(rows.count == 1 && rows.first?["daily_budget"] == "2000")
            let page = try await client.meta(.get, "\(Self.account)/campaigns?limit=1")
            let after = try #require(page.json?["paging"]?["cursors"]?["after"]?.stringValue)
            #expect(page.json?["paging"]?["next"] != nil)
            let second = try await client.meta(.get, "\(Self.account)/campaigns?limit=1&after=\(escaped(after))")
            #expect(second.json?["data"]?.arrayValue?.first?["id"]?.stringValue == aboCampaign)

            for budget in [2100, 2200, 2300, 2400] {
                #expect(try await client.meta(.post, campaign, form: "daily_budget=\(budget)").json?["success"] == true)
            }
            let fifth = try await client.meta(.post, campaign, form: "daily_budget=2500")
            #expect(fifth.status == 400 && fifth.json?["error"]?["code"] == 100)
            #expect(try await client.meta(.post, campaign, form: "status=ARCHIVED").json?["success"] == true)
            #expect(try await client.meta(.get, "\(campaign)?fields=status").json?["status"] == "ARCHIVED")
        }
    }

    @Test func validationAndAuthErrorsUseGraphShape() async throws {
        try await harness.run { client in
            let bad = try await client.meta(
                .post, "\(Self.account)/campaigns", form: "name=X&objective=CONVERSIONS&special_ad_categories=%5B%5D")
            #expect(bad.status == 400)
            #expect(
                hasShape(try #require(bad.json), of: try Fixtures.load("meta", "invalid_parameter.error.json")).isEmpty)
            let low = try await client.meta(
                .post, "\(Self.account)/campaigns",
                form: "name=X&objective=OUTCOME_SALES&special_ad_categories=%5B%5D&daily_budget=50")
            #expect(low.json?["error"]?["error_user_title"] == "Your Budget Is Too Low")
            let json = try await client.call(
                .post, "/meta/v25.0/\(Self.account)/campaigns", headers: SandboxHarness.Client.metaHeaders,
                json: ["name": "J", "objective": "OUTCOME_LEADS", "special_ad_categories": [], "status": "PAUSED"])
            #expect(json.json?["id"] != nil)
            let byParameter = try await client.call(
                .get,
                "/meta/v25.0/\(Self.account)?fields=currency,timezone_name&access_token=sandbox-access-meta-101000000000001"
            )
            #expect(byParameter.json?["currency"] == "USD")
            _ = try await client.control(.post, "faults", ["channel": "meta", "kind": "expired_token"])
            let expired = try await client.meta(.get, Self.account)
            #expect(
                hasShape(try #require(expired.json), of: try Fixtures.load("meta", "expired_token.error.json")).isEmpty)
            #expect(expired.json?["error"]?["error_subcode"] == 463)
        }
    }

    @Test func rateLimitFaultCarriesUsageHeader() async throws {
        try await harness.run { client in
            _ = try await client.control(
                .post, "faults", ["channel": "meta", "kind": "rate_limit", "retry_after_seconds": 120])
            let answer = try await client.meta(.get, Self.account)
            #expect(answer.status == 400)
            #expect(hasShape(try #require(answer.json), of: try Fixtures.load("meta", "rate_limit.error.json")).isEmpty)
            let usage = try #require(answer.headers["x-business-use-case-usage"].flatMap(JSONValue.parse))
            #expect(usage["101000000000001"]?.arrayValue?.first?["estimated_time_to_regain_access"] == 2)
        }
    }

    @Test func insightsRestateRecentConversions() async throws {
        let harness = SandboxHarness(today: "2026-11-01").withDefaultAccounts()
        try await harness.run { client in
            _ = try await client.meta(
                .post, "\(Self.account)/campaigns",
                form: "name=Big&objective=OUTCOME_SALES&special_ad_categories=%5B%5D&daily_budget=500000")
            _ = try await client.control(.post, "clock", ["today": "2026-11-20"])
            let path =
                "\(Self.account)/insights?level=campaign&time_increment=1&limit=100&time_range=\(escaped(#"{"since":"2026-11-01","until":"2026-11-19"}"#))&fields=campaign_id,impressions,clicks,spend,actions,action_values"
            let first = try await client.meta(.get, path)
            let rows = first.json?["data"]?.arrayValue ?? []
            #expect(rows.count == 19)
            let golden = try Fixtures.load("meta", "insights.response.json")
            for row in rows where row["actions"] != nil {
                #expect(hasShape(row, of: try #require(golden["data"]?.arrayValue?.first)).isEmpty)
            }
            _ = try await client.control(.post, "clock", ["today": "2026-11-24"])
            let later = try await client.meta(.get, path)
            func purchases(_ json: JSONValue?, _ day: String) -> Int64 {
                let row = json?["data"]?.arrayValue?.first { $0["date_start"]?.stringValue == day }
                return row?["actions"]?.arrayValue?.first?["value"]?.int64Value ?? 0
            }
            #expect(purchases(first.json, "2026-11-19") <= purchases(later.json, "2026-11-19"))
            #expect(purchases(first.json, "2026-11-10") == purchases(later.json, "2026-11-10"))
            let spendFirst = first.json?["data"]?.arrayValue?.map { $0["spend"] }
            let spendLater = later.json?["data"]?.arrayValue?.map { $0["spend"] }
            #expect(spendFirst == spendLater)
        }
    }
}
