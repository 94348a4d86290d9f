import Foundation

/// A tenant's permission to send hashed identifiers to one channel: a transfer of personal data
/// out of its home region, off unless the tenant turns it on. A tenant homed in `cn` must record
/// the legal basis of the transfer with it (PIPL art. 38-39: a standard contract, a certification
/// or a security assessment).
public struct AudienceExportPermission: Sendable, Hashable, Codable {
    public var channel: AdChannel
    public var allowed: Bool
    /// Free text naming the instrument (`"CAC standard contract filed 2026-03-02, ref …"`); empty
    /// where none is needed.
    public var legalBasis: String
    /// Who changed it last, and when.
    public var changedBy: String
    public var changedAt: Date

    public init(channel: AdChannel, allowed: Bool, legalBasis: String, changedBy: String, changedAt: Date) {
        self.channel = channel
        self.allowed = allowed
        self.legalBasis = legalBasis
        self.changedBy = changedBy
        self.changedAt = changedAt
    }

    public static let maximumLegalBasisLength = 500

    /// Why a tenant homed in `region` may not change the permission this way, by request field.
    public func violations(homeRegion: Region) -> [FieldViolation] {
        var found: [FieldViolation] = []
        if legalBasis.count > Self.maximumLegalBasisLength
            || !(legalBasis.isEmpty
                || FieldFormats.isPrintableText(legalBasis, maxLength: Self.maximumLegalBasisLength))
        {
            found.append(FieldViolation(field: "legal_basis", description: "must be at most 500 printable characters"))
        }
        if allowed && homeRegion == Region("cn") && legalBasis.trimmingCharacters(in: .whitespaces).isEmpty {
            found.append(
                FieldViolation(
                    field: "legal_basis",
                    description:
                        "a tenant homed in cn must record the legal basis of the transfer (PIPL art. 38-39)"))
        }
        return found
    }
}

extension TenantSettings {
    /// Whether hashed identifiers may go to `channel`: only an explicit permission allows it.
    public func allowsAudienceExport(to channel: AdChannel) -> Bool {
        audienceExports?.first { $0.channel == channel }?.allowed ?? false
    }
}

/// Where an audience sync stands.
public enum AudienceSyncStatus: Int, Sendable, Hashable, CaseIterable {
    /// Members are sent and removed as consent and the segment change.
    case active = 1
    /// Nothing is sent or removed, except removals already owed (withdrawals, erasures).
    case paused = 2
    /// Every member is being removed from the channel's list.
    case stopping = 3
    /// The channel's list holds no member Tradewind sent.
    case stopped = 4

    public var name: String {
        switch self {
        case .active: "active"
        case .paused: "paused"
        case .stopping: "stopping"
        case .stopped: "stopped"
        }
    }
}

/// A segment synced to a channel account's customer list.
public struct AudienceSyncRecord: Sendable, Hashable {
    public var id: UUID
    public var segmentID: UUID
    public var accountID: UUID
    public var channel: AdChannel
    public var status: AudienceSyncStatus
    /// The channel's list, once created.
    public var listID: String?
    public var listName: String
    /// Members the channel holds from this sync (their hashes are kept until it confirms removal).
    public var membersOnList: Int64
    /// Removals owed to the channel (withdrawals, erasures, members who left the segment) and how
    /// old the oldest is, until the channel confirms them.
    public var pendingRemovals: Int64
    public var oldestPendingRemovalAt: Date?
    /// Of those, the ones sent and waiting for the channel's job to confirm them (Google, Amazon).
    public var removalsAwaitingConfirmation: Int64
    /// Members sent in a job of the channel's own (Google, Amazon) that has not confirmed them yet;
    /// not counted in `membersOnList` until it does.
    public var additionsAwaitingConfirmation: Int64
    /// Totals over the sync's life.
    public var membersSent: Int64
    public var membersRemoved: Int64
    public var lastRunAt: Date?
    public var lastErrorCode: String
    public var lastErrorMessage: String
    public var nextRunAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, segmentID: UUID, accountID: UUID, channel: AdChannel, status: AudienceSyncStatus, listID: String?,
        listName: String, membersOnList: Int64, pendingRemovals: Int64, oldestPendingRemovalAt: Date?,
        removalsAwaitingConfirmation: Int64 = 0, additionsAwaitingConfirmation: Int64 = 0, membersSent: Int64,
        membersRemoved: Int64, lastRunAt: Date?,
        lastErrorCode: String, lastErrorMessage: String,
        nextRunAt: Date?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.segmentID = segmentID
        self.accountID = accountID
        self.channel = channel
        self.status = status
        self.listID = listID
        self.listName = listName
        self.membersOnList = membersOnList
        self.pendingRemovals = pendingRemovals
        self.oldestPendingRemovalAt = oldestPendingRemovalAt
        self.removalsAwaitingConfirmation = removalsAwaitingConfirmation
        self.additionsAwaitingConfirmation = additionsAwaitingConfirmation
        self.membersSent = membersSent
        self.membersRemoved = membersRemoved
        self.lastRunAt = lastRunAt
        self.lastErrorCode = lastErrorCode
        self.lastErrorMessage = lastErrorMessage
        self.nextRunAt = nextRunAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
