import Testing

@testable import TradewindCore

/// The matcher a copywriter cannot slip past: each evasion of the issue, and the span it maps back
/// to in the text as sent (Unicode scalar offsets).
@Suite("Ad copy matching")
struct CopyMatcherTests {
    static func spans(_ rule: [String], in text: String, exemptions: [String] = []) -> [Range<Int>] {
        let matcher = CopyMatcher(
            phrases: rule.map { CopyPhrase(ruleID: "r", text: $0) }
                + exemptions.map { CopyPhrase(ruleID: "r", text: $0, exempts: true) })
        return matcher.matches(in: text).map(\.span)
    }

    @Test("the classic automaton case: every overlapping phrase, by its folded range")
    func automaton() {
        let phrases = ["he", "she", "his", "hers"].map { Array($0.unicodeScalars) }
        let found = PhraseAutomaton(phrases).occurrences(in: Array("ushers".unicodeScalars))
        #expect(found.map(\.phrase) == [1, 0, 3])
        #expect(found.map(\.range) == [1..<4, 2..<4, 2..<6])
    }

    @Test("Latin words: case, whole words only, punctuation inside a phrase")
    func latinWords() {
        #expect(Self.spans(["best"], in: "The BEST price") == [4..<8])
        #expect(Self.spans(["best"], in: "bestow, unbeatable").isEmpty)
        #expect(Self.spans(["best"], in: "(best)") == [1..<5])
        #expect(Self.spans(["100% natural"], in: "100 % Natural!") == [0..<13])
    }

    @Test("full-width letters, Cyrillic and Greek look-alikes, zero-width and bidi characters")
    func evasions() {
        #expect(Self.spans(["best"], in: "ＢＥＳＴ price") == [0..<4])
        // A Cyrillic "е" (U+0435) and a Greek "Τ" (U+03A4).
        #expect(Self.spans(["best"], in: "b\u{0435}s\u{03A4}") == [0..<4])
        #expect(Self.spans(["tradewind"], in: "Тradewind") == [0..<9])
        #expect(Self.spans(["best"], in: "be\u{200B}st deal") == [0..<5])
        #expect(Self.spans(["best"], in: "\u{202E}best\u{202C}") == [1..<5])
        #expect(Self.spans(["best"], in: "b\u{00AD}est") == [0..<5])
    }

    @Test("Chinese: anywhere in the text, through inserted spaces and punctuation, traditional forms")
    func chinese() {
        #expect(Self.spans(["最佳"], in: "全球最佳品牌") == [2..<4])
        for inserted in ["最 佳", "最·佳", "最.佳", "最\u{3000}佳", "最 - 佳", "最\u{200B}佳"] {
            #expect(Self.spans(["最佳"], in: inserted).count == 1, "\(inserted)")
        }
        #expect(Self.spans(["国家级"], in: "國家級產品") == [0..<3])
        #expect(Self.spans(["國家級"], in: "国家级产品") == [0..<3])
        // A space between a Chinese and a Latin word is a real one: "最 best" is not "最best".
        #expect(CopyText("最 best").folded == "最 best")
    }

    @Test("Japanese half-width katakana, Korean, and a compatibility character that expands")
    func otherUnspaced() {
        #expect(Self.spans(["セール"], in: "ｾｰﾙ開催中") == [0..<3])
        #expect(Self.spans(["최고"], in: "최고의 제품") == [0..<2])
        // "㈱" folds to "(株)": the match maps back to the one character it came from.
        #expect(Self.spans(["株"], in: "㈱テスト") == [0..<1])
    }

    @Test("Arabic: presentation forms, vowel marks, tatweel and a proclitic article")
    func arabic() {
        #expect(Self.spans(["خمر"], in: "\u{FEA7}\u{FEE4}\u{FEAE}") == [0..<3])
        #expect(Self.spans(["خمر"], in: "خَمْر فاخر") == [0..<5])
        #expect(Self.spans(["خمر"], in: "خـمر") == [0..<4])
        #expect(Self.spans(["خمر"], in: "الخمر") == [2..<5])
        #expect(Self.spans(["خمر"], in: "مخمري").isEmpty)
    }

    @Test("an exemption suppresses only the match it covers; a longer phrase of a rule is one finding")
    func exemptions() {
        // SAMR: a name that contains an absolute term is not a claim; the claim after it still is.
        #expect(Self.spans(["最佳"], in: "最佳拍档，最佳选择", exemptions: ["最佳拍档"]) == [5..<7])
        #expect(Self.spans(["最佳"], in: "最佳拍档", exemptions: ["最佳拍档"]).isEmpty)
        #expect(Self.spans(["最", "最佳"], in: "全球最佳") == [2..<4])
        let matcher = CopyMatcher(phrases: [
            CopyPhrase(ruleID: "a", text: "best"), CopyPhrase(ruleID: "b", text: "best price"),
            CopyPhrase(ruleID: "b", text: "best", exempts: true),
        ])
        // Rule b's exemption says nothing of rule a.
        #expect(matcher.matches(in: "best price").map(\.ruleID) == ["a", "b"])
    }

    @Test("a phrase of only punctuation or invisible characters folds to nothing")
    func emptyPhrase() {
        let matcher = CopyMatcher(phrases: [CopyPhrase(ruleID: "r", text: " !\u{200B} ")])
        #expect(matcher.isEmpty(phrase: 0))
        #expect(matcher.matches(in: "anything !").isEmpty)
    }
}

@Suite("Ad copy rule packs")
struct CopyRulePackTests {
    static func absolute(mustMatch: [String] = ["全球最佳品牌"], mustNotMatch: [String] = ["最佳拍档"]) -> CopyRule {
        CopyRule(
            id: "absolute-terms", severity: .block,
            explanation: ["en": "Absolute terms are banned in advertising.", "zh": "广告不得使用绝对化用语。"],
            reference: CopyReference(
                citation: "Advertising Law of the PRC, art. 9(3)", url: "https://www.samr.gov.cn/", verified: false),
            phrases: ["最佳", "国家级"], exemptions: ["最佳拍档"], mustMatch: mustMatch, mustNotMatch: mustNotMatch)
    }

    @Test("a pack whose examples hold loads, and findings carry the pack and rule")
    func loads() throws {
        let compiled = try CompiledCopyRules([
            CopyRulePack(id: "cn", version: "2026.12.1", markets: ["CN"], rules: [Self.absolute()])
        ])
        #expect(compiled.matcher.matches(in: "國家級品质").map(\.ruleID) == ["cn/absolute-terms"])
        #expect(compiled.rule("cn/absolute-terms")?.severity == .block)
        #expect(CopySeverity.allCases.sorted() == [.pass, .warn, .review, .block])
    }

    @Test("a pack refuses to load naming the rule and the example that failed")
    func refuses() {
        let missed = CopyRulePack(id: "cn", version: "1", markets: ["CN"], rules: [Self.absolute(mustMatch: ["最好的品牌"])])
        #expect(throws: CopyRulePackError(pack: "cn", rule: "absolute-terms", problem: "finds nothing in \"最好的品牌\"")) {
            try CompiledCopyRules([missed])
        }
        let overreach = CopyRulePack(
            id: "cn", version: "1", markets: ["CN"], rules: [Self.absolute(mustNotMatch: ["最佳选择"])])
        #expect(
            throws: CopyRulePackError(
                pack: "cn", rule: "absolute-terms", problem: "finds \"最佳\" in \"最佳选择\", which it must not match")
        ) { try CompiledCopyRules([overreach]) }
        let twice = CopyRulePack(id: "cn", version: "1", markets: ["CN"], rules: [Self.absolute(), Self.absolute()])
        #expect(throws: CopyRulePackError(pack: "cn", rule: "absolute-terms", problem: "the rule id is used twice")) {
            try CompiledCopyRules([twice])
        }
        var blank = Self.absolute()
        blank.phrases.append("！ ")
        #expect(
            throws: CopyRulePackError(
                pack: "cn", rule: "absolute-terms", problem: "the phrase \"！ \" is only spaces or punctuation")
        ) { try CompiledCopyRules([CopyRulePack(id: "cn", version: "1", markets: ["CN"], rules: [blank])]) }
    }
}

@Suite("Ad copy verdicts per market")
struct CopyVerdictTests {
    static func reference(_ citation: String) -> CopyReference {
        CopyReference(citation: citation, url: "https://example.org/", verified: false)
    }

    static func compiled() throws -> CompiledCopyRules {
        let disclosure = CopyRule(
            id: "undisclosed-sponsorship", kind: .required, scope: CopyRuleScope(sponsored: true), severity: .block,
            explanation: ["en": "A sponsored post must say so clearly."], reference: Self.reference("16 CFR 255.5"),
            phrases: ["#ad", "sponsored", "paid partnership"], exemptible: false,
            suggestion: "Add \"#ad\" at the start.",
            mustMatch: ["Loving this serum!"], mustNotMatch: ["#ad Loving this serum", "Sponsored: loving it"])
        let urgency = CopyRule(
            id: "false-urgency", scope: CopyRuleScope(withoutOfferEndDate: true), severity: .review,
            explanation: ["en": "A limited-time claim needs a real end date.", "de": "Befristung nur mit Enddatum."],
            reference: Self.reference("Directive 2005/29/EC, Annex I, no. 7"), phrases: ["only today", "nur heute"],
            exemptible: true, mustMatch: ["Nur heute: 20 %"], mustNotMatch: ["Heute geöffnet"])
        let clickbait = CopyRule(
            id: "click-here", severity: .warn, explanation: ["en": "Say what the link leads to."],
            reference: Self.reference("platform policy"), phrases: ["click here"], mustMatch: ["Click here!"],
            mustNotMatch: ["Clicking heresy"])
        return try CompiledCopyRules([
            CopyRulePack(id: "cn", version: "2026.12.1", markets: ["CN"], rules: [CopyRulePackTests.absolute()]),
            CopyRulePack(id: "us", version: "2026.12.2", markets: ["US"], rules: [disclosure]),
            CopyRulePack(id: "eu", version: "2026.11.9", markets: ["DE", "FR"], rules: [urgency]),
            CopyRulePack(id: "meta", version: "7", markets: ["*"], rules: [clickbait]),
        ])
    }

    @Test("each market keeps its own packs' findings; the verdict is the most severe; pack versions are recorded")
    func verdicts() throws {
        let rules = try Self.compiled()
        let draft = CopyDraft(
            fields: [.headline: "全球最佳品牌", .body: "Only today: click here", .callToAction: "Shop"], language: "zh-CN",
            sponsored: true)
        let verdicts = rules.check(draft, markets: ["CN", "US", "DE", "JP"])
        #expect(verdicts.map(\.market) == ["CN", "US", "DE", "JP"])
        #expect(verdicts.map(\.severity) == [.block, .block, .review, .warn])
        let china = verdicts[0]
        #expect(china.findings.map(\.ruleID) == ["cn/absolute-terms", "meta/click-here"])
        #expect(china.findings.first?.span == 2..<4 && china.findings.first?.field == .headline)
        #expect(china.findings.first?.localizedExplanation == "广告不得使用绝对化用语。")
        #expect(china.findings.first?.explanation == "Absolute terms are banned in advertising.")
        #expect(china.packVersions == ["cn": "2026.12.1", "meta": "7"])
        // The sponsored post says nowhere that it is one: a finding about the whole text.
        let missing = try #require(verdicts[1].findings.first)
        #expect(missing.ruleID == "us/undisclosed-sponsorship" && missing.span == nil && missing.phrase.isEmpty)
        #expect(missing.suggestion == "Add \"#ad\" at the start.")
        #expect(verdicts[2].findings.map(\.ruleID) == ["eu/false-urgency", "meta/click-here"])
        #expect(verdicts[2].findings.first?.span == 0..<10 && verdicts[2].findings.first?.exemptible == true)
    }

    @Test("scopes: a disclosure is found anywhere, an end date lifts the urgency rule, unsponsored posts owe none")
    func scopes() throws {
        let rules = try Self.compiled()
        let disclosed = CopyDraft(
            fields: [.headline: "New serum", .body: "#ad Loving it"], language: "en", sponsored: true)
        #expect(rules.check(disclosed, markets: ["US"]).first?.severity == .pass)
        let organic = CopyDraft(fields: [.headline: "New serum"], language: "en")
        #expect(rules.check(organic, markets: ["US"]).first?.findings.isEmpty == true)
        let dated = CopyDraft(fields: [.body: "Nur heute: 20 % Rabatt"], language: "de", offerEndDate: "2026-12-24")
        #expect(rules.check(dated, markets: ["DE"]).first?.severity == .pass)
        let undated = CopyDraft(fields: [.body: "Nur heute: 20 % Rabatt"], language: "de-DE")
        #expect(
            rules.check(undated, markets: ["DE"]).first?.findings.first?.localizedExplanation
                == "Befristung nur mit Enddatum.")
    }

    @Test("a required rule's examples are checked the other way round")
    func requiredExamples() {
        var rule = CopyRule(
            id: "disclosure", kind: .required, severity: .block, explanation: ["en": "x"],
            reference: Self.reference("x"), phrases: ["#ad"], mustMatch: ["#ad great"], mustNotMatch: [])
        #expect(
            throws: CopyRulePackError(
                pack: "us", rule: "disclosure",
                problem: "finds \"#ad\" in \"#ad great\", which it must flag as missing it")
        ) { try CompiledCopyRules([CopyRulePack(id: "us", version: "1", markets: ["US"], rules: [rule])]) }
        rule.mustMatch = []
        rule.mustNotMatch = ["great"]
        #expect(
            throws: CopyRulePackError(
                pack: "us", rule: "disclosure",
                problem: "finds none of its phrases in \"great\", which it must not flag")
        ) { try CompiledCopyRules([CopyRulePack(id: "us", version: "1", markets: ["US"], rules: [rule])]) }
    }
}

@Suite("Glossaries as rules")
struct CopyGlossaryTests {
    static let glossary = CopyGlossary(
        market: "DE", language: "de", keep: [.init(term: "iPhone", translations: ["Ei-Telefon"])],
        preferred: [.init(term: "Sneaker", insteadOf: ["Turnschuh"])],
        forbidden: [.init(term: "billig", reason: "Nie billig.")])

    @Test func spellingLanguageAndMarket() throws {
        let rules = try CompiledCopyRules([Self.glossary.rulePack(version: "3")])
        func found(_ text: String, language: String = "de", market: String = "DE") -> [String] {
            rules.check(CopyDraft(fields: [.headline: text], language: language), markets: [market])[0].findings
                .map(\.ruleID)
        }
        #expect(found("Das iPhone für alle").isEmpty, "written as the glossary writes it")
        #expect(found("Das IPHONE für alle") == ["glossary-de-de/keep-0-spelling"])
        #expect(found("Das ｉＰｈｏｎｅ für alle") == ["glossary-de-de/keep-0-spelling"], "full-width is another spelling")
        #expect(found("Das Ei-Telefon") == ["glossary-de-de/keep-0-untranslated"])
        #expect(Set(found("Billig: Turnschuh")) == ["glossary-de-de/forbidden-0", "glossary-de-de/prefer-0"])
        #expect(found("Billig: Turnschuh", language: "en").isEmpty, "another language")
        #expect(found("Billig: Turnschuh", market: "AT").isEmpty, "another market")
        let verdict = rules.check(CopyDraft(fields: [.body: "billig"], language: "de-AT"), markets: ["DE"])[0]
        #expect(verdict.severity == .block && verdict.packVersions == ["glossary-de-de": "3"])
    }
}
