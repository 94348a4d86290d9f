/// Something wrong with a message template, found by `MessageTemplate.lint(locale:)` or refused by
/// `render`. Each names the argument, and the category or selector, it is about; offsets are in
/// Unicode scalars of the pattern.
public enum TemplateProblem: Error, Hashable, Sendable, CustomStringConvertible {
    /// A `{` that is never closed (at its offset) or a `}` that closes nothing.
    case unbalancedBraces(offset: Int)
    /// Any other break of MessageFormat syntax.
    case syntax(offset: Int, reason: String)
    /// `{price, nummber}`: ICU knows number, date, time, spellout, ordinal and duration.
    case unknownArgumentType(argument: String, type: String)
    /// A plural, selectordinal or select without the `other` branch ICU requires.
    case missingOther(argument: String)
    /// The same selector twice in one argument; only the first could ever be chosen.
    case duplicateBranch(argument: String, selector: String)
    /// A category the locale uses has no branch: ICU would silently render `other` instead (Arabic
    /// 3 without `few`). `=N` branches do not count, as they match one number only.
    case missingCategory(argument: String, category: PluralCategory, kind: PluralRules.Kind)
    /// A branch for a category the locale does not have (`few` in English), or for a word that is
    /// no category at all: ICU accepts it and never chooses it.
    case categoryNotInLocale(argument: String, category: String, kind: PluralRules.Kind)
    /// ICU refused the pattern for a reason the checks above did not name.
    case rejectedByICU(ICUError)

    public var description: String {
        switch self {
        case .unbalancedBraces(let offset): "unbalanced brace at offset \(offset)"
        case .syntax(let offset, let reason): "\(reason) (offset \(offset))"
        case .unknownArgumentType(let argument, let type): "\"\(argument)\" has the unknown type \"\(type)\""
        case .missingOther(let argument): "\"\(argument)\" has no 'other' branch"
        case .duplicateBranch(let argument, let selector): "\"\(argument)\" has the branch \"\(selector)\" twice"
        case .missingCategory(let argument, let category, let kind):
            "\"\(argument)\" has no branch for the \(kind.rawValue) category \"\(category.rawValue)\" its locale uses"
        case .categoryNotInLocale(let argument, let category, let kind):
            "\"\(argument)\" has a branch \"\(category)\", which is not a \(kind.rawValue) category of its locale"
        case .rejectedByICU(let error): "ICU refused the pattern: \(error)"
        }
    }
}
