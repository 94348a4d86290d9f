import ArgumentParser
import Foundation
import TradewindCore

/// Offline analytics over files: the same computations the Analytics service runs, for checking
/// them against other tools (bench/attribution, bench/rules_parity.py) without a server.
struct Analytics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Run attribution or association rules on files, or evaluate automated rules on seeded metrics, offline (for benchmarks and parity checks).",
        subcommands: [Attribute.self, Rules.self, EvaluateRules.self])

    struct Attribute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every attribution model over journeys from a file; prints credits and timings as JSON.",
            discussion: """
                --journeys FILE: one journey per line, tab-separated: channels joined by '>', touch times \
                (Unix seconds) joined by ',', conversions, nulls, revenue micros, conversion time (Unix \
                seconds, empty when it did not convert).
                --paths FILE: aggregated paths, one per line, tab-separated: channels joined by '>', \
                conversions, nulls, revenue micros. Markov runs on them alone (the input ChannelAttribution \
                takes). Parsing is not timed.
                """)

        @Option(help: "Journeys with touch times; every model runs on them.") var journeys: String?
        @Option(help: "Aggregated paths; the Markov model runs on them.") var paths: String?
        @Option(help: "Ignore touches older than this before their conversion (days).") var lookbackDays: Double?
        @Option(help: "Half-life of the time-decay model (days).") var halfLifeDays: Double = 7
        @Option(help: "Write the JSON here instead of standard output.") var output: String?

        func validate() throws {
            guard journeys != nil || paths != nil else { throw ValidationError("give --journeys, --paths or both") }
            guard halfLifeDays > 0 else { throw ValidationError("--half-life-days must be positive") }
        }

        func run() async throws {
            var report: [String: Any] = [:]
            var timings: [String: Double] = [:]
            if let paths {
                let parsed = try Self.readLines(paths).map(Self.path)
                report["paths"] = parsed.count
                // The comparable figure: from paths already in memory in the form the models take
                // (encoded), to the credits; encoding them from parsed journeys is timed apart.
                let (encoded, encoding) = Self.timed { EncodedJourneys(parsed) }
                let (credits, seconds) = Self.timed { Attribution.credit(encoded, model: .markov) }
                timings["markov_paths"] = seconds
                timings["markov_paths_encoding"] = encoding
                report["markov_paths"] = Self.json(credits)
            }
            if let journeys {
                let parsed = try Self.readLines(journeys).map(Self.journey)
                report["journeys"] = parsed.count
                let models: [(String, AttributionModel)] = [
                    ("first_touch", .firstTouch), ("last_touch", .lastTouch), ("linear", .linear),
                    ("time_decay", .timeDecay(halfLife: halfLifeDays * 86_400)), ("position_based", .positionBased),
                    ("markov", .markov), ("shapley", .shapley),
                ]
                var results: [String: Any] = [:]
                // What the Analytics service does: encode once, then run every model.
                let (encoded, encoding) = Self.timed {
                    EncodedJourneys(parsed, lookback: lookbackDays.map { $0 * 86_400 })
                }
                timings["encoding"] = encoding
                var total = encoding
                for (name, model) in models {
                    let (credits, seconds) = Self.timed { Attribution.credit(encoded, model: model) }
                    results[name] = Self.json(credits)
                    timings[name] = seconds
                    total += seconds
                }
                timings["all_models"] = total
                report["models"] = results
            }
            report["seconds"] = timings
            report["peak_rss_mib"] = Self.peakResidentMiB()
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .prettyPrinted])
            if let output {
                try data.write(to: URL(fileURLWithPath: output))
            } else {
                print(String(decoding: data, as: UTF8.self))
            }
        }

        static func timed<T>(_ body: () -> T) -> (T, Double) {
            let start = ContinuousClock.now
            let result = body()
            let elapsed = ContinuousClock.now - start
            return (result, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }

        static func json(_ credits: [ChannelCredit]) -> [[String: Any]] {
            credits.map { credit in
                var entry: [String: Any] = [
                    "channel": credit.channel, "conversions": credit.conversions,
                    "revenue_micros": credit.revenueMicros,
                ]
                if let effect = credit.removalEffect { entry["removal_effect"] = effect }
                return entry
            }
        }

        static func path(_ line: Substring) throws -> Journey {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 4, let conversions = Int(fields[1]), let nulls = Int(fields[2]),
                let revenue = Int64(fields[3])
            else { throw ValidationError("a paths line needs 4 tab-separated fields: \(line.prefix(80))") }
            return Journey.path(
                fields[0].split(separator: ">").map { String($0) }, conversions: conversions, nulls: nulls,
                revenueMicros: revenue)
        }

        static func journey(_ line: Substring) throws -> Journey {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 6, let conversions = Int(fields[2]), let nulls = Int(fields[3]),
                let revenue = Int64(fields[4])
            else { throw ValidationError("a journeys line needs 6 tab-separated fields: \(line.prefix(80))") }
            let channels = fields[0].split(separator: ">")
            let times = fields[1].split(separator: ",").compactMap { Double($0) }
            guard channels.count == times.count else {
                throw ValidationError("as many touch times as channels: \(line.prefix(80))")
            }
            let touches = zip(channels, times).map { Touch(channel: String($0), time: Date(timeIntervalSince1970: $1)) }
            return Journey(
                touches: touches, convertedAt: Double(fields[5]).map { Date(timeIntervalSince1970: $0) },
                conversions: conversions, nulls: nulls, revenueMicros: revenue)
        }

        static func readLines(_ path: String) throws -> [Substring] {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        }

        /// The process's peak resident memory, from /proc (Linux).
        static func peakResidentMiB() -> Double {
            guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let kib = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
            else { return 0 }
            return kib / 1024
        }
    }

    struct Rules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Association rules over baskets from a file; prints the rules as JSON.",
            discussion: """
                FILE holds one basket per line, items separated by commas. Metrics are mlxtend's; \
                infinite conviction (confidence 1) is written as "inf".
                """)

        @Argument(help: "Baskets, one per line, items separated by commas.") var file: String
        @Option(help: "Minimum support of an itemset, in (0, 1].") var minSupport: Double
        @Option(help: "Minimum confidence of a rule, in [0, 1].") var minConfidence: Double = 0.8
        @Option(help: "Largest itemset.") var maxLen: Int?
        @Option(help: "Write the JSON here instead of standard output.") var output: String?

        struct Output: Encodable {
            var transactions: Int
            var seconds: Double
            var rules: [Rule]
        }

        struct Rule: Encodable {
            var antecedents: [String]
            var consequents: [String]
            var antecedentSupport: Double
            var consequentSupport: Double
            var support: Double
            var confidence: Double
            var lift: Double
            var leverage: Double
            var conviction: Double
            var zhangsMetric: Double
        }

        func run() async throws {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let baskets = text.split(separator: "\n").map { line in
                line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            let (result, seconds) = Attribute.timed {
                Result {
                    try AssociationRules.rules(
                        baskets, minSupport: minSupport, maxLen: maxLen, minConfidence: minConfidence)
                }
            }
            let rules = try result.get()
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(
                positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            let data = try encoder.encode(
                Output(
                    transactions: rules.transactions, seconds: seconds,
                    rules: rules.rules.map {
                        Rule(
                            antecedents: $0.antecedents, consequents: $0.consequents,
                            antecedentSupport: $0.antecedentSupport, consequentSupport: $0.consequentSupport,
                            support: $0.support, confidence: $0.confidence, lift: $0.lift, leverage: $0.leverage,
                            conviction: $0.conviction, zhangsMetric: $0.zhangsMetric)
                    }))
            if let output {
                try data.write(to: URL(fileURLWithPath: output))
            } else {
                print(String(decoding: data, as: UTF8.self))
            }
        }
    }
}
