/// Why a localization call could not give an answer.
public enum LocalizationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The locale is not `language_REGION` (`ar_SA`, `zh_Hans_CN`), or ICU has no data for its
    /// language. A region is required because formatting without one is wrong in ways that pass
    /// unnoticed (`de` formats currency as `XXX`); an unknown language is refused because ICU would
    /// silently fall back to its root locale, where every number is plural `other`.
    case invalidLocale(String, reason: String)
    /// The template is not a valid message; the problem names where and why.
    case invalidTemplate(TemplateProblem)
    /// The template uses an argument that was not given.
    case missingArgument(String)
    /// An argument was given that the template does not use: most often a misspelt name.
    case unknownArgument(String)
    /// The argument's value is not of the kind the template uses it as (`count` given as text for a
    /// `plural`, or `gender` as a number for a `select`).
    case wrongArgumentType(argument: String, expected: MessageValue.Kind)
    /// ICU itself refused the call.
    case icu(ICUError)

    public var description: String {
        switch self {
        case .invalidLocale(let locale, let reason): "invalid locale \"\(locale)\": \(reason)"
        case .invalidTemplate(let problem): "invalid template: \(problem)"
        case .missingArgument(let name): "the template uses argument \"\(name)\", which was not given"
        case .unknownArgument(let name): "argument \"\(name)\" was given but the template does not use it"
        case .wrongArgumentType(let name, let expected):
            "argument \"\(name)\" must be \(expected == .number ? "a number" : "text") where the template uses it"
        case .icu(let error): error.description
        }
    }
}

/// A failure reported by ICU, by its `UErrorCode`, with what it means for a message template.
public struct ICUError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The `UErrorCode` value (`U_PATTERN_SYNTAX_ERROR` is 0x10107).
    public let code: Int32
    /// ICU's name for it (`u_errorName`).
    public let name: String

    public var description: String {
        let hex = "0x" + String(code, radix: 16, uppercase: true)
        return meaning.map { "\($0) (\(name), \(hex))" } ?? "ICU failed with \(name) (\(hex))"
    }

    /// What the codes a message template can meet mean, in the template author's words.
    public var meaning: String? {
        switch name {
        case "U_PATTERN_SYNTAX_ERROR": "the pattern is not valid MessageFormat syntax"
        case "U_UNMATCHED_BRACES": "the pattern's braces do not match"
        case "U_DEFAULT_KEYWORD_MISSING": "a plural or select argument has no 'other' branch"
        case "U_ARGUMENT_TYPE_MISMATCH": "an argument is used as two different types"
        case "U_ILLEGAL_ARGUMENT_ERROR": "ICU refused an argument (an unknown argument type or a bad style)"
        default: nil
        }
    }
}
