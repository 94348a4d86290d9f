import Crypto
import Foundation
import TradewindAudit
import TradewindCore

/// Keyed hashes of a data subject's identifiers (HMAC-SHA-256 under a per-tenant key derived from
/// the server secret): what a closed request and the suppression list keep instead of the value.
struct SubjectHasher: Sendable {
    private let keys: TenantKeys

    init(secret: SymmetricKey) { keys = TenantKeys(secret: secret, purpose: "tradewind subject hash") }

    func hash(kind: String, value: String, tenantID: UUID) -> Data {
        keys.mac("\(kind):\(value)", tenantID: tenantID)
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
