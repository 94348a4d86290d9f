import ArgumentParser
import Foundation
import TradewindContent
import TradewindCore
import Yams

/// Rule packs offline: lint a pack while writing it, check a text without a server, and measure
/// the shipped packs against a labelled corpus (bench/content-quality).
struct Content: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lint ad-copy rule packs, check a text offline, or score the packs on a labelled corpus.",
        subcommands: [Lint.self, Check.self, Evaluate.self, Bench.self])

    /// Packs from the given files and folders (a folder: its `markets/` and `platforms/`, or its own
    /// `*.yaml`), or the shipped ones when none are given.
    static func packs(_ paths: [String]) throws -> [CopyRulePack] {
        guard !paths.isEmpty else { return try ShippedRulePacks.load() }
        var packs: [CopyRulePack] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw ValidationError("\(path) does not exist")
            }
            let url = URL(fileURLWithPath: path)
            if isFolder.boolValue {
                let grouped = try ShippedRulePacks.load(directory: url)
                let own = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".yaml") }
                    .sorted().map { name in
                        try RulePackDocument.parse(
                            String(contentsOf: url.appendingPathComponent(name), encoding: .utf8), file: name)
                    }
                packs += grouped + own
            } else {
                packs.append(try RulePackDocument.parse(String(contentsOf: url, encoding: .utf8), file: path))
            }
        }
        return packs
    }

    struct Lint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load rule packs and check every rule's examples; exits 1 naming the first failure.")

        @Argument(help: "Pack files or folders (default: the shipped packs).") var paths: [String] = []

        func run() async throws {
            let packs: [CopyRulePack]
            do {
                packs = try Content.packs(paths)
                _ = try CompiledCopyRules(packs)
            } catch {
                print("error: \(error)")
                throw ExitCode(1)
            }
            for pack in packs {
                let unverified = pack.rules.filter { !$0.reference.verified }.count
                let examples = pack.rules.reduce(0) { $0 + $1.mustMatch.count + $1.mustNotMatch.count }
                print(
                    "\(pack.id) \(pack.version) [\(pack.markets.joined(separator: ","))\(pack.channels.isEmpty ? "" : " via " + pack.channels.joined(separator: ","))]: \(pack.rules.count) rules, \(pack.rules.reduce(0) { $0 + $1.phrases.count }) phrases, \(examples) examples held, \(unverified) unverified references"
                )
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check one ad text against the packs for some markets; prints the verdicts as JSON.")

        @Option(name: .customLong("market"), help: "A market (ISO 3166-1 alpha-2); repeat for several.")
        var markets: [String]
        @Option(help: "BCP 47 tag of the text's language.") var language = "en"
        @Option var headline: String?
        @Option var description: String?
        @Option var body: String?
        @Option(name: .customLong("call-to-action")) var callToAction: String?
        @Option(name: .customLong("landing-url")) var landingURL: String?
        @Flag(help: "The text is a paid endorsement or sponsored post.") var sponsored = false
        @Option(help: "Product category.") var category = ""
        @Option(help: "Day the offer ends (YYYY-MM-DD).") var offerEndDate: String?
        @Option(name: .customLong("channel"), help: "An ad channel the text is for; repeat for several.")
        var channels: [String] = []
        @Option(name: .customLong("packs"), help: "Pack files or folders instead of the shipped packs.")
        var packPaths: [String] = []

        func run() async throws {
            let rules = try CompiledCopyRules(Content.packs(packPaths))
            var fields: [CopyField: String] = [:]
            fields[.headline] = headline
            fields[.description] = description
            fields[.body] = body
            fields[.callToAction] = callToAction
            fields[.landingURL] = landingURL
            let draft = CopyDraft(
                fields: fields, language: language, sponsored: sponsored, category: category,
                offerEndDate: offerEndDate,
                channels: channels)
            let verdicts = rules.check(draft, markets: markets.map { $0.uppercased() })
            let output: [[String: Any]] = verdicts.map { verdict in
                [
                    "market": verdict.market, "severity": verdict.severity.rawValue, "packs": verdict.packVersions,
                    "findings": verdict.findings.map { finding in
                        [
                            "rule": finding.ruleID, "severity": finding.severity.rawValue,
                            "field": finding.field.rawValue, "phrase": finding.phrase,
                            "span": finding.span.map { [$0.lowerBound, $0.upperBound] } ?? [],
                            "explanation": finding.localizedExplanation, "reference": finding.reference.citation,
                        ] as [String: Any]
                    },
                ]
            }
            let data = try JSONSerialization.data(withJSONObject: output, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
