import _FoundationICU

/// The direction of a paragraph: the language the copy is written in, not the scripts it contains.
public enum TextDirection: String, Sendable, Hashable {
    case leftToRight = "ltr"
    case rightToLeft = "rtl"
}

/// Bidi isolation marks around the runs of a text that go against its paragraph's direction, so a
/// Latin brand name inside Arabic copy (or an Arabic name inside English copy) keeps its own order
/// and does not drag the punctuation and numbers next to it across the line.
///
/// The runs come from ICU's implementation of the Unicode Bidirectional Algorithm (`ubidi`): a run is
/// a stretch resolved to a level above the paragraph's that holds at least one strong character of
/// the other direction. Numbers therefore go with the words the algorithm attaches them to: `iPhone
/// 15 Pro` and `4K` are one run each, while a price standing alone in Arabic copy gets no marks, as
/// digits already read left to right there. A run is wrapped in LRI (U+2066) or RLI (U+2067) and PDI
/// (U+2069), not FSI, because ICU has already decided its direction.
///
/// The algorithm leaves neutral characters at a run's edge to the paragraph, which moves them to the
/// wrong side of a brand: `Nike®`, `C++` or `@acme` in Arabic copy would read `®Nike`, `++C`,
/// `acme@`. A run therefore takes in the symbols written against it, up to a space, but not
/// sentence punctuation, brackets or quotes, which belong to the sentence around it (`… Acme.` keeps
/// its full stop at the Arabic end of the line). Text inside an existing isolate or embedding is
/// left as it is, so isolating twice changes nothing.
public enum BidiIsolation {
    public static let leftToRightIsolate: Unicode.Scalar = "\u{2066}"
    public static let rightToLeftIsolate: Unicode.Scalar = "\u{2067}"
    public static let popDirectionalIsolate: Unicode.Scalar = "\u{2069}"

    public static func isolate(_ text: String, baseDirection: TextDirection) -> String {
        let units = Array(text.utf16)
        let baseLevel: UInt8 = baseDirection == .leftToRight ? 0 : 1
        guard !units.isEmpty, let levels = resolvedLevels(units, baseLevel: baseLevel) else { return text }
        let scalars = Array(text.unicodeScalars)
        // Which scalars may be isolated: resolved above the paragraph level, outside any isolate or
        // embedding the text already has.
        var eligible = [Bool](repeating: false, count: scalars.count)
        var depth = 0
        var offset = 0
        for (position, scalar) in scalars.enumerated() {
            switch direction(of: scalar) {
            case U_LEFT_TO_RIGHT_ISOLATE, U_RIGHT_TO_LEFT_ISOLATE, U_FIRST_STRONG_ISOLATE, U_LEFT_TO_RIGHT_EMBEDDING,
                U_RIGHT_TO_LEFT_EMBEDDING, U_LEFT_TO_RIGHT_OVERRIDE, U_RIGHT_TO_LEFT_OVERRIDE:
                depth += 1
            case U_POP_DIRECTIONAL_ISOLATE, U_POP_DIRECTIONAL_FORMAT:
                depth = max(0, depth - 1)
            case U_BLOCK_SEPARATOR:
                // Isolates and embeddings end with their paragraph.
                depth = 0
            default:
                eligible[position] = depth == 0 && levels[offset] > baseLevel
            }
            offset += scalar.utf16.count
        }
        // The runs to isolate: eligible stretches with a strong character of the other direction,
        // widened over the symbols attached to them.
        var isolated = [Bool](repeating: false, count: scalars.count)
        var start = 0
        while start < scalars.count {
            guard eligible[start] else {
                start += 1
                continue
            }
            var end = start
            while end < scalars.count && eligible[end] { end += 1 }
            if scalars[start..<end].contains(where: { isStrong($0, against: baseDirection) }) {
                var lower = start
                var upper = end
                while lower > 0 && isAttached(scalars[lower - 1]) { lower -= 1 }
                while upper < scalars.count && isAttached(scalars[upper]) { upper += 1 }
                for position in lower..<upper { isolated[position] = true }
            }
            start = end
        }
        var output = String.UnicodeScalarView()
        for (position, scalar) in scalars.enumerated() {
            if isolated[position] && (position == 0 || !isolated[position - 1]) {
                output.append(baseDirection == .rightToLeft ? leftToRightIsolate : rightToLeftIsolate)
            }
            output.append(scalar)
            if isolated[position] && (position == scalars.count - 1 || !isolated[position + 1]) {
                output.append(popDirectionalIsolate)
            }
        }
        return String(output)
    }

    /// A character written against a run that travels with it: neither strong, nor a space, nor an
    /// explicit direction control, nor punctuation that belongs to the sentence.
    private static func isAttached(_ scalar: Unicode.Scalar) -> Bool {
        switch direction(of: scalar) {
        case U_LEFT_TO_RIGHT, U_RIGHT_TO_LEFT, U_RIGHT_TO_LEFT_ARABIC, U_WHITE_SPACE_NEUTRAL, U_BLOCK_SEPARATOR,
            U_SEGMENT_SEPARATOR, U_LEFT_TO_RIGHT_ISOLATE, U_RIGHT_TO_LEFT_ISOLATE, U_FIRST_STRONG_ISOLATE,
            U_POP_DIRECTIONAL_ISOLATE, U_LEFT_TO_RIGHT_EMBEDDING, U_RIGHT_TO_LEFT_EMBEDDING,
            U_LEFT_TO_RIGHT_OVERRIDE, U_RIGHT_TO_LEFT_OVERRIDE, U_POP_DIRECTIONAL_FORMAT, U_BOUNDARY_NEUTRAL,
            U_DIR_NON_SPACING_MARK:
            // A combining mark belongs to the letter before it.
            return false
        default:
            break
        }
        switch scalar.properties.generalCategory {
        case .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation: return false
        default: return !sentencePunctuation.contains(scalar)
        }
    }

    private static let sentencePunctuation = Set(".,!?;:\"'\u{2026}\u{060C}\u{061B}\u{061F}\u{06D4}".unicodeScalars)

    /// ICU's resolved embedding level of each UTF-16 unit, or nil if ICU fails.
    private static func resolvedLevels(_ units: [UInt16], baseLevel: UInt8) -> [UInt8]? {
        guard let bidi = swift_ubidi_open() else { return nil }
        defer { swift_ubidi_close(bidi) }
        var status = U_ZERO_ERROR
        // ubidi keeps a pointer to the text, so it is read within the same buffer access.
        return units.withUnsafeBufferPointer { text -> [UInt8]? in
            swift_ubidi_setPara(bidi, text.baseAddress, Int32(text.count), baseLevel, nil, &status)
            guard !status.isFailure, let levels = swift_ubidi_getLevels(bidi, &status), !status.isFailure else {
                return nil
            }
            return Array(UnsafeBufferPointer(start: levels, count: text.count))
        }
    }

    private static func direction(of scalar: Unicode.Scalar) -> UCharDirection {
        swift_u_charDirection(UChar32(scalar.value))
    }

    /// A strong character of the direction opposite to the paragraph's.
    private static func isStrong(_ scalar: Unicode.Scalar, against base: TextDirection) -> Bool {
        let direction = direction(of: scalar)
        return base == .rightToLeft
            ? direction == U_LEFT_TO_RIGHT : direction == U_RIGHT_TO_LEFT || direction == U_RIGHT_TO_LEFT_ARABIC
    }
}
