import Foundation
import Testing
import TradewindCore

@testable import TradewindChannels

@Suite("Exchanges: refresh and retry, lost responses, resumed publishes")
struct ExchangeTests {
    let configuration = ChannelClientConfiguration(
        endpoints: Sample.sandbox, reportPollInitialDelay: .milliseconds(1), reportPollMaximumDelay: .milliseconds(2),
        reportMaximumWait: .seconds(5))

    func connector(_ channel: AdChannel, _ transport: ScriptedTransport) -> any ChannelConnector {
        ChannelConnectors.make(transport: transport, configuration: configuration)[channel]!
    }

    @Test("Google: an expired token is refreshed at the OAuth endpoint and the request retried once")
    func googleRefresh() async throws {
        let transport = ScriptedTransport(responses: [
            try Fixture.response("google-ads", "token-expired.error.json", status: 401),
            try Fixture.response("google-ads", "oauth-token.response.json"),
            try Fixture.response(
                "google-ads", "search.response.json", headers: [("request-id", "hKvA3Wc0RSEsUAvDeAcIqA")]),
        ])
        let log = ExchangeLog()
        let session = ChannelSession(credentials: Sample.googleCredentials, observer: log.record)
        let profile = try await connector(.googleAds, transport).verify(
            Sample.account(.googleAds).identity, session: session)
        #expect(profile.currency == "EUR")
        #expect(session.credentialsChanged)
        #expect(session.credentials.accessToken == "ya29.a0-new-access-token")
        #expect(session.credentials.refreshToken == "1//refresh-secret")
        let requests = transport.requests
        #expect(
            requests.map(\.observedPath) == [
                "/google-ads/v21/customers/1234567890/googleAds:search", "/google-oauth/token",
                "/google-ads/v21/customers/1234567890/googleAds:search",
            ])
        #expect(requests[0].header("Authorization") == "Bearer ya29.old-secret")
        #expect(requests[2].header("Authorization") == "Bearer ya29.a0-new-access-token")
        #expect(requests[2].header("developer-token") == "dev-token-secret")
        #expect(log.all.map(\.operation) == ["googleAds:search", "oauth:refresh", "googleAds:search"])
        #expect(log.all.map(\.status) == [401, 200, 200])
        #expect(log.all[0].channelCode == "authenticationError.OAUTH_TOKEN_EXPIRED")
        #expect(log.all[2].requestID == "hKvA3Wc0RSEsUAvDeAcIqA")
        // No secret reaches the observer.
        let logged = log.all.map { "\($0)" }.joined()
        for secret in ["ya29", "refresh-secret", "client-secret", "dev-token-secret"] {
            #expect(!logged.contains(secret))
        }
    }

    @Test("Google: a second expiry after the refresh is unauthorized")
    func googleRefreshFailsTwice() async throws {
        let transport = ScriptedTransport(responses: [
            try Fixture.response("google-ads", "token-expired.error.json", status: 401),
            try Fixture.response("google-ads", "oauth-token.response.json"),
            try Fixture.response("google-ads", "token-expired.error.json", status: 401),
        ])
        let session = ChannelSession(credentials: Sample.googleCredentials)
        do {
            _ = try await connector(.googleAds, transport).verify(Sample.account(.googleAds).identity, session: session)
            Issue.record("expected unauthorized")
        } catch {
            guard case .unauthorized(let detail) = error else {
                Issue.record("expected unauthorized, got \(error)")
                return
            }
            #expect(detail.message.contains("re-authorise the google_ads account"))
        }
        #expect(transport.requests.count == 3)
        let refusing = ScriptedTransport(responses: [
            try Fixture.response("google-ads", "token-expired.error.json", status: 401),
            try Fixture.response("google-ads", "oauth-invalid-grant.error.json", status: 400),
        ])
        do {
            _ = try await connector(.googleAds, refusing).verify(
                Sample.account(.googleAds).identity, session: ChannelSession(credentials: Sample.googleCredentials))
            Issue.record("expected unauthorized")
        } catch {
            guard case .unauthorized(let detail) = error else {
                Issue.record("expected unauthorized, got \(error)")
                return
            }
            #expect(detail.code == "invalid_grant")
        }
    }

    @Test("Meta cannot refresh: an expired token asks for a new authorisation")
    func metaExpired() async throws {
        let transport = ScriptedTransport(responses: [
            try Fixture.response("meta", "token-expired.error.json", status: 400)
        ])
        do {
            _ = try await connector(.meta, transport).verify(
                Sample.account(.meta).identity, session: ChannelSession(credentials: Sample.metaCredentials))
            Issue.record("expected unauthorized")
        } catch {
            guard case .unauthorized(let detail) = error else {
                Issue.record("expected unauthorized, got \(error)")
                return
            }
            #expect(detail.message.contains("re-authorise the meta account"))
            #expect(transport.requests.count == 1)
        }
    }

    @Test("A lost response to a mutation is ambiguous; to a read, transient; a refused connection, transient")
    func lostResponses() async throws {
        let account = Sample.account(
            .tiktok, settings: [ChannelAccount.Setting.tiktokIdentityID: "7000000000000000001"])
        let tree = Sample.tree(objective: .traffic, creative: Sample.social)
        let log = ExchangeLog()
        let lost = ScriptedTransport([{ _ in .failure(.responseLost("read timeout")) }])
        do {
            _ = try await connector(.tiktok, lost).publish(
                tree, reference: Sample.reference, lookUpFirst: false, in: account,
                session: ChannelSession(credentials: Sample.tiktokCredentials, observer: log.record))
            Issue.record("expected ambiguous")
        } catch {
            guard case .ambiguous = error else {
                Issue.record("expected ambiguous, got \(error)")
                return
            }
        }
        #expect(log.all.first?.mayHaveBeenApplied == true)
        #expect(log.all.first?.status == nil)
        let lostRead = ScriptedTransport([{ _ in .failure(.responseLost("connection reset")) }])
        await #expect(
            throws: ChannelError.transient(
                ChannelErrorDetail(channel: .tiktok, code: nil, message: "no response: connection reset"))
        ) {
            _ = try await connector(.tiktok, lostRead).find(
                Sample.reference, in: account, session: ChannelSession(credentials: Sample.tiktokCredentials))
        }
        let refused = ScriptedTransport([{ _ in .failure(.notSent("connection refused")) }])
        do {
            _ = try await connector(.tiktok, refused).publish(
                tree, reference: Sample.reference, lookUpFirst: false, in: account,
                session: ChannelSession(credentials: Sample.tiktokCredentials))
        } catch {
            #expect(
                error
                    == .transient(
                        ChannelErrorDetail(channel: .tiktok, code: nil, message: "not sent: connection refused")))
        }
    }

    @Test("TikTok: lookUpFirst finds the campaign and ad group and creates only the missing ad")
    func tiktokResume() async throws {
        let account = Sample.account(
            .tiktok, settings: [ChannelAccount.Setting.tiktokIdentityID: "7000000000000000001"])
        let tree = Sample.tree(objective: .traffic, creative: Sample.social)
        func envelope(_ data: String) -> WireResponse {
            WireResponse(status: 200, json: #"{"code":0,"message":"OK","request_id":"r","data":\#(data)}"#)
        }
        let transport = ScriptedTransport(responses: [
            try Fixture.response("tiktok", "campaign-get.response.json"),
            envelope(
                #"{"list":[{"adgroup_id":"1790000000000002","adgroup_name":"Shoes [tw-0123456789abcdef0123/g0]"}],"page_info":{"page":1,"total_page":1}}"#
            ),
            envelope(#"{"list":[],"page_info":{"page":1,"total_page":1}}"#),
            try Fixture.response("tiktok", "ad-create.response.json"),
        ])
        let published = try await connector(.tiktok, transport).publish(
            tree, reference: Sample.reference, lookUpFirst: true, in: account,
            session: ChannelSession(credentials: Sample.tiktokCredentials))
        #expect(
            published
                == PublishedCampaign(
                    campaignID: "1790000000000001",
                    adGroups: [PublishedAdGroup(adGroupID: "1790000000000002", adIDs: ["1790000000000003"])]))
        #expect(
            transport.requests.map(\.path) == [
                "/open_api/v1.3/campaign/get/", "/open_api/v1.3/adgroup/get/", "/open_api/v1.3/ad/get/",
                "/open_api/v1.3/ad/create/",
            ])
        #expect(transport.requests[0].header("Access-Token") == "tiktok-secret")
    }

    @Test("Amazon: a duplicate report (425) is reused, polled, downloaded without credentials and inflated")
    func amazonReport() async throws {
        // report-download.response.json, gzip-compressed.
        let gzip = Array(
            Data(
                base64Encoded:
                    "H4sIAAAAAAACA5WOSw7CMAxE95wiyrqNnAQI7g04A2IRpRFE9BPVZYV6d9wKCaqumJVnxrLf5SWDb7NPt+5cy0rstXWIgLBIF0LWfoxcSAPmWIItQUtOU5uHSJT6jrg0VgOHoUnhQcuV2fU08mxBOYs/OnCXn0O4e4rk5qeWE/LNx51QoZsK8T+Z2ZKtsOBLBQo2GLDC4I3punsDMND8NyABAAA="
            )!)
        let pending = try Fixture.json("amazon-ads", "report-create.response.json")
        let transport = ScriptedTransport(responses: [
            try Fixture.response("amazon-ads", "report-duplicate.error.json", status: 425),
            WireResponse(status: 200, body: pending.bytes),
            try Fixture.response("amazon-ads", "report-status.response.json"),
            WireResponse(status: 200, body: gzip),
        ])
        let log = ExchangeLog()
        let metrics = try await connector(.amazonAds, transport).dailyMetrics(
            .campaign, from: CalendarDay("2026-03-01")!, through: CalendarDay("2026-03-31")!,
            in: Sample.account(.amazonAds),
            session: ChannelSession(credentials: Sample.amazonCredentials, observer: log.record))
        #expect(metrics.count == 2)
        #expect(metrics.first?.spendMicros == 30_740_000)
        let requests = transport.requests
        #expect(requests[0].header("Amazon-Advertising-API-Scope") == "3421234567890123")
        #expect(
            requests[0].header("Content-Type") == "application/vnd.createasyncreportrequest.v3+json"
                || requests[0].encodedBody?.contentType == "application/vnd.createasyncreportrequest.v3+json")
        #expect(requests[1].path == "/reporting/reports/6d5a7f2e-3c1b-4a9e-8f00-1b2c3d4e5f60")
        #expect(requests[3].header("Authorization") == nil)
        #expect(log.all.last?.path == "/6d5a7f2e/report.json.gz")
    }

    @Test("Amazon: 429 carries Retry-After; a partial 207 names the refused ad group")
    func amazonErrors() async throws {
        let account = Sample.account(.amazonAds)
        let limited = ScriptedTransport(responses: [
            try Fixture.response("amazon-ads", "rate-limited.error.json", status: 429, headers: [("Retry-After", "3")])
        ])
        do {
            _ = try await connector(.amazonAds, limited).find(
                Sample.reference, in: account, session: ChannelSession(credentials: Sample.amazonCredentials))
            Issue.record("expected rate limited")
        } catch {
            #expect(error.retryAfter == .seconds(3))
        }
        var tree = Sample.tree(languages: [], age: nil, creative: Sample.product, defaultBid: 750_000)
        tree.adGroups.append(tree.adGroups[0])
        let partial = ScriptedTransport(responses: [
            WireResponse(status: 207, body: try Fixture.bytes("amazon-ads", "campaigns-create.response.json")),
            WireResponse(status: 207, body: try Fixture.bytes("amazon-ads", "adgroups-create.response.json")),
        ])
        do {
            _ = try await connector(.amazonAds, partial).publish(
                tree, reference: Sample.reference, lookUpFirst: false, in: account,
                session: ChannelSession(credentials: Sample.amazonCredentials))
            Issue.record("expected rejected")
        } catch {
            #expect(error.field == "ad_groups[1] ($[1].name)")
            #expect(error.channelCode == "duplicateValueError.DUPLICATE_VALUE")
        }
    }

    @Test("Violations: unmapped countries and languages, Google's per-campaign targeting, Meta's page id")
    func violations() {
        let connectors = ChannelConnectors.make(
            transport: ScriptedTransport(responses: []), configuration: configuration)
        let china = Sample.tree(countries: ["CN"], languages: ["zh-Hans"], creative: Sample.social)
        let tiktok = connectors[.tiktok]!.violations(of: china, currency: "EUR", prefix: "campaign")
        #expect(
            tiktok.map(\.field) == [
                "campaign.ad_groups[0].targeting.countries[0]", "campaign.ad_groups[0].targeting.languages[0]",
            ])
        #expect(tiktok.allSatisfy { $0.description.contains("tiktok") })
        let unknown = Sample.tree(countries: ["ZW"], languages: ["xx"])
        #expect(connectors[.googleAds]!.violations(of: unknown, currency: "EUR", prefix: "campaign").count == 2)
        #expect(connectors[.meta]!.violations(of: unknown, currency: "EUR", prefix: "campaign").count == 2)
        var split = Sample.tree()
        split.adGroups.append(
            CampaignTree.AdGroup(spec: AdGroupSpec(name: "FR", targeting: Targeting(countries: ["FR"])), ads: []))
        #expect(
            connectors[.googleAds]!.violations(of: split, currency: "EUR", prefix: "campaign").map(\.field) == [
                "campaign.ad_groups[1].targeting"
            ])
        let meta = connectors[.meta]!.violations(
            of: Sample.tree(creative: Sample.social), in: Sample.account(.meta), prefix: "campaign")
        #expect(meta.map(\.field) == ["campaign.channel_account", "campaign.objective"])
        let every = [
            "DE", "FR", "ES", "IT", "NL", "GB", "IE", "US", "CA", "MX", "BR", "JP", "KR", "CN", "SG", "AU", "IN", "AE",
            "SA",
        ]
        for country in every {
            #expect(TargetingTables.googleGeoTarget(country) != nil)
            #expect(TargetingTables.metaCountry(country) != nil)
            #expect(country == "CN" || TargetingTables.tiktokLocation(country) != nil)
        }
    }

    @Test("Endpoints: the sandbox puts every host under one origin; production picks Amazon's region")
    func endpoints() {
        #expect(Sample.sandbox.meta.absoluteString == "https://sandbox.test:8443/meta")
        #expect(
            Sample.sandbox.amazonAds(marketplaceID: "ATVPDKIKX0DER").absoluteString
                == "https://sandbox.test:8443/amazon-ads")
        // Each marketplace goes to its region's host (US: North America, JP: Far East, UK: Europe).
        let production = ChannelEndpoints.production
        #expect(
            production.amazonAds(marketplaceID: "ATVPDKIKX0DER") == production.amazonAdsRegions[.northAmerica])
        #expect(production.amazonAds(marketplaceID: "A1VC38T7YXB528") == production.amazonAdsRegions[.farEast])
        #expect(production.amazonAuth(marketplaceID: "A1PA6795UKMFR9") == production.amazonAuthRegions[.europe])
        #expect(Set(production.amazonAdsRegions.values).count == AmazonAdsRegion.allCases.count)
        let request = WireRequest(
            .get, base: Sample.sandbox.meta, path: "/v25.0/act_1/insights",
            query: [("time_range", "{\"since\":\"2026-03-01\"}")], isMutation: false)
        #expect(
            request.url
                == "https://sandbox.test:8443/meta/v25.0/act_1/insights?time_range=%7B%22since%22%3A%222026-03-01%22%7D"
        )
        #expect(request.observedPath == "/meta/v25.0/act_1/insights")
    }
}
