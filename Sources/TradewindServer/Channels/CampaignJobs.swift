import Foundation
import TradewindChannels
import TradewindCore
import TradewindStore

/// The outbox jobs of campaigns and their accounts: what they are called, which queue they wait
/// in, and what they carry. Publishing, pausing, resuming, archiving, budget and settings changes
/// of one account share its publish queue, so the channel hears about them in the order they were made;
/// metric pulls have a queue of their own per account and never wait behind a publish.
enum CampaignJobs {
    enum Operation: String, CaseIterable, Sendable {
        case publishActive = "campaign.publish_active"
        case publishPaused = "campaign.publish_paused"
        case pause = "campaign.pause"
        case resume = "campaign.resume"
        case archive = "campaign.archive"
        case budget = "campaign.budget"
        /// Name, end date and bid strategy of a published campaign.
        case settings = "campaign.settings"
        /// One ad group's own status, as it is when the job runs (the payload names the group).
        case adGroupStatus = "ad_group.status"
        /// One ad's own status, as it is when the job runs (the payload names the ad).
        case adStatus = "ad.status"

        /// What `SyncState.operation` says while it is under way.
        var syncName: String {
            switch self {
            case .publishActive, .publishPaused: "publish"
            case .pause: "pause"
            case .resume: "resume"
            case .archive: "archive"
            case .budget: "budget"
            case .settings: "settings"
            case .adGroupStatus: "ad_group_status"
            case .adStatus: "ad_status"
            }
        }

        var pastTense: String {
            switch self {
            case .publishActive, .publishPaused: "published"
            case .pause: "paused"
            case .resume: "resumed"
            case .archive: "archived"
            case .budget: "changed"
            case .settings: "updated"
            case .adGroupStatus, .adStatus: "updated"
            }
        }
    }

    static let metricsSyncKind = "metrics.sync"
    /// How many days one pull may cover (Amazon keeps 95 days of reports).
    static let maximumSyncDays = 90

    /// Queues are named `<kind>:<channel>:<account id>`: the channel in the name lets a worker
    /// claim only the channels it has room for (`Outbox.claim(queuesStartingWith:)`).
    static func publishQueue(channel: AdChannel, account: UUID) -> String {
        "publish:\(channel.rawValue):\(account.uuidString.lowercased())"
    }

    static func metricsQueue(channel: AdChannel, account: UUID) -> String {
        "metrics:\(channel.rawValue):\(account.uuidString.lowercased())"
    }

    /// The channel of a queue named by this type.
    static func channel(ofQueue queue: String) -> AdChannel? {
        let parts = queue.split(separator: ":")
        return parts.count == 3 ? AdChannel(rawValue: String(parts[1])) : nil
    }

    /// The queue-name prefixes of a channel's jobs.
    static func queuePrefixes(of channel: AdChannel) -> [String] {
        ["publish:\(channel.rawValue):", "metrics:\(channel.rawValue):", "audiences:\(channel.rawValue):"]
    }

    struct CampaignPayload: Codable {
        var campaignID: UUID
        /// The campaign's version when the job was made; what is sent is always the current tree.
        var version: Int64
        /// An earlier publish of the campaign may have left part of it on the channel (it failed
        /// after the campaign was created), so even the first attempt looks before creating.
        var mayExistOnChannel: Bool?
        /// The automated rule that made the change, named in the audit records of its exchanges.
        var ruleID: UUID?
        /// The ad group an `ad_group.*` job is about.
        var adGroupID: UUID?
        /// The ad an `ad.*` job is about.
        var adID: UUID?
    }

    struct MetricsPayload: Codable {
        /// Days to pull, ending today in the account's time zone.
        var days: Int
    }

    @discardableResult
    static func enqueue(
        _ operation: Operation, for record: CampaignRecord, byRule ruleID: UUID? = nil, adGroupID: UUID? = nil,
        adID: UUID? = nil, in tx: TenantTransaction
    ) async throws -> OutboxJob {
        let payload = try String(
            decoding: JSONEncoder().encode(
                CampaignPayload(
                    campaignID: record.id, version: record.version,
                    mayExistOnChannel: record.sync.kind != .notPublished, ruleID: ruleID, adGroupID: adGroupID,
                    adID: adID)),
            as: UTF8.self)
        return try await Outbox.enqueue(
            queue: publishQueue(channel: record.channel, account: record.accountID), kind: operation.rawValue,
            subjectID: record.id,
            payload: payload, in: tx)
    }

    /// Queues changes of a published campaign for its channel, in order. The channel no longer has
    /// what Tradewind has, so a synced (or failed) campaign turns pending; one with a job already
    /// queued or retrying keeps its state: that job runs first, and the sync turns pending for
    /// these once it is done.
    @discardableResult
    static func enqueueChanges(
        _ operations: [Operation], for record: CampaignRecord, byRule ruleID: UUID? = nil, adGroupID: UUID? = nil,
        adID: UUID? = nil, in tx: TenantTransaction
    ) async throws -> [OutboxJob] {
        var jobs: [OutboxJob] = []
        for operation in operations {
            jobs.append(
                try await enqueue(operation, for: record, byRule: ruleID, adGroupID: adGroupID, adID: adID, in: tx))
        }
        if let first = operations.first, record.sync.kind == .synced || record.sync.kind == .failed {
            try await CampaignRepository.setSync(
                id: record.id, sync: SyncState(kind: .pending, operation: first.syncName), in: tx)
        }
        return jobs
    }

    /// Queues a pull of the account's metrics at `time`, or brings a queued one forward (a pull
    /// already queued takes the larger number of days). Returns when it is due.
    @discardableResult
    static func scheduleMetricsSync(
        channel: AdChannel, account: UUID, days: Int?, at time: Date, in tx: TenantTransaction
    ) async throws -> Date {
        let queue = metricsQueue(channel: channel, account: account)
        let days = days ?? MetricRestatement.defaultTrailingDays
        // The last queued pull takes the request; a pull under way has read its days already, so
        // a request made while it runs queues another behind it.
        if let queued = try await Outbox.pending(queue: queue, in: tx).last {
            let payload = (try? JSONDecoder().decode(MetricsPayload.self, from: Data(queued.payload.utf8)))?.days ?? 0
            let merged = String(
                decoding: try JSONEncoder().encode(MetricsPayload(days: max(payload, days))), as: UTF8.self)
            if let due = try await Outbox.expedite(queued, to: time, payload: merged, in: tx) { return due }
        }
        let payload = String(decoding: try JSONEncoder().encode(MetricsPayload(days: days)), as: UTF8.self)
        return try await Outbox.enqueue(
            queue: queue, kind: metricsSyncKind, subjectID: account, payload: payload, dueAt: time, in: tx
        ).dueAt
    }

    static func cancelMetricsSync(account: UUID, in tx: TenantTransaction) async throws -> Int {
        try await Outbox.cancelPending(subjectID: account, kinds: [metricsSyncKind], in: tx)
    }

    /// The account as a connector needs it.
    static func connectorAccount(_ record: ChannelAccountRecord) -> ChannelAccount {
        var settings: [String: String] = [:]
        switch record.identity.channel {
        case .meta:
            if !record.pageID.isEmpty { settings[ChannelAccount.Setting.metaPageID] = record.pageID }
            if !record.pixelID.isEmpty { settings[ChannelAccount.Setting.metaPixelID] = record.pixelID }
        case .tiktok where !record.pageID.isEmpty: settings[ChannelAccount.Setting.tiktokIdentityID] = record.pageID
        default: break
        }
        return ChannelAccount(
            identity: record.identity, currency: record.profile.currency, timeZone: record.profile.timeZone,
            settings: settings)
    }
}
