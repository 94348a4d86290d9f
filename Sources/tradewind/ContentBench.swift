import ArgumentParser
import Foundation
import GRPCCore
import TradewindContent
import TradewindCore
import TradewindProto

extension Content {
    /// The ad-copy benchmark (bench/content): the same seeded texts checked against ten markets and
    /// the four channels' packs, in the pure core and through CheckCopy over TLS.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check seeded ad texts against ten markets and the platform packs; prints timings as JSON.",
            discussion: """
                Texts are made from the labelled corpus (headline of one item, body of another, description \
                of a third, each with a seeded number), so every script of the corpus is in the mix. \
                Generating them is not timed. --rpc sends them to the configured server in batches \
                through CheckCopy (nothing stored), --concurrency calls at a time.
                """)

        @Option(help: "Texts to check.") var texts = 100_000
        @Option(help: "Seed of the generated texts.") var seed: UInt64 = 1
        @Option(help: "The labelled corpus the texts are made from.") var corpus = "bench/content-corpus.yaml"
        @Flag(help: "Through CheckCopy over TLS instead of the pure core.") var rpc = false
        @Option(help: "Texts per CheckCopy call (1-1000).") var batch = 1_000
        @Option(help: "CheckCopy calls at a time.") var concurrency = 2
        @OptionGroup var caller: Audit.CallerOptions

        static let markets = ["CN", "US", "DE", "GB", "SA", "AE", "KW", "JP", "KR", "BR"]

        struct Output: Encodable {
            var mode: String
            var texts: Int
            var markets: Int
            var findings: Int
            var seconds: Double
            var textsPerSecond: Double
        }

        func run() async throws {
            guard texts > 0, (1...1_000).contains(batch), concurrency > 0 else {
                throw ValidationError("--texts positive, --batch 1-1000, --concurrency positive")
            }
            let drafts = try Self.drafts(count: texts, seed: seed, corpus: corpus)
            let (findings, seconds) = rpc ? try await overRPC(drafts) : try Self.inCore(drafts)
            let output = Output(
                mode: rpc ? "rpc" : "core", texts: drafts.count, markets: Self.markets.count, findings: findings,
                seconds: (seconds * 1000).rounded() / 1000,
                textsPerSecond: (Double(drafts.count) / seconds).rounded())
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = .sortedKeys
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        }

        static func drafts(count: Int, seed: UInt64, corpus: String) throws -> [CopyDraft] {
            let items = try Evaluate.read(corpus).map(\.draft)
            var random = SplitMix64(seed: seed)
            func part(_ field: CopyField) -> String {
                let texts = items.compactMap { $0.text(field, index: 0) }
                return texts.isEmpty ? "" : texts[Int(random.next() % UInt64(texts.count))]
            }
            let channels = AdChannel.allCases.map(\.rawValue)
            return (0..<count).map { index in
                let base = items[Int(random.next() % UInt64(items.count))]
                var fields: [CopyField: String] = [:]
                fields[.headline] = part(.headline) + " \(index % 97)"
                fields[.body] = part(.body)
                fields[.description] = part(.description)
                return CopyDraft(
                    fields: fields.filter { !$0.value.isEmpty }, language: base.language, sponsored: base.sponsored,
                    category: base.category, offerEndDate: base.offerEndDate, channels: channels)
            }
        }

        static func inCore(_ drafts: [CopyDraft]) throws -> (findings: Int, seconds: Double) {
            let rules = try CompiledCopyRules(ShippedRulePacks.load())
            let clock = ContinuousClock()
            var findings = 0
            let elapsed = clock.measure {
                for draft in drafts {
                    for verdict in rules.check(draft, markets: markets) { findings += verdict.findings.count }
                }
            }
            return (findings, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }

        func overRPC(_ drafts: [CopyDraft]) async throws -> (findings: Int, seconds: Double) {
            let requests = stride(from: 0, to: drafts.count, by: batch).map { start in
                Tradewind_V1_CheckCopyRequest.with {
                    $0.markets = Self.markets
                    $0.texts = drafts[start..<min(start + batch, drafts.count)].map(Self.adText)
                }
            }
            let workers = concurrency
            return try await caller.config.withServer(apiKey: try caller.apiKey()) { client, metadata in
                let content = Tradewind_V1_Content.Client(wrapping: client)
                // One warm-up call, not timed: the connection and the tenant's packs.
                _ = try await content.checkCopy(requests[0], metadata: metadata)
                let clock = ContinuousClock()
                let started = clock.now
                let findings = try await withThrowingTaskGroup(of: Int.self) { group in
                    for worker in 0..<workers {
                        group.addTask {
                            var found = 0
                            for request in stride(from: worker, to: requests.count, by: workers).map({ requests[$0] }) {
                                let response = try await content.checkCopy(request, metadata: metadata)
                                found += response.results.reduce(0) { sum, result in
                                    sum + result.markets.reduce(0) { $0 + $1.findings.count }
                                }
                            }
                            return found
                        }
                    }
                    return try await group.reduce(0, +)
                }
                let elapsed = clock.now - started
                return (findings, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            }
        }

        static func adText(_ draft: CopyDraft) -> Tradewind_V1_AdText {
            .with {
                $0.headline = draft.text(.headline, index: 0) ?? ""
                $0.description_p = draft.text(.description, index: 0) ?? ""
                $0.body = draft.text(.body, index: 0) ?? ""
                $0.language = draft.language
                $0.sponsored = draft.sponsored
                $0.category = draft.category
                $0.offerEndDate = draft.offerEndDate ?? ""
                $0.channels = [.googleAds, .meta, .tiktok, .amazonAds]
            }
        }
    }
}
