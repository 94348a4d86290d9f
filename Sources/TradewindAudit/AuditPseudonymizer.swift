import Crypto
import Foundation
import Synchronization

/// Per-tenant keys derived from one server secret with HKDF, each derived once and kept: keyed
/// hashes are computed on hot paths (a contact list names up to 1,000 people in its record).
public final class TenantKeys: Sendable {
    private let secret: SymmetricKey
    private let purpose: String
    private let derived = Mutex<[UUID: SymmetricKey]>([:])

    public init(secret: SymmetricKey, purpose: String) {
        self.secret = secret
        self.purpose = purpose
    }

    public func key(for tenantID: UUID) -> SymmetricKey {
        if let key = derived.withLock({ $0[tenantID] }) { return key }
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: secret, info: Data("\(purpose) \(tenantID.uuidString.lowercased())".utf8),
            outputByteCount: 32)
        derived.withLock { $0[tenantID] = key }
        return key
    }

    /// HMAC-SHA-256 of `message` under the tenant's key.
    public func mac(_ message: String, tenantID: UUID) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key(for: tenantID)))
    }
}

/// Turns a data subject's id into the keyed pseudonym the audit log stores instead.
///
/// HMAC-SHA-256 under a per-tenant key derived from the server's secret: the same contact always
/// gets the same pseudonym within a tenant (so an officer can search for it), pseudonyms of
/// different tenants cannot be linked, and erasing a person never requires editing the log.
public struct AuditPseudonymizer: Sendable {
    private let keys: TenantKeys

    public init(secret: SymmetricKey) { keys = TenantKeys(secret: secret, purpose: "tradewind audit pseudonym") }

    public func pseudonym(_ subjectID: String, tenantID: UUID) -> String {
        keys.mac(subjectID, tenantID: tenantID).hexString
    }

    /// How a contact appears among a record's resources: `contact:<pseudonym>`.
    public func resource(contact id: UUID, tenantID: UUID) -> String {
        "contact:" + pseudonym(id.uuidString.lowercased(), tenantID: tenantID)
    }
}
