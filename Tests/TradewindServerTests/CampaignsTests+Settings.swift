import Foundation
import GRPCCore
import SwiftProtobuf
import Testing
import TradewindCore
import TradewindProto
import TradewindTestSupport

@testable import TradewindServer

/// A published campaign's name, bid strategy and end date changed through the API reach the
/// channel: checked in the sandbox's copy and in the tenant's audit chain.
extension CampaignsTests {
    /// The wire names each channel's update is audited under.
    static let settingsOperations: [String: [String]] = [
        "google-ads": ["googleAds:mutate", "adGroups:mutate"], "meta": ["adset:update", "campaign:update"],
        "tiktok": ["campaign:update", "adgroup:update"], "amazon-ads": ["sp/campaigns:update", "sp/adGroups:update"],
    ]

    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    /// `day` in Berlin, `days` from today.
    static func berlinDay(_ days: Int) -> (text: String, midnightAfter: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = berlin
        let day = calendar.date(byAdding: .day, value: days, to: calendar.startOfDay(for: Date()))!
        let next = calendar.date(byAdding: .day, value: 1, to: day)!
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = berlin
        formatter.dateFormat = "yyyy-MM-dd"
        return (formatter.string(from: day), next)
    }

    static func text(_ date: Date, _ format: String, in zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = format
        return formatter.string(from: date)
    }

    @Test(
        "a published campaign's new name, maximum CPC and end date reach the channel, audited",
        arguments: Channel.all)
    func settingsReachTheChannel(channel: Channel) async throws {
        let (_, key) = try await TestStack.tenant()
        let (account, sandboxID) = try await Self.link(key, channel)
        let draft = try await Self.create(key, channel.campaign(accountID: account.id, name: "Settings \(channel)"))
        _ = try await Self.publish(key, draft.id)
        let published = try await Self.wait(key, draft.id, until: Self.synced)
        #expect(published.sync.state == .synced, "\(published.sync)")

        let started = Date()
        let end = Self.berlinDay(60)
        let name = "Settings \(channel) v2"
        let updated = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_UpdateCampaignRequest()
            request.campaign.id = draft.id
            request.campaign.etag = published.etag
            request.campaign.name = name
            request.campaign.bidStrategy.type = .maximumCostPerClick
            request.campaign.bidStrategy.amountMicros = 1_250_000
            request.campaign.endDate = end.text
            request.updateMask.paths = ["name", "bid_strategy", "end_date"]
            return try await Campaigns(wrapping: grpc).updateCampaign(request, metadata: .bearer(key))
        }
        #expect(updated.sync.state == .pending && updated.sync.operation == "settings", "\(updated.sync)")
        let synced = try await Self.wait(key, draft.id, until: Self.synced)
        #expect(synced.sync.state == .synced, "\(synced.sync)")
        #expect(synced.name == name && synced.endDate == end.text)

        let objects = try await SandboxControl.objects(channel.sandbox, account: sandboxID)
        let campaign = try #require(objects.first { $0["level"] as? String == "campaign" })
        let group = try #require(objects.first { $0["level"] as? String == "ad_group" })
        let fields = campaign["fields"] as? [String: Any] ?? [:]
        let groupFields = group["fields"] as? [String: Any] ?? [:]
        // The name keeps the reference stamp that `find` looks for.
        let stamped = campaign["name"] as? String ?? ""
        #expect(stamped.hasPrefix(name + " [tw-") && stamped.hasSuffix("]"), "\(stamped)")
        switch channel.proto {
        case .googleAds:
            #expect(fields["name"] as? String == stamped)
            #expect(fields["endDate"] as? String == end.text)
            #expect(fields["manualCpc"] != nil && fields["maximizeConversions"] == nil, "\(fields)")
            // The campaign's budget is renamed with it.
            let budget = try #require(objects.first { $0["level"] as? String == "budget" })
            #expect((budget["fields"] as? [String: Any])?["name"] as? String == stamped, "\(budget)")
            #expect(groupFields["cpcBidMicros"] as? String == "1250000")
        case .meta:
            #expect(fields["bid_strategy"] as? String == "LOWEST_COST_WITH_BID_CAP")
            // EUR: Meta units are cents; the ad set ends at the next midnight in the account's zone.
            #expect((groupFields["bid_amount"] as? NSNumber)?.int64Value == 125, "\(groupFields)")
            #expect(
                groupFields["end_time"] as? String
                    == Self.text(end.midnightAfter, "yyyy-MM-dd'T'HH:mm:ssxx", in: Self.berlin))
        case .tiktok:
            #expect(fields["campaign_name"] as? String == stamped)
            #expect(groupFields["bid_type"] as? String == "BID_TYPE_CUSTOM")
            #expect((groupFields["bid_price"] as? NSNumber)?.doubleValue == 1.25, "\(groupFields)")
            #expect(groupFields["schedule_type"] as? String == "SCHEDULE_START_END")
            #expect(
                groupFields["schedule_end_time"] as? String
                    == Self.text(end.midnightAfter, "yyyy-MM-dd HH:mm:ss", in: TimeZone(identifier: "UTC")!))
        default:
            #expect(fields["name"] as? String == stamped)
            #expect((fields["dynamicBidding"] as? [String: Any])?["strategy"] as? String == "MANUAL")
            #expect(fields["endDate"] as? String == end.text)
            // Amazon bids per ad group: the group's own default bid, sent again.
            #expect((groupFields["defaultBid"] as? NSNumber)?.doubleValue == 0.5, "\(groupFields)")
        }
        // The day delivery stops, as the sandbox reads the channel's own field.
        let ending = channel.proto == .meta || channel.proto == .tiktok ? group : campaign
        #expect(ending["end_date"] as? String == end.text, "\(ending)")

        let lines = try await AuditHarness.export(key: key, from: started)
        for operation in Self.settingsOperations[channel.sandbox] ?? [] {
            #expect(
                lines.contains { $0.contains("\"operation\":\"\(operation)\"") && $0.contains(sandboxID) },
                "no audit record of \(operation)")
        }
    }

    @Test("a budget and a name changed together queue both jobs; a draft's change queues none")
    func budgetAndSettingsTogether() async throws {
        let (_, key) = try await TestStack.tenant()
        let google = Channel.all[0]
        let (account, sandboxID) = try await Self.link(key, google)
        let draft = try await Self.create(key, google.campaign(accountID: account.id, name: "Both"))
        func update(_ campaign: Tradewind_V1_Campaign, name: String, budget: Int64) async throws
            -> Tradewind_V1_Campaign
        {
            try await TestStack.withClient { grpc in
                var request = Tradewind_V1_UpdateCampaignRequest()
                request.campaign.id = campaign.id
                request.campaign.etag = campaign.etag
                request.campaign.name = name
                request.campaign.budget = campaign.budget
                request.campaign.budget.amountMicros = budget
                request.updateMask.paths = ["name", "budget"]
                return try await Campaigns(wrapping: grpc).updateCampaign(request, metadata: .bearer(key))
            }
        }
        let renamedDraft = try await update(draft, name: "Both v1", budget: 45_000_000)
        #expect(renamedDraft.sync.state == .notPublished)
        _ = try await Self.publish(key, draft.id)
        let published = try await Self.wait(key, draft.id, until: Self.synced)
        let started = Date()
        let updated = try await update(published, name: "Both v2", budget: 50_000_000)
        #expect(updated.sync.state == .pending && updated.sync.operation == "budget")
        let synced = try await Self.wait(key, draft.id, until: Self.synced)
        #expect(synced.sync.state == .synced, "\(synced.sync)")
        let objects = try await SandboxControl.objects(google.sandbox, account: sandboxID)
        let campaign = try #require(objects.first { $0["level"] as? String == "campaign" })
        let budget = try #require(objects.first { $0["level"] as? String == "budget" })
        #expect((campaign["name"] as? String ?? "").hasPrefix("Both v2 [tw-"))
        #expect((budget["name"] as? String ?? "").hasPrefix("Both v2 [tw-"), "\(budget)")
        #expect((budget["daily_budget_micros"] as? NSNumber)?.int64Value == 50_000_000, "\(budget)")
        let lines = try await AuditHarness.export(key: key, from: started).filter {
            $0.contains("tradewind/channels.google_ads")
        }
        // The budget's googleAds:mutate, then the settings' (campaign and budget names; no group
        // bid to send).
        #expect(lines.filter { $0.contains("\"operation\":\"googleAds:mutate\"") }.count == 2)
        #expect(!lines.contains { $0.contains("\"operation\":\"adGroups:mutate\"") })
    }
}
