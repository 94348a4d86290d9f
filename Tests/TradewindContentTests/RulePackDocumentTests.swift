import Testing
import TradewindContent
import TradewindCore

/// The pack file format: every mistake an author can make is refused with the file, the line and
/// what is wrong, never loaded half-right.
@Suite("Rule pack files")
struct RulePackDocumentTests {
    static let valid = """
        pack: test
        version: 1.0.0
        markets: [CN, TW]
        rules:
          - id: absolute-terms
            severity: block
            applies_to: {fields: [headline, body], sponsored: false, languages: [ZH]}
            phrases: [最好, 最佳]
            exemptions: [最好的时光]
            exemptible: false
            suggestion: 用可证实的描述代替
            explanation:
              en: Absolute terms are forbidden.
              zh: 禁止使用绝对化用语。
            reference: {citation: "Advertising Law art. 9(3)", url: "https://example.org/law", verified: true}
            examples:
              match: [全网最好的面霜]
              no_match: [给你最好的时光]
          - id: ad-label
            kind: required
            severity: block
            applies_to: {sponsored: true, categories: [cosmetics]}
            phrases: [广告]
            explanation: {en: Label it as an ad.}
            reference: {citation: "art. 14", url: "https://example.org/law", verified: false}
            examples: {match: [好用的面霜], no_match: [广告：好用的面霜]}
        """

    @Test func readsEveryKey() throws {
        let pack = try RulePackDocument.parse(Self.valid, file: "test.yaml")
        #expect(pack.id == "test" && pack.version == "1.0.0" && pack.markets == ["CN", "TW"] && pack.channels.isEmpty)
        let absolute = pack.rules[0]
        #expect(absolute.kind == .forbidden && absolute.severity == .block)
        #expect(absolute.scope.fields == [.headline, .body] && absolute.scope.sponsored == false)
        #expect(absolute.scope.languages == ["zh"])
        #expect(absolute.phrases == ["最好", "最佳"] && absolute.exemptions == ["最好的时光"])
        #expect(absolute.explanation == ["en": "Absolute terms are forbidden.", "zh": "禁止使用绝对化用语。"])
        #expect(
            absolute.reference
                == CopyReference(citation: "Advertising Law art. 9(3)", url: "https://example.org/law", verified: true))
        #expect(absolute.suggestion == "用可证实的描述代替" && absolute.mustMatch == ["全网最好的面霜"])
        let label = pack.rules[1]
        #expect(label.kind == .required && label.scope.sponsored == true && label.scope.categories == ["cosmetics"])
        #expect(label.reference.verified == false && label.exemptible == false)
        _ = try CompiledCopyRules([pack])
    }

    /// Each broken variant of the valid file, and the words its error must hold.
    @Test(arguments: [
        ("version: 1.0.0", "", "version is required"),
        ("markets: [CN, TW]", "markets: [CN, XX]", "market \"XX\""),
        ("markets: [CN, TW]", "markets: []", "markets is empty"),
        ("markets: [CN, TW]", "markets: [CN]\nchannels: [myspace]", "channel \"myspace\""),
        ("pack: test", "pack: Test Pack", "pack \"Test Pack\""),
        ("    exemptible: false", "    exemptable: false", "unknown key \"exemptable\""),
        (
            "    severity: block\n    applies_to: {fields", "    severity: pass\n    applies_to: {fields",
            "severity must be"
        ),
        ("[headline, body]", "[headline, footer]", "field \"footer\""),
        ("categories: [cosmetics]", "categories: [cosmetic]", "category \"cosmetic\""),
        ("    explanation: {en: Label it as an ad.}", "    explanation: {zh: 标明广告。}", "\"en\" text"),
        ("url: \"https://example.org/law\", verified: false", "url: \"example.org\", verified: false", "http(s) link"),
        ("verified: false}", "verified: maybe}", "reference.verified must be true or false"),
        ("examples: {match: [好用的面霜], no_match: [广告：好用的面霜]}", "examples: {match: [好用的面霜]}", "examples need"),
        ("    kind: required", "    kind: optional", "kind must be"),
    ])
    func refusesWithLine(_ change: (old: String, new: String, words: String)) {
        #expect(Self.valid.contains(change.old), "the test's own text must hold \(change.old)")
        let broken = Self.valid.replacingOccurrences(of: change.old, with: change.new)
        do {
            _ = try RulePackDocument.parse(broken, file: "broken.yaml")
            Issue.record("loaded a pack with \(change.new)")
        } catch {
            #expect(error.description.contains(change.words), "\(error.description)")
            #expect(error.description.hasPrefix("broken.yaml:"), "\(error.description)")
            #expect(error.line != nil, "\(error.description)")
        }
    }

    @Test func refusesWhatIsNotAPack() {
        for text in ["", "- a list", "pack: [", "pack: x\nversion: 1\nmarkets: ['*']\nrules: []"] {
            #expect(throws: RulePackFileError.self, "\(text)") { try RulePackDocument.parse(text, file: "x.yaml") }
        }
    }

    /// The examples are checked when the packs compile, naming the pack, the rule and the example.
    @Test func failingExampleNamesRuleAndExample() throws {
        let pack = try RulePackDocument.parse(
            Self.valid.replacingOccurrences(of: "no_match: [给你最好的时光]", with: "no_match: [给你最好的面霜]"),
            file: "test.yaml")
        #expect(
            throws: CopyRulePackError(
                pack: "test", rule: "absolute-terms", problem: "finds \"最好\" in \"给你最好的面霜\", which it must not match")
        ) {
            _ = try CompiledCopyRules([pack])
        }
    }
}
