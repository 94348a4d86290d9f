/// A tenant's glossary for one market and language: brand terms to keep as written and
/// untranslated, preferred terms, and forbidden ones. It is checked on localized copy as a rule
/// pack of its own (`rulePack`), through the same matcher as the law.
public struct CopyGlossary: Sendable, Hashable, Codable {
    /// A do-not-translate term: written exactly so (`iPhone`), never as one of its translations.
    public struct KeptTerm: Sendable, Hashable, Codable {
        public var term: String
        public var translations: [String]

        public init(term: String, translations: [String] = []) {
            self.term = term
            self.translations = translations
        }
    }

    /// A term to use instead of others (`Sneaker`, not `Turnschuh`).
    public struct PreferredTerm: Sendable, Hashable, Codable {
        public var term: String
        public var insteadOf: [String]

        public init(term: String, insteadOf: [String]) {
            self.term = term
            self.insteadOf = insteadOf
        }
    }

    /// A term the brand never uses, and why.
    public struct ForbiddenTerm: Sendable, Hashable, Codable {
        public var term: String
        public var reason: String

        public init(term: String, reason: String) {
            self.term = term
            self.reason = reason
        }
    }

    /// ISO 3166-1 alpha-2, or `*` for every market.
    public var market: String
    /// A primary language subtag (`de`, `zh`, `ar`): the glossary applies to texts in it.
    public var language: String
    public var keep: [KeptTerm]
    public var preferred: [PreferredTerm]
    public var forbidden: [ForbiddenTerm]

    public init(
        market: String, language: String, keep: [KeptTerm] = [], preferred: [PreferredTerm] = [],
        forbidden: [ForbiddenTerm] = []
    ) {
        self.market = market
        self.language = language
        self.keep = keep
        self.preferred = preferred
        self.forbidden = forbidden
    }

    /// The pack id findings carry: `glossary-de-de`, `glossary-all-zh`.
    public var packID: String {
        "glossary-\(market == "*" ? "all" : market.lowercased())-\(language.lowercased())"
    }

    /// The glossary as rules: a kept term written otherwise (warn) or translated (review), a term
    /// used instead of a preferred one (warn), a forbidden term (block).
    public func rulePack(version: String) -> CopyRulePack {
        let scope = CopyRuleScope(languages: [language.lowercased()])
        let reference = CopyReference(
            citation: "The tenant's glossary for \(market) \(language)", url: "", verified: true)
        var rules: [CopyRule] = []
        for (index, kept) in keep.enumerated() {
            rules.append(
                CopyRule(
                    id: "keep-\(index)-spelling", scope: scope, severity: .warn,
                    explanation: ["en": "Write \(kept.term) exactly as the glossary does."], reference: reference,
                    phrases: [kept.term], exemptible: true, suggestion: kept.term, mustMatch: [], mustNotMatch: [],
                    flagsOtherSpellingsOnly: true))
            if !kept.translations.isEmpty {
                rules.append(
                    CopyRule(
                        id: "keep-\(index)-untranslated", scope: scope, severity: .review,
                        explanation: ["en": "\(kept.term) is not translated: write it as \(kept.term)."],
                        reference: reference, phrases: kept.translations, exemptible: true, suggestion: kept.term,
                        mustMatch: [], mustNotMatch: []))
            }
        }
        for (index, preferred) in preferred.enumerated() where !preferred.insteadOf.isEmpty {
            rules.append(
                CopyRule(
                    id: "prefer-\(index)", scope: scope, severity: .warn,
                    explanation: ["en": "The glossary prefers \(preferred.term)."], reference: reference,
                    phrases: preferred.insteadOf, exemptible: true, suggestion: preferred.term, mustMatch: [],
                    mustNotMatch: []))
        }
        for (index, forbidden) in forbidden.enumerated() {
            rules.append(
                CopyRule(
                    id: "forbidden-\(index)", scope: scope, severity: .block,
                    explanation: [
                        "en": forbidden.reason.isEmpty ? "The glossary forbids \(forbidden.term)." : forbidden.reason
                    ],
                    reference: reference, phrases: [forbidden.term], mustMatch: [], mustNotMatch: []))
        }
        return CopyRulePack(id: packID, version: version, markets: [market], rules: rules)
    }
}
