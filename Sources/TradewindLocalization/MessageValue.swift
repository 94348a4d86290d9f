/// The value of one named argument of a message: a number (for `plural`, `selectordinal`, `number`
/// and the other numeric types, or a plain `{count}`) or text (for `select`, or a plain `{name}`).
public enum MessageValue: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral
{
    case number(Double)
    case text(String)

    public enum Kind: String, Sendable, Hashable {
        case number, text
    }

    public var kind: Kind {
        switch self {
        case .number: .number
        case .text: .text
        }
    }

    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .text(value) }
}
