import Foundation
import GRPCCore
import SwiftProtobuf
import Testing
import TradewindCore
import TradewindProto
import TradewindTestSupport

@testable import TradewindServer

/// Campaigns end to end, as a client and a channel see them: over TLS to the server, which talks
/// to the channels' sandboxes over HTTPS through the real connectors, with the real outbox
/// worker, and the sandbox's own records checked afterwards.
@Suite("Campaigns on the channels", .serialized)
struct CampaignsTests {
    typealias Campaigns = Tradewind_V1_Campaigns.Client

    /// One channel as the tests drive it: its sandbox name, wire enum and a campaign it takes.
    struct Channel: Sendable, CustomStringConvertible {
        var sandbox: String
        var proto: Tradewind_V1_Channel
        var description: String { sandbox }

        static let all = [
            Channel(sandbox: "google-ads", proto: .googleAds), Channel(sandbox: "meta", proto: .meta),
            Channel(sandbox: "tiktok", proto: .tiktok), Channel(sandbox: "amazon-ads", proto: .amazonAds),
        ]

        func linkRequest(account: String) -> Tradewind_V1_LinkChannelAccountRequest {
            var request = Tradewind_V1_LinkChannelAccountRequest()
            request.channel = proto
            var credentials = Tradewind_V1_ChannelCredentials()
            switch proto {
            case .googleAds:
                request.externalID = account
                credentials.refreshToken = "sandbox-refresh-google-ads-\(account)"
                credentials.clientID = "sandbox-google-ads-client"
                credentials.clientSecret = "sandbox-google-ads-secret"
                credentials.developerToken = "sandbox-developer-token"
            case .meta:
                request.externalID = "act_\(account)"
                request.pageID = "102938475610"
                credentials.accessToken = "sandbox-access-meta-\(account)"
            case .tiktok:
                request.externalID = account
                request.pageID = "7000000001"
                credentials.accessToken = "sandbox-access-tiktok-\(account)"
            default:
                request.externalID = account
                request.marketplaceID = "A1PA6795UKMFR9"
                credentials.refreshToken = "sandbox-refresh-amazon-ads-\(account)"
                credentials.clientID = "sandbox-amazon-ads-client"
                credentials.clientSecret = "sandbox-amazon-ads-secret"
            }
            request.credentials = credentials
            return request
        }

        /// A campaign with one ad group and one ad that this channel takes, in EUR.
        func campaign(accountID: String, name: String) -> Tradewind_V1_Campaign {
            var campaign = Tradewind_V1_Campaign()
            campaign.accountID = accountID
            campaign.name = name
            campaign.markets = ["DE"]
            campaign.languages = ["de"]
            campaign.budget.period = .daily
            var group = Tradewind_V1_AdGroup()
            group.name = "\(name) group"
            group.targeting.countries = ["DE"]
            var ad = Tradewind_V1_Ad()
            ad.name = "\(name) ad"
            switch proto {
            case .googleAds:
                campaign.objective = .sales
                campaign.budget.amountMicros = 40_000_000
                group.targeting.languages = ["de"]
                ad.creative.headlines = ["Warme Winterstiefel", "Handgemacht in Europa", "Gratis Versand"]
                ad.creative.descriptions = ["Stiefel aus Leder, bis 30 % reduziert.", "Jetzt bestellen."]
                ad.creative.finalURL = "https://shop.example.de/stiefel"
            case .meta:
                campaign.objective = .traffic
                campaign.budget.amountMicros = 20_000_000
                group.targeting.ageRange.minAge = 18
                group.targeting.ageRange.maxAge = 65
                ad.creative.headlines = ["Winterstiefel im Sale"]
                ad.creative.descriptions = ["Handgemachte Lederstiefel, bis 30 % reduziert."]
                ad.creative.finalURL = "https://shop.example.de/stiefel"
                ad.creative.callToAction = .shopNow
                ad.creative.imageReference = "f1e2d3c4b5a697887766554433221100"
            case .tiktok:
                campaign.objective = .traffic
                campaign.budget.amountMicros = 60_000_000
                ad.creative.descriptions = ["Winterstiefel, handgemacht in Europa"]
                ad.creative.finalURL = "https://shop.example.de/stiefel"
                ad.creative.callToAction = .shopNow
                ad.creative.imageReference = "ad-site-i18n-sg/202612045d0d5a1f8e4a4c4f9c6c7b8a"
            default:
                campaign.objective = .sales
                campaign.budget.amountMicros = 10_000_000
                group.defaultBidMicros = 500_000
                ad.creative.asin = "B08N5WRWNW"
            }
            group.ads = [ad]
            campaign.adGroups = [group]
            return campaign
        }
    }

    static func link(_ key: String, _ channel: Channel) async throws -> (
        account: Tradewind_V1_ChannelAccount, sandboxID: String
    ) {
        let sandboxID = try await SandboxControl.provision(channel.sandbox)
        let account = try await TestStack.withClient { grpc in
            try await Campaigns(wrapping: grpc).linkChannelAccount(
                channel.linkRequest(account: sandboxID), metadata: .bearer(key))
        }
        return (account, sandboxID)
    }

    static func create(_ key: String, _ campaign: Tradewind_V1_Campaign) async throws -> Tradewind_V1_Campaign {
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_CreateCampaignRequest()
            request.campaign = campaign
            return try await Campaigns(wrapping: grpc).createCampaign(request, metadata: .bearer(key))
        }
    }

    static func get(_ key: String, _ id: String) async throws -> Tradewind_V1_Campaign {
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_GetCampaignRequest()
            request.id = id
            return try await Campaigns(wrapping: grpc).getCampaign(request, metadata: .bearer(key))
        }
    }

    /// Reads the campaign until `done` holds (the worker sends jobs within a second or so).
    static func wait(
        _ key: String, _ id: String, timeout: Duration = .seconds(45),
        until done: (Tradewind_V1_Campaign) -> Bool
    ) async throws -> Tradewind_V1_Campaign {
        let deadline = ContinuousClock.now + timeout
        var campaign = try await get(key, id)
        while !done(campaign) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            campaign = try await get(key, id)
        }
        return campaign
    }

    static func synced(_ campaign: Tradewind_V1_Campaign) -> Bool { campaign.sync.state == .synced }

    static func publish(_ key: String, _ id: String, active: Bool = true) async throws -> Tradewind_V1_Campaign {
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_PublishCampaignRequest()
            request.id = id
            request.startActive = active
            return try await Campaigns(wrapping: grpc).publishCampaign(request, metadata: .bearer(key))
        }
    }

    /// The channel's campaigns of an account, as the sandbox holds them.
    static func channelCampaigns(_ channel: Channel, _ account: String) async throws -> [[String: Any]] {
        try await SandboxControl.objects(channel.sandbox, account: account).filter {
            $0["level"] as? String == "campaign"
        }
    }

    @Test("link, create, publish, pause, resume and archive on each channel", arguments: Channel.all)
    func lifecycle(channel: Channel) async throws {
        let (_, key) = try await TestStack.tenant()
        let (account, sandboxID) = try await Self.link(key, channel)
        #expect(account.status == .active && account.currency == "EUR" && account.timeZone == "Europe/Berlin")
        #expect(!account.credentialFields.isEmpty)
        let draft = try await Self.create(key, channel.campaign(accountID: account.id, name: "Winter \(channel)"))
        #expect(draft.status == .draft && draft.sync.state == .notPublished && draft.adGroups.first?.ads.count == 1)

        let published = try await Self.publish(key, draft.id)
        #expect(published.status == .active && published.sync.state == .pending)
        let synced = try await Self.wait(key, draft.id, until: Self.synced)
        #expect(synced.sync.state == .synced, "\(synced.sync)")
        #expect(!synced.channelCampaignID.isEmpty && !(synced.adGroups.first?.channelAdGroupID.isEmpty ?? true))
        var onChannel = try await Self.channelCampaigns(channel, sandboxID)
        #expect(onChannel.count == 1)
        #expect(onChannel.first?["id"] as? String == synced.channelCampaignID)

        for (operation, status) in [("pause", "paused"), ("resume", "active"), ("archive", "archived")] {
            _ = try await TestStack.withClient { grpc in
                let client = Campaigns(wrapping: grpc)
                switch operation {
                case "pause":
                    var request = Tradewind_V1_PauseCampaignRequest()
                    request.id = draft.id
                    return try await client.pauseCampaign(request, metadata: .bearer(key))
                case "resume":
                    var request = Tradewind_V1_ResumeCampaignRequest()
                    request.id = draft.id
                    return try await client.resumeCampaign(request, metadata: .bearer(key))
                default:
                    var request = Tradewind_V1_ArchiveCampaignRequest()
                    request.id = draft.id
                    return try await client.archiveCampaign(request, metadata: .bearer(key))
                }
            }
            let after = try await Self.wait(key, draft.id, until: Self.synced)
            #expect(after.sync.state == .synced, "\(operation): \(after.sync)")
            onChannel = try await Self.channelCampaigns(channel, sandboxID)
            let wire = (onChannel.first?["status"] as? String ?? "").uppercased()
            switch status {
            case "paused": #expect(wire.contains("PAUSE") || wire.contains("DISABLE"), "\(operation): \(wire)")
            case "active": #expect(wire.contains("ENABLE") || wire.contains("ACTIVE"), "\(operation): \(wire)")
            default:
                #expect(
                    wire.contains("REMOVED") || wire.contains("ARCHIVED") || wire.contains("DELETE"),
                    "\(operation): \(wire)")
            }
        }
        // Nothing was ever created twice.
        #expect(try await Self.channelCampaigns(channel, sandboxID).count == 1)
    }

    @Test("credentials the channel refuses fail the link with FAILED_PRECONDITION; nothing is kept")
    func refusedCredentials() async throws {
        let (_, key) = try await TestStack.tenant()
        let sandboxID = try await SandboxControl.provision("tiktok")
        var refused = Channel.all[2].linkRequest(account: sandboxID)
        refused.credentials.accessToken = "not-a-token"
        let request = refused
        let error = await Status.of {
            _ = try await TestStack.withClient { grpc in
                try await Campaigns(wrapping: grpc).linkChannelAccount(request, metadata: .bearer(key))
            }
        }
        #expect(error?.code == .failedPrecondition, "\(String(describing: error))")
        #expect(error?.message.contains("credentials") == true && error?.message.contains("not-a-token") == false)
        let accounts = try await TestStack.withClient { grpc in
            try await Campaigns(wrapping: grpc).listChannelAccounts(.init(), metadata: .bearer(key))
        }
        #expect(accounts.accounts.isEmpty)
    }

    @Test("a campaign the channel cannot take is refused before anything is sent, naming field and channel")
    func channelRules() async throws {
        let (_, key) = try await TestStack.tenant()
        let google = Channel.all[0]
        let (account, sandboxID) = try await Self.link(key, google)
        var campaign = google.campaign(accountID: account.id, name: "Too much")
        campaign.adGroups[0].ads[0].creative.headlines = (1...16).map { "Headline \($0)" }
        campaign.adGroups[0].ads[0].creative.callToAction = .learnMore
        campaign.budget.amountMicros = 40_005_000
        let error = await Status.of { _ = try await Self.create(key, campaign) }
        #expect(error?.code == .invalidArgument)
        let fields = Status.fieldViolations(error)
        #expect(fields.contains("campaign.ad_groups[0].ads[0].creative.headlines"))
        #expect(fields.contains("campaign.ad_groups[0].ads[0].creative.call_to_action"))
        #expect(fields.contains("campaign.budget.amount_micros"))
        #expect(error?.message.contains("google_ads") == true)
        #expect(try await Self.channelCampaigns(google, sandboxID).isEmpty)
    }

    @Test("an update with a stale etag is ABORTED and changes nothing")
    func staleEtag() async throws {
        let (_, key) = try await TestStack.tenant()
        let meta = Channel.all[1]
        let (account, _) = try await Self.link(key, meta)
        let draft = try await Self.create(key, meta.campaign(accountID: account.id, name: "Etag"))
        func rename(_ etag: String, _ name: String) async throws -> Tradewind_V1_Campaign {
            try await TestStack.withClient { grpc in
                var request = Tradewind_V1_UpdateCampaignRequest()
                request.campaign.id = draft.id
                request.campaign.etag = etag
                request.campaign.name = name
                request.updateMask.paths = ["name"]
                return try await Campaigns(wrapping: grpc).updateCampaign(request, metadata: .bearer(key))
            }
        }
        let renamed = try await rename(draft.etag, "Etag v2")
        #expect(renamed.name == "Etag v2" && renamed.etag != draft.etag)
        let error = await Status.of { _ = try await rename(draft.etag, "Etag v3") }
        #expect(error?.code == .aborted)
        #expect(try await Self.get(key, draft.id).name == "Etag v2")
    }

    @Test("another tenant's account and campaign ids answer exactly like random ones")
    func crossTenant() async throws {
        let (_, owner) = try await TestStack.tenant()
        let (_, other) = try await TestStack.tenant()
        let meta = Channel.all[1]
        let (account, _) = try await Self.link(owner, meta)
        let campaign = try await Self.create(owner, meta.campaign(accountID: account.id, name: "Mine"))
        for id in [campaign.id, UUID().uuidString.lowercased()] {
            let read = await Status.of { _ = try await Self.get(other, id) }
            #expect(read?.code == .notFound && read?.message == "no such campaign")
            let publish = await Status.of { _ = try await Self.publish(other, id) }
            #expect(publish?.code == .notFound && publish?.message == "no such campaign")
        }
        for id in [account.id, UUID().uuidString.lowercased()] {
            let read = await Status.of {
                _ = try await TestStack.withClient { grpc in
                    var request = Tradewind_V1_GetChannelAccountRequest()
                    request.id = id
                    return try await Campaigns(wrapping: grpc).getChannelAccount(request, metadata: .bearer(other))
                }
            }
            #expect(read?.code == .notFound && read?.message == "no such channel account")
            let create = await Status.of {
                _ = try await Self.create(other, meta.campaign(accountID: id, name: "Theirs"))
            }
            #expect(create?.code == .notFound && create?.message == "campaign.account_id: no such channel account")
        }
    }

    @Test("a rate-limited publish shows RETRYING with the channel's code, then syncs")
    func rateLimited() async throws {
        let (_, key) = try await TestStack.tenant()
        let tiktok = Channel.all[2]
        let (account, sandboxID) = try await Self.link(key, tiktok)
        let draft = try await Self.create(key, tiktok.campaign(accountID: account.id, name: "Throttled"))
        try await SandboxControl.fault("tiktok", "rate_limit", account: sandboxID, times: 2)
        _ = try await Self.publish(key, draft.id)
        let retrying = try await Self.wait(key, draft.id) { $0.sync.state == .retrying }
        #expect(retrying.sync.state == .retrying && retrying.sync.errorCode == "40100", "\(retrying.sync)")
        #expect(retrying.sync.hasNextAttemptTime)
        let synced = try await Self.wait(key, draft.id, timeout: .seconds(60), until: Self.synced)
        #expect(synced.sync.state == .synced, "\(synced.sync)")
        #expect(try await Self.channelCampaigns(tiktok, sandboxID).count == 1)
    }

    @Test(
        "a response lost after the channel applied a publish never creates the campaign twice",
        arguments: [
            Channel.all[0], Channel.all[1], Channel.all[3],
        ])
    func lostResponse(channel: Channel) async throws {
        let (_, key) = try await TestStack.tenant()
        let (account, sandboxID) = try await Self.link(key, channel)
        let draft = try await Self.create(key, channel.campaign(accountID: account.id, name: "Lost \(channel)"))
        try await SandboxControl.fault(channel.sandbox, "lost_response", account: sandboxID, times: 1)
        _ = try await Self.publish(key, draft.id)
        let synced = try await Self.wait(key, draft.id, timeout: .seconds(60), until: Self.synced)
        #expect(synced.sync.state == .synced, "\(synced.sync)")
        let campaigns = try await Self.channelCampaigns(channel, sandboxID)
        #expect(campaigns.count == 1, "\(campaigns.map { $0["name"] ?? "" })")
        #expect(campaigns.first?["id"] as? String == synced.channelCampaignID)
    }

    @Test("every call to a channel is in the tenant's chain with its destination and outcome, never a credential")
    func channelCallsAreAudited() async throws {
        let (_, key) = try await TestStack.tenant()
        let google = Channel.all[0]
        let started = Date()
        let (account, sandboxID) = try await Self.link(key, google)
        let draft = try await Self.create(key, google.campaign(accountID: account.id, name: "Audited"))
        _ = try await Self.publish(key, draft.id)
        let synced = try await Self.wait(key, draft.id, until: Self.synced)
        #expect(synced.sync.state == .synced)
        let lines = try await AuditHarness.export(key: key, from: started)
        let channelCalls = lines.filter { $0.contains("\"method\":\"tradewind/channels.google_ads\"") }
        // The link's token refresh and account check, the publish's look-ups, mutate and status change.
        #expect(channelCalls.count >= 4, "\(channelCalls.count)")
        for line in channelCalls {
            #expect(line.contains("\"destination\":{\"kind\":\"google_ads\",\"id\":\"\(sandboxID)\""), "\(line)")
            #expect(line.contains("\"channel_account:\(account.id)\""))
        }
        #expect(channelCalls.contains { $0.contains("googleAds:mutate") && $0.contains("\"http_status\":200") })
        for secret in [
            "sandbox-refresh-google-ads-\(sandboxID)", "sandbox-google-ads-secret", "sandbox-developer-token",
            "sandbox-access",
        ] {
            #expect(!lines.contains { $0.contains(secret) }, "a credential in the audit log: \(secret)")
        }
        let stack = try await TestStack.running()
        #expect(AuditHarness.fault(try await AuditHarness.export(key: key), keys: stack.auditKeys) == nil)
    }

    /// A fault the channel recovers from, on one channel.
    struct Recoverable: Sendable, CustomStringConvertible {
        var channel: Channel
        var kind: String
        var times: Int
        var description: String { "\(channel) \(kind)" }
    }

    @Test(
        "expired access tokens are refreshed, server errors retried: the publish syncs once",
        arguments: [
            Recoverable(channel: Channel.all[0], kind: "expired_token", times: 1),
            Recoverable(channel: Channel.all[3], kind: "expired_token", times: 1),
            Recoverable(channel: Channel.all[1], kind: "server_error", times: 2),
            Recoverable(channel: Channel.all[2], kind: "server_error", times: 1),
            Recoverable(channel: Channel.all[3], kind: "server_error", times: 1),
        ])
    func recoverableFaults(fault: Recoverable) async throws {
        let (_, key) = try await TestStack.tenant()
        let (account, sandboxID) = try await Self.link(key, fault.channel)
        let draft = try await Self.create(key, fault.channel.campaign(accountID: account.id, name: "Fault \(fault)"))
        try await SandboxControl.fault(fault.channel.sandbox, fault.kind, account: sandboxID, times: fault.times)
        _ = try await Self.publish(key, draft.id)
        let synced = try await Self.wait(key, draft.id, timeout: .seconds(60), until: Self.synced)
        #expect(synced.sync.state == .synced, "\(synced.sync)")
        #expect(try await Self.channelCampaigns(fault.channel, sandboxID).count == 1)
    }

    @Test("a token Meta will not refresh marks the account for re-authorisation; new credentials resume the publish")
    func reauthorization() async throws {
        let (_, key) = try await TestStack.tenant()
        let meta = Channel.all[1]
        let (account, sandboxID) = try await Self.link(key, meta)
        let draft = try await Self.create(key, meta.campaign(accountID: account.id, name: "Expired"))
        try await SandboxControl.fault("meta", "expired_token", account: sandboxID, times: 1)
        _ = try await Self.publish(key, draft.id)
        let waiting = try await Self.wait(key, draft.id) { $0.sync.state == .retrying }
        #expect(waiting.sync.state == .retrying && waiting.sync.errorCode.hasPrefix("190"), "\(waiting.sync)")
        let flagged = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_GetChannelAccountRequest()
            request.id = account.id
            return try await Campaigns(wrapping: grpc).getChannelAccount(request, metadata: .bearer(key))
        }
        #expect(flagged.status == .needsReauthorization && flagged.statusReason.contains("meta"))
        // The advertiser authorises Tradewind again: Meta issues a new long-lived token.
        let renewedToken = "sandbox-renewed-meta-\(sandboxID)"
        try await SandboxControl.call(
            .POST, "accounts",
            [
                "channel": "meta", "id": sandboxID, "currency": "EUR", "time_zone": "Europe/Berlin",
                "country_code": "DE", "credentials": ["access_token": renewedToken],
            ])
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_UpdateChannelCredentialsRequest()
            request.id = account.id
            request.credentials.accessToken = renewedToken
            let renewed = try await Campaigns(wrapping: grpc).updateChannelCredentials(request, metadata: .bearer(key))
            #expect(renewed.status == .active)
        }
        let synced = try await Self.wait(key, draft.id, until: Self.synced)
        #expect(synced.sync.state == .synced, "\(synced.sync)")
        #expect(try await Self.channelCampaigns(meta, sandboxID).count == 1)
    }

    @Test("a create or publish retried with its idempotency key answers as the first did; another request is refused")
    func idempotency() async throws {
        let (_, key) = try await TestStack.tenant()
        let amazon = Channel.all[3]
        let (account, sandboxID) = try await Self.link(key, amazon)
        let campaign = amazon.campaign(accountID: account.id, name: "Once")
        func create(_ campaign: Tradewind_V1_Campaign) async throws -> Tradewind_V1_Campaign {
            try await TestStack.withClient { grpc in
                var request = Tradewind_V1_CreateCampaignRequest()
                request.campaign = campaign
                request.idempotencyKey = "create-once"
                return try await Campaigns(wrapping: grpc).createCampaign(request, metadata: .bearer(key))
            }
        }
        let first = try await create(campaign)
        #expect(try await create(campaign).id == first.id)
        var other = campaign
        other.name = "Twice"
        let conflict = await Status.of { _ = try await create(other) }
        #expect(conflict?.code == .invalidArgument && Status.fieldViolations(conflict).isEmpty == true)
        #expect(conflict?.message.hasPrefix("idempotency_key") == true)

        func publish() async throws -> Tradewind_V1_Campaign {
            try await TestStack.withClient { grpc in
                var request = Tradewind_V1_PublishCampaignRequest()
                request.id = first.id
                request.startActive = true
                request.idempotencyKey = "publish-once"
                return try await Campaigns(wrapping: grpc).publishCampaign(request, metadata: .bearer(key))
            }
        }
        #expect(try await publish().status == .active)
        // The retry is no second publish (which a published campaign would refuse).
        #expect(try await publish().status == .active)
        _ = try await Self.wait(key, first.id, until: Self.synced)
        #expect(try await Self.channelCampaigns(amazon, sandboxID).count == 1)
    }

    @Test("a request the channel holds past the timeout retries as unanswered and creates the campaign once")
    func timeout() async throws {
        let (_, key) = try await TestStack.tenant()
        let google = Channel.all[0]
        let (account, sandboxID) = try await Self.link(key, google)
        let draft = try await Self.create(key, google.campaign(accountID: account.id, name: "Held"))
        try await SandboxControl.fault(
            google.sandbox, "timeout", account: sandboxID, operation: "googleAds:mutate", times: 1)
        _ = try await Self.publish(key, draft.id)
        // The dev configuration gives a channel 10 s (channels.requestTimeoutSeconds).
        let retrying = try await Self.wait(key, draft.id, timeout: .seconds(30)) { $0.sync.state == .retrying }
        #expect(retrying.sync.errorCode == "no_response" && retrying.sync.hasNextAttemptTime, "\(retrying.sync)")
        let synced = try await Self.wait(key, draft.id, timeout: .seconds(60), until: Self.synced)
        #expect(synced.sync.state == .synced, "\(synced.sync)")
        #expect(try await Self.channelCampaigns(google, sandboxID).count == 1)
    }

    @Test("a slow channel only delays its own publish")
    func latency() async throws {
        let (_, key) = try await TestStack.tenant()
        let (meta, tiktok) = (Channel.all[1], Channel.all[2])
        let (slowAccount, slowID) = try await Self.link(key, meta)
        let (fastAccount, fastID) = try await Self.link(key, tiktok)
        let slow = try await Self.create(key, meta.campaign(accountID: slowAccount.id, name: "Slow"))
        let fast = try await Self.create(key, tiktok.campaign(accountID: fastAccount.id, name: "Fast"))
        try await SandboxControl.fault(
            meta.sandbox, "latency", account: slowID, times: 100, extra: ["latency_ms": 3_000])
        _ = try await Self.publish(key, slow.id)
        _ = try await Self.publish(key, fast.id)
        // The order of events, not a stopwatch: TikTok is synced while Meta's publish still waits.
        let fastSynced = try await Self.wait(key, fast.id, until: Self.synced)
        #expect(fastSynced.sync.state == .synced, "\(fastSynced.sync)")
        #expect(try await Self.get(key, slow.id).sync.state == .pending, "TikTok waited for Meta")
        let slowSynced = try await Self.wait(key, slow.id, timeout: .seconds(90), until: Self.synced)
        #expect(slowSynced.sync.state == .synced, "\(slowSynced.sync)")
        #expect(try await Self.channelCampaigns(meta, slowID).count == 1)
        #expect(try await Self.channelCampaigns(tiktok, fastID).count == 1)
    }

    @Test(
        "an ad group Amazon refuses in a 207 fails the publish naming it; publishing again completes the same campaign")
    func partialFailure() async throws {
        let (_, key) = try await TestStack.tenant()
        let amazon = Channel.all[3]
        let (account, sandboxID) = try await Self.link(key, amazon)
        var spec = amazon.campaign(accountID: account.id, name: "Partial")
        var second = spec.adGroups[0]
        second.name = "Partial second group"
        second.ads[0].creative.asin = "B07FZ8S74R"
        spec.adGroups.append(second)
        let draft = try await Self.create(key, spec)
        try await SandboxControl.fault(
            amazon.sandbox, "partial_failure", account: sandboxID, operation: "sp/adGroups/create", times: 1)
        _ = try await Self.publish(key, draft.id)
        let failed = try await Self.wait(key, draft.id) { $0.sync.state == .failed }
        // What the user sees: a draft again, with Amazon's own code and the refused ad group named.
        #expect(failed.status == .draft && failed.sync.state == .failed, "\(failed.sync)")
        #expect(!failed.sync.errorCode.isEmpty && failed.sync.errorMessage.contains("ad_groups[1]"), "\(failed.sync)")
        #expect(try await Self.channelCampaigns(amazon, sandboxID).count == 1, "the campaign itself was created")

        // The second publish finds the campaign and its first ad group, and creates only the rest.
        _ = try await Self.publish(key, draft.id)
        let synced = try await Self.wait(key, draft.id, until: Self.synced)
        #expect(synced.sync.state == .synced, "\(synced.sync)")
        let objects = try await SandboxControl.objects(amazon.sandbox, account: sandboxID)
        #expect(objects.filter { $0["level"] as? String == "campaign" }.count == 1)
        #expect(objects.filter { $0["level"] as? String == "ad_group" }.count == 2)
        #expect(synced.adGroups.allSatisfy { !$0.channelAdGroupID.isEmpty })
    }

    @Test(
        "a Meta sales campaign needs the account's pixel: refused naming the objective without one, published with it")
    func metaPixel() async throws {
        let (_, key) = try await TestStack.tenant()
        let meta = Channel.all[1]
        let (bare, _) = try await Self.link(key, meta)
        var sales = meta.campaign(accountID: bare.id, name: "Sales without pixel")
        sales.objective = .sales
        let refused = await Status.of { _ = try await Self.create(key, sales) }
        #expect(refused?.code == .invalidArgument, "\(String(describing: refused))")
        #expect(Status.fieldViolations(refused).contains("campaign.objective"), "\(String(describing: refused))")

        let sandboxID = try await SandboxControl.provision(meta.sandbox)
        var request = meta.linkRequest(account: sandboxID)
        request.pixelID = "123456789012345"
        let withPixel = request
        let linked = try await TestStack.withClient { grpc in
            try await Campaigns(wrapping: grpc).linkChannelAccount(withPixel, metadata: .bearer(key))
        }
        #expect(linked.pixelID == "123456789012345")
        sales.accountID = linked.id
        sales.name = "Sales with pixel"
        let draft = try await Self.create(key, sales)
        _ = try await Self.publish(key, draft.id)
        let synced = try await Self.wait(key, draft.id, until: Self.synced)
        #expect(synced.sync.state == .synced, "\(synced.sync)")
        let adSet = try await SandboxControl.objects(meta.sandbox, account: sandboxID)
            .first { $0["level"] as? String == "ad_group" }
        let promoted = (adSet?["fields"] as? [String: Any])?["promoted_object"] as? [String: Any]
        #expect(promoted?["pixel_id"] as? String == "123456789012345", "\(String(describing: adSet))")

        var wrong = meta.linkRequest(account: try await SandboxControl.provision(meta.sandbox))
        wrong.pixelID = "px-1"
        let badRequest = wrong
        let badPixel = await Status.of {
            _ = try await TestStack.withClient { grpc in
                try await Campaigns(wrapping: grpc).linkChannelAccount(badRequest, metadata: .bearer(key))
            }
        }
        #expect(Status.fieldViolations(badPixel) == ["pixel_id"], "\(String(describing: badPixel))")
    }
}
