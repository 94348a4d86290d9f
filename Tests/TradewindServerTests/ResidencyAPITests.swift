import Foundation
import GRPCCore
import PostgresNIO
import Testing
import TradewindCore
import TradewindProto
import TradewindTestSupport

/// Residency through the API: everything a tenant's calls leave behind (audit records, privacy
/// requests, the consent ledger and current consent, erasure suppressions) exists only in its home
/// region's cluster; every cluster is asked.
@Suite("Residency through the API", .serialized)
struct ResidencyAPITests {
    static let tables = [
        "audit_records", "privacy_requests", "consent_events", "contact_consents", "suppressed_subjects", "contacts",
        "events", "segment_memberships",
    ]

    @Test("audit records, privacy requests, consent and suppression rows stay in the tenant's home region")
    func everythingStaysHome() async throws {
        try await EventsTests.loadRates()
        var tenants: [Tenant] = []
        for region in ["eu", "us", "cn"] {
            let (tenant, owner) = try await TestStack.tenant(region)
            tenants.append(tenant)
            // One person kept, one erased: consent rows and a suppression both remain.
            _ = try await PrivacyTests.person(owner, "kept-\(region)")
            let erased = try await PrivacyTests.person(owner, "gone-\(region)")
            let request = try await PrivacyTests.open(owner, .erasure) { $0.email = erased.contact.email }
            let answer = try await TestStack.withClient { grpc in
                var erase = Tradewind_V1_EraseSubjectRequest()
                erase.requestID = request.id
                return try await Tradewind_V1_Privacy.Client(wrapping: grpc).eraseSubject(
                    erase, metadata: .bearer(owner))
            }
            #expect(answer.status == .completed)
        }
        try await Self.expectOnlyAtHome(tenants, tables: Self.tables)
    }

    static let campaignTables = [
        "channel_accounts", "campaigns", "ad_groups", "ads", "channel_daily_metrics", "channel_ad_group_daily_metrics",
        "channel_ad_daily_metrics",
        "outbox_queues", "outbox_jobs", "outbox_wake", "tenant_idempotency_keys", "automated_rules", "rule_runs",
        "rule_actions", "audience_syncs",
        "audience_sync_members",
    ]

    @Test(
        "channel accounts, campaigns, their metrics, outbox jobs, idempotency keys, rules with their runs and audience syncs with their hashes stay in the home region"
    )
    func campaignsStayHome() async throws {
        let google = CampaignsTests.Channel.all[0]
        var tenants: [Tenant] = []
        try await SandboxControl.call(.POST, "clock", ["today": "2026-11-20"])
        do {
            for region in ["eu", "us", "cn", "sg"] {
                let (tenant, owner) = try await TestStack.tenant(region)
                tenants.append(tenant)
                let (account, _) = try await CampaignsTests.link(owner, google)
                let draft = try await TestStack.withClient { grpc in
                    var request = Tradewind_V1_CreateCampaignRequest()
                    request.campaign = google.campaign(accountID: account.id, name: "Home \(region)")
                    request.idempotencyKey = "home-\(region)"
                    return try await Tradewind_V1_Campaigns.Client(wrapping: grpc).createCampaign(
                        request, metadata: .bearer(owner))
                }
                _ = try await CampaignsTests.publish(owner, draft.id)
                let synced = try await CampaignsTests.wait(owner, draft.id, until: CampaignsTests.synced)
                #expect(synced.sync.state == .synced, "\(synced.sync)")
                // A rule on ad groups, so the pull brings figures by ad group too, and a run that
                // acted (a notification), for the rules' tables.
                var byAdGroup = RulesTests.rule("Home \(region)", [RulesTests.nameContains("Home")], action: .notify)
                byAdGroup.evaluation.entityType = .adGroup
                let rule = try await RulesTests.create(owner, byAdGroup)
                // And one on ads, so it brings figures by ad as well.
                var byAd = RulesTests.rule("Ads \(region)", [RulesTests.nameContains("Home")], action: .notify)
                byAd.evaluation.entityType = .ad
                _ = try await RulesTests.create(owner, byAd)
                try await SandboxControl.call(.POST, "clock", ["today": "2026-11-23"])
                // Days are counted back from the server's today, which the sandbox's clock does not move.
                try await CampaignMetricsTests.sync(owner, account: account.id, days: 30)
                try await SandboxControl.call(.POST, "clock", ["today": "2026-11-20"])
                let run = try await RulesTests.runAndWait(owner, rule.id)
                #expect(run?.actions.map(\.outcome) == [.notified])
                // An audience sync with one consented member on the channel's list.
                let person = try await AudiencesTests.contact(
                    owner, "home-\(region)-\(UUID().uuidString.prefix(6))", phone: "+491510000000")
                try await AudiencesTests.consent(owner, person, .grant)
                let segment = try await SegmentsTests.create(owner, "Home \(region)", purpose: .adPersonalisation)
                _ = try await SegmentsTests.add(owner, segment.id, [person])
                _ = try await AudiencesTests.allow(
                    owner, .googleAds, basis: region == "cn" ? "CAC standard contract" : "")
                let sync = try await AudiencesTests.start(owner, segment: segment.id, account: account.id)
                var onList = sync
                let deadline = ContinuousClock.now + .seconds(30)
                while onList.membersOnList == 0 && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(200))
                    onList = try await AudiencesTests.get(owner, sync.id)
                }
                #expect(onList.membersOnList == 1, "\(onList)")
            }
        } catch {
            _ = try? await SandboxControl.call(.POST, "clock", ["today": NSNull()])
            throw error
        }
        try await SandboxControl.call(.POST, "clock", ["today": NSNull()])
        // The next metric pull is always queued, so the wake index has each tenant too.
        try await Self.expectOnlyAtHome(tenants, tables: Self.campaignTables)
    }

    @Test("a tenant's own rule packs, the checks of its ads and their approvals stay in the home region")
    func contentStaysHome() async throws {
        var tenants: [Tenant] = []
        for region in ["eu", "us", "cn", "sg"] {
            let (tenant, owner) = try await TestStack.tenant(region)
            tenants.append(tenant)
            _ = try await ContentGateTests.createPack(
                owner, ContentGateTests.pack("home-\(region)", phrases: ["Globex"]))
            let (account, _) = try await CampaignsTests.link(owner, ContentGateTests.google)
            let campaign = try await ContentGateTests.campaign(
                owner, accountID: account.id, text: "Kostenlose Stilberatung im Laden.")
            _ = try await ContentGateTests.approve(owner, try #require(campaign.copyChecks.first).checkID, "DE")
        }
        try await Self.expectOnlyAtHome(tenants, tables: ["content_rule_packs", "content_checks", "content_approvals"])
    }

    /// Every table has rows of each tenant in its home region's cluster and none in any other.
    static func expectOnlyAtHome(_ tenants: [Tenant], tables: [String]) async throws {
        try await DatabaseSession.with { session in
            for tenant in tenants {
                for region in session.regions.keys.sorted() {
                    for table in tables {
                        let count = try await session.inRegion(region, tenantID: tenant.id) { connection in
                            let rows = try await connection.query(
                                PostgresQuery(
                                    unsafeSQL: "SELECT count(*)::int FROM \(table) WHERE tenant_id = $1",
                                    binds: try Self.binds(tenant.id)), logger: TestEnvironment.logger)
                            for try await count in rows.decode(Int.self) { return count }
                            return -1
                        }
                        if region == tenant.homeRegion {
                            #expect(count > 0, "\(table) of a tenant homed in \(region) is empty at home")
                        } else {
                            #expect(count == 0, "\(table): \(count) rows of a \(tenant.homeRegion) tenant in \(region)")
                        }
                    }
                }
            }
        }
    }

    private static func binds(_ id: UUID) throws -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(id)
        return binds
    }
}
