import Foundation

/// A JSON document as the channels send it, read with Foundation's `JSONDecoder` and written with
/// its `JSONEncoder`.
///
/// Money arrives as JSON numbers on some channels (Amazon's report `cost`, TikTok's `budget`) and
/// as strings on others (Meta's `spend`, Google's int64 fields). Numbers are decoded as `Decimal`,
/// which Foundation reads from the literal's digits, so `WireMoney.micros` converts
/// them exactly where `Double` would round. Written objects have sorted keys, so a request
/// serialises the same way every time.
enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Decimal)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        // Member order carries no meaning in JSON (RFC 8259 §4): objects are equal as key-value sets.
        case (.object(let a), .object(let b)):
            a.count == b.count
                && Dictionary(a, uniquingKeysWith: { first, _ in first })
                    == Dictionary(
                        b, uniquingKeysWith: { first, _ in first })
        default: false
        }
    }

    func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value): hasher.combine(value)
        case .number(let value): hasher.combine(value)
        case .string(let value): hasher.combine(value)
        case .array(let values): hasher.combine(values)
        case .object(let members):
            hasher.combine(Dictionary(members, uniquingKeysWith: { first, _ in first }))
        }
    }

    static func integer<I: BinaryInteger>(_ value: I) -> JSONValue { .number(Decimal(Int64(value))) }

    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first(where: { $0.0 == key })?.1
    }

    subscript(index: Int) -> JSONValue? {
        guard case .array(let values) = self, values.indices.contains(index) else { return nil }
        return values[index]
    }

    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var arrayValue: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    var objectValue: [(String, JSONValue)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number's decimal text, or a numeric string as sent: channels send int64 and money either way.
    var numericText: String? {
        switch self {
        case .number(let value): value.description
        case .string(let text): text
        default: nil
        }
    }

    /// An integer sent as a number or as a string (Google's int64, Meta's counts).
    var int64Value: Int64? { numericText.flatMap { Int64($0) } }

    var isNull: Bool { self == .null }

    /// What kind of JSON value this is: the golden-fixture tests compare shapes by it.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

// MARK: - Reading and writing

/// The bytes were not one JSON document.
struct JSONSyntaxError: Error, Sendable, Hashable {
    var description: String
}

extension JSONValue: Codable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        // Decoder cannot say what comes next, so each kind is tried in turn, the common ones first.
        if let object = try? decoder.container(keyedBy: Key.self) {
            self = .object(
                try object.allKeys.sorted { $0.stringValue < $1.stringValue }.map {
                    ($0.stringValue, try object.decode(JSONValue.self, forKey: $0))
                })
            return
        }
        if var array = try? decoder.unkeyedContainer() {
            var values: [JSONValue] = []
            while !array.isAtEnd { values.append(try array.decode(JSONValue.self)) }
            self = .array(values)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let text = try? single.decode(String.self) {
            self = .string(text)
        } else if let flag = try? single.decode(Bool.self) {
            self = .bool(flag)
        } else {
            self = .number(try single.decode(Decimal.self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var single = encoder.singleValueContainer()
            try single.encodeNil()
        case .bool(let flag):
            var single = encoder.singleValueContainer()
            try single.encode(flag)
        case .number(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .string(let text):
            var single = encoder.singleValueContainer()
            try single.encode(text)
        case .array(let values):
            var array = encoder.unkeyedContainer()
            for value in values { try array.encode(value) }
        case .object(let members):
            var object = encoder.container(keyedBy: Key.self)
            for (key, value) in members { try object.encode(value, forKey: Key(stringValue: key)) }
        }
    }

    /// Parses one JSON document (RFC 8259).
    static func parse<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws(JSONSyntaxError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw JSONSyntaxError(description: "\(error)")
        }
    }

    static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue { try parse(Array(text.utf8)) }

    /// Compact JSON text, keys sorted.
    var serialized: String { String(decoding: bytes, as: UTF8.self) }

    var bytes: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every case encodes: numbers are `Decimal`s and strings are Swift strings, so the
        // encoder has nothing to refuse.
        return (try? Array(encoder.encode(self))) ?? Array("null".utf8)
    }
}
