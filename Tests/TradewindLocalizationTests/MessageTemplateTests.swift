import Testing

@testable import TradewindLocalization

/// ICU 76.1's exact output, code point by code point (research §C4): no-break spaces, right-to-left
/// marks and digits are part of what a reader sees, and a toolchain upgrade that changes them must
/// fail here rather than in an ad.
@Suite("Message templates: golden output of ICU 76.1")
struct MessageTemplateTests {
    static func render(_ pattern: String, _ locale: String, _ arguments: [String: MessageValue]) throws -> [String] {
        codePoints(try MessageTemplate(pattern).render(locale: locale, arguments: arguments))
    }

    @Test("currency in de_DE: a no-break space before the euro sign")
    func germanCurrency() throws {
        #expect(
            try Self.render("{price, number, currency}", "de_DE", ["price": 1234.5]) == codePoints("1.234,50\u{A0}€"))
    }

    @Test("currency in ar_SA: right-to-left marks around Arabic-Indic digits and the riyal")
    func saudiCurrency() throws {
        let expected = "\u{200F}\u{661}\u{66C}\u{662}\u{663}\u{664}\u{66B}\u{665}\u{660}\u{A0}\u{631}.\u{633}.\u{200F}"
        #expect(try Self.render("{price, number, currency}", "ar_SA", ["price": 1234.5]) == codePoints(expected))
    }

    @Test("a plain number in ar_SA: Arabic-Indic digits and separators, no marks")
    func saudiNumber() throws {
        let expected = "\u{661}\u{66C}\u{662}\u{663}\u{664}\u{66B}\u{665}"
        #expect(try Self.render("{n, number}", "ar_SA", ["n": 1234.5]) == codePoints(expected))
        // A plain argument given a number is formatted as one.
        #expect(try Self.render("{n}", "ar_SA", ["n": 1234.5]) == codePoints(expected))
    }

    @Test("a number in ar_AE: Latin digits")
    func emiratiNumber() throws {
        #expect(try Self.render("{n, number}", "ar_AE", ["n": 1234.5]) == codePoints("1,234.5"))
    }

    @Test("yen in ja_JP: no decimals; U+00A5 as the symbol, the full-width U+FFE5 only when narrow")
    func japaneseCurrency() throws {
        // The research note had the full-width ￥ for `currency`; ICU 76.1 in Swift 6.3.1 gives ¥.
        #expect(try Self.render("{p, number, currency}", "ja_JP", ["p": 1234]) == codePoints("\u{A5}1,234"))
        #expect(
            try Self.render("{p, number, ::currency/JPY unit-width-narrow}", "ja_JP", ["p": 1234])
                == codePoints("\u{FFE5}1,234"))
    }

    @Test("selectordinal in en_US: 22 is 22nd")
    func ordinal() throws {
        let pattern = "{n, selectordinal, one {#st} two {#nd} few {#rd} other {#th}}"
        #expect(try Self.render(pattern, "en_US", ["n": 22]) == codePoints("22nd"))
        #expect(try Self.render(pattern, "en_US", ["n": 13]) == codePoints("13th"))
    }

    @Test("offset:1 with 3: you and 2 others")
    func offset() throws {
        let pattern = "{n, plural, offset:1 =0 {nobody} =1 {you} one {you and # other} other {you and # others}}"
        #expect(try Self.render(pattern, "en_US", ["n": 3]) == codePoints("you and 2 others"))
        #expect(try Self.render(pattern, "en_US", ["n": 2]) == codePoints("you and 1 other"))
        #expect(try Self.render(pattern, "en_US", ["n": 1]) == codePoints("you"))
    }

    static let arabicItems =
        "{n, plural, zero {لا منتجات} one {منتج واحد} two {منتجان} few {# منتجات} many {# منتجًا} other {# منتج}}"

    @Test(
        "an Arabic plural renders all six forms, with Arabic-Indic digits",
        arguments: [
            (0, "لا منتجات"), (1, "منتج واحد"), (2, "منتجان"), (3, "\u{663} منتجات"),
            (11, "\u{661}\u{661} منتجًا"), (100, "\u{661}\u{660}\u{660} منتج"),
        ] as [(Double, String)])
    func arabicForms(count: Double, expected: String) throws {
        #expect(try Self.render(Self.arabicItems, "ar_SA", ["n": .number(count)]) == codePoints(expected))
    }

    @Test("the same Arabic plural with Latin digits where the locale asks for them")
    func arabicLatinDigits() throws {
        #expect(try Self.render(Self.arabicItems, "ar_SA@numbers=latn", ["n": 11]) == codePoints("11 منتجًا"))
    }

    @Test("named arguments, nested select and plural, spaces around names")
    func nested() throws {
        let pattern = """
            {gender, select, female {{ count , plural, one {She bought # item} other {She bought # items}}} \
            other {{count, plural, one {They bought # item} other {They bought # items}}}} from {shop}
            """
        #expect(
            try MessageTemplate(pattern).render(
                locale: "en_US", arguments: ["gender": "female", "count": 3, "shop": "Acme"])
                == "She bought 3 items from Acme")
        #expect(
            try MessageTemplate(pattern).render(
                locale: "en_US", arguments: ["gender": "other", "count": 1, "shop": "Acme"])
                == "They bought 1 item from Acme")
    }

    @Test("apostrophes: '' is one, '{' quotes a brace, '#' quotes in a plural, a lone one is literal")
    func apostrophes() throws {
        #expect(
            try MessageTemplate("Don''t '{'miss'}' {shop}'s sale").render(locale: "en_US", arguments: ["shop": "Acme"])
                == "Don't {miss} Acme's sale")
        #expect(
            try MessageTemplate("{n, plural, other {'#'# left}}").render(locale: "en_US", arguments: ["n": 5])
                == "#5 left")
        // A quoted brace is text, so the argument inside the quotes is no argument.
        #expect(try MessageTemplate("'{name}'").render(locale: "en_US", arguments: [:]) == "{name}")
    }

    @Test("arguments must be exactly the ones used, of the kind they are used as")
    func argumentErrors() {
        let template = MessageTemplate(
            "{count, plural, one {# item} other {# items}} for {gender, select, other {you}}")
        #expect(throws: LocalizationError.missingArgument("gender")) {
            try template.render(locale: "en_US", arguments: ["count": 1])
        }
        #expect(throws: LocalizationError.unknownArgument("cuont")) {
            try template.render(locale: "en_US", arguments: ["count": 1, "gender": "f", "cuont": 2])
        }
        #expect(throws: LocalizationError.wrongArgumentType(argument: "count", expected: .number)) {
            try template.render(locale: "en_US", arguments: ["count": "three", "gender": "f"])
        }
        #expect(throws: LocalizationError.wrongArgumentType(argument: "gender", expected: .text)) {
            try template.render(locale: "en_US", arguments: ["count": 1, "gender": 2])
        }
    }

    @Test("a broken template or locale is refused with what is wrong")
    func templateErrors() {
        #expect(throws: LocalizationError.invalidTemplate(.unbalancedBraces(offset: 0))) {
            try MessageTemplate("{n, plural, one {#} other {#}").render(locale: "en_US", arguments: ["n": 1])
        }
        #expect(throws: LocalizationError.invalidTemplate(.missingOther(argument: "n"))) {
            try MessageTemplate("{n, plural, one {# item}}").render(locale: "en_US", arguments: ["n": 1])
        }
        #expect(throws: LocalizationError.invalidTemplate(.unknownArgumentType(argument: "p", type: "nummber"))) {
            try MessageTemplate("{p, nummber}").render(locale: "en_US", arguments: ["p": 1])
        }
        // Without a region ICU formats currency as XXX, so the locale is refused.
        #expect(throws: LocalizationError.self) {
            try MessageTemplate("{p, number, currency}").render(locale: "de", arguments: ["p": 1])
        }
    }

    @Test("ICU's own refusals become errors that name the problem")
    func icuErrors() {
        #expect(throws: LocalizationError.icu(ICUError(code: 0x1010F, name: "U_DEFAULT_KEYWORD_MISSING"))) {
            try ICUMessageFormat(pattern: "{0, plural, one {# item}}", locale: "en_US")
        }
        #expect(throws: LocalizationError.icu(ICUError(code: 0x10107, name: "U_PATTERN_SYNTAX_ERROR"))) {
            try ICUMessageFormat(pattern: "{0, plural, one {# item} other {# items}", locale: "en_US")
        }
        #expect(
            ICUError(code: 0x1010F, name: "U_DEFAULT_KEYWORD_MISSING").description
                == "a plural or select argument has no 'other' branch (U_DEFAULT_KEYWORD_MISSING, 0x1010F)")
    }

    @Test("what ICU accepts silently: a missing Arabic few falls back to other")
    func silentFallback() throws {
        let pattern = "{n, plural, one {# one} other {# other}}"
        #expect(try MessageTemplate(pattern).render(locale: "ar_SA@numbers=latn", arguments: ["n": 3]) == "3 other")
    }

    @Test("a long result is formatted whole")
    func longResult() throws {
        let name = String(repeating: "Acme ", count: 200)
        #expect(try MessageTemplate("{name}!").render(locale: "en_US", arguments: ["name": .text(name)]) == name + "!")
    }
}
