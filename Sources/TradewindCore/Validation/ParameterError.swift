/// A parameter of a pure computation (attribution, funnels, forecasts, budgets ...) is out of
/// range. `field` is the request field's snake_case name, so the server can name it in its
/// `INVALID_ARGUMENT` answer as it is.
public struct ParameterError: Error, Sendable, Hashable {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public static func invalidParameter(field: String, reason: String) -> ParameterError {
        ParameterError(field: field, reason: reason)
    }
}
