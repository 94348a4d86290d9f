import Foundation
import GRPCCore
import TradewindCore
import TradewindStore

/// The stored checks the publication gate reads: made when a campaign is created or changed, and
/// again at publish time when a pack changed since.
enum CopyChecks {
    /// The latest check of each of the campaign's ads, as its texts and the packs are now, and
    /// the ids of those made here: a new check is stored for an ad whose latest one was made on
    /// other texts or other pack versions.
    static func ensure(
        for record: CampaignRecord, rules: TenantCopyRules, by principal: String, in tx: TenantTransaction
    ) async throws -> (latest: [UUID: CopyCheckRecord], made: Set<UUID>) {
        let stored = try await ContentRepository.latestChecks(campaignID: record.id, in: tx)
        var latest: [UUID: CopyCheckRecord] = [:]
        var made = Set<UUID>()
        let ads = Set(record.adIDs.joined())
        for check in stored where ads.contains(check.adID) { latest[check.adID] = check }
        for copy in record.adCopies {
            let verdicts = rules.check(copy.draft, markets: copy.markets)
            let versions = verdicts.reduce(into: [String: String]()) { $0.merge($1.packVersions) { a, _ in a } }
            let fingerprint = copy.draft.fingerprint
            if let current = latest[copy.adID], current.fingerprint == fingerprint, current.packVersions == versions,
                current.verdicts.map(\.market) == copy.markets
            {
                continue
            }
            let check = CopyCheckRecord(
                id: UUID(), campaignID: record.id, adID: copy.adID, fingerprint: fingerprint, packVersions: versions,
                verdicts: verdicts, createdBy: principal, createdAt: Date(), approvals: [])
            try await ContentRepository.insertCheck(check, in: tx)
            latest[copy.adID] = check
            made.insert(check.id)
        }
        return (latest, made)
    }

    /// Refuses publishing when an ad's check blocks it in a market, or has review findings no one
    /// approved there; the message names each ad, market and rule, and the check to approve. A
    /// check made by this publish (`fresh`: the packs changed since the ad was saved) is not kept
    /// when it refuses, so the message says how to store it for approval.
    static func gate(_ record: CampaignRecord, checks: [UUID: CopyCheckRecord], fresh: Set<UUID>) throws {
        var refusals: [String] = []
        for copy in record.adCopies {
            guard let check = checks[copy.adID] else { continue }
            let ad = record.position(ofAd: copy.adID).map { "ad_groups[\($0.group)].ads[\($0.ad)]" } ?? "an ad"
            for (market, decision) in CopyGate.decide(check) {
                switch decision {
                case .allowed:
                    break
                case .blocked(let findings):
                    let which =
                        fresh.contains(check.id) ? "checked again on changed packs" : "check \(Self.id(check.id))"
                    refusals.append("\(ad) may not run in \(market): \(Self.rules(findings)) (\(which))")
                case .needsApproval(let findings) where fresh.contains(check.id):
                    refusals.append(
                        "\(ad) needs a compliance officer's approval for \(market): \(Self.rules(findings)) "
                            + "(a rule pack changed since the ad was checked: Content.RecheckCampaignCopy stores "
                            + "the new check to approve)")
                case .needsApproval(let findings):
                    refusals.append(
                        "\(ad) needs a compliance officer's approval for \(market): \(Self.rules(findings)) "
                            + "(Content.ApproveCopyCheck on check \(Self.id(check.id)))")
                }
            }
        }
        guard refusals.isEmpty else {
            throw RPCError(
                code: .failedPrecondition,
                message: "id: the ad copy may not be published yet: " + refusals.joined(separator: "; "))
        }
    }

    private static func rules(_ findings: [CopyFinding]) -> String {
        var seen = Set<String>()
        return findings.compactMap { finding in
            seen.insert(finding.ruleID).inserted
                ? finding.phrase.isEmpty ? finding.ruleID : "\(finding.ruleID) \"\(finding.phrase)\"" : nil
        }.joined(separator: ", ")
    }

    static func id(_ id: UUID) -> String { id.uuidString.lowercased() }
}
