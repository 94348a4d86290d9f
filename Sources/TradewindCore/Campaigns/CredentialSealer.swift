import Crypto
import Foundation

/// Seals channel credentials with AES-256-GCM under a key derived per tenant from the server's
/// secret (HKDF-SHA256), bound to the tenant and the account as associated data, so that a sealed
/// blob copied to another tenant's or another account's row does not open.
public struct CredentialSealer: Sendable {
    /// The first byte of every sealed blob: the derivation in use, so that a new one can be added
    /// without reading old blobs wrongly.
    static let version: UInt8 = 1

    private let secret: SymmetricKey

    /// `secret` is the server's credentials secret, at least 32 bytes.
    public init(secret: [UInt8]) {
        precondition(secret.count >= 32, "the credentials secret must be at least 32 bytes")
        self.secret = SymmetricKey(data: secret)
    }

    public func seal(_ credentials: ChannelCredentials, tenantID: UUID, accountID: UUID) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        let plaintext = try encoder.encode(credentials)
        let box = try AES.GCM.seal(
            plaintext, using: key(for: tenantID),
            authenticating: Self.associatedData(tenantID: tenantID, accountID: accountID))
        guard let combined = box.combined else { throw SealError.unsealable }
        return [Self.version] + Array(combined)
    }

    public func open(_ sealed: [UInt8], tenantID: UUID, accountID: UUID) throws -> ChannelCredentials {
        guard sealed.first == Self.version else { throw SealError.unknownVersion }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.dropFirst())
            let plaintext = try AES.GCM.open(
                box, using: key(for: tenantID),
                authenticating: Self.associatedData(tenantID: tenantID, accountID: accountID))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .millisecondsSince1970
            return try decoder.decode(ChannelCredentials.self, from: plaintext)
        } catch {
            throw SealError.unsealable
        }
    }

    public enum SealError: Error, Sendable {
        case unknownVersion
        /// Wrong key, wrong tenant or account, or changed bytes: GCM's tag does not say which.
        case unsealable
    }

    func key(for tenantID: UUID) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: secret, salt: Array("tradewind channel credentials v1".utf8),
            info: Array(tenantID.uuidString.lowercased().utf8), outputByteCount: 32)
    }

    static func associatedData(tenantID: UUID, accountID: UUID) -> [UInt8] {
        Array("\(tenantID.uuidString.lowercased())/\(accountID.uuidString.lowercased())".utf8)
    }
}
