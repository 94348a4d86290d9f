import _FoundationICU

/// A locale's CLDR plural rules, as ICU 76.1 in the toolchain has them: which categories the locale
/// uses and which one a number falls in.
///
/// Cardinal rules choose the form of "3 items" (Arabic: 3 is `few`, 11 is `many`, 100 is `other`);
/// ordinal rules choose the form of "3rd" (English: 1 `one`, 2 `two`, 3 `few`, 4 `other`).
public struct PluralRules: Sendable {
    public enum Kind: String, Sendable, Hashable {
        /// Counting: `plural` in a message.
        case cardinal
        /// Ranking: `selectordinal` in a message.
        case ordinal
    }

    /// The ICU locale identifier, with underscores (`ar_SA`).
    public let locale: String
    public let kind: Kind
    /// The categories the locale uses; always includes `other`.
    public let categories: Set<PluralCategory>
    private let rules: OpenedRules

    /// Opens the rules of `locale`, which must carry a region (`ar_SA`, not `ar`).
    public init(locale: String, kind: Kind = .cardinal) throws(LocalizationError) {
        let locale = try ICULocale(locale)
        var status = U_ZERO_ERROR
        let type = kind == .cardinal ? UPLURAL_TYPE_CARDINAL : UPLURAL_TYPE_ORDINAL
        guard let pointer = swift_uplrules_openForType(locale.identifier, type, &status), !status.isFailure else {
            throw .icu(ICUError(status))
        }
        let rules = OpenedRules(pointer)
        self.locale = locale.identifier
        self.kind = kind
        self.rules = rules
        self.categories = try rules.keywords()
    }

    /// The category `number` falls in. Fractions count (French 1.5 is `one`, Russian 1.5 is
    /// `other`), as ICU reads the number's decimal digits.
    public func select(_ number: Double) -> PluralCategory {
        var keyword = [UChar](repeating: 0, count: 16)
        var status = U_ZERO_ERROR
        let length = swift_uplrules_select(rules.pointer, number, &keyword, Int32(keyword.count), &status)
        guard !status.isFailure else { return .other }
        // CLDR has exactly six keywords, all of which PluralCategory names.
        return PluralCategory(rawValue: String(decoding: keyword.prefix(Int(length)), as: UTF16.self)) ?? .other
    }
}

/// Owns an open `UPluralRules` and closes it. ICU's plural rules are immutable once opened and
/// `uplrules_select` only reads them, so one instance may be shared between tasks.
private final class OpenedRules: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    deinit { swift_uplrules_close(pointer) }

    func keywords() throws(LocalizationError) -> Set<PluralCategory> {
        var status = U_ZERO_ERROR
        let keywords = swift_uplrules_getKeywords(pointer, &status)
        defer { swift_uenum_close(keywords) }
        guard !status.isFailure else { throw .icu(ICUError(status)) }
        var categories: Set<PluralCategory> = []
        while let keyword = swift_uenum_next(keywords, nil, &status), !status.isFailure {
            if let category = PluralCategory(rawValue: String(cString: keyword)) { categories.insert(category) }
        }
        guard !status.isFailure else { throw .icu(ICUError(status)) }
        return categories
    }
}
