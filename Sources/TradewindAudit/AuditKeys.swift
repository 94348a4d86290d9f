import Crypto
import Foundation

/// The public half of a checkpoint signing key: an Ed25519 key and an ML-DSA-65 key, used together.
///
/// A checkpoint is valid only when both signatures verify, so it stays trustworthy if either
/// algorithm falls (ML-DSA-65 is the post-quantum half). The key id is derived from both public
/// keys, so a file cannot pair an id with someone else's keys.
public struct AuditPublicKey: Sendable, Hashable, Codable {
    public var keyID: String
    /// Raw 32-byte Ed25519 public key.
    public var ed25519: Data
    /// FIPS 204 encoding of the ML-DSA-65 public key (1,952 bytes).
    public var mlDSA65: Data

    enum CodingKeys: String, CodingKey {
        case keyID = "key_id"
        case ed25519
        case mlDSA65 = "ml_dsa_65"
    }

    public init(ed25519: Data, mlDSA65: Data) {
        self.ed25519 = ed25519
        self.mlDSA65 = mlDSA65
        self.keyID = Self.keyID(ed25519: ed25519, mlDSA65: mlDSA65)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            ed25519: try container.decode(Data.self, forKey: .ed25519),
            mlDSA65: try container.decode(Data.self, forKey: .mlDSA65))
        let stated = try container.decode(String.self, forKey: .keyID)
        guard stated == keyID else {
            throw DecodingError.dataCorruptedError(
                forKey: .keyID, in: container, debugDescription: "key_id \(stated) does not match the keys (\(keyID))")
        }
    }

    /// `ak_` + the first 16 hex digits of SHA-256(Ed25519 key ‖ ML-DSA-65 key).
    static func keyID(ed25519: Data, mlDSA65: Data) -> String {
        var hasher = SHA256()
        hasher.update(data: ed25519)
        hasher.update(data: mlDSA65)
        return "ak_" + String(Data(hasher.finalize()).hexString.prefix(16))
    }

    /// True only when both signatures are valid for `message`.
    public func isValid(ed25519 edSignature: Data, mlDSA65 pqSignature: Data, for message: Data) -> Bool {
        guard let edKey = try? Curve25519.Signing.PublicKey(rawRepresentation: ed25519),
            let pqKey = try? MLDSA65.PublicKey(rawRepresentation: mlDSA65)
        else { return false }
        return edKey.isValidSignature(edSignature, for: message) && pqKey.isValidSignature(pqSignature, for: message)
    }
}

/// A set of public keys, current and retired: the file `tradewind audit verify --public-key` reads
/// and `Audit.GetPublicKeys` returns. Keeping retired keys keeps old checkpoints verifiable.
public struct AuditPublicKeySet: Sendable, Hashable, Codable {
    public var keys: [AuditPublicKey]

    public init(keys: [AuditPublicKey]) { self.keys = keys }

    public func key(id: String) -> AuditPublicKey? { keys.first { $0.keyID == id } }

    /// Reads a key set, or a file holding a single key.
    public static func decode(_ data: Data) throws -> AuditPublicKeySet {
        if let set = try? JSONDecoder().decode(AuditPublicKeySet.self, from: data) { return set }
        return AuditPublicKeySet(keys: [try JSONDecoder().decode(AuditPublicKey.self, from: data)])
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// A private signing key pair (Ed25519 and ML-DSA-65).
public struct AuditSigningKey: Sendable {
    let ed25519: Curve25519.Signing.PrivateKey
    let mlDSA65: MLDSA65.PrivateKey
    public let publicKey: AuditPublicKey

    public var keyID: String { publicKey.keyID }

    /// A fresh random key pair.
    public init() throws {
        try self.init(ed25519: Curve25519.Signing.PrivateKey(), mlDSA65: MLDSA65.PrivateKey())
    }

    init(ed25519: Curve25519.Signing.PrivateKey, mlDSA65: MLDSA65.PrivateKey) throws {
        self.ed25519 = ed25519
        self.mlDSA65 = mlDSA65
        self.publicKey = AuditPublicKey(
            ed25519: ed25519.publicKey.rawRepresentation, mlDSA65: mlDSA65.publicKey.rawRepresentation)
    }

    /// Both signatures over `message`.
    public func sign(_ message: Data) throws -> (ed25519: Data, mlDSA65: Data) {
        (try ed25519.signature(for: message), try mlDSA65.signature(for: message))
    }
}

/// The server's signing keys as kept on disk (mode 0600): every key it ever used, and which one
/// signs new checkpoints. Rotation adds a key and makes it current; old keys stay for publishing.
public struct AuditKeyring: Sendable {
    public private(set) var keys: [AuditSigningKey]
    public private(set) var currentKeyID: String

    public var current: AuditSigningKey { keys.first { $0.keyID == currentKeyID }! }
    public var publicKeys: AuditPublicKeySet { AuditPublicKeySet(keys: keys.map(\.publicKey)) }

    /// A keyring with one new key.
    public init() throws {
        let key = try AuditSigningKey()
        keys = [key]
        currentKeyID = key.keyID
    }

    /// Adds a new key and makes it the one that signs; the old ones remain published.
    public mutating func rotate() throws {
        let key = try AuditSigningKey()
        keys.append(key)
        currentKeyID = key.keyID
    }

    private struct File: Codable {
        struct Key: Codable {
            var keyID: String
            var ed25519Private: Data
            var mlDSA65Seed: Data
            enum CodingKeys: String, CodingKey {
                case keyID = "key_id"
                case ed25519Private = "ed25519_private"
                case mlDSA65Seed = "ml_dsa_65_seed"
            }
        }
        var current: String
        var keys: [Key]
    }

    public init(fileContents data: Data) throws {
        let file = try JSONDecoder().decode(File.self, from: data)
        keys = try file.keys.map { stored in
            let key = try AuditSigningKey(
                ed25519: .init(rawRepresentation: stored.ed25519Private),
                mlDSA65: .init(seedRepresentation: stored.mlDSA65Seed, publicKey: nil))
            guard key.keyID == stored.keyID else {
                throw AuditKeyringError("key \(stored.keyID) does not match its id")
            }
            return key
        }
        guard keys.contains(where: { $0.keyID == file.current }) else {
            throw AuditKeyringError("the current key \(file.current) is not in the keyring")
        }
        currentKeyID = file.current
    }

    public func fileContents() throws -> Data {
        let file = File(
            current: currentKeyID,
            keys: keys.map {
                .init(
                    keyID: $0.keyID, ed25519Private: $0.ed25519.rawRepresentation,
                    mlDSA65Seed: $0.mlDSA65.seedRepresentation)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(file)
    }
}

public struct AuditKeyringError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
