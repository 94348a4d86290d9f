/// One phrase a rule looks for, or one that exempts: `exempts` phrases (SAMR's consumption tips,
/// a registered name, an award title) suppress the rule's matches they cover, and nothing else.
public struct CopyPhrase: Sendable, Hashable {
    public var ruleID: String
    public var text: String
    public var exempts: Bool

    public init(ruleID: String, text: String, exempts: Bool = false) {
        self.ruleID = ruleID
        self.text = text
        self.exempts = exempts
    }
}

/// Where a rule's phrase occurs in a text: `span` in Unicode scalar offsets of the text as sent.
public struct CopyMatch: Sendable, Hashable {
    public var ruleID: String
    /// The phrase as the rule wrote it.
    public var phrase: String
    public var span: Range<Int>
}

/// Finds every rule phrase in a text in one pass (`PhraseAutomaton`), on the folded text
/// (`CopyText`), and maps each match back to the original. Compiled once per set of phrases.
///
/// - A phrase of a spaced script (Latin, Cyrillic, Arabic ...) matches whole words only: "best"
///   is not found in "bestow". An Arabic phrase may follow a proclitic written onto it (the
///   article ال, the conjunctions و and ف, the prepositions ب, ل and ك): "الخمر" holds "خمر".
/// - A phrase of an unspaced script (Chinese, Japanese, Korean, Thai) matches anywhere.
/// - An exemption suppresses exactly the matches of its rule that lie inside one of its own
///   occurrences; the same term elsewhere in the text is still found.
public struct CopyMatcher: Sendable {
    public let phrases: [CopyPhrase]
    private let folded: [[Unicode.Scalar]]
    private let automaton: PhraseAutomaton

    public init(phrases: [CopyPhrase]) {
        self.phrases = phrases
        self.folded = phrases.map { CopyText($0.text).scalars }
        self.automaton = PhraseAutomaton(folded)
    }

    /// Whether a phrase folds to nothing (only spaces, punctuation or invisible characters): it
    /// could never match, so a pack holding one is refused.
    public func isEmpty(phrase index: Int) -> Bool { folded[index].isEmpty }

    public func matches(in text: String) -> [CopyMatch] {
        matches(in: CopyText(text))
    }

    public func matches(in text: CopyText) -> [CopyMatch] {
        var found: [(phrase: Int, range: Range<Int>)] = []
        var exemptions: [String: [Range<Int>]] = [:]
        for occurrence in automaton.occurrences(in: text.scalars)
        where Self.onBoundaries(folded[occurrence.phrase], occurrence.range, in: text) {
            let phrase = phrases[occurrence.phrase]
            if phrase.exempts {
                exemptions[phrase.ruleID, default: []].append(occurrence.range)
            } else {
                found.append(occurrence)
            }
        }
        var matches: [CopyMatch] = []
        var seen = Set<String>()
        for (index, occurrence) in found.enumerated() {
            let ruleID = phrases[occurrence.phrase].ruleID
            let range = occurrence.range
            if exemptions[ruleID]?.contains(where: { $0.encloses(range) }) == true { continue }
            // A shorter phrase of the same rule inside a longer one's match is the same finding.
            let within = found.indices.contains { other in
                other != index && phrases[found[other].phrase].ruleID == ruleID && found[other].range.encloses(range)
                    && found[other].range != range
            }
            if within { continue }
            let span = text.originalSpan(of: range)
            guard seen.insert("\(ruleID)|\(span.lowerBound)|\(span.upperBound)").inserted else { continue }
            matches.append(CopyMatch(ruleID: ruleID, phrase: phrases[occurrence.phrase].text, span: span))
        }
        return matches.sorted { ($0.span.lowerBound, $0.ruleID) < ($1.span.lowerBound, $1.ruleID) }
    }

    /// Spaced-script phrases must start and end on word boundaries.
    static func onBoundaries(_ phrase: [Unicode.Scalar], _ range: Range<Int>, in text: CopyText) -> Bool {
        guard let first = phrase.first, let last = phrase.last else { return false }
        if CopyFolding.isWordScalar(first) && !text.isWordStart(range.lowerBound)
            && !Self.followsProclitic(range.lowerBound, first: first, in: text)
        {
            return false
        }
        if CopyFolding.isWordScalar(last) && !text.isWordEnd(range.upperBound) { return false }
        return true
    }

    /// Arabic writes the article and one-letter conjunctions and prepositions onto the next word.
    static let proclitics: Set<String> = ["ال", "و", "ف", "ب", "ل", "ك", "وال", "فال", "بال", "كال", "لل", "ول", "وب"]

    static func followsProclitic(_ start: Int, first: Unicode.Scalar, in text: CopyText) -> Bool {
        guard (0x0620...0x064A).contains(first.value) else { return false }
        var begin = start
        while begin > 0 && CopyFolding.isWordScalar(text.scalars[begin - 1]) { begin -= 1 }
        var prefix = ""
        prefix.unicodeScalars.append(contentsOf: text.scalars[begin..<start])
        return proclitics.contains(prefix)
    }
}

extension Range where Bound == Int {
    fileprivate func encloses(_ other: Range<Int>) -> Bool {
        lowerBound <= other.lowerBound && other.upperBound <= upperBound
    }
}
