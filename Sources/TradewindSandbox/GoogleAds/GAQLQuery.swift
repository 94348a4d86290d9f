import Foundation

/// A parsed Google Ads Query Language query, in the strict subset the sandbox serves:
/// `SELECT f, ... FROM resource [WHERE c AND c ...] [ORDER BY f [ASC|DESC], ...] [LIMIT n]` with
/// `=`, `!=`, `>`, `>=`, `<`, `<=`, `IN (...)`, `NOT IN (...)`, `LIKE`, `NOT LIKE`, `BETWEEN a AND b`
/// and `DURING` (date literals). Anything else is a `QueryError`, as Google answers it.
struct GAQLQuery {
    var fields: [String]
    var resource: String
    var conditions: [Condition]
    var ordering: [(field: String, descending: Bool)]
    var limit: Int?

    struct Condition {
        var field: String
        var op: String
        var values: [String]
    }

    struct Failure: Error {
        var code: String
        var message: String
        var trigger: String?
    }

    // MARK: Tokens

    enum Token: Equatable {
        case word(String)
        case string(String)
        case number(String)
        case symbol(String)
    }

    static func tokenize(_ text: String) throws(Failure) -> [Token] {
        var tokens: [Token] = []
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace {
                index += 1
            } else if character == "'" || character == "\"" {
                var value = ""
                index += 1
                while index < characters.count && characters[index] != character {
                    if characters[index] == "\\", index + 1 < characters.count { index += 1 }
                    if characters[index].isNewline {
                        throw Failure(
                            code: "PROHIBITED_NEWLINE_IN_STRING",
                            message: "Query has a string containing a newline character.")
                    }
                    value.append(characters[index])
                    index += 1
                }
                guard index < characters.count else {
                    throw Failure(code: "STRING_NOT_TERMINATED", message: "Query contains unterminated string.")
                }
                index += 1
                tokens.append(.string(value))
            } else if character.isLetter || character == "_" {
                var value = ""
                while index < characters.count
                    && (characters[index].isLetter || characters[index].isNumber || characters[index] == "_"
                        || characters[index] == ".")
                {
                    value.append(characters[index])
                    index += 1
                }
                tokens.append(.word(value))
            } else if character.isNumber || character == "-" {
                var value = String(character)
                index += 1
                while index < characters.count && (characters[index].isNumber || characters[index] == ".") {
                    value.append(characters[index])
                    index += 1
                }
                tokens.append(.number(value))
            } else if "=<>!".contains(character) {
                var value = String(character)
                if index + 1 < characters.count && characters[index + 1] == "=" {
                    value.append("=")
                    index += 1
                }
                index += 1
                tokens.append(.symbol(value))
            } else if "(),".contains(character) {
                tokens.append(.symbol(String(character)))
                index += 1
            } else {
                throw Failure(
                    code: "BAD_SYMBOL", message: "Non-ASCII symbol encountered outside of strings.",
                    trigger: String(character))
            }
        }
        return tokens
    }

    // MARK: Parsing

    static func parse(_ text: String) throws(Failure) -> GAQLQuery {
        var parser = Parser(tokens: try tokenize(text))
        return try parser.query()
    }

    struct Parser {
        var tokens: [Token]
        var position = 0

        var current: Token? { position < tokens.count ? tokens[position] : nil }

        mutating func keyword(_ word: String) -> Bool {
            if case .word(let value) = current, value.uppercased() == word {
                position += 1
                return true
            }
            return false
        }

        mutating func symbol(_ value: String) -> Bool {
            if current == .symbol(value) {
                position += 1
                return true
            }
            return false
        }

        mutating func identifier() throws(Failure) -> String {
            guard case .word(let value) = current else {
                throw Failure(
                    code: current == nil ? "UNEXPECTED_END_OF_QUERY" : "BAD_FIELD_NAME",
                    message: "Expected a field name.")
            }
            position += 1
            return value
        }

        mutating func query() throws(Failure) -> GAQLQuery {
            guard keyword("SELECT") else {
                throw Failure(code: "EXPECTED_SELECT", message: "SELECT is missing at the beginning of query.")
            }
            var fields = [try identifier()]
            while symbol(",") { fields.append(try identifier()) }
            guard keyword("FROM") else { throw Failure(code: "EXPECTED_FROM", message: "Missing FROM clause.") }
            let resource = try identifier()
            var conditions: [Condition] = []
            if keyword("WHERE") {
                repeat { conditions.append(try condition()) } while keyword("AND")
            }
            var ordering: [(String, Bool)] = []
            if keyword("ORDER") {
                guard keyword("BY") else {
                    throw Failure(code: "EXPECTED_BY", message: "Expecting ORDER BY to have BY.")
                }
                repeat {
                    let field = try identifier()
                    let descending = keyword("DESC")
                    if !descending { _ = keyword("ASC") }
                    ordering.append((field, descending))
                } while symbol(",")
            }
            var limit: Int?
            if keyword("LIMIT") {
                guard case .number(let text) = current, let value = Int(text) else {
                    throw Failure(code: "BAD_LIMIT_VALUE", message: "Limit value is invalid.")
                }
                guard value > 0 else {
                    throw Failure(
                        code: "LIMIT_VALUE_TOO_LOW", message: "The value passed to the limit clause is too low.")
                }
                position += 1
                limit = value
            }
            if current != nil {
                throw Failure(code: "UNEXPECTED_INPUT", message: "Query has an unexpected extra part.")
            }
            return GAQLQuery(
                fields: fields, resource: resource, conditions: conditions, ordering: ordering, limit: limit)
        }

        mutating func condition() throws(Failure) -> Condition {
            let field = try identifier()
            if keyword("NOT") {
                if keyword("IN") { return Condition(field: field, op: "NOT IN", values: try list()) }
                if keyword("LIKE") { return Condition(field: field, op: "NOT LIKE", values: [try value()]) }
                throw Failure(code: "BAD_OPERATOR", message: "Invalid operator encountered.")
            }
            if keyword("IN") { return Condition(field: field, op: "IN", values: try list()) }
            if keyword("LIKE") { return Condition(field: field, op: "LIKE", values: [try value()]) }
            if keyword("BETWEEN") {
                let low = try value()
                guard keyword("AND") else {
                    throw Failure(code: "EXPECTED_AND", message: "Expected AND between values with BETWEEN operator.")
                }
                return Condition(field: field, op: "BETWEEN", values: [low, try value()])
            }
            if keyword("DURING") {
                guard case .word(let literal) = current else {
                    throw Failure(
                        code: "INVALID_VALUE_WITH_DURING_OPERATOR",
                        message: "The value passed to the DURING operator is not a Date range literal")
                }
                position += 1
                return Condition(field: field, op: "DURING", values: [literal.uppercased()])
            }
            for op in ["=", "!=", ">", ">=", "<", "<="] where symbol(op) {
                return Condition(field: field, op: op, values: [try value()])
            }
            throw Failure(code: "BAD_OPERATOR", message: "Invalid operator encountered.")
        }

        mutating func value() throws(Failure) -> String {
            switch current {
            case .string(let value), .number(let value), .word(let value):
                position += 1
                return value
            default:
                throw Failure(
                    code: current == nil ? "UNEXPECTED_END_OF_QUERY" : "BAD_VALUE", message: "Value is invalid.")
            }
        }

        mutating func list() throws(Failure) -> [String] {
            guard symbol("(") else {
                throw Failure(
                    code: "EXPECTED_LIST",
                    message: "The operator used in the conditions requires the value to be a list.")
            }
            var values: [String] = []
            if symbol(")") {
                throw Failure(
                    code: "PROHIBITED_EMPTY_LIST_IN_CONDITION", message: "A Condition was found with an empty list.")
            }
            repeat { values.append(try value()) } while symbol(",")
            guard symbol(")") else {
                throw Failure(code: "UNEXPECTED_END_OF_QUERY", message: "Query is incomplete and cannot be parsed.")
            }
            return values
        }
    }
}
