import Foundation

/// A signed statement that a chain had `seq` records ending in `head` at `time`.
///
/// The server signs one at least once a minute while a chain has new records (`periodic`), one at
/// the end of every export (`export`, so a cut tail is detectable), and one on request
/// (`current`). The signed message is the checkpoint's own canonical JSON up to and including
/// `key_id`; the exported line appends both signatures in base64.
public struct AuditCheckpoint: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case periodic
        case export
        case current
    }

    public var kind: Kind
    public var chain: String
    public var seq: Int64
    public var head: Data
    public var time: Date
    public var keyID: String
    public var ed25519Signature: Data
    public var mlDSA65Signature: Data

    /// Signs the chain's head with `key`.
    public static func sign(
        kind: Kind, chain: AuditChainID, seq: Int64, head: Data, time: Date, key: AuditSigningKey
    ) throws -> AuditCheckpoint {
        var checkpoint = AuditCheckpoint(
            kind: kind, chain: chain.description, seq: seq, head: head, time: time, keyID: key.keyID,
            ed25519Signature: Data(), mlDSA65Signature: Data())
        (checkpoint.ed25519Signature, checkpoint.mlDSA65Signature) = try key.sign(Data(checkpoint.signedMessage.utf8))
        return checkpoint
    }

    /// The bytes both signatures cover.
    public var signedMessage: String {
        var json = CanonicalJSONWriter()
        json.raw("{")
        json.key("type", first: true)
        json.string("checkpoint")
        json.key("kind")
        json.string(kind.rawValue)
        json.key("chain")
        json.string(chain)
        json.key("seq")
        json.integer(seq)
        json.key("head")
        json.string(head.hexString)
        json.key("time")
        json.string(AuditTime.format(time))
        json.key("key_id")
        json.string(keyID)
        json.raw("}")
        return json.text
    }

    /// The exported line (without newline).
    public var line: String {
        signedMessage.dropLast() + ",\"ed25519\":\"" + ed25519Signature.base64EncodedString() + "\",\"ml_dsa_65\":\""
            + mlDSA65Signature.base64EncodedString() + "\"}"
    }

    /// True when `keys` holds the signing key and both signatures verify.
    public func isSigned(by key: AuditPublicKey) -> Bool {
        key.keyID == keyID
            && key.isValid(ed25519: ed25519Signature, mlDSA65: mlDSA65Signature, for: Data(signedMessage.utf8))
    }

    public init(
        kind: Kind, chain: String, seq: Int64, head: Data, time: Date, keyID: String, ed25519Signature: Data,
        mlDSA65Signature: Data
    ) {
        self.kind = kind
        self.chain = chain
        self.seq = seq
        self.head = head
        self.time = time
        self.keyID = keyID
        self.ed25519Signature = ed25519Signature
        self.mlDSA65Signature = mlDSA65Signature
    }

    private struct Wire: Decodable {
        var type: String
        var kind: Kind
        var chain: String
        var seq: Int64
        var head: String
        var time: String
        var keyID: String
        var ed25519: String
        var mlDSA65: String
        enum CodingKeys: String, CodingKey {
            case type, kind, chain, seq, head, time
            case keyID = "key_id"
            case ed25519
            case mlDSA65 = "ml_dsa_65"
        }
    }

    /// Parses an exported checkpoint line. The signed message is rebuilt from the fields, so a
    /// line whose fields were edited no longer verifies.
    public init(line: some DataProtocol) throws {
        let wire = try JSONDecoder().decode(Wire.self, from: Data(line))
        guard wire.type == "checkpoint" else { throw AuditFormatError("not a checkpoint line") }
        guard let head = Data(hexString: wire.head), head.count == 32 else {
            throw AuditFormatError("checkpoint head is not a SHA-256 hash")
        }
        guard let time = AuditTime.parse(wire.time) else { throw AuditFormatError("checkpoint time is malformed") }
        guard let ed = Data(base64Encoded: wire.ed25519), let pq = Data(base64Encoded: wire.mlDSA65) else {
            throw AuditFormatError("checkpoint signatures are not base64")
        }
        self.init(
            kind: wire.kind, chain: wire.chain, seq: wire.seq, head: head, time: time, keyID: wire.keyID,
            ed25519Signature: ed, mlDSA65Signature: pq)
        guard AuditTime.format(time) == wire.time else { throw AuditFormatError("checkpoint time is not canonical") }
    }
}

/// The first line of an export: which chain, and where the exported stretch of it starts.
///
/// `prev_hash` is the hash of the record before `first_seq` (32 zero bytes when the export starts
/// at the first record). It is not signed by itself: the checkpoints later in the file are.
public struct AuditExportHeader: Sendable, Hashable, Codable {
    public static let format = "tradewind-audit-v1"

    public var type = "export"
    public var format = AuditExportHeader.format
    public var chain: String
    public var firstSeq: Int64
    public var prevHash: String
    public var from: String?
    public var to: String?
    public var exportedAt: String

    enum CodingKeys: String, CodingKey {
        case type, format, chain
        case firstSeq = "first_seq"
        case prevHash = "prev_hash"
        case from, to
        case exportedAt = "exported_at"
    }

    public init(chain: AuditChainID, firstSeq: Int64, prevHash: Data, from: Date?, to: Date?, exportedAt: Date) {
        self.chain = chain.description
        self.firstSeq = firstSeq
        self.prevHash = prevHash.hexString
        self.from = from.map(AuditTime.format)
        self.to = to.map(AuditTime.format)
        self.exportedAt = AuditTime.format(exportedAt)
    }

    public var line: String {
        var json = CanonicalJSONWriter()
        json.raw("{")
        json.key("type", first: true)
        json.string(type)
        json.key("format")
        json.string(format)
        json.key("chain")
        json.string(chain)
        json.key("first_seq")
        json.integer(firstSeq)
        json.key("prev_hash")
        json.string(prevHash)
        json.key("from")
        json.optionalString(from)
        json.key("to")
        json.optionalString(to)
        json.key("exported_at")
        json.string(exportedAt)
        json.raw("}")
        return json.text
    }
}

public struct AuditFormatError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
