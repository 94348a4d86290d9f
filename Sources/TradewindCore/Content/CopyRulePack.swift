/// How bad a finding is, after Google's `PolicyApprovalStatus` (DISAPPROVED > AREA_OF_INTEREST_ONLY
/// > APPROVED_LIMITED > APPROVED): the verdict of a text for a market is its most severe finding.
public enum CopySeverity: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
    case pass, warn, review, block

    var rank: Int {
        switch self {
        case .pass: 0
        case .warn: 1
        case .review: 2
        case .block: 3
        }
    }

    public static func < (lhs: CopySeverity, rhs: CopySeverity) -> Bool { lhs.rank < rhs.rank }
}

/// Where a rule comes from: the law or policy, its link, and whether the citation was checked
/// against a source this project could read (an article number that could not be is marked, never
/// invented).
public struct CopyReference: Sendable, Hashable, Codable {
    public var citation: String
    public var url: String
    public var verified: Bool

    public init(citation: String, url: String, verified: Bool) {
        self.citation = citation
        self.url = url
        self.verified = verified
    }
}

/// The fields of an ad text a check reads.
public enum CopyField: String, Sendable, Hashable, Codable, CaseIterable {
    case headline, description, body
    case callToAction = "call_to_action"
    case landingURL = "landing_url"
}

/// When a rule applies: to texts of these product categories (none: all), sponsored or not (nil:
/// either), only when the offer has no end date (urgency claims), to these fields (none: all), and
/// to texts in these languages (primary subtags such as `de`; none: all).
public struct CopyRuleScope: Sendable, Hashable, Codable {
    public var categories: [String]
    public var sponsored: Bool?
    public var withoutOfferEndDate: Bool
    public var fields: [CopyField]
    public var languages: [String]

    public init(
        categories: [String] = [], sponsored: Bool? = nil, withoutOfferEndDate: Bool = false, fields: [CopyField] = [],
        languages: [String] = []
    ) {
        self.categories = categories
        self.sponsored = sponsored
        self.withoutOfferEndDate = withoutOfferEndDate
        self.fields = fields
        self.languages = languages
    }

    /// Whether the rule applies to `draft`, whose language's primary subtag is `language`.
    func applies(to draft: CopyDraft, language: String) -> Bool {
        (categories.isEmpty || categories.contains(draft.category))
            && (sponsored == nil || sponsored == draft.sponsored)
            && (!withoutOfferEndDate || draft.offerEndDate == nil)
            && (languages.isEmpty || languages.contains(language))
    }

    func reads(_ field: CopyField) -> Bool { fields.isEmpty || fields.contains(field) }
}

/// One rule of a pack: phrases that make a finding, phrases that exempt, and the examples it must
/// and must not flag, checked every time the pack loads.
///
/// A `forbidden` rule flags a text holding one of its phrases (an absolute claim); a `required`
/// rule flags a text it applies to that holds none of them (a sponsored post with no disclosure).
public struct CopyRule: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case forbidden, required
    }

    public var id: String
    public var kind: Kind
    public var scope: CopyRuleScope
    public var severity: CopySeverity
    /// Why it matters, in English and in the pack's own language(s), by BCP 47 tag.
    public var explanation: [String: String]
    public var reference: CopyReference
    public var phrases: [String]
    public var exemptions: [String]
    /// Whether a reviewer may approve the text despite the finding (Google's `is_exemptible`).
    public var exemptible: Bool
    /// A rewrite to suggest, if there is one.
    public var suggestion: String?
    /// Texts the rule must flag, and texts it must not, where it applies.
    public var mustMatch: [String]
    public var mustNotMatch: [String]
    /// A forbidden rule that flags only the phrase written otherwise than the rule writes it (a
    /// brand name as `IPHONE` or `ｉＰｈｏｎｅ` where the glossary says `iPhone`).
    public var flagsOtherSpellingsOnly: Bool

    public init(
        id: String, kind: Kind = .forbidden, scope: CopyRuleScope = CopyRuleScope(), severity: CopySeverity,
        explanation: [String: String], reference: CopyReference, phrases: [String], exemptions: [String] = [],
        exemptible: Bool = false, suggestion: String? = nil, mustMatch: [String], mustNotMatch: [String],
        flagsOtherSpellingsOnly: Bool = false
    ) {
        self.flagsOtherSpellingsOnly = flagsOtherSpellingsOnly
        self.id = id
        self.kind = kind
        self.scope = scope
        self.severity = severity
        self.explanation = explanation
        self.reference = reference
        self.phrases = phrases
        self.exemptions = exemptions
        self.exemptible = exemptible
        self.suggestion = suggestion
        self.mustMatch = mustMatch
        self.mustNotMatch = mustNotMatch
    }
}

/// A versioned set of rules for a market (`cn`, `us`, `eu` ...), a platform (`google_ads` ...) or
/// a tenant's own. A verdict records the versions of the packs that made it. `markets` are the
/// ISO 3166-1 codes it applies to (`*`: every market, as a platform's or a tenant's pack);
/// `channels` are the ad channels it speaks for (a platform's own policy), none for a law, which
/// holds whatever the channel.
public struct CopyRulePack: Sendable, Hashable, Codable {
    public var id: String
    public var version: String
    public var markets: [String]
    public var channels: [String]
    public var rules: [CopyRule]

    public init(id: String, version: String, markets: [String], channels: [String] = [], rules: [CopyRule]) {
        self.id = id
        self.version = version
        self.markets = markets
        self.channels = channels
        self.rules = rules
    }

}

/// Why a pack cannot load: the rule and the example named, so its author can fix it.
public struct CopyRulePackError: Error, Sendable, Hashable, CustomStringConvertible {
    public var pack: String
    public var rule: String
    public var problem: String

    public init(pack: String, rule: String, problem: String) {
        self.pack = pack
        self.rule = rule
        self.problem = problem
    }

    public var description: String { "rule pack \(pack), rule \(rule): \(problem)" }
}

/// Packs compiled into one matcher, their examples checked: a pack whose rule misses an example it
/// must match, or matches one it must not, is refused (prh's `specs`, enforced at load).
public struct CompiledCopyRules: Sendable {
    public let packs: [CopyRulePack]
    public let matcher: CopyMatcher
    /// Each pack's rules as a check walks them, in the packs' order: built once, so a check copies
    /// no rule and builds no key.
    let compiled: [CompiledPack]
    /// Which compiled pack and rule a match's rule id names.
    let positions: [String: (pack: Int, rule: Int)]

    public init(_ packs: [CopyRulePack]) throws(CopyRulePackError) {
        var phrases: [CopyPhrase] = []
        var keys = Set<String>()
        for pack in packs {
            for rule in pack.rules {
                let key = "\(pack.id)/\(rule.id)"
                guard keys.insert(key).inserted else {
                    throw CopyRulePackError(pack: pack.id, rule: rule.id, problem: "the rule id is used twice")
                }
                guard !rule.phrases.isEmpty else {
                    throw CopyRulePackError(pack: pack.id, rule: rule.id, problem: "no phrases")
                }
                phrases += rule.phrases.map { CopyPhrase(ruleID: key, text: $0) }
                phrases += rule.exemptions.map { CopyPhrase(ruleID: key, text: $0, exempts: true) }
            }
        }
        let matcher = CopyMatcher(phrases: phrases)
        for (index, phrase) in phrases.enumerated() where matcher.isEmpty(phrase: index) {
            let (pack, rule) = Self.split(phrase.ruleID)
            throw CopyRulePackError(
                pack: pack, rule: rule, problem: "the phrase \"\(phrase.text)\" is only spaces or punctuation")
        }
        for pack in packs {
            for rule in pack.rules {
                let key = "\(pack.id)/\(rule.id)"
                // What the rule finds in an example, as a check would (a correct spelling is no finding).
                func found(in example: String) -> CopyMatch? {
                    matcher.matches(in: example).first { match in
                        match.ruleID == key
                            && !(rule.flagsOtherSpellingsOnly
                                && CompiledCopyRules.slice(example, match.span) == match.phrase)
                    }
                }
                for example in rule.mustMatch {
                    let found = found(in: example)
                    switch (rule.kind, found) {
                    case (.forbidden, nil):
                        throw CopyRulePackError(
                            pack: pack.id, rule: rule.id, problem: "finds nothing in \"\(example)\"")
                    case (.required, let found?):
                        throw CopyRulePackError(
                            pack: pack.id, rule: rule.id,
                            problem: "finds \"\(found.phrase)\" in \"\(example)\", which it must flag as missing it")
                    default: break
                    }
                }
                for example in rule.mustNotMatch {
                    let found = found(in: example)
                    switch (rule.kind, found) {
                    case (.forbidden, let found?):
                        throw CopyRulePackError(
                            pack: pack.id, rule: rule.id,
                            problem: "finds \"\(found.phrase)\" in \"\(example)\", which it must not match")
                    case (.required, nil):
                        throw CopyRulePackError(
                            pack: pack.id, rule: rule.id,
                            problem: "finds none of its phrases in \"\(example)\", which it must not flag")
                    default: break
                    }
                }
            }
        }
        self.packs = packs
        self.matcher = matcher
        self.compiled = packs.map(CompiledPack.init)
        var positions: [String: (pack: Int, rule: Int)] = [:]
        for (p, pack) in compiled.enumerated() {
            for (r, rule) in pack.rules.enumerated() { positions[rule.key] = (p, r) }
        }
        self.positions = positions
    }

    private static func split(_ key: String) -> (pack: String, rule: String) {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        return (parts.first ?? key, parts.count > 1 ? parts[1] : "")
    }
}

/// The product categories a rule can be scoped to and a text can declare: one closed list, so a
/// misspelt category in a pack or a request is refused instead of silently matching nothing.
public enum CopyCategory {
    public static let known: Set<String> = [
        "alcohol", "gambling", "tobacco", "cosmetics", "health_supplement", "medicine", "medical_device",
        "financial", "crypto", "real_estate", "education", "food", "infant_formula", "weight_loss", "dating",
        "weapons", "political",
    ]
}

extension CompiledCopyRules {
    /// The rule a finding's id (`"<pack>/<rule>"`) names.
    public func rule(_ key: String) -> CopyRule? {
        positions[key].map { compiled[$0.pack].rules[$0.rule].rule }
    }
}

/// A pack as a check walks it.
struct CompiledPack: Sendable {
    let id: String
    let version: String
    let markets: Set<String>
    let everyMarket: Bool
    let channels: [String]
    let rules: [CompiledRule]
    /// Whether a rule may flag a text that matched none of the pack's phrases.
    let hasRequiredRules: Bool

    init(_ pack: CopyRulePack) {
        id = pack.id
        version = pack.version
        markets = Set(pack.markets)
        everyMarket = pack.markets.contains("*")
        channels = pack.channels
        rules = pack.rules.map { CompiledRule(pack: pack.id, $0) }
        hasRequiredRules = pack.rules.contains { $0.kind == .required }
    }

    func applies(to market: String, channels targeted: [String]) -> Bool {
        (everyMarket || markets.contains(market)) && (channels.isEmpty || channels.contains { targeted.contains($0) })
    }
}

/// A rule with what a finding of it carries, made once: a class, so walking the rules retains one
/// reference each instead of copying every array of the rule.
final class CompiledRule: Sendable {
    let key: String
    let rule: CopyRule
    let english: String
    let isRequired: Bool

    init(pack: String, _ rule: CopyRule) {
        key = "\(pack)/\(rule.id)"
        self.rule = rule
        isRequired = rule.kind == .required
        english = rule.explanation["en"] ?? rule.explanation.values.sorted().first ?? ""
    }
}
