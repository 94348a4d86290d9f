import Crypto
import Foundation
import TradewindCore

/// Keyed hashes of a data subject's identifiers (HMAC-SHA-256 under a per-tenant key derived from
/// the server secret): what a closed request and the suppression list keep instead of the value.
struct SubjectHasher: Sendable {
    let secret: SymmetricKey

    func hash(kind: String, value: String, tenantID: UUID) -> Data {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: secret, info: Data("tradewind subject hash \(tenantID.uuidString.lowercased())".utf8),
            outputByteCount: 32)
        return Data(HMAC<SHA256>.authenticationCode(for: Data("\(kind):\(value)".utf8), using: key))
    }

    /// The suppression-list hashes of a contact's email and phone (those that are set).
    func contactPoints(email: String, phone: String, tenantID: UUID) -> [(kind: String, hash: Data)] {
        var points: [(String, Data)] = []
        if !email.isEmpty {
            points.append(("email", hash(kind: "email", value: email.lowercased(), tenantID: tenantID)))
        }
        if !phone.isEmpty { points.append(("phone", hash(kind: "phone", value: phone, tenantID: tenantID))) }
        return points
    }
}
