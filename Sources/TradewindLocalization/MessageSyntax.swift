/// The structure of an ICU MessageFormat (v1) pattern, as far as Tradewind needs it: each argument,
/// where its name is written, and the branches of its `plural`, `selectordinal` or `select`. Literal
/// text is skipped, not kept: ICU formats the pattern; this only lets names be rewritten to indices
/// and lets lint see the branches.
///
/// The grammar follows ICU's `MessagePattern` with its default apostrophe mode: an apostrophe quotes
/// only when it precedes `{`, `}` or (inside a plural branch) `#`, runs to the next single
/// apostrophe, and `''` is always one literal apostrophe. Two departures, both refusals: a `}`
/// outside any argument, which ICU would print as text, is an unbalanced brace here; and the legacy
/// `choice` type is refused in favour of `plural`. Offsets are in Unicode scalars of the pattern.
struct MessageSyntax: Sendable {
    /// The top-level arguments, in pattern order.
    let arguments: [MessageArgument]

    init(parsing pattern: String) throws(TemplateProblem) {
        var parser = Parser(Array(pattern.unicodeScalars))
        arguments = try parser.message(openedAt: nil, inPlural: false)
    }

    /// Every argument, nested ones included, in pattern order.
    var allArguments: [MessageArgument] {
        func flatten(_ arguments: [MessageArgument]) -> [MessageArgument] {
            arguments.flatMap { [$0] + flatten($0.branches.flatMap(\.arguments)) }
        }
        return flatten(arguments)
    }

    /// The simple argument types ICU formats (`{price, number, currency}`); any other is refused.
    static let simpleTypes: Set<String> = ["number", "date", "time", "spellout", "ordinal", "duration"]
}

/// One `{…}` argument of a message.
struct MessageArgument: Sendable {
    enum Form: Sendable {
        /// `{name}`: the value as it is, a number formatted for the locale.
        case plain
        /// `{name, type}` or `{name, type, style}`; the type as written.
        case simple(type: String)
        /// `{name, plural, …}` (cardinal) or `{name, selectordinal, …}` (ordinal).
        case plural(PluralRules.Kind, branches: [MessageBranch])
        /// `{name, select, …}`.
        case select(branches: [MessageBranch])
    }

    let name: String
    /// Where the name is written, to be replaced by an index for ICU.
    let nameRange: Range<Int>
    let form: Form

    var branches: [MessageBranch] {
        switch form {
        case .plain, .simple: []
        case .plural(_, let branches), .select(let branches): branches
        }
    }

    /// The kind of value the argument must be given; nil for a plain argument, which takes either.
    var expectedKind: MessageValue.Kind? {
        switch form {
        case .plain: nil
        case .simple, .plural: .number
        case .select: .text
        }
    }
}

/// One `selector {message}` branch of a plural or select argument.
struct MessageBranch: Sendable {
    enum Selector: Hashable, Sendable {
        /// `=3`: matches exactly that number; not a plural category.
        case exact(Double)
        /// `one`, `few`, `other`, or a select keyword such as `female`.
        case keyword(String)
    }

    let selector: Selector
    /// The selector as written (`=0`, `few`), for problems that name it.
    let written: String
    /// The arguments inside the branch's message.
    let arguments: [MessageArgument]
}

/// A recursive-descent reader over the pattern's scalars.
private struct Parser {
    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

    /// Reads message text up to the `}` that closes the branch opened at `openedAt` (left unread),
    /// or to the end of the pattern at top level.
    mutating func message(openedAt: Int?, inPlural: Bool) throws(TemplateProblem) -> [MessageArgument] {
        var arguments: [MessageArgument] = []
        while index < scalars.count {
            switch scalars[index] {
            case "'": skipApostrophe(inPlural: inPlural)
            case "{": arguments.append(try argument())
            case "}":
                guard openedAt != nil else { throw .unbalancedBraces(offset: index) }
                return arguments
            default: index += 1
            }
        }
        if let openedAt { throw .unbalancedBraces(offset: openedAt) }
        return arguments
    }

    /// Skips an apostrophe and, when it starts quoted text, the quoted text with its closing one.
    private mutating func skipApostrophe(inPlural: Bool) {
        index += 1
        guard index < scalars.count else { return }
        let next = scalars[index]
        if next == "'" {
            index += 1
            return
        }
        // Before anything else the apostrophe is itself literal text.
        guard next == "{" || next == "}" || (inPlural && next == "#") else { return }
        index += 1
        while index < scalars.count {
            if scalars[index] == "'" {
                if index + 1 < scalars.count && scalars[index + 1] == "'" {
                    index += 2
                    continue
                }
                index += 1
                return
            }
            index += 1
        }
        // ICU lets quoted text run to the end of the pattern.
    }

    /// Reads `{name}`, `{name, type[, style]}` or a complex argument, from its `{`.
    private mutating func argument() throws(TemplateProblem) -> MessageArgument {
        let open = index
        index += 1
        skipWhitespace()
        let nameStart = index
        skipIdentifier()
        let nameRange = nameStart..<index
        try requireMore(open)
        guard !nameRange.isEmpty else { throw .syntax(offset: nameStart, reason: "an argument needs a name") }
        let name = text(nameRange)
        skipWhitespace()
        try requireMore(open)
        if scalars[index] == "}" {
            index += 1
            return MessageArgument(name: name, nameRange: nameRange, form: .plain)
        }
        guard scalars[index] == "," else {
            throw .syntax(offset: index, reason: "expected ',' or '}' after the argument name \"\(name)\"")
        }
        index += 1
        skipWhitespace()
        let typeStart = index
        while index < scalars.count, scalars[index].isASCII, scalars[index].properties.isAlphabetic { index += 1 }
        let type = text(typeStart..<index)
        skipWhitespace()
        try requireMore(open)
        guard !type.isEmpty, scalars[index] == "," || scalars[index] == "}" else {
            throw .syntax(offset: typeStart, reason: "expected an argument type after \"\(name),\"")
        }
        let complex = ["plural", "selectordinal", "select", "choice"].contains(type.lowercased())
        if scalars[index] == "}" {
            guard !complex else {
                throw .syntax(offset: typeStart, reason: "\"\(name)\" is a \(type.lowercased()) with no branches")
            }
            index += 1
            return MessageArgument(name: name, nameRange: nameRange, form: .simple(type: type))
        }
        index += 1
        let form: MessageArgument.Form
        switch type.lowercased() {
        case "plural": form = .plural(.cardinal, branches: try branches(of: name, open: open, plural: true))
        case "selectordinal": form = .plural(.ordinal, branches: try branches(of: name, open: open, plural: true))
        case "select": form = .select(branches: try branches(of: name, open: open, plural: false))
        case "choice":
            throw .syntax(offset: typeStart, reason: "\"\(name)\" uses the legacy choice type; use plural")
        default:
            try skipStyle(open)
            form = .simple(type: type)
        }
        index += 1
        return MessageArgument(name: name, nameRange: nameRange, form: form)
    }

    /// Skips a simple argument's style up to its closing `}` (left unread); quoted text and nested
    /// braces may appear in it (`{d, date, 'at' HH:mm}`).
    private mutating func skipStyle(_ open: Int) throws(TemplateProblem) {
        var depth = 0
        while index < scalars.count {
            switch scalars[index] {
            case "'":
                let quote = index
                index += 1
                while index < scalars.count, scalars[index] != "'" { index += 1 }
                guard index < scalars.count else {
                    throw .syntax(offset: quote, reason: "quoted text in an argument style is never closed")
                }
            case "{": depth += 1
            case "}":
                if depth == 0 { return }
                depth -= 1
            default: break
            }
            index += 1
        }
        throw .unbalancedBraces(offset: open)
    }

    /// Reads `[offset:N] selector {message} …` up to the argument's closing `}` (left unread).
    private mutating func branches(of name: String, open: Int, plural: Bool) throws(TemplateProblem)
        -> [MessageBranch]
    {
        var branches: [MessageBranch] = []
        var sawOffset = false
        while true {
            skipWhitespace()
            try requireMore(open)
            if scalars[index] == "}" { return branches }
            let selectorStart = index
            let selector: MessageBranch.Selector
            if plural && scalars[index] == "=" {
                index += 1
                skipNumber()
                guard let value = Double(text(selectorStart + 1..<index)) else {
                    throw .syntax(offset: selectorStart, reason: "\"\(name)\" has an '=' without a number")
                }
                selector = .exact(value)
            } else {
                skipIdentifier()
                let word = text(selectorStart..<index)
                guard !word.isEmpty else {
                    throw .syntax(offset: selectorStart, reason: "expected a selector in \"\(name)\"")
                }
                if plural && word == "offset" && index < scalars.count && scalars[index] == ":" {
                    guard branches.isEmpty && !sawOffset else {
                        throw .syntax(offset: selectorStart, reason: "offset: must come first in \"\(name)\"")
                    }
                    index += 1
                    skipWhitespace()
                    let valueStart = index
                    skipNumber()
                    guard Double(text(valueStart..<index)) != nil else {
                        throw .syntax(offset: valueStart, reason: "offset: needs a number in \"\(name)\"")
                    }
                    sawOffset = true
                    continue
                }
                selector = .keyword(word)
            }
            let written = text(selectorStart..<index)
            skipWhitespace()
            try requireMore(open)
            guard scalars[index] == "{" else {
                throw .syntax(offset: index, reason: "expected '{' after \"\(written)\" in \"\(name)\"")
            }
            let branchOpen = index
            index += 1
            let arguments = try message(openedAt: branchOpen, inPlural: plural)
            index += 1
            branches.append(MessageBranch(selector: selector, written: written, arguments: arguments))
        }
    }

    /// A pattern that ends inside an argument has an unclosed brace.
    private func requireMore(_ open: Int) throws(TemplateProblem) {
        if index >= scalars.count { throw .unbalancedBraces(offset: open) }
    }

    private mutating func skipWhitespace() {
        while index < scalars.count, scalars[index].properties.isPatternWhitespace { index += 1 }
    }

    /// An identifier, as ICU reads names and keywords: anything but pattern syntax and whitespace.
    private mutating func skipIdentifier() {
        while index < scalars.count,
            !scalars[index].properties.isPatternWhitespace, !scalars[index].properties.isPatternSyntax
        {
            index += 1
        }
    }

    /// The characters ICU accepts in a number (`skipDouble`); `Double(_:)` then judges them.
    private mutating func skipNumber() {
        while index < scalars.count, "0123456789+-.eE\u{221E}".unicodeScalars.contains(scalars[index]) {
            index += 1
        }
    }

    private func text(_ range: Range<Int>) -> String {
        String(String.UnicodeScalarView(scalars[range]))
    }
}
