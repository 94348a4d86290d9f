import Foundation
import TradewindCore
import TradewindProto

/// Ad copy between the wire and Core. Reading a request collects every bad field.
extension ProtoMapping {
    /// The longest field of an ad text, in characters (Unicode scalars).
    static let maximumCopyFieldLength = 5_000

    static func copyDraft(_ text: Tradewind_V1_AdText, prefix: String, into collector: inout ViolationCollector)
        -> CopyDraft
    {
        var fields: [CopyField: String] = [:]
        let given: [(CopyField, String)] = [
            (.headline, text.headline), (.description, text.description_p), (.body, text.body),
            (.callToAction, text.callToAction), (.landingURL, text.landingURL),
        ]
        for (field, value) in given where !value.isEmpty {
            if value.unicodeScalars.count > maximumCopyFieldLength {
                collector.add("\(prefix).\(field.rawValue)", "is longer than \(maximumCopyFieldLength) characters")
            }
            fields[field] = value
        }
        if fields.isEmpty {
            collector.add(prefix, "needs at least one of headline, description, body, call_to_action, landing_url")
        }
        if text.language.isEmpty {
            collector.add("\(prefix).language", "is required (a BCP 47 tag such as zh-CN)")
        } else if !FieldFormats.isValidLanguageTag(text.language) {
            collector.add("\(prefix).language", "is not a BCP 47 language tag")
        }
        if !text.offerEndDate.isEmpty && CalendarDay(text.offerEndDate) == nil {
            collector.add("\(prefix).offer_end_date", "must be a day as YYYY-MM-DD")
        }
        if !text.category.isEmpty && !CopyCategory.known.contains(text.category) {
            collector.add(
                "\(prefix).category",
                "is not one of " + CopyCategory.known.sorted().joined(separator: ", "))
        }
        var channels: [String] = []
        if text.channels.count > AdChannel.allCases.count {
            collector.add("\(prefix).channels", "names at most \(AdChannel.allCases.count) channels")
        }
        for (index, value) in text.channels.enumerated() {
            guard let channel = adChannel(value) else {
                collector.add("\(prefix).channels[\(index)]", "is not an ad channel")
                continue
            }
            channels.append(channel.rawValue)
        }
        return CopyDraft(
            fields: fields, language: text.language, sponsored: text.sponsored, category: text.category,
            brand: text.brand, offerEndDate: text.offerEndDate.isEmpty ? nil : text.offerEndDate, channels: channels)
    }

    static func severity(_ value: CopySeverity) -> Tradewind_V1_CopySeverity {
        switch value {
        case .pass: .pass
        case .warn: .warn
        case .review: .review
        case .block: .block
        }
    }

    static func copyField(_ value: CopyField) -> Tradewind_V1_CopyField {
        switch value {
        case .headline: .headline
        case .description: .description_
        case .body: .body
        case .callToAction: .callToAction
        case .landingURL: .landingURL
        }
    }

    static func reference(_ value: CopyReference) -> Tradewind_V1_PolicyReference {
        .with {
            $0.citation = value.citation
            $0.url = value.url
            $0.verified = value.verified
        }
    }

    static func verdict(_ verdict: CopyVerdict, of draft: CopyDraft) -> Tradewind_V1_MarketVerdict {
        .with { proto in
            proto.market = verdict.market
            proto.severity = severity(verdict.severity)
            proto.packVersions = verdict.packVersions
            proto.omittedFindings = Int32(max(0, verdict.findings.count - maximumFindingsPerVerdict))
            proto.findings = verdict.findings.prefix(maximumFindingsPerVerdict).map { finding in
                .with {
                    $0.ruleID = finding.ruleID
                    $0.market = finding.market
                    $0.severity = severity(finding.severity)
                    $0.field = copyField(finding.field)
                    $0.index = Int32(finding.index)
                    if let span = finding.span {
                        $0.span = textSpan(span, in: draft.text(finding.field, index: finding.index) ?? "")
                    }
                    $0.phrase = finding.phrase
                }
            }
        }
    }

    /// The findings an answer lists per verdict: a text repeating a term a thousand times gets a
    /// bounded answer.
    static let maximumFindingsPerVerdict = 50

    /// What the rules of `verdicts`' findings say, once per rule: English, and each finding's
    /// explanation under the language tag its text was sent with.
    static func findingRules(
        _ verdicts: some Sequence<(verdict: CopyVerdict, language: String)>,
        into rules: inout [String: Tradewind_V1_FindingRule]
    ) {
        for (verdict, language) in verdicts {
            for finding in verdict.findings.prefix(maximumFindingsPerVerdict) {
                if rules[finding.ruleID] == nil {
                    rules[finding.ruleID] = .with {
                        $0.explanation = finding.explanation
                        $0.explanations = ["en": finding.explanation]
                        $0.reference = reference(finding.reference)
                        $0.exemptible = finding.exemptible
                        if let suggestion = finding.suggestion { $0.suggestion = suggestion }
                    }
                }
                if rules[finding.ruleID]?.explanations[language] == nil {
                    rules[finding.ruleID]?.explanations[language] = finding.localizedExplanation
                }
            }
        }
    }

    /// A span in Unicode scalars, with the same span in UTF-16 code units for the clients whose
    /// strings count those.
    static func textSpan(_ span: Range<Int>, in text: String) -> Tradewind_V1_TextSpan {
        var utf16Start = 0
        var utf16End = 0
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            if offset >= span.upperBound { break }
            let width = scalar.utf16.count
            if offset < span.lowerBound { utf16Start += width }
            utf16End += width
        }
        return .with {
            $0.start = Int32(span.lowerBound)
            $0.end = Int32(span.upperBound)
            $0.utf16Start = Int32(utf16Start)
            $0.utf16End = Int32(utf16End)
        }
    }

    static func rulePack(_ pack: CopyRulePack, custom: Bool = false) -> Tradewind_V1_RulePack {
        .with { proto in
            proto.id = pack.id
            proto.custom = custom
            proto.version = pack.version
            proto.markets = pack.markets
            proto.channels = pack.channels.compactMap(AdChannel.init(rawValue:)).map(channel)
            proto.rules = pack.rules.map { rule in
                .with {
                    $0.id = "\(pack.id)/\(rule.id)"
                    $0.kind = rule.kind == .forbidden ? .forbidden : .required
                    $0.severity = severity(rule.severity)
                    $0.phrases = rule.phrases
                    $0.exemptions = rule.exemptions
                    $0.categories = rule.scope.categories
                    if let sponsored = rule.scope.sponsored { $0.sponsored = sponsored }
                    $0.withoutOfferEndDate = rule.scope.withoutOfferEndDate
                    $0.fields = rule.scope.fields.map(copyField)
                    $0.languages = rule.scope.languages
                    $0.explanations = rule.explanation
                    $0.reference = reference(rule.reference)
                    $0.exemptible = rule.exemptible
                    if let suggestion = rule.suggestion { $0.suggestion = suggestion }
                    $0.examplesMatching = rule.mustMatch
                    $0.examplesNotMatching = rule.mustNotMatch
                }
            }
        }
    }
}

extension ProtoMapping {
    static func proto(_ record: CampaignRecord, checks: [CopyCheckRecord]) -> Tradewind_V1_Campaign {
        var message = proto(record)
        let byAd = Dictionary(checks.map { ($0.adID, $0) }, uniquingKeysWith: { first, _ in first })
        message.copyChecks = record.adIDs.joined().compactMap { byAd[$0] }.map { check in
            let decisions = CopyGate.decide(check)
            return .with {
                $0.adID = check.adID.uuidString.lowercased()
                $0.checkID = check.id.uuidString.lowercased()
                $0.severity = severity(check.severity)
                $0.blockedMarkets = decisions.compactMap {
                    if case .blocked = $0.decision { $0.market } else { nil }
                }
                $0.marketsAwaitingApproval = decisions.compactMap {
                    if case .needsApproval = $0.decision { $0.market } else { nil }
                }
            }
        }
        return message
    }

    static func proto(_ check: CopyCheckRecord, drafts: [UUID: CopyDraft] = [:]) -> Tradewind_V1_CopyCheck {
        .with { message in
            message.id = check.id.uuidString.lowercased()
            message.campaignID = check.campaignID.uuidString.lowercased()
            message.adID = check.adID.uuidString.lowercased()
            message.severity = severity(check.severity)
            let draft = drafts[check.adID]
            // Without the texts (the ad changed since) the UTF-16 offsets are unknown and left 0.
            message.markets = check.verdicts.map { verdict($0, of: draft ?? CopyDraft(parts: [], language: "")) }
            message.approvals = check.approvals.map { approval in
                .with {
                    $0.market = approval.market
                    $0.approvedBy = approval.approvedBy
                    $0.note = approval.note
                    $0.createTime = .init(date: approval.createdAt)
                }
            }
            message.marketsRefused = CopyGate.decide(check).compactMap {
                if case .allowed = $0.decision { nil } else { $0.market }
            }
            message.createdBy = check.createdBy
            message.createTime = .init(date: check.createdAt)
            var rules: [String: Tradewind_V1_FindingRule] = [:]
            findingRules(check.verdicts.map { ($0, draft?.language ?? "") }, into: &rules)
            for key in rules.keys where rules[key]?.explanations[""] != nil {
                // The ad changed since: its language is not known, only what the check recorded.
                rules[key]?.explanations.removeValue(forKey: "")
            }
            message.rules = rules
        }
    }
}

extension ProtoMapping {
    /// Limits of a tenant's own pack.
    static let maximumCustomRules = 200
    static let maximumPhrasesPerRule = 500
    static let maximumPhraseLength = 200
    static let maximumExamplesPerRule = 50

    static func copySeverity(_ value: Tradewind_V1_CopySeverity) -> CopySeverity? {
        switch value {
        case .warn: .warn
        case .review: .review
        case .block: .block
        case .pass, .unspecified, .UNRECOGNIZED: nil
        }
    }

    static func copyField(_ value: Tradewind_V1_CopyField) -> CopyField? {
        switch value {
        case .headline: .headline
        case .description_: .description
        case .body: .body
        case .callToAction: .callToAction
        case .landingURL: .landingURL
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    /// A tenant's pack as a request writes it; every bad field is collected. Its version is given
    /// by the store.
    static func customPack(_ proto: Tradewind_V1_RulePack, prefix: String, into collector: inout ViolationCollector)
        -> CopyRulePack
    {
        func isIdentifier(_ value: String) -> Bool {
            (1...64).contains(value.utf8.count)
                && value.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
                }
        }
        collector.require(isIdentifier(proto.id), "\(prefix).id", "must be 1-64 of a-z, 0-9, - and _")
        if proto.markets.isEmpty { collector.add("\(prefix).markets", "is required: markets, or \"*\" for all") }
        for (index, market) in proto.markets.enumerated() where market != "*" {
            collector.require(
                FieldFormats.isValidCountryCode(market), "\(prefix).markets[\(index)]",
                "must be an ISO 3166-1 alpha-2 code or \"*\"")
        }
        var channels: [String] = []
        for (index, value) in proto.channels.enumerated() {
            guard let channel = adChannel(value) else {
                collector.add("\(prefix).channels[\(index)]", "is not an ad channel")
                continue
            }
            channels.append(channel.rawValue)
        }
        if proto.rules.isEmpty || proto.rules.count > maximumCustomRules {
            collector.add("\(prefix).rules", "must hold 1 to \(maximumCustomRules) rules")
        }
        var ids = Set<String>()
        let rules = proto.rules.prefix(maximumCustomRules).enumerated().map { index, rule in
            let field = "\(prefix).rules[\(index)]"
            if !isIdentifier(rule.id) {
                collector.add("\(field).id", "must be 1-64 of a-z, 0-9, - and _")
            } else if !ids.insert(rule.id).inserted {
                collector.add("\(field).id", "repeats \(rule.id)")
            }
            let kind: CopyRule.Kind
            switch rule.kind {
            case .forbidden, .unspecified: kind = .forbidden
            case .required: kind = .required
            case .UNRECOGNIZED: kind = .forbidden; collector.add("\(field).kind", "is not a known kind")
            }
            let severity = copySeverity(rule.severity)
            if severity == nil { collector.add("\(field).severity", "must be WARN, REVIEW or BLOCK") }
            func texts(_ values: [String], _ name: String, required: Bool, limit: Int, length: Int) {
                if required && values.isEmpty { collector.add("\(field).\(name)", "is required") }
                if values.count > limit { collector.add("\(field).\(name)", "holds more than \(limit)") }
                for (i, value) in values.enumerated()
                where value.isEmpty || value.unicodeScalars.count > length {
                    collector.add("\(field).\(name)[\(i)]", "must be 1 to \(length) characters")
                }
            }
            texts(rule.phrases, "phrases", required: true, limit: maximumPhrasesPerRule, length: maximumPhraseLength)
            texts(
                rule.exemptions, "exemptions", required: false, limit: maximumPhrasesPerRule,
                length: maximumPhraseLength)
            texts(
                rule.examplesMatching, "examples_matching", required: true, limit: maximumExamplesPerRule, length: 5_000
            )
            texts(
                rule.examplesNotMatching, "examples_not_matching", required: true, limit: maximumExamplesPerRule,
                length: 5_000)
            for (i, category) in rule.categories.enumerated() where !CopyCategory.known.contains(category) {
                collector.add("\(field).categories[\(i)]", "is not a known product category")
            }
            var fields: [CopyField] = []
            for (i, value) in rule.fields.enumerated() {
                if let copyField = copyField(value) {
                    fields.append(copyField)
                } else {
                    collector.add("\(field).fields[\(i)]", "is not a field")
                }
            }
            for (i, language) in rule.languages.enumerated()
            where !(2...3).contains(language.count) || !language.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) })
            {
                collector.add("\(field).languages[\(i)]", "must be a primary language subtag such as de")
            }
            if (rule.explanations["en"] ?? "").isEmpty {
                collector.add("\(field).explanations", "needs an \"en\" explanation")
            }
            for (tag, text) in rule.explanations.sorted(by: { $0.key < $1.key })
            where !FieldFormats.isValidLanguageTag(tag) || text.unicodeScalars.count > 2_000 {
                collector.add("\(field).explanations[\(tag)]", "needs a BCP 47 tag and at most 2,000 characters")
            }
            if !rule.reference.url.isEmpty && !rule.reference.url.hasPrefix("https://")
                && !rule.reference.url.hasPrefix("http://")
            {
                collector.add("\(field).reference.url", "must be an http(s) link")
            }
            return CopyRule(
                id: rule.id, kind: kind,
                scope: CopyRuleScope(
                    categories: rule.categories, sponsored: rule.hasSponsored ? rule.sponsored : nil,
                    withoutOfferEndDate: rule.withoutOfferEndDate, fields: fields,
                    languages: rule.languages.map { $0.lowercased() }),
                severity: severity ?? .warn, explanation: rule.explanations,
                reference: CopyReference(
                    citation: rule.reference.citation, url: rule.reference.url, verified: rule.reference.verified),
                phrases: rule.phrases, exemptions: rule.exemptions, exemptible: rule.exemptible,
                suggestion: rule.suggestion.isEmpty ? nil : rule.suggestion, mustMatch: rule.examplesMatching,
                mustNotMatch: rule.examplesNotMatching)
        }
        return CopyRulePack(id: proto.id, version: "", markets: proto.markets, channels: channels, rules: rules)
    }
}

extension ProtoMapping {
    /// The most terms a glossary holds, and the longest.
    static let maximumGlossaryTerms = 1_000
    static let maximumTermLength = 200

    /// Each field over a limit of a channel the text is bound for; Amazon's Japanese headline
    /// limit where the text is for Japan.
    static func lengthOverruns(_ draft: CopyDraft, markets: [String]) -> [Tradewind_V1_LengthOverrun] {
        draft.channels.compactMap(AdChannel.init(rawValue:)).flatMap { channel in
            draft.parts.compactMap { part -> Tradewind_V1_LengthOverrun? in
                guard
                    let overrun = ChannelTextLimits.fieldsOverLimit(
                        [part.field.rawValue: part.text], channel: channel.rawValue,
                        market: markets.contains("JP") ? "JP" : nil
                    ).first
                else { return nil }
                return .with {
                    $0.channel = Self.channel(channel)
                    $0.field = copyField(part.field)
                    $0.length = Int32(overrun.length)
                    $0.limit = Int32(overrun.limit)
                    $0.refused = overrun.consequence == .refused
                }
            }
        }
    }

    static func glossary(_ proto: Tradewind_V1_Glossary, prefix: String, into collector: inout ViolationCollector)
        -> CopyGlossary
    {
        if proto.market != "*" && !FieldFormats.isValidCountryCode(proto.market) {
            collector.add("\(prefix).market", "must be an ISO 3166-1 alpha-2 code or \"*\"")
        }
        let language = proto.language
        if !(2...3).contains(language.count) || !language.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) }) {
            collector.add("\(prefix).language", "must be a primary language subtag such as de or zh")
        }
        var count = 0
        func term(_ value: String, _ field: String) {
            count += 1
            if value.isEmpty || value.unicodeScalars.count > maximumTermLength {
                collector.add(field, "must be 1 to \(maximumTermLength) characters")
            }
        }
        for (i, kept) in proto.keep.enumerated() {
            term(kept.term, "\(prefix).keep[\(i)].term")
            for (j, translation) in kept.translations.enumerated() {
                term(translation, "\(prefix).keep[\(i)].translations[\(j)]")
            }
        }
        for (i, preferred) in proto.preferred.enumerated() {
            term(preferred.term, "\(prefix).preferred[\(i)].term")
            if preferred.insteadOf.isEmpty { collector.add("\(prefix).preferred[\(i)].instead_of", "is required") }
            for (j, other) in preferred.insteadOf.enumerated() {
                term(other, "\(prefix).preferred[\(i)].instead_of[\(j)]")
            }
        }
        for (i, forbidden) in proto.forbidden.enumerated() {
            term(forbidden.term, "\(prefix).forbidden[\(i)].term")
            if forbidden.reason.unicodeScalars.count > 2_000 {
                collector.add("\(prefix).forbidden[\(i)].reason", "is longer than 2,000 characters")
            }
        }
        if count == 0 { collector.add(prefix, "holds no terms") }
        if count > maximumGlossaryTerms {
            collector.add(prefix, "holds \(count) terms; at most \(maximumGlossaryTerms)")
        }
        return CopyGlossary(
            market: proto.market, language: language,
            keep: proto.keep.map { .init(term: $0.term, translations: $0.translations) },
            preferred: proto.preferred.map { .init(term: $0.term, insteadOf: $0.insteadOf) },
            forbidden: proto.forbidden.map { .init(term: $0.term, reason: $0.reason) })
    }

    static func proto(_ glossary: CopyGlossary, revision: Int64) -> Tradewind_V1_Glossary {
        .with { message in
            message.market = glossary.market
            message.language = glossary.language
            message.keep = glossary.keep.map { kept in
                .with {
                    $0.term = kept.term
                    $0.translations = kept.translations
                }
            }
            message.preferred = glossary.preferred.map { preferred in
                .with {
                    $0.term = preferred.term
                    $0.insteadOf = preferred.insteadOf
                }
            }
            message.forbidden = glossary.forbidden.map { forbidden in
                .with {
                    $0.term = forbidden.term
                    $0.reason = forbidden.reason
                }
            }
            message.version = String(revision)
        }
    }
}
