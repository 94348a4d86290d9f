import Foundation
import Testing

@testable import TradewindSandbox

@Suite("Sandbox JSON writing")
struct JSONWritingTests {
    /// Escapes, non-ASCII text, every number shape and nesting, in keys and values.
    static let tricky: JSONValue = [
        "numbers": [3.0, 1.25, 1e-7, 1e21, -0.5, 123_456_789.125, .int(-9), .int(Int64.max), true, false, .null],
        "text": "quote \" backslash \\ slash / newline \n tab \t return \r \u{08}\u{0C}\u{01}\u{1F} é 漢 😀",
        "Upper": [:], "é": [], "nested": ["b": ["c": [["d": "e"]]], "a": .int(1)],
        "key \"with\" escapes\n": .string(""),
    ]

    @Test("what serialized() writes is byte for byte what JSONEncoder writes with sorted keys")
    func sameAsJSONEncoder() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = String(decoding: try encoder.encode(Self.tricky), as: UTF8.self)
        #expect(String(decoding: Self.tricky.serialized(), as: UTF8.self) == expected)
    }

    @Test("the text parses back to the same strings, keys and structure")
    func roundTrip() throws {
        let parsed = try #require(JSONValue.parse(Self.tricky.serialized()))
        #expect(parsed["text"] == Self.tricky["text"])
        #expect(parsed["key \"with\" escapes\n"] == .string(""))
        #expect(parsed["nested"] == Self.tricky["nested"])
        #expect(parsed["numbers"]?.arrayValue?.count == 11)
        #expect(parsed["numbers"]?.arrayValue?[1] == .double(1.25))
        #expect(parsed["numbers"]?.arrayValue?[7] == .int(Int64.max))
    }
}
