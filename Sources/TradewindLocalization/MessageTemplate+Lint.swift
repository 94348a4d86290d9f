extension MessageTemplate {
    /// What ICU would accept without a word but a reader in `locale` would see as wrong, and what it
    /// would refuse: a plural missing a category the locale uses (Arabic without `few`) or holding
    /// one it does not (`few` in English), a plural or select without `other`, a duplicate branch,
    /// unbalanced braces, an unknown argument type. `selectordinal` is checked against the locale's
    /// ordinal categories. Empty when the template is fit to store. Throws only for a locale that is
    /// not `language_REGION` or that ICU does not know.
    public func lint(locale: String) throws(LocalizationError) -> [TemplateProblem] {
        let cardinal = try PluralRules(locale: locale)
        let ordinal = try PluralRules(locale: locale, kind: .ordinal)
        let syntax: MessageSyntax
        switch self.syntax {
        case .failure(let problem): return [problem]
        case .success(let parsed): syntax = parsed
        }
        var problems: [TemplateProblem] = []
        for argument in syntax.allArguments {
            let structural = Self.structuralProblems(of: argument)
            problems += structural
            problems += Self.duplicateBranches(of: argument)
            if case .plural(let kind, let branches) = argument.form {
                problems += Self.categoryProblems(
                    argument.name, branches, rules: kind == .cardinal ? cardinal : ordinal,
                    missingOther: structural.contains(.missingOther(argument: argument.name)))
            }
        }
        // ICU gets the last word, for anything its parser refuses that the checks above let by.
        if problems.isEmpty {
            let numbered = Self.numbered(pattern, syntax) { _ in false }
            do {
                _ = try ICUMessageFormat(pattern: numbered.pattern, locale: cardinal.locale)
            } catch {
                if case .icu(let refusal) = error { problems.append(.rejectedByICU(refusal)) }
            }
        }
        return problems
    }

    private static func duplicateBranches(of argument: MessageArgument) -> [TemplateProblem] {
        var seen: Set<MessageBranch.Selector> = []
        return argument.branches.compactMap { branch in
            seen.insert(branch.selector).inserted
                ? nil : .duplicateBranch(argument: argument.name, selector: branch.written)
        }
    }

    /// Keyword branches against the locale's categories, both ways; `=N` branches are not categories.
    private static func categoryProblems(
        _ name: String, _ branches: [MessageBranch], rules: PluralRules, missingOther: Bool
    ) -> [TemplateProblem] {
        let keywords = branches.compactMap { branch -> String? in
            if case .keyword(let keyword) = branch.selector { return keyword }
            return nil
        }
        var problems: [TemplateProblem] = []
        var reported: Set<String> = []
        for keyword in keywords
        where PluralCategory(rawValue: keyword).map({ !rules.categories.contains($0) }) ?? true {
            if reported.insert(keyword).inserted {
                problems.append(.categoryNotInLocale(argument: name, category: keyword, kind: rules.kind))
            }
        }
        for category in rules.categories.sorted() where !keywords.contains(category.rawValue) {
            // A missing `other` is already reported as such.
            if category == .other && missingOther { continue }
            problems.append(.missingCategory(argument: name, category: category, kind: rules.kind))
        }
        return problems
    }
}
