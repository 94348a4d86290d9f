import _FoundationICU

/// A message in ICU MessageFormat (v1) with named arguments, rendered by the toolchain's ICU 76.1:
///
///     {count, plural, =0 {No items} one {# item} other {# items}} for {name}
///     {gender, select, female {She} other {They}} paid {price, number, currency}
///
/// ICU's C API formats numbered arguments only, so the template is parsed (`MessageSyntax`), each
/// name is rewritten to an index, and the numbered pattern goes to `umsg_open`/`umsg_vformat` with
/// numbers as `Double` and text as UTF-16. Rendering does what ICU does: a missing Arabic `few`
/// falls back to `other` without a word. `lint(locale:)` is the check that refuses it, and the one
/// to run before a template is stored.
public struct MessageTemplate: Sendable {
    public let pattern: String
    /// The parsed pattern, or the first syntax problem found in it.
    let syntax: Result<MessageSyntax, TemplateProblem>

    public init(_ pattern: String) {
        self.pattern = pattern
        self.syntax = Result { () throws(TemplateProblem) in try MessageSyntax(parsing: pattern) }
    }

    /// The message for `locale` (with a region: `ar_SA`) and the named `arguments`, which must be
    /// exactly the ones the template uses. Dates and times are numbers: milliseconds since 1970.
    public func render(locale: String, arguments: [String: MessageValue]) throws(LocalizationError) -> String {
        let locale = try ICULocale(locale)
        let syntax = try syntax.get(orThrow: LocalizationError.invalidTemplate)
        let uses = syntax.allArguments
        if let problem = uses.lazy.flatMap({ Self.structuralProblems(of: $0) }).first {
            throw .invalidTemplate(problem)
        }
        for use in uses {
            guard let value = arguments[use.name] else { throw .missingArgument(use.name) }
            if let expected = use.expectedKind, value.kind != expected {
                throw .wrongArgumentType(argument: use.name, expected: expected)
            }
        }
        let used = Set(uses.map(\.name))
        if let extra = arguments.keys.sorted().first(where: { !used.contains($0) }) { throw .unknownArgument(extra) }
        let numbered = Self.numbered(pattern, syntax) { arguments[$0]?.kind == .number }
        let format = try ICUMessageFormat(pattern: numbered.pattern, locale: locale.identifier)
        return try format.format(numbered.names.map { arguments[$0]! })
    }

    /// Problems ICU refuses a pattern for, found on one argument without knowing the locale.
    static func structuralProblems(of argument: MessageArgument) -> [TemplateProblem] {
        var problems: [TemplateProblem] = []
        if case .simple(let type) = argument.form, !MessageSyntax.simpleTypes.contains(type.lowercased()) {
            problems.append(.unknownArgumentType(argument: argument.name, type: type))
        }
        switch argument.form {
        case .plain, .simple: break
        case .plural, .select:
            if !argument.branches.contains(where: { $0.selector == .keyword("other") }) {
                problems.append(.missingOther(argument: argument.name))
            }
        }
        return problems
    }

    /// The pattern as ICU's C API takes it: every name replaced by its index, in order of first
    /// appearance (`names`). A plain `{count}` given a number becomes `{0,number}`, which is how ICU
    /// formats a number passed to a plain argument; the C API would otherwise read it as text.
    static func numbered(_ pattern: String, _ syntax: MessageSyntax, isNumber: (String) -> Bool)
        -> (pattern: String, names: [String])
    {
        var names: [String] = []
        var indices: [String: Int] = [:]
        var scalars = Array(pattern.unicodeScalars)
        // From the last argument back, so that earlier ranges stay valid as text is replaced.
        let uses = syntax.allArguments
        for use in uses where indices[use.name] == nil {
            indices[use.name] = names.count
            names.append(use.name)
        }
        for use in uses.sorted(by: { $0.nameRange.lowerBound > $1.nameRange.lowerBound }) {
            var replacement = String(indices[use.name]!)
            if case .plain = use.form, isNumber(use.name) { replacement += ",number" }
            scalars.replaceSubrange(use.nameRange, with: replacement.unicodeScalars)
        }
        return (String(String.UnicodeScalarView(scalars)), names)
    }
}

extension Result {
    fileprivate func get<E: Error>(orThrow wrap: (Failure) -> E) throws(E) -> Success {
        switch self {
        case .success(let value): value
        case .failure(let failure): throw wrap(failure)
        }
    }
}

/// An open ICU `UMessageFormat` for a numbered pattern, closed when released.
final class ICUMessageFormat {
    private let format: UnsafeMutablePointer<UnsafeMutableRawPointer?>

    init(pattern: String, locale: String) throws(LocalizationError) {
        let units = Array(pattern.utf16)
        var status = U_ZERO_ERROR
        let opened = swift_umsg_open(units, Int32(units.count), locale, nil, &status)
        guard let opened, !status.isFailure else {
            if let opened { swift_umsg_close(opened) }
            throw .icu(ICUError(status))
        }
        format = opened
    }

    deinit { swift_umsg_close(format) }

    /// Formats `values` in index order: numbers as `double`, text as NUL-terminated UTF-16, which is
    /// what `umsg_vformat` reads for each argument type the pattern gives it.
    func format(_ values: [MessageValue]) throws(LocalizationError) -> String {
        var texts: [UnsafeMutablePointer<UChar>] = []
        defer { texts.forEach { $0.deallocate() } }
        let arguments: [any CVarArg] = values.map { value in
            switch value {
            case .number(let number):
                return number
            case .text(let text):
                let units = Array(text.utf16) + [0]
                let copy = UnsafeMutablePointer<UChar>.allocate(capacity: units.count)
                copy.initialize(from: units, count: units.count)
                texts.append(copy)
                return copy
            }
        }
        var capacity = 256
        while true {
            var status = U_ZERO_ERROR
            var result = [UChar](repeating: 0, count: capacity)
            let length = result.withUnsafeMutableBufferPointer { buffer in
                withVaList(arguments) {
                    swift_umsg_vformat(format, buffer.baseAddress, Int32(capacity), $0, &status)
                }
            }
            if status == U_BUFFER_OVERFLOW_ERROR {
                capacity = Int(length) + 1
                continue
            }
            guard !status.isFailure else { throw .icu(ICUError(status)) }
            return String(decoding: result.prefix(Int(length)), as: UTF16.self)
        }
    }
}
