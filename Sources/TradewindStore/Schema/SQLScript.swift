/// Splits a migration file into statements.
///
/// PostgreSQL's extended query protocol (which postgres-nio uses) takes one statement at a time,
/// so a file is cut at top-level semicolons: not inside quotes, comments or dollar-quoted bodies.
enum SQLScript {
    static func statements(in text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0

        func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }
        func flush() {
            let statement = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if !statement.isEmpty { statements.append(statement) }
            current = String.UnicodeScalarView()
        }

        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "-", peek(1) == "-" {
                // Line comment: dropped.
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
                continue
            }
            if scalar == "/", peek(1) == "*" {
                index += 2
                while index < scalars.count, !(scalars[index] == "*" && peek(1) == "/") { index += 1 }
                index += 2
                continue
            }
            if scalar == "'" || scalar == "\"" {
                current.append(scalar)
                index += 1
                while index < scalars.count {
                    current.append(scalars[index])
                    index += 1
                    if scalars[index - 1] == scalar { break }
                }
                continue
            }
            if scalar == "$", let tag = dollarTag(scalars, at: index) {
                current.append(contentsOf: tag)
                index += tag.count
                while index < scalars.count, !matches(scalars, at: index, tag) {
                    current.append(scalars[index])
                    index += 1
                }
                if index < scalars.count {
                    current.append(contentsOf: tag)
                    index += tag.count
                }
                continue
            }
            if scalar == ";" {
                flush()
                index += 1
                continue
            }
            current.append(scalar)
            index += 1
        }
        flush()
        return statements
    }

    /// The `$tag$` opening a dollar-quoted string at `index`, if there is one.
    private static func dollarTag(_ scalars: [Unicode.Scalar], at index: Int) -> [Unicode.Scalar]? {
        var end = index + 1
        while end < scalars.count, scalars[end] != "$" {
            let s = scalars[end]
            guard s == "_" || s.properties.isAlphabetic || (end > index + 1 && ("0"..."9").contains(s)) else {
                return nil
            }
            end += 1
        }
        return end < scalars.count ? Array(scalars[index...end]) : nil
    }

    private static func matches(_ scalars: [Unicode.Scalar], at index: Int, _ tag: [Unicode.Scalar]) -> Bool {
        index + tag.count <= scalars.count && Array(scalars[index..<(index + tag.count)]) == tag
    }
}
