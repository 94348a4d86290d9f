import Crypto
import Foundation

/// Turns a data subject's id into the keyed pseudonym the audit log stores instead.
///
/// HMAC-SHA-256 under a per-tenant key derived from the server's secret: the same contact always
/// gets the same pseudonym within a tenant (so an officer can search for it), pseudonyms of
/// different tenants cannot be linked, and erasing a person never requires editing the log.
public struct AuditPseudonymizer: Sendable {
    private let secret: SymmetricKey

    public init(secret: SymmetricKey) { self.secret = secret }

    public func pseudonym(_ subjectID: String, tenantID: UUID) -> String {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: secret, info: Data("tradewind audit pseudonym \(tenantID.uuidString.lowercased())".utf8),
            outputByteCount: 32)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(subjectID.utf8), using: key)
        return Data(mac).hexString
    }
}
