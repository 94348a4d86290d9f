import Foundation

/// Syntax checks for client-supplied fields, kept in one place so every service validates alike.
///
/// The ASCII-only checks work on UTF-8 bytes rather than `Character`s: Swift compares strings by canonical
/// equivalence, so `"\u{212A}E"` (KELVIN SIGN, E) equals `"KE"` and would otherwise slip through a table lookup.
public enum FieldFormats {
    /// Whether `s` is a plain ASCII `local@domain` mailbox (pragmatic RFC 5321), at most 254 bytes.
    public static func isValidEmail(_ s: String) -> Bool {
        let bytes = s.utf8
        guard bytes.count <= 254 else { return false }
        let parts = bytes.split(separator: .at, omittingEmptySubsequences: false)
        guard parts.count == 2, (1...64).contains(parts[0].count) else { return false }

        // Dot-atom: non-empty runs of atext separated by single dots.
        let atoms = parts[0].split(separator: .dot, omittingEmptySubsequences: false)
        guard atoms.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isAtext) }) else { return false }

        let labels = parts[1].split(separator: .dot, omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy(isHostnameLabel), let tld = labels.last else { return false }
        return (tld.count >= 2 && tld.allSatisfy(\.isASCIILetter)) || isPunycode(tld)
    }

    /// Whether `s` is an E.164 number: `+` then 8–15 digits, the first not `0`.
    public static func isValidE164(_ s: String) -> Bool {
        let bytes = s.utf8
        guard bytes.first == .plus else { return false }
        let digits = bytes.dropFirst()
        return (8...15).contains(digits.count) && digits.allSatisfy(\.isASCIIDigit) && digits.first != .zero
    }

    /// Whether `s` is an officially assigned ISO 3166-1 alpha-2 country code, in uppercase.
    public static func isValidCountryCode(_ s: String) -> Bool {
        s.utf8.count == 2 && s.utf8.allSatisfy(\.isASCIIUppercaseLetter) && ISOCodes.countries.contains(s)
    }

    /// Whether `s` is an active ISO 4217 alphabetic currency code, in uppercase.
    public static func isValidCurrencyCode(_ s: String) -> Bool {
        s.utf8.count == 3 && s.utf8.allSatisfy(\.isASCIIUppercaseLetter) && ISOCodes.currencies.contains(s)
    }

    /// Whether `s` is a well-formed BCP 47 language tag (RFC 5646 syntax, any case, at most 64 bytes).
    ///
    /// Grandfathered tags are refused, and so are primary language subtags of 4–8 letters: none is registered,
    /// and accepting them would let free text such as `english` through.
    public static func isValidLanguageTag(_ s: String) -> Bool {
        guard s.utf8.count <= 64 else { return false }
        let subtags = s.utf8.split(separator: .hyphen, omittingEmptySubsequences: false)
        guard subtags.allSatisfy({ (1...8).contains($0.count) && $0.allSatisfy(\.isASCIIAlphanumeric) }) else {
            return false
        }
        var rest = subtags[...]

        /// Drops up to `limit` leading subtags that match, returning how many it dropped.
        @discardableResult
        func drop(upTo limit: Int = .max, _ matches: (Substring.UTF8View) -> Bool) -> Int {
            var dropped = 0
            while dropped < limit, let next = rest.first, matches(next) {
                rest.removeFirst()
                dropped += 1
            }
            return dropped
        }

        // A tag may be private use alone, e.g. `x-whatever`.
        if let first = rest.first, isPrivateUseSingleton(first) {
            return rest.count > 1
        }

        // language ["-" extlang] ["-" script] ["-" region] *("-" variant), in that order.
        guard drop(upTo: 1, { isLetters($0, count: 2...3) }) == 1 else { return false }
        drop(upTo: 3) { isLetters($0, count: 3...3) }
        drop(upTo: 1) { isLetters($0, count: 4...4) }
        drop(upTo: 1) { isLetters($0, count: 2...2) || ($0.count == 3 && $0.allSatisfy(\.isASCIIDigit)) }
        drop { (5...8).contains($0.count) || ($0.count == 4 && $0.first?.isASCIIDigit == true) }

        // *("-" extension): a singleton other than `x`, then one or more subtags of 2–8 characters.
        while let next = rest.first, next.count == 1, !isPrivateUseSingleton(next) {
            rest.removeFirst()
            guard drop({ $0.count >= 2 }) > 0 else { return false }
        }

        // ["-" privateuse]: `x`, then one or more subtags of 1–8 characters.
        if let next = rest.first, isPrivateUseSingleton(next) {
            return rest.count > 1
        }
        return rest.isEmpty
    }

    /// Whether `s` names a time zone Foundation knows, written in printable ASCII without spaces.
    ///
    /// The ASCII check matters beyond whitespace: `TimeZone(identifier:)` stops reading at a NUL byte.
    public static func isValidTimeZone(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy(\.isVisibleASCII) && TimeZone(identifier: s) != nil
    }

    /// Whether `s` is a URL-safe slug: 3–40 of `a-z`, `0-9` and single inner hyphens, starting with a letter.
    public static func isValidSlug(_ s: String) -> Bool {
        let bytes = s.utf8
        guard (3...40).contains(bytes.count), bytes.first?.isASCIILowercaseLetter == true else { return false }
        return bytes.split(separator: .hyphen, omittingEmptySubsequences: false).allSatisfy { word in
            !word.isEmpty && word.allSatisfy { $0.isASCIILowercaseLetter || $0.isASCIIDigit }
        }
    }

    /// Whether `s` is a tag: 1–64 ASCII letters, digits, `-`, `_` or `:`.
    public static func isValidTag(_ s: String) -> Bool {
        let bytes = s.utf8
        return (1...64).contains(bytes.count)
            && bytes.allSatisfy { $0.isASCIIAlphanumeric || $0 == .hyphen || $0 == .underscore || $0 == .colon }
    }

    /// Whether `s` is an attribute key: 1–64 of `a-z`, `0-9` and `_`, starting with a letter.
    public static func isValidAttributeKey(_ s: String) -> Bool {
        let bytes = s.utf8
        return (1...64).contains(bytes.count) && bytes.first?.isASCIILowercaseLetter == true
            && bytes.allSatisfy { $0.isASCIILowercaseLetter || $0.isASCIIDigit || $0 == .underscore }
    }

    /// Whether `s` is 1...`maxLength` characters with no control character (Cc), tabs and newlines included.
    public static func isPrintableText(_ s: String, maxLength: Int) -> Bool {
        // A character is at least one byte, so the cheap byte count settles most strings without counting.
        guard !s.isEmpty, s.utf8.count <= maxLength || s.count <= maxLength else { return false }
        // Printable ASCII, by far the common case, needs no Unicode property look-up.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return true }
        return !s.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// Whether `s` is an absolute `https` URL with a host, at most 2,048 bytes and without
    /// spaces: what channels take as an ad's landing page.
    public static func isValidHTTPSURL(_ s: String) -> Bool {
        guard s.utf8.count <= 2_048, s.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
            let components = URLComponents(string: s), components.scheme?.lowercased() == "https",
            let host = components.host, !host.isEmpty
        else { return false }
        return true
    }

    /// Whether `s` is an idempotency key: 1–100 printable ASCII characters, no spaces.
    public static func isValidIdempotencyKey(_ s: String) -> Bool {
        (1...100).contains(s.utf8.count) && s.utf8.allSatisfy(\.isVisibleASCII)
    }

    /// A DNS label: 1–63 letters, digits and hyphens, not starting or ending with a hyphen.
    private static func isHostnameLabel(_ label: Substring.UTF8View) -> Bool {
        (1...63).contains(label.count) && label.first != .hyphen && label.last != .hyphen
            && label.allSatisfy { $0.isASCIIAlphanumeric || $0 == .hyphen }
    }

    /// An IDNA A-label such as `xn--p1ai`; assumes `label` already passed `isHostnameLabel`.
    private static func isPunycode(_ label: Substring.UTF8View) -> Bool {
        label.count > 4 && label.prefix(4).map { $0 | 0x20 }.elementsEqual("xn--".utf8)
    }

    private static func isLetters(_ subtag: Substring.UTF8View, count: ClosedRange<Int>) -> Bool {
        count.contains(subtag.count) && subtag.allSatisfy(\.isASCIILetter)
    }

    private static func isPrivateUseSingleton(_ subtag: Substring.UTF8View) -> Bool {
        subtag.count == 1 && (subtag.first == UInt8(ascii: "x") || subtag.first == UInt8(ascii: "X"))
    }
}

extension UInt8 {
    fileprivate static let at = UInt8(ascii: "@")
    fileprivate static let dot = UInt8(ascii: ".")
    fileprivate static let hyphen = UInt8(ascii: "-")
    fileprivate static let underscore = UInt8(ascii: "_")
    fileprivate static let colon = UInt8(ascii: ":")
    fileprivate static let plus = UInt8(ascii: "+")
    fileprivate static let zero = UInt8(ascii: "0")

    fileprivate var isASCIIDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
    fileprivate var isASCIIUppercaseLetter: Bool { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self) }
    fileprivate var isASCIILowercaseLetter: Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) }
    fileprivate var isASCIILetter: Bool { isASCIIUppercaseLetter || isASCIILowercaseLetter }
    fileprivate var isASCIIAlphanumeric: Bool { isASCIILetter || isASCIIDigit }

    /// Printable ASCII other than space (0x21–0x7E).
    fileprivate var isVisibleASCII: Bool { (0x21...0x7E).contains(self) }

    /// RFC 5322 `atext`: letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
    fileprivate var isAtext: Bool { isASCIIAlphanumeric || "!#$%&'*+-/=?^_`{|}~".utf8.contains(self) }
}
