import Crypto
import Foundation

/// Which hash chain a record belongs to: one per tenant, in the tenant's home region, plus the
/// platform log in the control cluster for calls that have no tenant.
public enum AuditChainID: Sendable, Hashable, CustomStringConvertible {
    case tenant(UUID)
    case platform

    /// The key the chain's rows carry in the database (the platform log uses the nil UUID).
    public var databaseID: UUID {
        switch self {
        case .tenant(let id): id
        case .platform: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        }
    }

    /// `platform`, or the tenant id in lower case: how exports and checkpoints name the chain.
    public var description: String {
        switch self {
        case .tenant(let id): id.uuidString.lowercased()
        case .platform: "platform"
        }
    }

    public init?(_ text: String) {
        if text == "platform" {
            self = .platform
        } else if let id = UUID(uuidString: text) {
            self = .tenant(id)
        } else {
            return nil
        }
    }
}

/// The chain's arithmetic: `hash_n = SHA-256(hash_{n-1} ‖ body_n)`, starting from 32 zero bytes.
///
/// A record's body is its canonical JSON (`{"type":"record","seq":N,` + the entry's canonical
/// fields, in whichever `AuditRecordVersion` they were written: the arithmetic is the same for
/// all). Its exported line is the body with `,"hash":"<hex of hash_n>"` inserted before the
/// closing brace, so a verifier recovers the hashed bytes by cutting that fixed-length suffix.
public enum AuditChain {
    public static let genesis = Data(repeating: 0, count: 32)

    /// What the database prepends to an entry's canonical fields (the SQL function does the same).
    public static func body(seq: Int64, fields: String) -> String {
        "{\"type\":\"record\",\"seq\":\(seq),\(fields)"
    }

    public static func hash(previous: Data, body: some DataProtocol) -> Data {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: body)
        return Data(hasher.finalize())
    }

    /// The exported line (without newline) of a record with `body` and `hash`.
    public static func line(body: String, hash: Data) -> String {
        precondition(body.hasSuffix("}"), "a record body is a JSON object")
        return body.dropLast() + ",\"hash\":\"" + hash.hexString + "\"}"
    }

    static let recordPrefix = Array("{\"type\":\"record\",\"seq\":".utf8)
    static let hashKey = Array(",\"hash\":\"".utf8)
    /// `,"hash":"` + 64 hex digits + `"}`.
    static let hashSuffixLength = hashKey.count + 64 + 2
}

extension Data {
    /// Lower-case hexadecimal.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(count * 2)
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses lower- or upper-case hexadecimal; `nil` for anything else.
    public init?(hexString: some StringProtocol) {
        let utf8 = Array(hexString.utf8)
        guard utf8.count % 2 == 0, let bytes = Self.decodeHex(utf8[...]) else { return nil }
        self = Data(bytes)
    }

    static func decodeHex(_ digits: ArraySlice<UInt8>) -> [UInt8]? {
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        var index = digits.startIndex
        while index < digits.endIndex {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}

/// A record as stored and exported: its sequence number and hash with the entry's fields.
public struct AuditRecord: Sendable, Hashable {
    public var seq: Int64
    public var hash: Data
    public var entry: AuditEntry
    /// The canonical form the record's fields were written in.
    public var version: AuditRecordVersion

    public init(seq: Int64, hash: Data, entry: AuditEntry, version: AuditRecordVersion = .current) {
        self.seq = seq
        self.hash = hash
        self.entry = entry
        self.version = version
    }

    /// Decodes a stored body (canonical JSON, any version `AuditRecordVersion` lists) back into a
    /// record; throws for a version this code does not know.
    public init(body: String, hash: Data) throws {
        struct Sequenced: Decodable {
            var seq: Int64
            var version: AuditRecordVersion

            init(from decoder: any Decoder) throws {
                enum Keys: String, CodingKey { case seq }
                seq = try decoder.container(keyedBy: Keys.self).decode(Int64.self, forKey: .seq)
                version = try AuditEntry.version(decoder)
            }
        }
        let data = Data(body.utf8)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = AuditTime.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad time"))
            }
            return date
        }
        let sequenced = try decoder.decode(Sequenced.self, from: data)
        self.seq = sequenced.seq
        self.version = sequenced.version
        self.hash = hash
        self.entry = try decoder.decode(AuditEntry.self, from: data)
    }
}
