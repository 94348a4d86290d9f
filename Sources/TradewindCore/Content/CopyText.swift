import Foundation

/// Ad copy as the matcher reads it, with every character traced back to the text as sent.
///
/// A copywriter can slip a term past a naive search by accident or on purpose: full-width letters,
/// a Cyrillic "а" in a Latin word, a zero-width space or a bidi mark inside it, a space or a dot
/// between two Chinese characters, traditional instead of simplified characters, Arabic
/// presentation forms, tatweel or vowel marks. `CopyText` folds all of these away, the same way
/// for the text checked and for the rules' own phrases, so that matching is a plain comparison of
/// folded scalars:
///
/// 1. each character (grapheme cluster) is put in NFKC, which also turns full-width and half-width
///    forms and Arabic presentation forms into the ordinary ones;
/// 2. invisible characters (zero-width, bidi controls, soft hyphen, variation selectors, tatweel)
///    and Arabic vowel marks are dropped;
/// 3. letters are lower-cased, look-alike letters of other scripts become the Latin letter they
///    imitate (`CopyFolding.confusables`), traditional Chinese characters become simplified
///    (`CopyFolding.simplified`);
/// 4. every run of spaces, punctuation and symbols becomes one space, and disappears altogether
///    between two characters of a script written without spaces (Han, kana, Hangul, Thai), where it
///    can only be an insertion.
///
/// `origin[i]` is the range of Unicode scalar offsets in the original text that folded scalar `i`
/// came from, so a match maps back to a span of the text as sent.
public struct CopyText: Sendable, Hashable {
    /// The folded text.
    public private(set) var scalars: [Unicode.Scalar] = []
    /// For each folded scalar, the original scalar offsets it came from.
    public private(set) var origin: [Range<Int>] = []

    public init(_ text: String) {
        var offset = 0
        // One pending separator run: where it started and ended in the original.
        var separator: Range<Int>?
        // NFKC per character is costly; most copy is in NFKC already and needs no per-character pass.
        let stable = text.unicodeScalars.allSatisfy(\.isASCII) || text.precomposedStringWithCompatibilityMapping == text
        for character in text {
            let width = character.unicodeScalars.count
            let source = offset..<(offset + width)
            offset += width
            let composed =
                stable || character.unicodeScalars.allSatisfy(\.isASCII)
                ? character.unicodeScalars : String(character).precomposedStringWithCompatibilityMapping.unicodeScalars
            for scalar in composed {
                if CopyFolding.isIgnorable(scalar) { continue }
                if CopyFolding.isSeparator(scalar) {
                    separator = separator.map { $0.lowerBound..<source.upperBound } ?? source
                    continue
                }
                let folded = CopyFolding.fold(scalar)
                if let run = separator {
                    separator = nil
                    // Between two characters of an unspaced script a separator is an insertion.
                    let inserted =
                        CopyFolding.isUnspaced(folded) && (scalars.last.map(CopyFolding.isUnspaced) ?? false)
                    if !inserted && !scalars.isEmpty { append(" ", from: run) }
                }
                append(folded, from: source)
            }
        }
        // A trailing separator run is dropped: it can neither start nor end a term.
    }

    private mutating func append(_ scalar: Unicode.Scalar, from source: Range<Int>) {
        scalars.append(scalar)
        origin.append(source)
    }

    /// The folded text as a string (for tests and explanations).
    public var folded: String {
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        return text
    }

    /// The original scalar offsets covered by folded scalars `range`.
    public func originalSpan(of range: Range<Int>) -> Range<Int> {
        origin[range.lowerBound].lowerBound..<origin[range.upperBound - 1].upperBound
    }

    /// Whether folded position `index` begins a word: a term of a spaced script must start on one.
    func isWordStart(_ index: Int) -> Bool {
        index == 0 || !CopyFolding.isWordScalar(scalars[index - 1])
    }

    /// Whether the folded text ends a word just before `index`.
    func isWordEnd(_ index: Int) -> Bool {
        index == scalars.count || !CopyFolding.isWordScalar(scalars[index])
    }
}
