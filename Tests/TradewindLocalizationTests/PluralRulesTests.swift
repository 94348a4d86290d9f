import Testing
import TradewindLocalization

/// CLDR plural rules as ICU 76.1 in Swift 6.3.1 has them (research §C3). A toolchain whose ICU
/// changes a category fails here first.
@Suite("Plural rules (ICU 76.1)")
struct PluralRulesTests {
    @Test(
        "each locale's categories",
        arguments: [
            ("ar_SA", [PluralCategory.zero, .one, .two, .few, .many, .other]),
            ("ru_RU", [.one, .few, .many, .other]),
            ("uk_UA", [.one, .few, .many, .other]),
            ("pl_PL", [.one, .few, .many, .other]),
            ("fr_FR", [.one, .many, .other]),
            // An older CLDR had a `many` for Hebrew; ICU 76.1 does not.
            ("he_IL", [.one, .two, .other]),
            ("zh_CN", [.other]), ("ja_JP", [.other]), ("ko_KR", [.other]), ("th_TH", [.other]),
            ("en_US", [.one, .other]), ("de_DE", [.one, .other]),
        ])
    func categories(locale: String, expected: [PluralCategory]) throws {
        #expect(try PluralRules(locale: locale).categories == Set(expected))
    }

    @Test(
        "the vectors of each locale",
        arguments: [
            (
                "ar_SA",
                [
                    (0, PluralCategory.zero), (1, .one), (2, .two), (3, .few), (10, .few), (11, .many), (99, .many),
                    (100, .other), (102, .other), (103, .few), (111, .many), (1000, .other), (1.5, .other),
                ]
            ),
            (
                "ru_RU",
                [
                    (1, .one), (21, .one), (2, .few), (22, .few), (5, .many), (11, .many), (25, .many),
                    (111, .many), (1.5, .other),
                ]
            ),
            (
                "uk_UA",
                [
                    (1, .one), (21, .one), (2, .few), (22, .few), (5, .many), (11, .many), (25, .many),
                    (111, .many), (1.5, .other),
                ]
            ),
            ("pl_PL", [(1, .one), (2, .few), (22, .few), (0, .many), (5, .many), (12, .many), (1.5, .other)]),
            ("fr_FR", [(0, .one), (1, .one), (1.5, .one), (2, .other), (1_000_000, .many)]),
            ("he_IL", [(1, .one), (2, .two), (3, .other), (20, .other)]),
            ("zh_CN", [(0, .other), (1, .other), (2, .other), (1.5, .other)]),
            ("ja_JP", [(0, .other), (1, .other), (2, .other)]),
            ("ko_KR", [(0, .other), (1, .other), (2, .other)]),
            ("th_TH", [(0, .other), (1, .other), (2, .other)]),
            ("en_US", [(1, .one), (0, .other), (2, .other)]),
            ("de_DE", [(1, .one), (0, .other), (2, .other)]),
        ] as [(String, [(Double, PluralCategory)])])
    func vectors(locale: String, vectors: [(Double, PluralCategory)]) throws {
        let rules = try PluralRules(locale: locale)
        for (number, category) in vectors {
            #expect(rules.select(number) == category, "\(locale) \(number)")
        }
    }

    @Test("ordinal rules: English 1st, 2nd, 3rd, 4th, 11th, 22nd")
    func ordinals() throws {
        let rules = try PluralRules(locale: "en_US", kind: .ordinal)
        #expect(rules.categories == [.one, .two, .few, .other])
        #expect([1, 2, 3, 4, 11, 22].map { rules.select($0) } == [.one, .two, .few, .other, .other, .two])
    }

    @Test("a locale needs a region and a language ICU knows; BCP 47 dashes are accepted")
    func locales() throws {
        #expect(try PluralRules(locale: "ar-SA").locale == "ar_SA")
        #expect(throws: LocalizationError.self) { try PluralRules(locale: "ar") }
        #expect(throws: LocalizationError.self) { try PluralRules(locale: "xx_YY") }
        #expect(throws: LocalizationError.self) { try PluralRules(locale: "") }
        #expect(throws: LocalizationError.self) { try PluralRules(locale: "ar_SA; rm -rf") }
    }
}
