import Crypto
import Foundation

/// The wire form of an API key: `tw_<key id>_<secret>`.
///
/// The prefix makes leaked keys easy to find for secret scanners, the key id is public (lookup,
/// display, logs) and the secret is 256 random bits. Only the SHA-256 of the secret is stored, and
/// it is compared in constant time.
public struct APIKeyToken: Sendable, Hashable {
    public static let prefix = "tw_"

    /// Public id: 16 lowercase base32 characters (80 bits), unique per key.
    public let keyID: String
    /// Base64url secret without padding (43 characters).
    public let secret: String

    /// Makes a new random key.
    public static func generate() -> APIKeyToken {
        APIKeyToken(keyID: randomBase32(count: 16), secret: randomSecret())
    }

    /// Parses a bearer credential; `nil` when it is not shaped like a Tradewind key.
    public init?(parsing text: String) {
        guard text.hasPrefix(Self.prefix), text.count < 128 else { return nil }
        let rest = text.dropFirst(Self.prefix.count)
        guard let separator = rest.firstIndex(of: "_") else { return nil }
        let keyID = String(rest[..<separator])
        let secret = String(rest[rest.index(after: separator)...])
        guard Self.isKeyID(keyID), secret.count == 43,
            secret.utf8.allSatisfy({ Self.base64URLAlphabet.contains($0) })
        else { return nil }
        self.init(keyID: keyID, secret: secret)
    }

    private init(keyID: String, secret: String) {
        self.keyID = keyID
        self.secret = secret
    }

    /// The full key, as the client sends it.
    public var text: String { "\(Self.prefix)\(keyID)_\(secret)" }

    /// The part shown in listings and logs.
    public static func displayPrefix(keyID: String) -> String { "\(prefix)\(keyID)_" }

    /// SHA-256 of the secret: the only form that is stored.
    public var secretHash: [UInt8] { Array(SHA256.hash(data: Data(secret.utf8))) }

    /// Compares the secret with a stored hash in constant time.
    public func matches(storedHash: [UInt8]) -> Bool {
        let computed = secretHash
        guard computed.count == storedHash.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(computed, storedHash) { difference |= a ^ b }
        return difference == 0
    }

    /// Whether a string is shaped like a key id (used to reject junk before any lookup).
    public static func isKeyID(_ text: String) -> Bool {
        text.utf8.count == 16 && text.utf8.allSatisfy { base32Alphabet.contains($0) }
    }

    private static let base32Alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
    private static let base64URLAlphabet = Set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    private static func randomBase32(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in base32Alphabet[Int(generator.next(upperBound: UInt8(32)))] }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func randomSecret() -> String {
        let key = SymmetricKey(size: .bits256)
        return key.withUnsafeBytes { Data($0) }.base64URLEncodedString()
    }
}

extension Data {
    /// Base64url without padding (RFC 4648 §5).
    public func base64URLEncodedString() -> String {
        base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes base64url with or without padding.
    public init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        self.init(base64Encoded: base64)
    }
}
