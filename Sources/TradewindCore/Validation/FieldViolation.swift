/// One thing wrong with one field of a request, named by its path in the request message
/// (`contact.email`, `update_mask.paths[2]`), so that a client can point at it.
public struct FieldViolation: Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var description: String

    public init(field: String, description: String) {
        self.field = field
        self.description = description
    }
}

/// A request that failed validation; every violation found is reported at once.
public struct ValidationFailure: Error, Sendable, Hashable {
    public var violations: [FieldViolation]

    public init(_ violations: [FieldViolation]) {
        self.violations = violations
    }

    public init(field: String, _ description: String) {
        self.violations = [FieldViolation(field: field, description: description)]
    }

    /// A parameter of a pure computation (attribution, funnels, forecasts, budgets ...) out of
    /// range; `field` is the request field's snake_case name.
    public static func invalidParameter(field: String, reason: String) -> ValidationFailure {
        ValidationFailure(field: field, reason)
    }

    /// The one field a computation's refusal names.
    public var field: String { violations.first?.field ?? "" }

    /// A one-line summary for the status message, naming every field.
    public var message: String {
        violations.map { "\($0.field): \($0.description)" }.joined(separator: "; ")
    }
}

/// Collects violations while a request is checked, then throws them all together.
public struct ViolationCollector: Sendable {
    public private(set) var violations: [FieldViolation] = []

    public init() {}

    public mutating func add(_ field: String, _ description: String) {
        violations.append(FieldViolation(field: field, description: description))
    }

    /// Adds a violation when `condition` is false.
    public mutating func require(_ condition: Bool, _ field: String, _ description: String) {
        if !condition { add(field, description) }
    }

    public func throwIfAny() throws(ValidationFailure) {
        if !violations.isEmpty { throw ValidationFailure(violations) }
    }
}
