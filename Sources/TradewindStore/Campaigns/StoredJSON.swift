import Foundation

/// Core's Codable values as the JSON text `jsonb` columns take and give back.
enum StoredJSON {
    static func encode<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<Value: Decodable>(_ type: Value.Type, _ text: String) throws -> Value {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

/// A stored row holds a code this build does not know: a newer build wrote it, or it was edited
/// by hand. Never expected; the row is not guessed at.
struct StoredValueError: Error, CustomStringConvertible {
    var table: String
    var id: UUID
    var description: String { "\(table) \(id.uuidString.lowercased()) holds a code this build does not know" }
}
