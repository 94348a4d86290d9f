import Crypto
import Foundation

/// Seals the stored result of a non-idempotent mutation so that only a retry with the same
/// idempotency key can open it.
///
/// A created API key's secret must reach a client that lost the first response, yet the database
/// keeps hashes only: the result is encrypted (AES-GCM) under a key derived from the server secret
/// and the idempotency key, and the idempotency key itself is stored only as its SHA-256.
struct IdempotencySeal: Sendable {
    private let serverSecret: SymmetricKey

    init(serverSecret: SymmetricKey) {
        self.serverSecret = serverSecret
    }

    static func keyHash(_ idempotencyKey: String) -> Data {
        Data(SHA256.hash(data: Data("idempotency-key:\(idempotencyKey)".utf8)))
    }

    static func requestHash(_ serializedRequest: [UInt8]) -> Data {
        Data(SHA256.hash(data: serializedRequest))
    }

    func seal(_ plaintext: [UInt8], idempotencyKey: String) throws -> Data {
        guard let combined = try AES.GCM.seal(plaintext, using: key(for: idempotencyKey)).combined else {
            throw CryptoKitError.incorrectParameterSize
        }
        return combined
    }

    func open(_ sealed: Data, idempotencyKey: String) throws -> Data {
        try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key(for: idempotencyKey))
    }

    private func key(for idempotencyKey: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: serverSecret, salt: Data(idempotencyKey.utf8),
            info: Data("tradewind idempotent result v1".utf8), outputByteCount: 32)
    }
}
