import Foundation
import Testing

@testable import TradewindCore

/// Builds an ASCII string of `count` copies of `character`.
private func run(_ character: Character, _ count: Int) -> String {
    String(repeating: character, count: count)
}

/// A 64-byte local part and a 189-byte domain: exactly 254 bytes.
private let longestEmail = run("a", 64) + "@" + run("b", 63) + "." + run("c", 63) + "." + run("d", 57) + ".com"
private let tooLongEmail = run("a", 64) + "@" + run("b", 63) + "." + run("c", 63) + "." + run("d", 58) + ".com"

/// `x-ab-a-…-a`: a private-use language tag of exactly 64 bytes.
private let longestLanguageTag = "x-ab" + String(repeating: "-a", count: 30)

@Suite struct FieldFormatsTests {
    // MARK: Email

    @Test func emailBoundaryFixturesHaveTheIntendedLength() {
        #expect(longestEmail.utf8.count == 254)
        #expect(tooLongEmail.utf8.count == 255)
    }

    @Test(arguments: [
        "a@b.co",
        "user@example.com",
        "First.Last@Example.COM",
        "user.name+tag@sub.example-mail.org",
        "!#$%&'*+-/=?^_`{|}~@example.org",
        "1234@123.example.io",
        "user@example.xn--p1ai",
        "user@xn--80ak6aa92e.XN--P1AI",
        run("a", 64) + "@example.com",
        "a@" + run("b", 63) + ".com",
        longestEmail,
    ])
    func validEmail(_ email: String) {
        #expect(FieldFormats.isValidEmail(email))
    }

    @Test(arguments: [
        "",
        "plain",
        "@example.com",
        "user@",
        "user@@example.com",
        "a@b@example.com",
        ".user@example.com",
        "user.@example.com",
        "us..er@example.com",
        "us er@example.com",
        "\"quoted\"@example.com",
        "user(comment)@example.com",
        "user@localhost",
        "user@example.c",
        "user@example.c0m",
        "user@123.456",
        "user@example.xn--",
        "user@-example.com",
        "user@example-.com",
        "user@exa_mple.com",
        "user@example..com",
        "user@.example.com",
        "user@example.com.",
        "user@[127.0.0.1]",
        "user@example.com ",
        "üser@example.com",
        "user@exämple.com",
        "user@example.\u{212A}Z",
        run("a", 65) + "@example.com",
        "a@" + run("b", 64) + ".com",
        tooLongEmail,
    ])
    func invalidEmail(_ email: String) {
        #expect(!FieldFormats.isValidEmail(email))
    }

    // MARK: E.164

    @Test(arguments: ["+14155552671", "+442071838750", "+8613800138000", "+12345678", "+123456789012345"])
    func validE164(_ number: String) {
        #expect(FieldFormats.isValidE164(number))
    }

    @Test(arguments: [
        "",
        "+",
        "14155552671",
        "++14155552671",
        "+04155552671",
        "+1234567",
        "+1234567890123456",
        "+1 415 555 2671",
        "+1-415-555-2671",
        "+1415555267a",
        "+14155552671 ",
        "+١٤١٥٥٥٥٢٦٧١",
        "+１４１５５５５２６７１",
    ])
    func invalidE164(_ number: String) {
        #expect(!FieldFormats.isValidE164(number))
    }

    // MARK: Country codes

    @Test(arguments: ["GB", "US", "DE", "CN", "SG", "FR", "JP", "AX", "BQ", "SS", "AQ", "ZW"])
    func validCountryCode(_ code: String) {
        #expect(FieldFormats.isValidCountryCode(code))
    }

    @Test(arguments: ["UK", "XK", "EU", "UN", "AN", "de", "Gb", "gB", "G", "GBR", "", " GB", "GB ", "G B", "\u{212A}E"])
    func invalidCountryCode(_ code: String) {
        #expect(!FieldFormats.isValidCountryCode(code))
    }

    @Test func countryTableHoldsExactlyTheOfficialCodes() {
        // Checked against another source: ICU's region list (CLDR), less the codes ISO 3166-1
        // only reserves (exceptionally or transitionally) or that CLDR adds on its own.
        let notAssigned: Set<String> = ["AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XK"]
        let icu = Set(
            Locale.Region.isoRegions.map(\.identifier).filter { $0.count == 2 && $0.allSatisfy(\.isLetter) })
        #expect(Set(ISOCodes.countries) == icu.subtracting(notAssigned))
        #expect(ISOCodes.countries.count == 249)
    }

    // MARK: Currency codes

    @Test(arguments: ["EUR", "CNY", "SGD", "USD", "GBP", "JPY", "CHF", "SLE", "VES", "XCG", "ZWG", "XAU", "XDR"])
    func validCurrencyCode(_ code: String) {
        #expect(FieldFormats.isValidCurrencyCode(code))
    }

    @Test(arguments: [
        "XYZ", "eur", "Eur", "EU", "EURO", "", " EUR", "HRK", "BGN", "ANG", "SLL", "ZWL", "CUC", "RUR", "\u{212A}ES",
    ])
    func invalidCurrencyCode(_ code: String) {
        #expect(!FieldFormats.isValidCurrencyCode(code))
    }

    @Test func currencyTableHoldsListOne() {
        // Every code is one ICU knows too (its list also keeps withdrawn codes, so it is larger),
        // but for those newer than this machine's ICU: XAD, the Arab Accounting Dinar (2025).
        let icu = Set(Locale.Currency.isoCurrencies.map(\.identifier))
        #expect(Set(ISOCodes.currencies).subtracting(icu).subtracting(["XAD"]).isEmpty)
        #expect(ISOCodes.currencies.count == 178)
        #expect(Set(ISOCodes.currencies).count == ISOCodes.currencies.count)
    }

    // MARK: Language tags

    @Test(arguments: [
        "de",
        "en-GB",
        "EN-gb",
        "zh-Hans",
        "zh-Hant-TW",
        "sr-Latn-RS",
        "es-419",
        "en-US-x-twain",
        "zh-yue-HK",
        "zh-cmn-Hans-CN",
        "ar-aao-abc-def",
        "sl-rozaj-biske",
        "de-CH-1901",
        "hy-Latn-IT-arevela",
        "en-US-u-ca-gregory",
        "en-a-bbb-x-a-ccc",
        "x-whatever",
        longestLanguageTag,
    ])
    func validLanguageTag(_ tag: String) {
        #expect(FieldFormats.isValidLanguageTag(tag))
    }

    @Test(arguments: [
        "",
        "e",
        "english",
        "engl",
        "zh_Hans",
        "en--GB",
        "-en",
        "en-",
        "en GB",
        "i-klingon",
        "en-GB-oed",
        "en-Latn-Latn",
        "ar-aao-abc-def-ghi",
        "en-abcdefghi",
        "en-a",
        "en-a-b",
        "en-x",
        "en-x-abcdefghi",
        "en-US-x-twain-",
        "12-GB",
        "zh-Hänt",
        longestLanguageTag + "b",
    ])
    func invalidLanguageTag(_ tag: String) {
        #expect(!FieldFormats.isValidLanguageTag(tag))
    }

    @Test func languageTagBoundaryFixtureHasTheIntendedLength() {
        #expect(longestLanguageTag.utf8.count == 64)
    }

    // MARK: Time zones

    @Test(arguments: ["UTC", "Europe/London", "America/New_York", "Asia/Shanghai", "Asia/Singapore", "Etc/GMT+5"])
    func validTimeZone(_ identifier: String) {
        #expect(FieldFormats.isValidTimeZone(identifier))
    }

    @Test(arguments: [
        "",
        " ",
        "Mars/Olympus_Mons",
        "Europe/Londonn",
        " UTC",
        "UTC ",
        "\tUTC",
        "America/New York",
        "Europe/London\u{0}",
        "Europe/London\u{0}junk",
        "../../etc/passwd",
    ])
    func invalidTimeZone(_ identifier: String) {
        #expect(!FieldFormats.isValidTimeZone(identifier))
    }

    // MARK: Slugs

    @Test(arguments: ["abc", "my-shop", "a1b2", "shop-2024", "a-b-c", "z" + run("9", 39)])
    func validSlug(_ slug: String) {
        #expect(FieldFormats.isValidSlug(slug))
    }

    @Test(arguments: [
        "", "ab", "a-", "z" + run("9", 40), "1abc", "-abc", "abc-", "a--b", "ABC", "aBc", "my_shop", "my shop", "café",
    ])
    func invalidSlug(_ slug: String) {
        #expect(!FieldFormats.isValidSlug(slug))
    }

    // MARK: Tags

    @Test(arguments: ["a", "Z", "9", "env:prod", "team_a-1", "A:B_c-D", run("t", 64)])
    func validTag(_ tag: String) {
        #expect(FieldFormats.isValidTag(tag))
    }

    @Test(arguments: ["", run("t", 65), "a b", "a/b", "a.b", "tag!", "é", "a\n"])
    func invalidTag(_ tag: String) {
        #expect(!FieldFormats.isValidTag(tag))
    }

    // MARK: Attribute keys

    @Test(arguments: ["a", "color", "max_items_2", "a_", "k" + run("0", 63)])
    func validAttributeKey(_ key: String) {
        #expect(FieldFormats.isValidAttributeKey(key))
    }

    @Test(arguments: ["", "k" + run("0", 64), "1abc", "_abc", "Color", "a-b", "a:b", "a b", "ключ"])
    func invalidAttributeKey(_ key: String) {
        #expect(!FieldFormats.isValidAttributeKey(key))
    }

    // MARK: Printable text

    @Test(arguments: [
        ("hello", 5),
        ("Hello, world!", 100),
        ("日本語", 3),
        ("👨‍👩‍👧", 1),
        ("e\u{301}", 1),
        ("\u{FFFD}", 1),
        ("zero\u{200B}width", 20),
    ])
    func printableText(_ text: String, maxLength: Int) {
        #expect(FieldFormats.isPrintableText(text, maxLength: maxLength))
    }

    @Test(arguments: [
        ("", 10),
        ("hello", 4),
        ("日本語", 2),
        ("x", 0),
        ("x", -1),
        ("a\tb", 10),
        ("a\nb", 10),
        ("a\r\nb", 10),
        ("\u{0}", 10),
        ("\u{7F}", 10),
        ("\u{85}", 10),
        ("\u{1B}[31mred", 20),
    ])
    func unprintableText(_ text: String, maxLength: Int) {
        #expect(!FieldFormats.isPrintableText(text, maxLength: maxLength))
    }

    // MARK: Idempotency keys

    @Test(arguments: ["a", "550e8400-e29b-41d4-a716-446655440000", "~!@#$%^&*()_+{}|:<>?", run("k", 100)])
    func validIdempotencyKey(_ key: String) {
        #expect(FieldFormats.isValidIdempotencyKey(key))
    }

    @Test(arguments: ["", run("k", 101), "has space", "tab\t", "é", "\u{7F}", "\u{0}"])
    func invalidIdempotencyKey(_ key: String) {
        #expect(!FieldFormats.isValidIdempotencyKey(key))
    }
}
