import Foundation

/// An ad text as a check reads it, with the metadata rules need.
public struct CopyDraft: Sendable, Hashable {
    public var fields: [CopyField: String]
    /// BCP 47 tag of the text's language; explanations are given in it where the pack has one.
    public var language: String
    public var sponsored: Bool
    /// The product category (`alcohol`, `cosmetics`, `health_supplement` ...), empty if none.
    public var category: String
    public var brand: String
    /// The day an offer ends (`YYYY-MM-DD`), if it has one.
    public var offerEndDate: String?

    public init(
        fields: [CopyField: String], language: String, sponsored: Bool = false, category: String = "",
        brand: String = "", offerEndDate: String? = nil
    ) {
        self.fields = fields
        self.language = language
        self.sponsored = sponsored
        self.category = category
        self.brand = brand
        self.offerEndDate = offerEndDate
    }
}

/// One reason a text may not run as it is in a market.
public struct CopyFinding: Sendable, Hashable {
    /// `"<pack>/<rule>"`.
    public var ruleID: String
    public var market: String
    public var severity: CopySeverity
    public var field: CopyField
    /// Unicode scalar offsets in the field as sent; nil for a required phrase that is missing,
    /// which is about the whole text.
    public var span: Range<Int>?
    /// The phrase found (as the rule wrote it), empty for a missing one.
    public var phrase: String
    public var explanation: String
    /// In the language of the text checked, where the pack has it; else the English one.
    public var localizedExplanation: String
    public var reference: CopyReference
    public var exemptible: Bool
    public var suggestion: String?
}

/// A text's verdict for one market: its most severe finding (pass without any), the findings, and
/// the versions of the packs that made it.
public struct CopyVerdict: Sendable, Hashable {
    public var market: String
    public var severity: CopySeverity
    public var findings: [CopyFinding]
    /// Pack id to version, for every pack that applies to the market.
    public var packVersions: [String: String]
}

extension CompiledCopyRules {
    /// Checks `draft` for each of `markets` (ISO 3166-1 codes, upper case). The text is folded and
    /// matched once; each market then keeps the findings of the packs that apply to it.
    public func check(_ draft: CopyDraft, markets: [String]) -> [CopyVerdict] {
        var matches: [(field: CopyField, match: CopyMatch)] = []
        for field in CopyField.allCases {
            guard let text = draft.fields[field], !text.isEmpty else { continue }
            for match in matcher.matches(in: text) { matches.append((field, match)) }
        }
        let language = Self.primaryLanguage(draft.language)
        return markets.map { market in
            var findings: [CopyFinding] = []
            var versions: [String: String] = [:]
            for pack in packs where pack.applies(to: market) {
                versions[pack.id] = pack.version
                for rule in pack.rules where rule.scope.applies(to: draft) {
                    let key = "\(pack.id)/\(rule.id)"
                    let found = matches.filter { $0.match.ruleID == key && rule.scope.reads($0.field) }
                    func finding(_ field: CopyField, _ span: Range<Int>?, _ phrase: String) -> CopyFinding {
                        let english = rule.explanation["en"] ?? rule.explanation.values.sorted().first ?? ""
                        return CopyFinding(
                            ruleID: key, market: market, severity: rule.severity, field: field, span: span,
                            phrase: phrase, explanation: english,
                            localizedExplanation: rule.explanation[draft.language] ?? rule.explanation[language]
                                ?? english,
                            reference: rule.reference, exemptible: rule.exemptible, suggestion: rule.suggestion)
                    }
                    switch rule.kind {
                    case .forbidden:
                        findings += found.map { finding($0.field, $0.match.span, $0.match.phrase) }
                    case .required where found.isEmpty:
                        let field = CopyField.allCases.first { rule.scope.reads($0) && draft.fields[$0] != nil }
                        findings.append(finding(field ?? .body, nil, ""))
                    case .required:
                        break
                    }
                }
            }
            findings.sort {
                ($1.severity, $0.field.order, $0.span?.lowerBound ?? -1, $0.ruleID)
                    < ($0.severity, $1.field.order, $1.span?.lowerBound ?? -1, $1.ruleID)
            }
            return CopyVerdict(
                market: market, severity: findings.map(\.severity).max() ?? .pass, findings: findings,
                packVersions: versions)
        }
    }

    /// `zh-Hant-TW` → `zh`.
    static func primaryLanguage(_ tag: String) -> String {
        String(tag.split(whereSeparator: { $0 == "-" || $0 == "_" }).first ?? "").lowercased()
    }
}

extension CopyField {
    /// The order findings are listed in: as a reader meets the fields.
    var order: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}
