/// A string as its code points (`U+00A0`), so that a golden test failing on a no-break space or a
/// right-to-left mark shows which one.
func codePoints(_ text: String) -> [String] {
    text.unicodeScalars.map { scalar in
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
