import Foundation

/// Whether Tradewind can act on a linked account. Pinned stored codes.
public enum ChannelAccountStatus: Int, CaseIterable, Sendable, Hashable {
    case active = 1
    /// The channel refused the credentials even after a refresh: the tenant must replace them.
    case needsReauthorization = 2
    /// Unlinked: the credentials are destroyed.
    case unlinked = 3
}

/// A linked ad account as Tradewind keeps it (its credentials stay sealed in the Store).
public struct ChannelAccountRecord: Sendable, Hashable {
    public var id: UUID
    public var identity: ChannelAccountIdentity
    public var profile: ChannelAccountProfile
    /// Meta: the page ads run as; TikTok: the identity id; empty elsewhere.
    public var pageID: String
    /// Meta: the pixel sales and leads ad sets optimise for; empty elsewhere or when none was given.
    public var pixelID: String
    public var status: ChannelAccountStatus
    public var statusReason: String
    /// Names of the credential fields stored, never their values.
    public var credentialFields: [String]
    public var linkedAt: Date
    public var metricsSyncedAt: Date?

    public init(
        id: UUID, identity: ChannelAccountIdentity, profile: ChannelAccountProfile, pageID: String,
        pixelID: String = "", status: ChannelAccountStatus, statusReason: String, credentialFields: [String],
        linkedAt: Date,
        metricsSyncedAt: Date?
    ) {
        self.id = id
        self.identity = identity
        self.profile = profile
        self.pageID = pageID
        self.pixelID = pixelID
        self.status = status
        self.statusReason = statusReason
        self.credentialFields = credentialFields
        self.linkedAt = linkedAt
        self.metricsSyncedAt = metricsSyncedAt
    }
}

extension ChannelCredentials {
    /// The names of the fields that are set, in the proto's spelling: what an account shows.
    public var presentFields: [String] {
        [
            ("refresh_token", refreshToken), ("access_token", accessToken), ("client_id", clientID),
            ("client_secret", clientSecret), ("developer_token", developerToken),
            ("login_customer_id", loginCustomerID),
        ].compactMap { $0.1 == nil ? nil : $0.0 }
    }
}

/// Where the channel stands against what the tenant asked for. Pinned stored codes.
public enum SyncStateKind: Int, CaseIterable, Sendable, Hashable {
    case notPublished = 1
    case pending = 2
    case synced = 3
    case retrying = 4
    case failed = 5
}

public struct SyncState: Sendable, Hashable {
    public var kind: SyncStateKind
    /// What is being sent: `publish`, `pause`, `resume`, `budget`, `settings`, `archive`.
    public var operation: String
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var errorCode: String
    public var errorMessage: String
    public var syncedAt: Date?

    public init(
        kind: SyncStateKind, operation: String = "", attempts: Int = 0, nextAttemptAt: Date? = nil,
        errorCode: String = "", errorMessage: String = "", syncedAt: Date? = nil
    ) {
        self.kind = kind
        self.operation = operation
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.syncedAt = syncedAt
    }

    public static let notPublished = SyncState(kind: .notPublished)
}

/// A published ad group and its ads, by the channel's ids.
public struct PublishedAdGroup: Sendable, Hashable, Codable {
    public var adGroupID: String
    public var adIDs: [String]

    public init(adGroupID: String, adIDs: [String]) {
        self.adGroupID = adGroupID
        self.adIDs = adIDs
    }
}

/// Where a campaign tree lives on its channel: the channel's ids, `adGroups` in the tree's order.
public struct PublishedCampaign: Sendable, Hashable, Codable {
    public var campaignID: String
    /// Google's campaign budget; nil on channels whose budget is a field of the campaign.
    public var budgetID: String?
    public var adGroups: [PublishedAdGroup]

    public init(campaignID: String, budgetID: String? = nil, adGroups: [PublishedAdGroup]) {
        self.campaignID = campaignID
        self.budgetID = budgetID
        self.adGroups = adGroups
    }
}

/// A campaign as Tradewind keeps it: the tree the tenant described, its ids, and where the
/// channel stands.
public struct CampaignRecord: Sendable, Hashable {
    public var id: UUID
    public var accountID: UUID
    public var channel: AdChannel
    public var status: CampaignStatus
    /// The account's currency: budgets and bids are in it.
    public var currency: String
    /// Grows with every change: the etag.
    public var version: Int64
    /// Stamped on every object sent to the channel, so it can be found again.
    public var reference: String
    public var tree: CampaignTree
    /// Tradewind's ids of the ad groups and of their ads, in the tree's order.
    public var adGroupIDs: [UUID]
    public var adIDs: [[UUID]]
    /// Each ad group's own status, active or paused (by a rule), in the tree's order.
    public var adGroupStatuses: [CampaignStatus]
    /// Each ad's own status, as `adIDs`.
    public var adStatuses: [[CampaignStatus]]
    public var published: PublishedCampaign?
    public var sync: SyncState
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, accountID: UUID, channel: AdChannel, status: CampaignStatus, currency: String, version: Int64,
        reference: String, tree: CampaignTree, adGroupIDs: [UUID], adIDs: [[UUID]], adGroupStatuses: [CampaignStatus],
        adStatuses: [[CampaignStatus]], published: PublishedCampaign?,
        sync: SyncState, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.accountID = accountID
        self.channel = channel
        self.status = status
        self.currency = currency
        self.version = version
        self.reference = reference
        self.tree = tree
        self.adGroupIDs = adGroupIDs
        self.adIDs = adIDs
        self.adGroupStatuses = adGroupStatuses
        self.adStatuses = adStatuses
        self.published = published
        self.sync = sync
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Where an ad sits in the tree: its ad group's index and its own.
    public func position(ofAd adID: UUID) -> (group: Int, ad: Int)? {
        for (g, ads) in adIDs.enumerated() {
            if let a = ads.firstIndex(of: adID) { return (g, a) }
        }
        return nil
    }

    /// The etag clients send back: opaque, changes with every version.
    public var etag: String { "\"v\(version)\"" }

    /// The reference stamped on a campaign's objects: `tw-` and 20 hex digits of its id, short
    /// enough for every channel's name field and unique among the tenant's campaigns.
    public static func reference(for id: UUID) -> String {
        "tw-" + id.uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
    }
}
