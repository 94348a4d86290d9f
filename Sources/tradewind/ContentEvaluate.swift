import ArgumentParser
import Foundation
import TradewindContent
import TradewindCore
import Yams

extension Content {
    /// Scores the packs on a labelled corpus (bench/content-quality): per market, how many of the
    /// texts a compliance reviewer flagged the packs flag too (recall), and how many of the texts
    /// the packs flag the reviewer flagged (precision), for "flagged at all" and for "blocked".
    struct Evaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score the rule packs on a labelled corpus; prints precision and recall per market.",
            discussion: """
                The corpus is a YAML list; each item: id, market, language, fields {headline, description, \
                body, call_to_action, landing_url}, expected (block, review, warn or pass), and optionally \
                category, sponsored, offer_end_date, channels and why.
                """)

        @Option(help: "The labelled corpus.") var corpus: String
        @Option(name: .customLong("packs"), help: "Pack files or folders instead of the shipped packs.")
        var packPaths: [String] = []
        @Flag(help: "List every text whose verdict differs from its label.") var verbose = false

        struct Item {
            var id: String
            var market: String
            var draft: CopyDraft
            var expected: CopySeverity
        }

        struct Score {
            var texts = 0
            var exact = 0
            var flagged = Confusion()
            var blocked = Confusion()
        }

        struct Confusion {
            var truePositive = 0
            var falsePositive = 0
            var falseNegative = 0

            mutating func add(expected: Bool, found: Bool) {
                if expected && found { truePositive += 1 }
                if !expected && found { falsePositive += 1 }
                if expected && !found { falseNegative += 1 }
            }

            var precision: Double {
                truePositive + falsePositive == 0 ? 1 : Double(truePositive) / Double(truePositive + falsePositive)
            }
            var recall: Double {
                truePositive + falseNegative == 0 ? 1 : Double(truePositive) / Double(truePositive + falseNegative)
            }
        }

        func run() async throws {
            let rules = try CompiledCopyRules(Content.packs(packPaths))
            let items = try Self.read(corpus)
            var scores: [String: Score] = [:]
            var total = Score()
            for item in items {
                let verdict = rules.check(item.draft, markets: [item.market])[0]
                for key in [item.market, "all"] {
                    var score = key == "all" ? total : scores[key, default: Score()]
                    score.texts += 1
                    if verdict.severity == item.expected { score.exact += 1 }
                    score.flagged.add(expected: item.expected != .pass, found: verdict.severity != .pass)
                    score.blocked.add(expected: item.expected == .block, found: verdict.severity == .block)
                    if key == "all" { total = score } else { scores[key] = score }
                }
                if verbose && verdict.severity != item.expected {
                    let found = verdict.findings.map { "\($0.ruleID) \"\($0.phrase)\"" }.joined(separator: "; ")
                    print(
                        "\(item.id) \(item.market): labelled \(item.expected.rawValue), found \(verdict.severity.rawValue) \(found)"
                    )
                }
            }
            func line(_ name: String, _ score: Score) -> String {
                func percent(_ value: Double) -> String { String(format: "%5.1f", value * 100) }
                return [
                    name.padding(toLength: 6, withPad: " ", startingAt: 0), String(format: "%5d", score.texts),
                    percent(Double(score.exact) / Double(max(score.texts, 1))),
                    percent(score.flagged.precision), percent(score.flagged.recall),
                    percent(score.blocked.precision), percent(score.blocked.recall),
                ].joined(separator: "  ")
            }
            print("market  texts  exact  flagged-P  flagged-R  block-P  block-R   (percent)")
            for market in scores.keys.sorted() { print(line(market, scores[market]!)) }
            print(line("all", total))
        }

        static func read(_ path: String) throws -> [Item] {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            guard let root = try Yams.compose(yaml: text), let list = root.sequence else {
                throw ValidationError("\(path): the corpus must be a YAML list")
            }
            var seen = Set<String>()
            return try list.map { node in
                func fail(_ problem: String) -> ValidationError {
                    ValidationError("\(path):\(node.mark?.line ?? 0): \(problem)")
                }
                guard let id = node["id"]?.string, seen.insert(id).inserted else {
                    throw fail("a unique id is required")
                }
                guard let market = node["market"]?.string, FieldFormats.isValidCountryCode(market) else {
                    throw fail("\(id): market must be an upper-case ISO 3166-1 code")
                }
                guard let expected = node["expected"]?.string.flatMap(CopySeverity.init(rawValue:)) else {
                    throw fail("\(id): expected must be block, review, warn or pass")
                }
                guard let fieldsNode = node["fields"]?.mapping else { throw fail("\(id): fields are required") }
                var fields: [CopyField: String] = [:]
                for (key, value) in fieldsNode {
                    guard let field = key.string.flatMap(CopyField.init(rawValue:)), let text = value.string else {
                        throw fail("\(id): unknown field \(key.string ?? "?")")
                    }
                    fields[field] = text
                }
                let category = node["category"]?.string ?? ""
                guard category.isEmpty || CopyCategory.known.contains(category) else {
                    throw fail("\(id): unknown category \(category)")
                }
                let draft = CopyDraft(
                    fields: fields, language: node["language"]?.string ?? "en",
                    sponsored: node["sponsored"]?.bool ?? false, category: category,
                    offerEndDate: node["offer_end_date"]?.string,
                    channels: node["channels"]?.sequence.map { $0.compactMap(\.string) } ?? [])
                return Item(id: id, market: market, draft: draft, expected: expected)
            }
        }
    }
}
