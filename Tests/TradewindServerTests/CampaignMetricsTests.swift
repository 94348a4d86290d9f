import Foundation
import GRPCCore
import Testing
import TradewindCore
import TradewindProto
import TradewindTestSupport

@testable import TradewindServer

/// Linked accounts over their life, campaign listing, and the channels' daily figures: pulled,
/// restated, and reported by GetKPIs next to the tenant's own conversions, exact to the micro.
@Suite("Channel accounts and metrics", .serialized)
struct CampaignMetricsTests {
    typealias Campaigns = Tradewind_V1_Campaigns.Client
    typealias Channel = CampaignsTests.Channel

    @Test("an account is listed, re-authorised and unlinked; an unlinked account takes no campaign")
    func accountLifecycle() async throws {
        let (_, key) = try await TestStack.tenant()
        let meta = Channel.all[1]
        let (account, sandboxID) = try await CampaignsTests.link(key, meta)
        try await TestStack.withClient { grpc in
            let client = Campaigns(wrapping: grpc)
            var list = Tradewind_V1_ListChannelAccountsRequest()
            list.channel = .meta
            #expect(
                try await client.listChannelAccounts(list, metadata: .bearer(key)).accounts.map(\.id) == [account.id])
            list.channel = .tiktok
            #expect(try await client.listChannelAccounts(list, metadata: .bearer(key)).accounts.isEmpty)

            var update = Tradewind_V1_UpdateChannelCredentialsRequest()
            update.id = account.id
            update.credentials.accessToken = "sandbox-access-meta-\(sandboxID)"
            let updated = try await client.updateChannelCredentials(update, metadata: .bearer(key))
            #expect(updated.status == .active && updated.credentialFields == ["access_token"])
            update.credentials.accessToken = "revoked"
            let refused = await Status.of {
                _ = try await client.updateChannelCredentials(update, metadata: .bearer(key))
            }
            #expect(refused?.code == .failedPrecondition)

            var unlink = Tradewind_V1_UnlinkChannelAccountRequest()
            unlink.id = account.id
            let unlinked = try await client.unlinkChannelAccount(unlink, metadata: .bearer(key))
            #expect(unlinked.status == .unlinked && unlinked.credentialFields.isEmpty)
            #expect(try await client.listChannelAccounts(.init(), metadata: .bearer(key)).accounts.isEmpty)
            var all = Tradewind_V1_ListChannelAccountsRequest()
            all.includeUnlinked = true
            #expect(try await client.listChannelAccounts(all, metadata: .bearer(key)).accounts.count == 1)
        }
        let error = await Status.of {
            _ = try await CampaignsTests.create(key, meta.campaign(accountID: account.id, name: "Too late"))
        }
        #expect(error?.code == .notFound)
    }

    @Test("an analyst reads campaigns but cannot change them; a marketer cannot link accounts")
    func roles() async throws {
        let (tenant, owner) = try await TestStack.tenant()
        let analyst = try await TestStack.key(tenantID: tenant.id, role: .analyst)
        let marketer = try await TestStack.key(tenantID: tenant.id, role: .marketer)
        let meta = Channel.all[1]
        let (account, sandboxID) = try await CampaignsTests.link(owner, meta)
        let campaign = try await CampaignsTests.create(owner, meta.campaign(accountID: account.id, name: "Roles"))
        #expect(try await CampaignsTests.get(analyst, campaign.id).id == campaign.id)
        let write = await Status.of { _ = try await CampaignsTests.publish(analyst, campaign.id) }
        #expect(write?.code == .permissionDenied)
        let link = await Status.of {
            _ = try await TestStack.withClient { grpc in
                try await Campaigns(wrapping: grpc).linkChannelAccount(
                    meta.linkRequest(account: sandboxID), metadata: .bearer(marketer))
            }
        }
        #expect(link?.code == .permissionDenied)
    }

    @Test("campaigns are listed newest first, filtered by channel, status and market, page by page")
    func listing() async throws {
        let (_, key) = try await TestStack.tenant()
        let meta = Channel.all[1]
        let amazon = Channel.all[3]
        let (metaAccount, _) = try await CampaignsTests.link(key, meta)
        let (amazonAccount, _) = try await CampaignsTests.link(key, amazon)
        var made: [String] = []
        for i in 0..<3 {
            made.append(
                try await CampaignsTests.create(key, meta.campaign(accountID: metaAccount.id, name: "M\(i)")).id)
        }
        let amazonCampaign = try await CampaignsTests.create(
            key, amazon.campaign(accountID: amazonAccount.id, name: "A"))
        let ids = made
        try await TestStack.withClient { grpc in
            let client = Campaigns(wrapping: grpc)
            var request = Tradewind_V1_ListCampaignsRequest()
            request.channels = [.meta]
            request.pageSize = 2
            let first = try await client.listCampaigns(request, metadata: .bearer(key))
            #expect(first.campaigns.map(\.id) == [ids[2], ids[1]] && !first.nextPageToken.isEmpty)
            request.pageToken = first.nextPageToken
            let second = try await client.listCampaigns(request, metadata: .bearer(key))
            #expect(second.campaigns.map(\.id) == [ids[0]] && second.nextPageToken.isEmpty)
            // A token is bound to its filters.
            request.channels = [.amazonAds]
            let rebound = await Status.of { _ = try await client.listCampaigns(request, metadata: .bearer(key)) }
            #expect(rebound?.code == .invalidArgument)
            var byMarket = Tradewind_V1_ListCampaignsRequest()
            byMarket.market = "FR"
            #expect(try await client.listCampaigns(byMarket, metadata: .bearer(key)).campaigns.isEmpty)
            byMarket.market = "DE"
            byMarket.statuses = [.draft]
            #expect(try await client.listCampaigns(byMarket, metadata: .bearer(key)).campaigns.count == 4)
            byMarket.channels = [.amazonAds]
            #expect(
                try await client.listCampaigns(byMarket, metadata: .bearer(key)).campaigns.map(\.id) == [
                    amazonCampaign.id
                ])
        }
    }

    /// The sandbox's ground truth for an account: spend and conversions per channel campaign id and day.
    static func truth(_ channel: String, _ account: String) async throws -> [String: [String: (Int64, Int64)]] {
        let answer = try await SandboxControl.call(
            .GET, "metrics?channel=\(channel)&account=\(account)&from=2026-11-01&to=2026-12-31")
        var figures: [String: [String: (Int64, Int64)]] = [:]
        for row in ((answer as? [String: Any])?["rows"] as? [[String: Any]]) ?? [] {
            guard let campaign = row["campaign_id"] as? String, let day = row["date"] as? String else { continue }
            figures[campaign, default: [:]][day] = (
                (row["spend_micros"] as? NSNumber)?.int64Value ?? -1,
                (row["conversions"] as? NSNumber)?.int64Value ?? -1
            )
        }
        return figures
    }

    static func sync(_ key: String, account: String, days: Int32) async throws {
        let before = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_GetChannelAccountRequest()
            request.id = account
            return try await Campaigns(wrapping: grpc).getChannelAccount(request, metadata: .bearer(key))
                .metricsSyncTime
        }
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_SyncChannelMetricsRequest()
            request.accountID = account
            request.days = days
            _ = try await Campaigns(wrapping: grpc).syncChannelMetrics(request, metadata: .bearer(key))
        }
        let deadline = ContinuousClock.now + .seconds(45)
        while ContinuousClock.now < deadline {
            let now = try await TestStack.withClient { grpc in
                var request = Tradewind_V1_GetChannelAccountRequest()
                request.id = account
                return try await Campaigns(wrapping: grpc).getChannelAccount(request, metadata: .bearer(key))
                    .metricsSyncTime
            }
            if now != before { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("the metric pull did not finish")
    }

    @Test("daily metrics are pulled, restated days replace what was stored, and KPIs take the channel's spend")
    func metricsRestatementAndKPIs() async throws {
        var settings = TenantSettings.default
        settings.reportingCurrency = "EUR"
        let (_, key) = try await TestStack.tenant(settings: settings)
        let google = Channel.all[0]
        let (account, sandboxID) = try await CampaignsTests.link(key, google)
        // The campaign starts on the sandbox's 20 November, so the pull sees six days of delivery.
        try await SandboxControl.call(.POST, "clock", ["today": "2026-11-20"])
        do {
            // A budget large enough that maturing conversions visibly change from one day to the next.
            var spec = google.campaign(accountID: account.id, name: "Metrics")
            spec.budget.amountMicros = 800_000_000
            let draft = try await CampaignsTests.create(key, spec)
            _ = try await CampaignsTests.publish(key, draft.id)
            let campaign = try await CampaignsTests.wait(key, draft.id, until: CampaignsTests.synced)
            #expect(campaign.sync.state == .synced)
            try await SandboxControl.call(.POST, "clock", ["today": "2026-11-25"])
            try await Self.sync(key, account: account.id, days: 30)
            let first = try await Self.truth("google-ads", sandboxID)[campaign.channelCampaignID] ?? [:]
            #expect(first.count >= 5)
            let stored1 = try await Self.reconcile(key, campaign.id)
            #expect(stored1.mapValues(\.channelConversions) == first.mapValues { Double($0.1) })

            // A day later the channel restates the maturing days; a new pull replaces them.
            try await SandboxControl.call(.POST, "clock", ["today": "2026-11-26"])
            try await Self.sync(key, account: account.id, days: 30)
            let second = try await Self.truth("google-ads", sandboxID)[campaign.channelCampaignID] ?? [:]
            #expect(second.keys.contains("2026-11-26"))
            #expect(
                first.contains { day, figures in second[day].map { $0.1 != figures.1 } ?? false }, "nothing restated")
            let stored2 = try await Self.reconcile(key, campaign.id)
            #expect(stored2.mapValues(\.channelConversions) == second.mapValues { Double($0.1) })

            // KPIs: the channel's spend for the campaign, exact to the micro, never added to.
            let kpis = try await TestStack.withClient { grpc in
                var request = Tradewind_V1_GetKPIsRequest()
                request.range.fromDay = "2026-11-01"
                request.range.toDay = "2026-11-30"
                request.groupBy = [.campaign]
                request.channels = [.googleAds]
                return try await Tradewind_V1_Analytics.Client(wrapping: grpc).getKPIs(request, metadata: .bearer(key))
            }
            let spend = second.values.reduce(Int64(0)) { $0 + $1.0 }
            #expect(spend > 0)
            #expect(kpis.reportingCurrency == "EUR")
            #expect(kpis.rows.first { $0.campaignID == campaign.channelCampaignID }?.spendMicros == spend)
            #expect(kpis.total.spendMicros == spend)
        } catch {
            _ = try? await SandboxControl.call(.POST, "clock", ["today": NSNull()])
            throw error
        }
        try await SandboxControl.call(.POST, "clock", ["today": NSNull()])
    }

    /// One channel's pull at a time, each in its account's own currency.
    struct Pull: Sendable, CustomStringConvertible {
        var channel: Channel
        var currency: String
        var description: String { "\(channel) in \(currency)" }
    }

    @Test(
        "Meta insights, TikTok's report and Amazon's asynchronous report are pulled; spend is converted at each day's rate",
        arguments: [
            Pull(channel: Channel.all[1], currency: "USD"), Pull(channel: Channel.all[2], currency: "USD"),
            Pull(channel: Channel.all[3], currency: "EUR"),
        ])
    func metricsOfEveryChannel(pull: Pull) async throws {
        var settings = TenantSettings.default
        settings.reportingCurrency = "EUR"
        let (_, key) = try await TestStack.tenant(settings: settings)
        // The tenant's own rate: 1.25 US dollars per euro every day of November, so a dollar of
        // spend is 0.8 euro, rounded half away from zero to the micro.
        var rates = Tradewind_V1_LoadExchangeRatesRequest()
        rates.rates = (1...30).map { day in
            var rate = Tradewind_V1_ExchangeRate()
            rate.day = String(format: "2026-11-%02d", day)
            rate.currency = "EUR"
            rate.usdPerUnit = "1.25"
            return rate
        }
        let loaded = rates
        _ = try await TestStack.withClient { grpc in
            try await Tradewind_V1_Events.Client(wrapping: grpc).loadExchangeRates(loaded, metadata: .bearer(key))
        }
        let sandboxID = try await SandboxControl.provision(pull.channel.sandbox, currency: pull.currency)
        let account = try await TestStack.withClient { grpc in
            try await Campaigns(wrapping: grpc).linkChannelAccount(
                pull.channel.linkRequest(account: sandboxID), metadata: .bearer(key))
        }
        #expect(account.currency == pull.currency)
        try await SandboxControl.call(.POST, "clock", ["today": "2026-11-18"])
        do {
            // Starting on the sandbox's today: an ad group scheduled from the real today would not
            // have delivered yet on the sandbox's days (TikTok's ad groups carry the schedule).
            var spec = pull.channel.campaign(accountID: account.id, name: "Pull \(pull)")
            spec.startDate = "2026-11-18"
            let draft = try await CampaignsTests.create(key, spec)
            _ = try await CampaignsTests.publish(key, draft.id)
            let campaign = try await CampaignsTests.wait(key, draft.id, until: CampaignsTests.synced)
            #expect(campaign.sync.state == .synced, "\(campaign.sync)")
            try await SandboxControl.call(.POST, "clock", ["today": "2026-11-24"])
            try await Self.sync(key, account: account.id, days: 30)

            let truth = try await Self.truth(pull.channel.sandbox, sandboxID)[campaign.channelCampaignID] ?? [:]
            #expect(truth.count >= 5, "\(truth)")
            let stored = try await Self.reconcile(key, campaign.id)
            #expect(stored.mapValues(\.channelConversions) == truth.mapValues { Double($0.1) })

            let kpis = try await TestStack.withClient { grpc in
                var request = Tradewind_V1_GetKPIsRequest()
                request.range.fromDay = "2026-11-01"
                request.range.toDay = "2026-11-30"
                request.groupBy = [.campaign]
                request.channels = [pull.channel.proto]
                return try await Tradewind_V1_Analytics.Client(wrapping: grpc).getKPIs(request, metadata: .bearer(key))
            }
            let expected = truth.values.reduce(Int64(0)) { total, figures in
                let spend = figures.0
                return total + (pull.currency == "EUR" ? spend : (8 * spend + 5) / 10)
            }
            #expect(expected > 0)
            #expect(kpis.reportingCurrency == "EUR")
            #expect(kpis.rows.first { $0.campaignID == campaign.channelCampaignID }?.spendMicros == expected)
            #expect(kpis.total.spendMicros == expected)
        } catch {
            _ = try? await SandboxControl.call(.POST, "clock", ["today": NSNull()])
            throw error
        }
        try await SandboxControl.call(.POST, "clock", ["today": NSNull()])
    }

    static func reconcile(_ key: String, _ campaignID: String) async throws
        -> [String: Tradewind_V1_ConversionReconciliationRow]
    {
        let response = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_ReconcileConversionsRequest()
            request.range.fromDay = "2026-11-01"
            request.range.toDay = "2026-12-31"
            request.campaignIds = [campaignID]
            return try await Campaigns(wrapping: grpc).reconcileConversions(request, metadata: .bearer(key))
        }
        return Dictionary(uniqueKeysWithValues: response.rows.map { ($0.day, $0) })
    }
}
