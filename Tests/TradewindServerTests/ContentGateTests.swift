import Foundation
import GRPCCore
import Testing
import TradewindCore
import TradewindProto
import TradewindTestSupport

@testable import TradewindServer

/// The publication gate over TLS, against the real stack and the channel sandbox: checks stored
/// when a campaign is saved, refused publications, approvals on an exact text and pack version,
/// a tenant's own packs, and isolation between tenants.
@Suite("Content: the publication gate and a tenant's own packs", .serialized)
struct ContentGateTests {
    typealias Content = Tradewind_V1_Content.Client
    typealias Campaigns = Tradewind_V1_Campaigns.Client
    static let google = CampaignsTests.Channel.all[0]

    /// A Google campaign in DE whose first description is `text`.
    static func campaign(_ key: String, accountID: String, text: String) async throws -> Tradewind_V1_Campaign {
        var campaign = google.campaign(accountID: accountID, name: "Gate \(UUID().uuidString.prefix(8))")
        campaign.adGroups[0].ads[0].creative.descriptions[0] = text
        return try await CampaignsTests.create(key, campaign)
    }

    static func setText(_ key: String, _ campaign: Tradewind_V1_Campaign, _ text: String) async throws
        -> Tradewind_V1_Campaign
    {
        try await TestStack.withClient { grpc in
            var request = Tradewind_V1_UpdateCampaignRequest()
            request.campaign = campaign
            request.campaign.adGroups[0].ads[0].creative.descriptions[0] = text
            request.updateMask.paths = ["ad_groups"]
            return try await Campaigns(wrapping: grpc).updateCampaign(request, metadata: .bearer(key))
        }
    }

    static func approve(_ key: String, _ checkID: String, _ market: String, note: String = "Terms checked")
        async throws -> Tradewind_V1_CopyCheck
    {
        try await TestStack.withClient { grpc in
            try await Content(wrapping: grpc).approveCopyCheck(
                .with {
                    $0.checkID = checkID
                    $0.market = market
                    $0.note = note
                }, metadata: .bearer(key))
        }
    }

    static func getCheck(_ key: String, _ id: String) async throws -> Tradewind_V1_CopyCheck {
        try await TestStack.withClient { grpc in
            try await Content(wrapping: grpc).getCopyCheck(.with { $0.id = id }, metadata: .bearer(key))
        }
    }

    @Test("a block stops publishing and cannot be approved; a review waits for a compliance officer")
    func blockAndReview() async throws {
        let (tenant, owner) = try await TestStack.tenant()
        let started = Date()
        let (account, _) = try await CampaignsTests.link(owner, Self.google)
        // "klimaneutral" is a neutrality claim the EU's 2024 green-claims rules ban outright.
        let blocked = try await Self.campaign(owner, accountID: account.id, text: "Unsere Stiefel sind klimaneutral.")
        let first = try #require(blocked.copyChecks.first)
        #expect(blocked.copyChecks.count == 1 && first.severity == .block && first.blockedMarkets == ["DE"])
        let refused = await Status.of { _ = try await CampaignsTests.publish(owner, blocked.id) }
        #expect(refused?.code == .failedPrecondition)
        #expect(refused?.message.contains("may not run in DE: eu/") == true, "\(refused?.message ?? "")")
        #expect(refused?.message.contains(first.checkID) == true)
        let notApprovable = await Status.of { _ = try await Self.approve(owner, first.checkID, "DE") }
        #expect(notApprovable?.code == .failedPrecondition)

        // Rewritten: a free offer is a review finding in the EU.
        let review = try await Self.setText(owner, blocked, "Jetzt kostenlose Beratung buchen.")
        let second = try #require(review.copyChecks.first)
        #expect(second.checkID != first.checkID && second.severity == .review)
        #expect(second.marketsAwaitingApproval == ["DE"] && second.blockedMarkets.isEmpty)
        let waiting = await Status.of { _ = try await CampaignsTests.publish(owner, review.id) }
        #expect(waiting?.code == .failedPrecondition)
        #expect(waiting?.message.contains("approval for DE: eu/free-claims") == true, "\(waiting?.message ?? "")")

        // Only content:approve approves, with a note, once.
        let marketer = try await TestStack.key(tenantID: tenant.id, role: .marketer)
        let denied = await Status.of { _ = try await Self.approve(marketer, second.checkID, "DE") }
        #expect(denied?.code == .permissionDenied)
        let noNote = await Status.of { _ = try await Self.approve(owner, second.checkID, "DE", note: "") }
        #expect(Status.fieldViolations(noNote) == ["note"])
        let wrongMarket = await Status.of { _ = try await Self.approve(owner, second.checkID, "FR") }
        #expect(wrongMarket?.code == .failedPrecondition)
        let officer = try await TestStack.key(tenantID: tenant.id, role: .complianceOfficer)
        let approved = try await Self.approve(officer, second.checkID, "DE", note: "Consultation is free, no purchase")
        #expect(approved.approvals.map(\.market) == ["DE"] && approved.marketsRefused.isEmpty)
        #expect(approved.approvals.first?.note == "Consultation is free, no purchase")
        let twice = await Status.of { _ = try await Self.approve(officer, second.checkID, "DE") }
        #expect(twice?.code == .alreadyExists)

        let published = try await CampaignsTests.publish(owner, review.id)
        #expect(published.status == .active && published.copyChecks.first?.checkID == second.checkID)

        // Every check, approval and refused publication is in the audit log.
        let lines = try AuditHarness.records(try await AuditHarness.export(key: owner, from: started))
        let publishes = lines.filter { $0.method == "tradewind.v1.Campaigns/PublishCampaign" }
        #expect(publishes.map(\.code) == [9, 9, 0])
        #expect(publishes[0].resources?.contains("copy_check:\(first.checkID)") == true)
        #expect(publishes[1].resources?.contains("copy_check:\(second.checkID)") == true)
        let approvals = lines.filter { $0.method == "tradewind.v1.Content/ApproveCopyCheck" }
        #expect(approvals.map(\.code) == [9, 7, 3, 9, 0, 6])
        #expect(approvals.last?.resources == ["copy_check:\(second.checkID)"])
        let creates = lines.filter { $0.method == "tradewind.v1.Campaigns/CreateCampaign" }
        #expect(creates.first?.resources?.contains("copy_check:\(first.checkID)") == true)
        let updates = lines.filter { $0.method == "tradewind.v1.Campaigns/UpdateCampaign" }
        #expect(updates.first?.resources?.contains("copy_check:\(second.checkID)") == true)
    }

    @Test("an approval holds for its exact text: an edit needs a new check and a new approval")
    func editAfterApproval() async throws {
        let (tenant, owner) = try await TestStack.tenant()
        let officer = try await TestStack.key(tenantID: tenant.id, role: .complianceOfficer)
        let (account, _) = try await CampaignsTests.link(owner, Self.google)
        let campaign = try await Self.campaign(owner, accountID: account.id, text: "Kostenlose Stilberatung im Laden.")
        let check = try #require(campaign.copyChecks.first)
        _ = try await Self.approve(officer, check.checkID, "DE")
        let saved = try await CampaignsTests.get(owner, campaign.id)
        #expect(saved.copyChecks.first?.marketsAwaitingApproval == [])

        let edited = try await Self.setText(owner, saved, "Kostenlose Stilberatung, jetzt auch online.")
        let recheck = try #require(edited.copyChecks.first)
        #expect(recheck.checkID != check.checkID && recheck.marketsAwaitingApproval == ["DE"])
        let refused = await Status.of { _ = try await CampaignsTests.publish(owner, edited.id) }
        #expect(refused?.code == .failedPrecondition)
        // The old check and its approval stay as they were, for the record.
        let old = try await Self.getCheck(owner, check.checkID)
        #expect(old.approvals.count == 1)
        // A change that leaves the ad's texts as they are makes no new check.
        let renamed = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_UpdateCampaignRequest()
            request.campaign = edited
            request.campaign.name = "Renamed \(UUID().uuidString.prefix(6))"
            request.updateMask.paths = ["name"]
            return try await Campaigns(wrapping: grpc).updateCampaign(request, metadata: .bearer(owner))
        }
        #expect(renamed.copyChecks.first?.checkID == recheck.checkID)
        // What the rules read about the text is part of it: the same ad, approved, then declared
        // a financial product, is checked again and needs a new approval.
        _ = try await Self.approve(officer, recheck.checkID, "DE")
        let declared = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_UpdateCampaignRequest()
            request.campaign = try await CampaignsTests.get(owner, edited.id)
            request.campaign.productCategory = "financial"
            request.updateMask.paths = ["product_category"]
            return try await Campaigns(wrapping: grpc).updateCampaign(request, metadata: .bearer(owner))
        }
        #expect(declared.productCategory == "financial")
        #expect(try await CampaignsTests.get(owner, edited.id).productCategory == "financial")
        let redeclared = try #require(declared.copyChecks.first)
        #expect(redeclared.adID == recheck.adID && redeclared.checkID != recheck.checkID)
        #expect(redeclared.marketsAwaitingApproval == ["DE"])
        #expect(await Status.of { _ = try await CampaignsTests.publish(owner, edited.id) }?.code == .failedPrecondition)
        let listed = try await TestStack.withClient { grpc in
            try await Content(wrapping: grpc).listCopyChecks(
                .with { $0.campaignID = edited.id }, metadata: .bearer(owner))
        }
        #expect(listed.checks.map(\.id) == [redeclared.checkID])
        let finding = try #require(listed.checks.first?.markets.first?.findings.first)
        #expect(finding.ruleID == "eu/free-claims" && finding.field == .description_ && finding.index == 0)
        #expect(finding.span.start == 0 && finding.span.end == 10 && finding.span.utf16End == 10)
    }

    static func pack(_ id: String, phrases: [String], version: String = "") -> Tradewind_V1_RulePack {
        .with {
            $0.id = id
            $0.version = version
            $0.markets = ["*"]
            $0.rules = [
                .with {
                    $0.id = "competitors"
                    $0.severity = .block
                    $0.phrases = phrases
                    $0.explanations = ["en": "Do not name competitors.", "de": "Keine Wettbewerber nennen."]
                    $0.reference = .with { $0.citation = "Brand guidelines 4.2" }
                    $0.examplesMatching = ["Better than \(phrases[0])"]
                    $0.examplesNotMatching = ["Better than ever"]
                }
            ]
        }
    }

    static func createPack(_ key: String, _ pack: Tradewind_V1_RulePack) async throws -> Tradewind_V1_RulePack {
        try await TestStack.withClient { grpc in
            try await Content(wrapping: grpc).createRulePack(.with { $0.pack = pack }, metadata: .bearer(key))
        }
    }

    @Test("a tenant's own pack checks its texts only, is versioned, and changes what the gate sees")
    func tenantPacks() async throws {
        let (tenant, owner) = try await TestStack.tenant()
        let (_, otherOwner) = try await TestStack.tenant("us")
        let text = ContentTests.text(headline: "Warmer than Globex boots", language: "en")
        let created = try await Self.createPack(owner, Self.pack("acme-brand", phrases: ["Globex"]))
        #expect(created.version == "1" && created.custom && created.rules.first?.id == "acme-brand/competitors")

        let mine = try await ContentTests.check(owner, [text], markets: ["GB"])
        let finding = try #require(mine.results[0].markets[0].findings.first { $0.ruleID == "acme-brand/competitors" })
        #expect(finding.span.start == 12 && finding.span.end == 18 && finding.severity == .block)
        #expect(mine.results[0].markets[0].packVersions["acme-brand"] == "1")
        let theirs = try await ContentTests.check(otherOwner, [text], markets: ["GB"])
        #expect(theirs.results[0].markets[0].packVersions["acme-brand"] == nil)
        #expect(!theirs.results[0].markets[0].findings.contains { $0.ruleID.hasPrefix("acme-brand/") })
        let hidden = await Status.of {
            _ = try await TestStack.withClient { grpc in
                try await Content(wrapping: grpc).getRulePack(
                    .with { $0.id = "acme-brand" }, metadata: .bearer(otherOwner))
            }
        }
        #expect(hidden?.code == .notFound)

        // Versioned: an update names the version it read, and bumps it.
        let updated = try await TestStack.withClient { grpc in
            try await Content(wrapping: grpc).updateRulePack(
                .with { $0.pack = Self.pack("acme-brand", phrases: ["Globex", "Initech"], version: "1") },
                metadata: .bearer(owner))
        }
        #expect(updated.version == "2")
        let stale = await Status.of {
            _ = try await TestStack.withClient { grpc in
                try await Content(wrapping: grpc).updateRulePack(
                    .with { $0.pack = Self.pack("acme-brand", phrases: ["Globex"], version: "1") },
                    metadata: .bearer(owner))
            }
        }
        #expect(stale?.code == .aborted)
        let read = try await TestStack.withClient { grpc in
            try await Content(wrapping: grpc).getRulePack(.with { $0.id = "acme-brand" }, metadata: .bearer(owner))
        }
        #expect(read.version == "2" && read.rules[0].phrases == ["Globex", "Initech"])
        let listed = try await TestStack.withClient { grpc in
            try await Content(wrapping: grpc).listRulePacks(.with { $0.market = "GB" }, metadata: .bearer(owner))
        }
        #expect(listed.packs.filter(\.custom).map(\.id) == ["acme-brand"])

        // A pack change makes the gate check again at publish time, with the new version.
        let (account, _) = try await CampaignsTests.link(owner, Self.google)
        let campaign = try await Self.campaign(owner, accountID: account.id, text: "Wärmer als Hooli-Stiefel.")
        #expect(campaign.copyChecks.first?.severity == .pass)
        _ = try await TestStack.withClient { grpc in
            try await Content(wrapping: grpc).updateRulePack(
                .with { $0.pack = Self.pack("acme-brand", phrases: ["Globex", "Initech", "Hooli"], version: "2") },
                metadata: .bearer(owner))
        }
        let refused = await Status.of { _ = try await CampaignsTests.publish(owner, campaign.id) }
        #expect(refused?.message.contains("acme-brand/competitors \"Hooli\"") == true, "\(refused?.message ?? "")")
        #expect(refused?.message.contains("checked again on changed packs") == true)
        // The refused publish kept nothing; a recheck stores the new check, on version 3.
        let stillSaved = try await CampaignsTests.get(owner, campaign.id)
        #expect(stillSaved.copyChecks.first?.checkID == campaign.copyChecks.first?.checkID)
        let rechecked = try await TestStack.withClient { grpc in
            try await Content(wrapping: grpc).recheckCampaignCopy(
                .with { $0.campaignID = campaign.id }, metadata: .bearer(owner))
        }
        let newCheck = try #require(rechecked.checks.first)
        #expect(newCheck.id != campaign.copyChecks.first?.checkID)
        #expect(newCheck.markets.first?.packVersions["acme-brand"] == "3" && newCheck.severity == .block)
        #expect(newCheck.marketsRefused == ["DE"])
        let again = try await TestStack.withClient { grpc in
            try await Content(wrapping: grpc).recheckCampaignCopy(
                .with { $0.campaignID = campaign.id }, metadata: .bearer(owner))
        }
        #expect(again.checks.map(\.id) == [newCheck.id], "nothing changed since: no new check")

        // Deleted: later checks no longer use it.
        _ = try await TestStack.withClient { grpc in
            try await Content(wrapping: grpc).deleteRulePack(.with { $0.id = "acme-brand" }, metadata: .bearer(owner))
        }
        let after = try await ContentTests.check(owner, [text], markets: ["GB"])
        #expect(after.results[0].markets[0].packVersions["acme-brand"] == nil)
        _ = tenant
    }

    @Test("a pack is refused naming the field: its own failing example, a shipped id, a repeat, a role")
    func badPacks() async throws {
        let (tenant, owner) = try await TestStack.tenant()
        var failing = Self.pack("acme-bad", phrases: ["Globex"])
        failing.rules[0].examplesNotMatching = ["We beat Globex"]
        let error = await Status.of { _ = try await Self.createPack(owner, failing) }
        #expect(Status.fieldViolations(error) == ["pack.rules[0]"])
        #expect(error?.message.contains("We beat Globex") == true, "\(error?.message ?? "")")
        let shipped = await Status.of { _ = try await Self.createPack(owner, Self.pack("cn", phrases: ["Globex"])) }
        #expect(Status.fieldViolations(shipped) == ["pack.id"])
        var broken = Self.pack("Acme Bad", phrases: [""])
        broken.markets = ["Europe"]
        broken.rules[0].severity = .pass
        broken.rules[0].explanations = [:]
        broken.rules[0].categories = ["booze"]
        let fields = Set(Status.fieldViolations(await Status.of { _ = try await Self.createPack(owner, broken) }))
        #expect(
            fields == [
                "pack.id", "pack.markets[0]", "pack.rules[0].severity", "pack.rules[0].phrases[0]",
                "pack.rules[0].explanations", "pack.rules[0].categories[0]",
            ])
        _ = try await Self.createPack(owner, Self.pack("acme-once", phrases: ["Globex"]))
        let again = await Status.of {
            _ = try await Self.createPack(owner, Self.pack("acme-once", phrases: ["Globex"]))
        }
        #expect(again?.code == .alreadyExists)
        let marketer = try await TestStack.key(tenantID: tenant.id, role: .marketer)
        let denied = await Status.of {
            _ = try await Self.createPack(marketer, Self.pack("acme-m", phrases: ["Globex"]))
        }
        #expect(denied?.code == .permissionDenied)
    }

    @Test("another tenant's checks cannot be read, listed or approved")
    func isolation() async throws {
        let (_, owner) = try await TestStack.tenant()
        let (_, intruder) = try await TestStack.tenant()
        let (account, _) = try await CampaignsTests.link(owner, Self.google)
        let campaign = try await Self.campaign(owner, accountID: account.id, text: "Kostenlose Stilberatung im Laden.")
        let checkID = try #require(campaign.copyChecks.first).checkID
        #expect(await Status.of { _ = try await Self.getCheck(intruder, checkID) }?.code == .notFound)
        #expect(await Status.of { _ = try await Self.approve(intruder, checkID, "DE") }?.code == .notFound)
        let list = await Status.of {
            _ = try await TestStack.withClient { grpc in
                try await Content(wrapping: grpc).listCopyChecks(
                    .with { $0.campaignID = campaign.id }, metadata: .bearer(intruder))
            }
        }
        #expect(list?.code == .notFound)
        #expect(try await Self.getCheck(owner, checkID).approvals.isEmpty)
    }
}
