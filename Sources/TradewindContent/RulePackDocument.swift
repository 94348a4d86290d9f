import TradewindCore
import Yams

/// Why a pack file cannot load: the file, the line and what is wrong, so its author can fix it.
public struct RulePackFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var problem: String

    public init(file: String, line: Int?, problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String { line.map { "\(file):\($0): \(problem)" } ?? "\(file): \(problem)" }
}

/// Reads a rule pack from its YAML file. The format (documented in `Packs/README.md`):
///
/// ```yaml
/// pack: cn                 # lower-case id, unique among the packs
/// version: 2026.12.1       # recorded in every verdict the pack takes part in
/// markets: [CN]            # ISO 3166-1 alpha-2, or "*" for every market
/// channels: [google_ads]   # optional: a platform's own policy, for texts bound to that channel
/// rules:
///   - id: absolute-terms
///     kind: forbidden      # or required (a disclosure that must be there)
///     severity: block      # block | review | warn
///     applies_to: {categories: [], sponsored: true, without_offer_end_date: true, fields: [headline]}
///     phrases: [最好, 最佳]
///     exemptions: [最好的时光]
///     exemptible: false
///     suggestion: ...
///     explanation: {en: ..., zh: ...}
///     reference: {citation: ..., url: ..., verified: true}
///     examples: {match: [...], no_match: [...]}
/// ```
///
/// Every key is checked: a misspelt one (`exemptons`) is refused rather than silently ignored, as
/// is a pack with no English explanation for a rule. Whether the examples hold is checked when
/// the packs are compiled together (`CompiledCopyRules`).
public enum RulePackDocument {
    public static func parse(_ yaml: String, file: String) throws(RulePackFileError) -> CopyRulePack {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw RulePackFileError(file: file, line: nil, problem: "the file is empty")
            }
            root = node
        } catch let error as RulePackFileError {
            throw error
        } catch {
            throw RulePackFileError(file: file, line: nil, problem: "not valid YAML: \(error)")
        }
        let reader = Reader(file: file)
        let top = try reader.mapping(root, "the pack", keys: ["pack", "version", "markets", "channels", "rules"])
        let id = try reader.identifier(reader.required(top, "pack", in: root), "pack")
        let version = try reader.string(reader.required(top, "version", in: root), "version")
        let markets = try reader.strings(reader.required(top, "markets", in: root), "markets")
        guard !markets.isEmpty else { throw reader.error(root, "markets is empty: name a market or \"*\"") }
        for market in markets where market != "*" && !FieldFormats.isValidCountryCode(market) {
            throw reader.error(root, "market \"\(market)\" is not an ISO 3166-1 alpha-2 code in upper case, nor \"*\"")
        }
        let channels =
            try top["channels"].map { node throws(RulePackFileError) in
                try reader.strings(node, "channels")
            } ?? []
        for channel in channels where AdChannel(rawValue: channel) == nil {
            throw reader.error(
                root,
                "channel \"\(channel)\" is not one of \(AdChannel.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let ruleNodes = try reader.sequence(reader.required(top, "rules", in: root), "rules")
        guard !ruleNodes.isEmpty else { throw reader.error(root, "rules is empty") }
        var rules: [CopyRule] = []
        for node in ruleNodes { rules.append(try reader.rule(node)) }
        return CopyRulePack(id: id, version: version, markets: markets, channels: channels, rules: rules)
    }
}

/// Reads nodes into values, each failure naming the file, the line and the key.
private struct Reader {
    var file: String

    func error(_ node: Node?, _ problem: String) -> RulePackFileError {
        RulePackFileError(file: file, line: node?.mark?.line, problem: problem)
    }

    func mapping(_ node: Node, _ what: String, keys allowed: Set<String>) throws(RulePackFileError) -> [String: Node] {
        guard let mapping = node.mapping else { throw error(node, "\(what) must be a mapping") }
        var values: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string, allowed.contains(name) else {
                throw error(
                    key,
                    "unknown key \"\(key.string ?? "?")\" in \(what); known: \(allowed.sorted().joined(separator: ", "))"
                )
            }
            values[name] = value
        }
        return values
    }

    func required(_ values: [String: Node], _ key: String, in node: Node) throws(RulePackFileError) -> Node {
        guard let value = values[key] else { throw error(node, "\(key) is required") }
        return value
    }

    func string(_ node: Node, _ key: String) throws(RulePackFileError) -> String {
        guard let scalar = node.scalar, !scalar.string.isEmpty else {
            throw error(node, "\(key) must be a non-empty string")
        }
        return scalar.string
    }

    func identifier(_ node: Node, _ key: String) throws(RulePackFileError) -> String {
        let value = try string(node, key)
        guard
            value.unicodeScalars.allSatisfy({
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
            }), value.count <= 64
        else {
            throw error(node, "\(key) \"\(value)\" must be 1-64 of a-z, 0-9, \"-\" and \"_\"")
        }
        return value
    }

    func bool(_ node: Node, _ key: String) throws(RulePackFileError) -> Bool {
        guard let scalar = node.scalar, let value = Bool.construct(from: scalar) else {
            throw error(node, "\(key) must be true or false")
        }
        return value
    }

    func sequence(_ node: Node, _ key: String) throws(RulePackFileError) -> [Node] {
        guard let sequence = node.sequence else { throw error(node, "\(key) must be a list") }
        return Array(sequence)
    }

    func strings(_ node: Node, _ key: String) throws(RulePackFileError) -> [String] {
        var values: [String] = []
        for item in try sequence(node, key) { values.append(try string(item, "each of \(key)")) }
        return values
    }

    func rule(_ node: Node) throws(RulePackFileError) -> CopyRule {
        let values = try mapping(
            node, "a rule",
            keys: [
                "id", "kind", "severity", "applies_to", "phrases", "exemptions", "exemptible", "suggestion",
                "explanation", "reference", "examples",
            ])
        let id = try identifier(required(values, "id", in: node), "id")
        func fail(_ at: Node?, _ problem: String) -> RulePackFileError { error(at ?? node, "rule \(id): \(problem)") }

        var kind = CopyRule.Kind.forbidden
        if let kindNode = values["kind"] {
            guard let value = CopyRule.Kind(rawValue: try string(kindNode, "kind")) else {
                throw fail(kindNode, "kind must be forbidden or required")
            }
            kind = value
        }
        let severityNode = try required(values, "severity", in: node)
        guard let severity = CopySeverity(rawValue: try string(severityNode, "severity")), severity != .pass else {
            throw fail(severityNode, "severity must be block, review or warn")
        }
        let scope = try values["applies_to"].map { node throws(RulePackFileError) in try self.scope(node, rule: id) }
        let explanationNode = try required(values, "explanation", in: node)
        guard let explanationMapping = explanationNode.mapping else {
            throw fail(explanationNode, "explanation must map language tags to text")
        }
        var explanation: [String: String] = [:]
        for (key, value) in explanationMapping {
            guard let tag = key.string, !tag.isEmpty else { throw fail(key, "an explanation needs a language tag") }
            explanation[tag] = try string(value, "explanation.\(tag)")
        }
        guard explanation["en"] != nil else { throw fail(explanationNode, "explanation needs an \"en\" text") }
        let referenceNode = try required(values, "reference", in: node)
        let reference = try mapping(referenceNode, "reference", keys: ["citation", "url", "verified"])
        let citation = try string(required(reference, "citation", in: referenceNode), "reference.citation")
        let url = try string(required(reference, "url", in: referenceNode), "reference.url")
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
            throw fail(referenceNode, "reference.url must be an http(s) link")
        }
        let verified = try bool(required(reference, "verified", in: referenceNode), "reference.verified")
        let examplesNode = try required(values, "examples", in: node)
        let examples = try mapping(examplesNode, "examples", keys: ["match", "no_match"])
        let mustMatch = try examples["match"].map { node throws(RulePackFileError) in try strings(node, "match") } ?? []
        let mustNotMatch =
            try examples["no_match"].map { node throws(RulePackFileError) in try strings(node, "no_match") } ?? []
        guard !mustMatch.isEmpty, !mustNotMatch.isEmpty else {
            throw fail(examplesNode, "examples need at least one text to match and one not to match")
        }
        let phrasesNode = try required(values, "phrases", in: node)
        return CopyRule(
            id: id, kind: kind, scope: scope ?? CopyRuleScope(), severity: severity, explanation: explanation,
            reference: CopyReference(citation: citation, url: url, verified: verified),
            phrases: try strings(phrasesNode, "phrases"),
            exemptions: try values["exemptions"].map { node throws(RulePackFileError) in
                try strings(node, "exemptions")
            } ?? [],
            exemptible: try values["exemptible"].map { node throws(RulePackFileError) in
                try bool(node, "exemptible")
            } ?? false,
            suggestion: try values["suggestion"].map { node throws(RulePackFileError) in
                try string(node, "suggestion")
            },
            mustMatch: mustMatch, mustNotMatch: mustNotMatch)
    }

    func scope(_ node: Node, rule: String) throws(RulePackFileError) -> CopyRuleScope {
        let values = try mapping(
            node, "applies_to of rule \(rule)",
            keys: ["categories", "sponsored", "without_offer_end_date", "fields", "languages"])
        var fields: [CopyField] = []
        if let fieldsNode = values["fields"] {
            for name in try strings(fieldsNode, "fields") {
                guard let field = CopyField(rawValue: name) else {
                    throw error(
                        fieldsNode,
                        "rule \(rule): field \"\(name)\" is not one of "
                            + CopyField.allCases.map(\.rawValue).joined(separator: ", "))
                }
                fields.append(field)
            }
        }
        let categories =
            try values["categories"].map { node throws(RulePackFileError) in
                try strings(node, "categories")
            } ?? []
        for category in categories where !CopyCategory.known.contains(category) {
            throw error(
                values["categories"],
                "rule \(rule): category \"\(category)\" is not one of "
                    + CopyCategory.known.sorted().joined(separator: ", "))
        }
        return CopyRuleScope(
            categories: categories,
            sponsored: try values["sponsored"].map { node throws(RulePackFileError) in try bool(node, "sponsored") },
            withoutOfferEndDate: try values["without_offer_end_date"].map { node throws(RulePackFileError) in
                try bool(node, "without_offer_end_date")
            } ?? false,
            fields: fields,
            languages: try values["languages"].map { node throws(RulePackFileError) in
                try strings(node, "languages").map { $0.lowercased() }
            } ?? [])
    }
}
