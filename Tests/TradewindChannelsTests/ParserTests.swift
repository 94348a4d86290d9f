import Foundation
import Testing
import TradewindCore

@testable import TradewindChannels

@Suite("Parsers read the golden responses and error bodies")
struct ParserTests {
    let post = WireRequest(.post, base: URL(string: "https://example.test")!, path: "/x", isMutation: true)

    @Test("Google Ads: mutate results, customer, stream rows")
    func googleResponses() throws {
        let (_, created) = GoogleAdsWire.publishRequest(
            Sample.tree(), reference: Sample.reference, customerID: "1234567890", currency: "EUR")
        let published = GoogleAdsWire.published(
            try Fixture.json("google-ads", "mutate.response.json"), created: created, groups: 1)
        #expect(
            published
                == PublishedCampaign(
                    campaignID: "22222", budgetID: "11111",
                    adGroups: [PublishedAdGroup(adGroupID: "33333", adIDs: ["44444"])]))
        #expect(
            GoogleAdsWire.profile(try Fixture.json("google-ads", "search.response.json"))
                == ChannelAccountProfile(name: "Tradewind GmbH", currency: "EUR", timeZone: "Europe/Berlin"))
        let rows = GoogleAdsWire.dailyMetrics(
            try Fixture.bytes("google-ads", "search-stream.response.json"), level: .campaign)
        #expect(
            rows == [
                ChannelDailyMetric(
                    campaignExternalID: "22222", day: CalendarDay("2026-03-01")!, impressions: 1500, clicks: 42,
                    spendMicros: 12_345_670,
                    conversionsMilli: 3_333, conversionValueMicros: 129_900_000),
                ChannelDailyMetric(
                    campaignExternalID: "22222", day: CalendarDay("2026-03-02")!, impressions: 12, clicks: 0,
                    spendMicros: 0,
                    conversionsMilli: 0, conversionValueMicros: 0),
            ])
    }

    @Test("Google Ads: a stream row without its campaign id or date is malformed; doubles round to the nearest")
    func googleStreamRows() {
        func rows(_ json: String) -> [ChannelDailyMetric]? {
            GoogleAdsWire.dailyMetrics(Array(json.utf8), level: .campaign)
        }
        let row =
            #"{"campaign":{"id":"7"},"segments":{"date":"2026-03-01"},"metrics":{"conversions":2.9996,"#
            + #""conversionsValue":0.0000017,"costMicros":"5","unknownMetric":1},"adGroup":{"id":"9"}}"#
        let parsed = rows("[{\"results\":[\(row)],\"requestId\":\"x\"},{\"results\":[\(row)]}]")
        #expect(parsed?.count == 2)
        #expect(parsed?.first?.conversionsMilli == 3_000)
        #expect(parsed?.first?.conversionValueMicros == 2)
        #expect(parsed?.first?.spendMicros == 5 && parsed?.first?.impressions == 0)
        #expect(rows(#"[{"results":[{"campaign":{"id":"7"},"metrics":{}}]}]"#) == nil)
        #expect(rows(#"[{"results":[{"segments":{"date":"2026-03-01"}}]}]"#) == nil)
        #expect(rows(#"[{"results":[{"campaign":{"id":"7"},"segments":{"date":"March"}}]}]"#) == nil)
        #expect(rows(#"{"results":[]}"#) == nil)
        #expect(rows("[]") == [])
    }

    @Test("Google Ads: quota retry delay, field path of a refusal, expired token")
    func googleErrors() throws {
        let dialect = GoogleAdsDialect(tokenEndpoint: URL(string: "https://oauth.test")!)
        let limited = dialect.failure(
            of: try Fixture.response("google-ads", "rate-limited.error.json", status: 429), to: post)
        #expect(limited?.error.retryAfter == .seconds(30))
        #expect(limited?.error.channelCode == "quotaError.RESOURCE_TEMPORARILY_EXHAUSTED")
        #expect(limited?.error.requestID == "5jIvB7uJ3k6Lx0Ql9aYq2w")
        let refused = dialect.failure(
            of: try Fixture.response("google-ads", "invalid-argument.error.json", status: 400), to: post)
        #expect(refused?.error.field == "mutate_operations[1].campaign_operation.create.name")
        #expect(refused?.error.channelCode == "campaignError.DUPLICATE_CAMPAIGN_NAME")
        #expect(refused?.error.isRetryable == false)
        let failure = GoogleAdsFailure(try Fixture.json("google-ads", "invalid-argument.error.json"))
        #expect(failure?.errors.first?.operationIndex == 1)
        let expired = dialect.failure(
            of: try Fixture.response("google-ads", "token-expired.error.json", status: 401), to: post)
        #expect(expired?.tokenExpired == true)
        // searchStream answers 200 and ends its array with the error when a stream fails midway.
        #expect(dialect.failure(of: try Fixture.response("google-ads", "search-stream.response.json"), to: post) == nil)
        let midway = WireResponse(
            status: 200,
            body: Array(#"[{"results":[],"fieldMask":"campaign.id"},"#.utf8)
                + (try Fixture.bytes("google-ads", "rate-limited.error.json")) + Array("]".utf8))
        let streamed = dialect.failure(of: midway, to: post)
        #expect(streamed?.error.channelCode == "quotaError.RESOURCE_TEMPORARILY_EXHAUSTED")
        #expect(streamed?.error.retryAfter == .seconds(30))
        let grant = dialect.parseRefresh(
            try Fixture.response("google-ads", "oauth-invalid-grant.error.json", status: 400))
        guard case .failure(.unauthorized(let detail)) = grant else {
            Issue.record("invalid_grant must be unauthorized")
            return
        }
        #expect(detail.message.contains("re-authorise"))
        let token = dialect.parseRefresh(try Fixture.response("google-ads", "oauth-token.response.json"))
        #expect((try? token.get())?.accessToken == "ya29.a0-new-access-token")
    }

    @Test("Meta: insights spend string, conversions from actions, codes and subcodes")
    func meta() throws {
        let rows = (try Fixture.json("meta", "insights.response.json"))["data"]?.arrayValue?.compactMap(
            { MetaWire.dailyMetric($0, level: .campaign) })
        #expect(
            rows == [
                ChannelDailyMetric(
                    campaignExternalID: "120210000000000001", day: CalendarDay("2026-03-01")!, impressions: 182_034,
                    clicks: 2_211,
                    spendMicros: 5_339_500_000, conversionsMilli: 20_000, conversionValueMicros: 1_234_560_000)
            ])
        #expect(
            MetaWire.profile(try Fixture.json("meta", "adaccount.response.json"))
                == ChannelAccountProfile(name: "Tradewind EU", currency: "EUR", timeZone: "Europe/Berlin"))
        let dialect = MetaDialect()
        let usage =
            #"{"1234567890":[{"type":"ads_management","call_count":100,"total_cputime":40,"total_time":60,"estimated_time_to_regain_access":5}]}"#
        let limited = dialect.failure(
            of: try Fixture.response(
                "meta", "rate-limited.error.json", status: 400, headers: [("X-Business-Use-Case-Usage", usage)]),
            to: post)
        #expect(limited?.error.retryAfter == .seconds(300))
        #expect(limited?.error.channelCode == "80004/2446079")
        #expect(limited?.error.requestID == "AFm-w0VSqFxoRyuKXJgg48H")
        let expired = dialect.failure(
            of: try Fixture.response("meta", "token-expired.error.json", status: 400), to: post)
        #expect(expired?.tokenExpired == true)
        #expect(expired?.error.channelCode == "190/463")
        let transient = dialect.failure(of: try Fixture.response("meta", "transient.error.json", status: 500), to: post)
        guard case .transient = transient?.error else {
            Issue.record("is_transient must be transient")
            return
        }
        let refused = dialect.failure(
            of: try Fixture.response("meta", "invalid-parameter.error.json", status: 400), to: post)
        #expect(refused?.error.field == "daily_budget")
        #expect(refused?.error.channelMessage.hasPrefix("Your budget is too low") == true)
    }

    @Test("TikTok: report rows and envelope codes on HTTP 200")
    func tiktok() throws {
        let rows = (try Fixture.json("tiktok", "report-integrated.response.json"))["data"]?["list"]?.arrayValue?
            .compactMap { TikTokWire.dailyMetric($0, level: .campaign) }
        #expect(
            rows?.first
                == ChannelDailyMetric(
                    campaignExternalID: "1790000000000001", day: CalendarDay("2026-03-01")!, impressions: 5_400,
                    clicks: 87, spendMicros: 12_340_000,
                    conversionsMilli: 4_000, conversionValueMicros: 0))
        #expect(rows?.count == 2)
        #expect(
            TikTokWire.profile(try Fixture.json("tiktok", "advertiser-info.response.json"))
                == ChannelAccountProfile(name: "Tradewind EU", currency: "EUR", timeZone: "Europe/Berlin"))
        let dialect = TikTokDialect()
        #expect(dialect.failure(of: try Fixture.response("tiktok", "campaign-create.response.json"), to: post) == nil)
        let limited = dialect.failure(of: try Fixture.response("tiktok", "rate-limited.error.json"), to: post)
        #expect(limited?.error.channelCode == "40100")
        #expect(limited?.error.isRetryable == true)
        #expect(limited?.error.requestID == "202603011200000102030405060714")
        #expect(
            dialect.failure(of: try Fixture.response("tiktok", "token-expired.error.json"), to: post)?.tokenExpired
                == true)
        let refused = dialect.failure(of: try Fixture.response("tiktok", "param-error.error.json"), to: post)
        guard case .rejected = refused?.error else {
            Issue.record("40002 must be rejected")
            return
        }
        guard
            case .transient = dialect.failure(of: try Fixture.response("tiktok", "sys-error.error.json"), to: post)?
                .error
        else {
            Issue.record("50000 must be transient")
            return
        }
    }

    @Test("Amazon: 207 items, 425 report id, Retry-After, report rows, profile")
    func amazon() throws {
        let created = AmazonAdsWire.itemResults(
            try Fixture.json("amazon-ads", "campaigns-create.response.json"), entities: "campaigns",
            idKey: "campaignId", count: 1)
        #expect(created == [.success(id: "413799090000001")])
        let groups = AmazonAdsWire.itemResults(
            try Fixture.json("amazon-ads", "adgroups-create.response.json"), entities: "adGroups", idKey: "adGroupId",
            count: 2)
        #expect(
            groups == [
                .success(id: "513799090000001"),
                .failure(
                    code: "duplicateValueError.DUPLICATE_VALUE",
                    message: "An ad group with this name already exists in the campaign",
                    location: "$[1].name"),
            ])
        #expect(
            AmazonAdsWire.duplicateReportID(try Fixture.json("amazon-ads", "report-duplicate.error.json"))
                == "6d5a7f2e-3c1b-4a9e-8f00-1b2c3d4e5f60")
        let dialect = AmazonAdsDialect(tokenEndpoint: URL(string: "https://lwa.test")!)
        let limited = dialect.failure(
            of: try Fixture.response(
                "amazon-ads", "rate-limited.error.json", status: 429, headers: [("Retry-After", "7")]), to: post)
        #expect(limited?.error.retryAfter == .seconds(7))
        #expect(limited?.error.channelCode == "THROTTLED")
        #expect(
            dialect.failure(of: try Fixture.response("amazon-ads", "unauthorized.error.json", status: 401), to: post)?
                .tokenExpired == true)
        let rows = AmazonAdsWire.dailyMetrics(
            try Fixture.bytes("amazon-ads", "report-download.response.json"), level: .campaign)
        #expect(
            rows?.first
                == ChannelDailyMetric(
                    campaignExternalID: "413799090000001", day: CalendarDay("2026-03-01")!, impressions: 2_310,
                    clicks: 41, spendMicros: 30_740_000,
                    conversionsMilli: 3_000, conversionValueMicros: 89_970_000))
        #expect(
            AmazonAdsWire.profile(try Fixture.json("amazon-ads", "profile.response.json"))
                == ChannelAccountProfile(name: "Tradewind Shop DE", currency: "EUR", timeZone: "Europe/Paris"))
    }

    @Test("Reports by ad group: each row names its ad group and campaign; a row without its ad group is malformed")
    func adGroupReports() throws {
        let day = CalendarDay("2026-03-01")!
        let google = GoogleAdsWire.dailyMetrics(
            try Fixture.bytes("google-ads", "search-stream-ad-group.response.json"), level: .adGroup)
        #expect(
            google == [
                ChannelDailyMetric(
                    campaignExternalID: "22222", adGroupExternalID: "33333", day: day, impressions: 1000, clicks: 30,
                    spendMicros: 8_000_000, conversionsMilli: 2_000, conversionValueMicros: 80_500_000),
                ChannelDailyMetric(
                    campaignExternalID: "22222", adGroupExternalID: "33334", day: day, impressions: 500, clicks: 12,
                    spendMicros: 4_345_670, conversionsMilli: 1_333, conversionValueMicros: 49_400_000),
            ])
        // The campaign report's rows read by ad group lack the ad group: malformed, never a guess.
        #expect(
            GoogleAdsWire.dailyMetrics(try Fixture.bytes("google-ads", "search-stream.response.json"), level: .adGroup)
                == nil)

        let meta = try Fixture.json("meta", "insights-adset.response.json")["data"]?.arrayValue?.map {
            MetaWire.dailyMetric($0, level: .adGroup)
        }
        #expect(
            meta == [
                ChannelDailyMetric(
                    campaignExternalID: "120210000000000001", adGroupExternalID: "120210000000000002", day: day,
                    impressions: 100_000, clicks: 1200, spendMicros: 3_000_250_000, conversionsMilli: 10_000,
                    conversionValueMicros: 700_500_000)
            ])
        let metaCampaignRow = try Fixture.json("meta", "insights.response.json")["data"]?[0]
        #expect(metaCampaignRow.flatMap { MetaWire.dailyMetric($0, level: .adGroup) } == nil)

        let tiktok = try Fixture.json("tiktok", "report-integrated-adgroup.response.json")["data"]?["list"]?
            .arrayValue?.map { TikTokWire.dailyMetric($0, level: .adGroup) }
        #expect(
            tiktok == [
                ChannelDailyMetric(
                    campaignExternalID: "1790000000000001", adGroupExternalID: "1790000000000002", day: day,
                    impressions: 3100, clicks: 50, spendMicros: 7_100_000, conversionsMilli: 3_000,
                    conversionValueMicros: 0)
            ])
        let tiktokCampaignRow = try Fixture.json("tiktok", "report-integrated.response.json")["data"]?["list"]?[0]
        #expect(tiktokCampaignRow.flatMap { TikTokWire.dailyMetric($0, level: .adGroup) } == nil)

        let amazon = AmazonAdsWire.dailyMetrics(
            try Fixture.bytes("amazon-ads", "report-download-adgroup.response.json"), level: .adGroup)
        #expect(
            amazon == [
                ChannelDailyMetric(
                    campaignExternalID: "413799090000001", adGroupExternalID: "513799090000001", day: day,
                    impressions: 1310, clicks: 21, spendMicros: 17_300_000, conversionsMilli: 2_000,
                    conversionValueMicros: 59_980_000)
            ])
        #expect(
            AmazonAdsWire.dailyMetrics(
                try Fixture.bytes("amazon-ads", "report-download.response.json"), level: .adGroup) == nil)
    }

    @Test("Reports by ad: each row names its ad, ad group and campaign; a row without its ad is malformed")
    func adReports() throws {
        let day = CalendarDay("2026-03-01")!
        #expect(
            GoogleAdsWire.dailyMetrics(try Fixture.bytes("google-ads", "search-stream-ad.response.json"), level: .ad)
                == [
                    ChannelDailyMetric(
                        campaignExternalID: "22222", adGroupExternalID: "33333", adExternalID: "44444", day: day,
                        impressions: 1000, clicks: 30, spendMicros: 8_000_000, conversionsMilli: 2_000,
                        conversionValueMicros: 80_500_000)
                ])
        #expect(
            GoogleAdsWire.dailyMetrics(
                try Fixture.bytes("google-ads", "search-stream-ad-group.response.json"), level: .ad) == nil)
        #expect(
            try Fixture.json("meta", "insights-ad.response.json")["data"]?.arrayValue?.map {
                MetaWire.dailyMetric($0, level: .ad)
            } == [
                ChannelDailyMetric(
                    campaignExternalID: "120210000000000001", adGroupExternalID: "120210000000000002",
                    adExternalID: "120210000000000004", day: day, impressions: 40_000, clicks: 500,
                    spendMicros: 1_500_500_000, conversionsMilli: 4_000, conversionValueMicros: 0)
            ])
        #expect(
            try Fixture.json("tiktok", "report-integrated-ad.response.json")["data"]?["list"]?.arrayValue?.map {
                TikTokWire.dailyMetric($0, level: .ad)
            } == [
                ChannelDailyMetric(
                    campaignExternalID: "1790000000000001", adGroupExternalID: "1790000000000002",
                    adExternalID: "1790000000000003", day: day, impressions: 1550, clicks: 25, spendMicros: 3_550_000,
                    conversionsMilli: 1_000, conversionValueMicros: 0)
            ])
        #expect(
            AmazonAdsWire.dailyMetrics(try Fixture.bytes("amazon-ads", "report-download-ad.response.json"), level: .ad)
                == [
                    ChannelDailyMetric(
                        campaignExternalID: "413799090000001", adGroupExternalID: "513799090000001",
                        adExternalID: "613799090000001", day: day, impressions: 710, clicks: 11, spendMicros: 9_100_000,
                        conversionsMilli: 1_000, conversionValueMicros: 29_990_000)
                ])
        #expect(
            AmazonAdsWire.dailyMetrics(
                try Fixture.bytes("amazon-ads", "report-download-adgroup.response.json"), level: .ad) == nil)
    }
}
