import Testing
import TradewindLocalization

/// The lint refuses what ICU accepts without a word (a plural missing a category its locale uses, or
/// holding one it does not) and what ICU would refuse at render time.
@Suite("Message templates: lint")
struct MessageTemplateLintTests {
    static func lint(_ pattern: String, _ locale: String) throws -> [TemplateProblem] {
        try MessageTemplate(pattern).lint(locale: locale)
    }

    @Test(
        "correct templates pass in each locale",
        arguments: [
            (
                "ar_SA",
                "{n, plural, zero {لا منتجات} one {منتج} two {منتجان} few {# منتجات} many {# منتجًا} other {# منتج}}"
            ),
            ("ru_RU", "{n, plural, one {# товар} few {# товара} many {# товаров} other {# товара}}"),
            ("pl_PL", "{n, plural, one {# produkt} few {# produkty} many {# produktów} other {# produktu}}"),
            ("he_IL", "{n, plural, one {מוצר אחד} two {שני מוצרים} other {# מוצרים}}"),
            ("zh_CN", "{n, plural, other {# 件商品}}"),
            ("ja_JP", "{n, plural, =0 {商品はありません} other {# 点の商品}}"),
            (
                "en_US",
                "{g, select, female {She} other {They}} ranked {n, selectordinal, one {#st} two {#nd} few {#rd} other {#th}}"
            ),
        ])
    func correct(locale: String, pattern: String) throws {
        #expect(try Self.lint(pattern, locale) == [])
    }

    @Test("Arabic without few: ICU would render 3 as other")
    func missingCategory() throws {
        let pattern = "{n, plural, zero {0} one {1} two {2} many {#} other {#}}"
        #expect(try Self.lint(pattern, "ar_SA") == [.missingCategory(argument: "n", category: .few, kind: .cardinal)])
    }

    @Test("Russian without many, and every category missing in a bare Polish plural")
    func missingCategories() throws {
        #expect(
            try Self.lint("{n, plural, one {#} few {#} other {#}}", "ru_RU")
                == [.missingCategory(argument: "n", category: .many, kind: .cardinal)])
        #expect(
            try Self.lint("{n, plural, other {#}}", "pl_PL")
                == [.one, .few, .many].map { .missingCategory(argument: "n", category: $0, kind: .cardinal) })
    }

    @Test("few in English, many in Hebrew, and a word that is no category")
    func categoryNotInLocale() throws {
        #expect(
            try Self.lint("{n, plural, one {#} few {#} other {#}}", "en_US")
                == [.categoryNotInLocale(argument: "n", category: "few", kind: .cardinal)])
        #expect(
            try Self.lint("{n, plural, one {#} two {#} many {#} other {#}}", "he_IL")
                == [.categoryNotInLocale(argument: "n", category: "many", kind: .cardinal)])
        #expect(
            try Self.lint("{n, plural, one {#} several {#} other {#}}", "en_US")
                == [.categoryNotInLocale(argument: "n", category: "several", kind: .cardinal)])
    }

    @Test("=N branches are not categories: Arabic =0 does not stand for zero")
    func exactBranches() throws {
        let pattern = "{n, plural, =0 {0} one {1} two {2} few {#} many {#} other {#}}"
        #expect(try Self.lint(pattern, "ar_SA") == [.missingCategory(argument: "n", category: .zero, kind: .cardinal)])
    }

    @Test("selectordinal is checked against the ordinal categories")
    func ordinal() throws {
        #expect(
            try Self.lint("{n, selectordinal, one {#st} two {#nd} other {#th}}", "en_US")
                == [.missingCategory(argument: "n", category: .few, kind: .ordinal)])
        #expect(
            try Self.lint("{n, selectordinal, one {#st} two {#nd} few {#rd} many {#} other {#th}}", "en_US")
                == [.categoryNotInLocale(argument: "n", category: "many", kind: .ordinal)])
        // French ordinals have only one and other, where the cardinals add many.
        #expect(try Self.lint("{n, selectordinal, one {#er} other {#e}}", "fr_FR") == [])
    }

    @Test("a plural or select without other")
    func missingOther() throws {
        #expect(try Self.lint("{n, plural, one {# item}}", "en_US") == [.missingOther(argument: "n")])
        #expect(try Self.lint("{g, select, female {She}}", "en_US") == [.missingOther(argument: "g")])
    }

    @Test("unbalanced braces, at the brace that is never closed or closes nothing")
    func unbalanced() throws {
        #expect(try Self.lint("Hi {name", "en_US") == [.unbalancedBraces(offset: 3)])
        #expect(try Self.lint("{n, plural, one {#} other {#}", "en_US") == [.unbalancedBraces(offset: 0)])
        #expect(try Self.lint("{n, plural, one {#} other {# items}", "en_US") == [.unbalancedBraces(offset: 0)])
        #expect(try Self.lint("Hi {name}}", "en_US") == [.unbalancedBraces(offset: 9)])
        #expect(try Self.lint("Hi '{'name}", "en_US") == [.unbalancedBraces(offset: 10)])
    }

    @Test("an unknown argument type, and the legacy choice")
    func types() throws {
        #expect(try Self.lint("{p, nummber}", "en_US") == [.unknownArgumentType(argument: "p", type: "nummber")])
        #expect(try Self.lint("{p, number, currency} on {d, date, short}", "en_US") == [])
        guard case .syntax? = try Self.lint("{n, choice, 0#none|1#one}", "en_US").first else {
            Issue.record("choice should be refused")
            return
        }
    }

    @Test("a duplicate branch, and nested arguments are checked too")
    func duplicateAndNested() throws {
        #expect(
            try Self.lint("{n, plural, one {a} one {b} other {c}}", "en_US")
                == [.duplicateBranch(argument: "n", selector: "one")])
        let nested = "{g, select, female {{n, plural, one {#} other {#}}} other {{n, plural, other {#}}}}"
        #expect(try Self.lint(nested, "en_US") == [.missingCategory(argument: "n", category: .one, kind: .cardinal)])
    }

    @Test("other syntax errors name the argument")
    func syntax() throws {
        for pattern in ["{}", "{n, plural}", "{n, plural, one # other {#}}", "{n, plural, one {#} offset:1 other {#}}"]
        {
            guard case .syntax? = try Self.lint(pattern, "en_US").first else {
                Issue.record("\(pattern) should be a syntax problem")
                continue
            }
        }
    }

    @Test("a locale without a region is refused rather than linted against the wrong rules")
    func locale() {
        #expect(throws: LocalizationError.self) { try Self.lint("{n, plural, other {#}}", "ar") }
    }
}
