import Foundation

/// One text of an ad: a field, and which of its values (the second of a Google ad's headlines is
/// index 1; fields with one value have index 0).
public struct CopyPart: Sendable, Hashable {
    public var field: CopyField
    public var index: Int
    public var text: String

    public init(field: CopyField, index: Int = 0, text: String) {
        self.field = field
        self.index = index
        self.text = text
    }
}

/// An ad text as a check reads it, with the metadata rules need.
public struct CopyDraft: Sendable, Hashable {
    /// The ad's texts, in the order a reader meets them; empty texts are left out.
    public var parts: [CopyPart]
    /// BCP 47 tag of the text's language; explanations are given in it where the pack has one.
    public var language: String
    public var sponsored: Bool
    /// The product category (`alcohol`, `cosmetics`, `health_supplement` ...), empty if none.
    public var category: String
    public var brand: String
    /// The day an offer ends (`YYYY-MM-DD`), if it has one.
    public var offerEndDate: String?
    /// The ad channels the text is for (`google_ads`, `meta` ...): their platform packs apply.
    public var channels: [String]

    public init(
        parts: [CopyPart], language: String, sponsored: Bool = false, category: String = "", brand: String = "",
        offerEndDate: String? = nil, channels: [String] = []
    ) {
        self.parts = parts.filter { !$0.text.isEmpty }
        self.language = language
        self.sponsored = sponsored
        self.category = category
        self.brand = brand
        self.offerEndDate = offerEndDate
        self.channels = channels
    }

    /// A text with one value per field.
    public init(
        fields: [CopyField: String], language: String, sponsored: Bool = false, category: String = "",
        brand: String = "", offerEndDate: String? = nil, channels: [String] = []
    ) {
        self.init(
            parts: CopyField.allCases.compactMap { field in fields[field].map { CopyPart(field: field, text: $0) } },
            language: language, sponsored: sponsored, category: category, brand: brand, offerEndDate: offerEndDate,
            channels: channels)
    }

    /// The text of a part, if the draft has it.
    public func text(_ field: CopyField, index: Int) -> String? {
        parts.first { $0.field == field && $0.index == index }?.text
    }
}

/// One reason a text may not run as it is in a market.
public struct CopyFinding: Sendable, Hashable, Codable {
    /// `"<pack>/<rule>"`.
    public var ruleID: String
    public var market: String
    public var severity: CopySeverity
    public var field: CopyField
    /// Which of the field's values (`CopyPart.index`).
    public var index: Int
    /// Unicode scalar offsets in that value as sent; nil for a required phrase that is missing,
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
public struct CopyVerdict: Sendable, Hashable, Codable {
    public var market: String
    public var severity: CopySeverity
    /// Most severe first, then as a reader meets them.
    public var findings: [CopyFinding]
    /// Pack id to version, for every pack that applies to the market.
    public var packVersions: [String: String]

    public init(market: String, findings: [CopyFinding], packVersions: [String: String]) {
        self.market = market
        self.findings = findings.sorted {
            ($1.severity, $0.field.order, $0.index, $0.span?.lowerBound ?? -1, $0.ruleID)
                < ($0.severity, $1.field.order, $1.index, $1.span?.lowerBound ?? -1, $1.ruleID)
        }
        self.severity = findings.map(\.severity).max() ?? .pass
        self.packVersions = packVersions
    }

    /// One verdict from two sets of packs' verdicts for the same market (the shipped packs and a
    /// tenant's own).
    public func merged(with other: CopyVerdict) -> CopyVerdict {
        CopyVerdict(
            market: market, findings: findings + other.findings,
            packVersions: packVersions.merging(other.packVersions) { mine, _ in mine })
    }
}

extension CompiledCopyRules {
    /// Checks `draft` for each of `markets` (ISO 3166-1 codes, upper case). The text is folded and
    /// matched once, and each pack's findings are worked out once (a pack's rules do not depend on
    /// the market); each market then takes the findings of the packs that apply to it.
    public func check(_ draft: CopyDraft, markets: [String]) -> [CopyVerdict] {
        // Matches by compiled pack, then by rule.
        var matched: [Int: [Int: [(part: CopyPart, match: CopyMatch)]]] = [:]
        for part in draft.parts {
            for match in matcher.matches(in: part.text) {
                guard let position = positions[match.ruleID] else { continue }
                matched[position.pack, default: [:]][position.rule, default: []].append((part, match))
            }
        }
        let language = Self.primaryLanguage(draft.language)
        var byPack = [[CopyFinding]?](repeating: nil, count: compiled.count)
        return markets.map { market in
            var findings: [CopyFinding] = []
            var versions: [String: String] = [:]
            for (index, pack) in compiled.enumerated() where pack.applies(to: market, channels: draft.channels) {
                versions[pack.id] = pack.version
                if byPack[index] == nil {
                    byPack[index] = packFindings(pack, matched[index] ?? [:], draft, language: language)
                }
                for var finding in byPack[index] ?? [] {
                    finding.market = market
                    findings.append(finding)
                }
            }
            return CopyVerdict(market: market, findings: findings, packVersions: versions)
        }
    }

    /// A pack's findings in a draft, whatever the market (left empty here).
    private func packFindings(
        _ pack: CompiledPack, _ matched: [Int: [(part: CopyPart, match: CopyMatch)]], _ draft: CopyDraft,
        language: String
    ) -> [CopyFinding] {
        guard !matched.isEmpty || pack.hasRequiredRules else { return [] }
        var findings: [CopyFinding] = []
        for (index, compiled) in pack.rules.enumerated() {
            // Most rules neither matched nor require anything: they are passed over before the rule is read.
            guard compiled.isRequired || matched[index] != nil else { continue }
            let rule = compiled.rule
            guard rule.scope.applies(to: draft, language: language) else { continue }
            let found = (matched[index] ?? []).filter { hit in
                rule.scope.reads(hit.part.field)
                    && !(rule.flagsOtherSpellingsOnly && Self.slice(hit.part.text, hit.match.span) == hit.match.phrase)
            }
            func finding(_ field: CopyField, _ index: Int, _ span: Range<Int>?, _ phrase: String) -> CopyFinding {
                CopyFinding(
                    ruleID: compiled.key, market: "", severity: rule.severity, field: field, index: index, span: span,
                    phrase: phrase, explanation: compiled.english,
                    localizedExplanation: rule.explanation[draft.language] ?? rule.explanation[language]
                        ?? compiled.english,
                    reference: rule.reference, exemptible: rule.exemptible, suggestion: rule.suggestion)
            }
            switch rule.kind {
            case .forbidden:
                findings += found.map { finding($0.part.field, $0.part.index, $0.match.span, $0.match.phrase) }
            case .required where found.isEmpty:
                let part = draft.parts.first { rule.scope.reads($0.field) }
                findings.append(finding(part?.field ?? .body, part?.index ?? 0, nil, ""))
            case .required:
                break
            }
        }
        return findings
    }

    /// The text at a span of Unicode scalar offsets.
    static func slice(_ text: String, _ span: Range<Int>) -> String {
        var slice = String.UnicodeScalarView()
        slice.append(contentsOf: text.unicodeScalars.dropFirst(span.lowerBound).prefix(span.count))
        return String(slice)
    }

    /// `zh-Hant-TW` → `zh`.
    public static func primaryLanguage(_ tag: String) -> String {
        String(tag.split(whereSeparator: { $0 == "-" || $0 == "_" }).first ?? "").lowercased()
    }
}

extension CopyField {
    /// The order findings are listed in: as a reader meets the fields.
    var order: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}
