import Testing
import TradewindContent
import TradewindCore

/// The packs Tradewind ships: all load, their examples hold, and every market and channel the
/// issue promises has one.
@Suite("Shipped rule packs")
struct ShippedRulePacksTests {
    static let packs: [CopyRulePack] = (try? ShippedRulePacks.load()) ?? []

    static let marketLanguages: [String: [String]] = [
        "cn": ["zh"], "jp": ["ja"], "kr": ["ko"], "us": [], "eu": ["de", "fr"], "gb": [], "br": ["pt"],
        "sa": ["ar"], "ae": ["ar"], "kw": ["ar"],
    ]

    @Test func loadAndCompile() throws {
        let packs = try ShippedRulePacks.load()
        let rules = try CompiledCopyRules(packs)
        for pack in packs {
            for rule in pack.rules { #expect(rules.rule("\(pack.id)/\(rule.id)") == rule) }
        }
    }

    @Test func everyPromisedMarketAndChannelHasAPack() throws {
        let ids = Set(Self.packs.map(\.id))
        for market in Self.marketLanguages.keys { #expect(ids.contains(market), "no pack \(market)") }
        for channel in AdChannel.allCases {
            let pack = Self.packs.first { $0.id == channel.rawValue }
            #expect(pack?.channels == [channel.rawValue] && pack?.markets == ["*"], "pack \(channel.rawValue)")
        }
        let eu = try #require(Self.packs.first { $0.id == "eu" })
        #expect(Set(eu.markets).count == 27 && eu.markets.contains("DE") && !eu.markets.contains("GB"))
    }

    /// A compliance team reads each rule in English and in the market's language, with its source.
    @Test func everyRuleExplainsItselfWithASource() {
        for pack in Self.packs {
            for rule in pack.rules {
                let name = "\(pack.id)/\(rule.id)"
                for language in Self.marketLanguages[pack.id] ?? [] {
                    #expect(rule.explanation[language] != nil, "\(name) has no \(language) explanation")
                }
                #expect(!rule.reference.citation.isEmpty && rule.reference.url.hasPrefix("http"), "\(name)")
            }
        }
    }

    /// Versions are what verdicts and approvals record: two packs may not share an id.
    @Test func idsAreUnique() {
        let ids = Self.packs.map(\.id)
        #expect(Set(ids).count == ids.count)
    }
}
