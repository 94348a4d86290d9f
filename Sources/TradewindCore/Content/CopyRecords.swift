import Crypto
import Foundation

extension CopyDraft {
    /// SHA-256 of the texts and of everything the rules read about them: an approval holds for
    /// this exact fingerprint, so an edited text, or one now declared sponsored, needs a new check.
    public var fingerprint: [UInt8] {
        var hasher = SHA256()
        func add(_ value: String) {
            // Length-prefixed, so no two different drafts concatenate to the same bytes.
            let bytes = Array(value.utf8)
            withUnsafeBytes(of: UInt64(bytes.count).bigEndian) { hasher.update(bufferPointer: $0) }
            hasher.update(data: bytes)
        }
        for part in parts {
            add(part.field.rawValue)
            add(String(part.index))
            add(part.text)
        }
        add(language)
        add(sponsored ? "sponsored" : "")
        add(category)
        add(brand)
        add(offerEndDate ?? "")
        for channel in channels.sorted() { add(channel) }
        return Array(hasher.finalize())
    }
}

/// A tenant's own rule pack as stored: its spec and its revision, which is its version in
/// verdicts ("3") and its etag.
public struct TenantRulePackRecord: Sendable, Hashable {
    public var pack: CopyRulePack
    public var revision: Int64
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(pack: CopyRulePack, revision: Int64, createdBy: String, createdAt: Date, updatedAt: Date) {
        self.pack = pack
        self.revision = revision
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A stored check of one ad's texts for the markets it runs in: what the publication gate reads.
public struct CopyCheckRecord: Sendable, Hashable {
    public var id: UUID
    public var campaignID: UUID
    public var adID: UUID
    public var fingerprint: [UInt8]
    public var packVersions: [String: String]
    public var verdicts: [CopyVerdict]
    public var createdBy: String
    public var createdAt: Date
    /// Markets whose review findings a compliance officer approved on this check.
    public var approvals: [CopyApproval]

    public init(
        id: UUID, campaignID: UUID, adID: UUID, fingerprint: [UInt8], packVersions: [String: String],
        verdicts: [CopyVerdict], createdBy: String, createdAt: Date, approvals: [CopyApproval]
    ) {
        self.id = id
        self.campaignID = campaignID
        self.adID = adID
        self.fingerprint = fingerprint
        self.packVersions = packVersions
        self.verdicts = verdicts
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.approvals = approvals
    }

    /// The worst verdict over the markets.
    public var severity: CopySeverity { verdicts.map(\.severity).max() ?? .pass }
}

/// A compliance officer's approval of a check's review findings in one market.
public struct CopyApproval: Sendable, Hashable {
    public var market: String
    public var approvedBy: String
    public var note: String
    public var createdAt: Date

    public init(market: String, approvedBy: String, note: String, createdAt: Date) {
        self.market = market
        self.approvedBy = approvedBy
        self.note = note
        self.createdAt = createdAt
    }
}

/// The publication gate: may an ad's check let it run in each of its markets?
public enum CopyGate {
    public enum Decision: Sendable, Hashable {
        case allowed
        /// A block finding: the text may not run there, approval or not.
        case blocked([CopyFinding])
        /// Review findings that no compliance officer has approved on this check.
        case needsApproval([CopyFinding])
    }

    /// The decision for each market of the check's verdicts, in their order.
    public static func decide(_ check: CopyCheckRecord) -> [(market: String, decision: Decision)] {
        let approved = Set(check.approvals.map(\.market))
        return check.verdicts.map { verdict in
            switch verdict.severity {
            case .block:
                (verdict.market, .blocked(verdict.findings.filter { $0.severity == .block }))
            case .review where !approved.contains(verdict.market):
                (verdict.market, .needsApproval(verdict.findings.filter { $0.severity == .review }))
            case .review, .warn, .pass:
                (verdict.market, .allowed)
            }
        }
    }
}
