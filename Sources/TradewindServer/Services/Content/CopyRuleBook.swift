import Foundation
import Synchronization
import TradewindCore
import TradewindStore

/// The rule packs a tenant's texts are checked on: the shipped packs, compiled once at start,
/// and the tenant's own, compiled on first use after each change and kept by their revisions.
final class CopyRuleBook: Sendable {
    let shipped: CompiledCopyRules
    private let compiled = Mutex<[UUID: (revisions: [String: Int64], rules: CompiledCopyRules)]>([:])
    /// Tenants whose compiled packs are kept; past it the cache starts again (a compile is
    /// milliseconds, and a tenant's packs are read on each check anyway).
    static let cachedTenants = 1_000

    init(shipped: CompiledCopyRules) {
        self.shipped = shipped
    }

    /// The shipped packs and the tenant's own, as they are in `tx`.
    func rules(in tx: TenantTransaction) async throws -> TenantCopyRules {
        let revisions = try await ContentRepository.packRevisions(in: tx)
        guard !revisions.isEmpty else { return TenantCopyRules(shipped: shipped, own: nil) }
        let tenant = tx.tenantID
        if let cached = compiled.withLock({ $0[tenant] }), cached.revisions == revisions {
            return TenantCopyRules(shipped: shipped, own: cached.rules)
        }
        let packs =
            try await ContentRepository.packs(in: tx).map(\.pack)
            + ContentRepository.glossaries(in: tx).map { $0.0.rulePack(version: String($0.revision)) }
        // Stored packs held their examples when they were written; a failure here is a stored
        // row this build reads differently, and is reported as such.
        let own = try CompiledCopyRules(packs)
        compiled.withLock { cache in
            if cache.count >= Self.cachedTenants { cache.removeAll() }
            cache[tenant] = (revisions, own)
        }
        return TenantCopyRules(shipped: shipped, own: own)
    }
}

/// The packs one tenant's check runs on.
struct TenantCopyRules: Sendable {
    let shipped: CompiledCopyRules
    let own: CompiledCopyRules?

    var packs: [CopyRulePack] { shipped.packs + (own?.packs ?? []) }

    func check(_ draft: CopyDraft, markets: [String]) -> [CopyVerdict] {
        let verdicts = shipped.check(draft, markets: markets)
        guard let own else { return verdicts }
        return zip(verdicts, own.check(draft, markets: markets)).map { $0.merged(with: $1) }
    }
}
