import Foundation
import GRPCCore
import Testing
import TradewindCore
import TradewindProto
import TradewindTestSupport

@testable import TradewindServer

/// Ad copy checked over TLS against the shipped rule packs: verdicts per market with spans into
/// the text as sent, every bad field named, the limits, the roles, and the audit record naming the
/// packs that made the verdicts.
@Suite("Content")
struct ContentTests {
    typealias Content = Tradewind_V1_Content.Client

    static func check(_ key: String, _ texts: [Tradewind_V1_AdText], markets: [String], requestID: String? = nil)
        async throws -> Tradewind_V1_CheckCopyResponse
    {
        try await TestStack.withClient { grpc in
            let request = Tradewind_V1_CheckCopyRequest.with {
                $0.texts = texts
                $0.markets = markets
            }
            return try await Content(wrapping: grpc).checkCopy(
                request, metadata: AuditHarness.metadata(key, requestID: requestID))
        }
    }

    static func text(
        headline: String = "", body: String = "", language: String, sponsored: Bool = false,
        channels: [Tradewind_V1_Channel] = []
    ) -> Tradewind_V1_AdText {
        .with {
            $0.headline = headline
            $0.body = body
            $0.language = language
            $0.sponsored = sponsored
            $0.channels = channels
        }
    }

    @Test("an absolute term blocks in China only, at its span; the exempt tip beside it does not")
    func verdictsPerMarket() async throws {
        let (_, key) = try await TestStack.tenant(role: .marketer)
        // 🎉 is one code point and two UTF-16 units: the two offsets differ after it.
        let headline = "🎉 全网最好的面霜，给你最好的时光"
        let response = try await Self.check(
            key, [Self.text(headline: headline, language: "zh-CN")], markets: ["CN", "US"])
        let result = try #require(response.results.first)
        #expect(result.severity == .block)
        #expect(result.markets.map(\.market) == ["CN", "US"])
        let china = result.markets[0]
        #expect(china.severity == .block && china.packVersions["cn"] != nil && china.packVersions["us"] == nil)
        let absolute = china.findings.filter { $0.ruleID == "cn/absolute-terms" }
        #expect(absolute.count == 1, "the tip 最好的时光 is exempt: \(absolute.map(\.phrase))")
        let finding = try #require(absolute.first)
        #expect(finding.field == .headline && finding.phrase == "最好" && finding.market == "CN")
        #expect(finding.span.start == 4 && finding.span.end == 6)
        #expect(finding.span.utf16Start == 5 && finding.span.utf16End == 7)
        let scalars = Array(headline.unicodeScalars)[Int(finding.span.start)..<Int(finding.span.end)]
        #expect(String(String.UnicodeScalarView(scalars)) == "最好")
        // What the rule says is in the answer once, in English and in the text's language.
        let rule = try #require(response.rules["cn/absolute-terms"])
        let chinese = try #require(rule.explanations["zh-CN"])
        #expect(rule.explanations["en"] == rule.explanation && chinese != rule.explanation)
        #expect(chinese.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) })
        #expect(rule.reference.url.hasPrefix("http") && !rule.reference.citation.isEmpty)
        #expect(Set(response.rules.keys) == Set(result.markets.flatMap { $0.findings.map(\.ruleID) }))
        #expect(result.markets[1].packVersions["us"] != nil)
        #expect(!result.markets[1].findings.contains { $0.ruleID.hasPrefix("cn/") })
    }

    @Test("spelling tricks are seen through: spaces, traditional characters, full-width forms")
    func disguises() async throws {
        let (_, key) = try await TestStack.tenant(role: .marketer)
        let texts = ["全网最 好的面霜", "全網最好的面霜", "全网最\u{200B}好的面霜", "ＮＯ．１的面霜"].map {
            Self.text(headline: $0, language: "zh-CN")
        }
        let response = try await Self.check(key, texts, markets: ["CN"])
        for (index, result) in response.results.enumerated() {
            #expect(result.severity == .block, "\(texts[index].headline)")
            #expect(
                result.markets[0].findings.contains { $0.ruleID == "cn/absolute-terms" }, "\(texts[index].headline)")
        }
    }

    @Test("a sponsored post without a disclosure is blocked where the law asks for one, with no span")
    func missingDisclosure() async throws {
        let (_, key) = try await TestStack.tenant(role: .marketer)
        let undisclosed = Self.text(body: "Loving my new running shoes from Stride!", language: "en", sponsored: true)
        let disclosed = Self.text(body: "#ad Loving my new running shoes from Stride!", language: "en", sponsored: true)
        let response = try await Self.check(key, [undisclosed, disclosed], markets: ["US"])
        let missing = response.results[0].markets[0]
        #expect(missing.severity == .block)
        let finding = try #require(missing.findings.first { $0.ruleID.hasPrefix("us/") && $0.severity == .block })
        #expect(!finding.hasSpan && finding.phrase.isEmpty)
        #expect(!response.results[1].markets[0].findings.contains { $0.ruleID == finding.ruleID })
    }

    @Test("a channel's own policy applies only to texts bound for that channel")
    func platformPacks() async throws {
        let (_, key) = try await TestStack.tenant(role: .marketer)
        let plain = Self.text(headline: "Shop now", language: "en")
        let bound = Self.text(headline: "Shop now", language: "en", channels: [.meta, .amazonAds])
        let response = try await Self.check(key, [plain, bound], markets: ["GB"])
        let unbound = response.results[0].markets[0].packVersions
        let forChannels = response.results[1].markets[0].packVersions
        #expect(unbound["meta"] == nil && unbound["amazon_ads"] == nil && unbound["gb"] != nil)
        #expect(forChannels["meta"] != nil && forChannels["amazon_ads"] != nil && forChannels["google_ads"] == nil)
    }

    @Test("every bad field is named, and nothing is checked")
    func badInput() async throws {
        let (_, key) = try await TestStack.tenant(role: .marketer)
        var texts = [
            Self.text(language: "zh-CN"),
            Self.text(headline: "ok", language: ""),
            Self.text(headline: "ok", language: "english"),
            Self.text(headline: String(repeating: "a", count: 5_001), language: "en"),
            Self.text(headline: "ok", language: "en", channels: [.email]),
        ]
        texts.append(
            .with {
                $0.headline = "ok"
                $0.language = "en"
                $0.category = "booze"
                $0.offerEndDate = "31/12/2026"
            })
        let error = await Status.of { _ = try await Self.check(key, texts, markets: ["CN", "cn", "CN", "EU"]) }
        #expect(error?.code == .invalidArgument)
        #expect(
            Set(Status.fieldViolations(error)) == [
                "texts[0]", "texts[1].language", "texts[2].language", "texts[3].headline", "texts[4].channels[0]",
                "texts[5].category", "texts[5].offer_end_date", "markets[1]", "markets[2]", "markets[3]",
            ])
        let none = await Status.of { _ = try await Self.check(key, [], markets: []) }
        #expect(Set(Status.fieldViolations(none)) == ["texts", "markets"])
    }

    @Test("at most 1,000 texts and 30 markets a call")
    func limits() async throws {
        let (_, key) = try await TestStack.tenant(role: .marketer)
        let text = Self.text(headline: "Fresh coffee, roasted this week", language: "en")
        let markets = [
            "CN", "US", "DE", "FR", "GB", "SA", "AE", "KW", "JP", "KR", "BR", "IT", "ES", "NL", "PL", "AT",
            "BE", "SE", "DK", "FI", "IE", "PT", "GR", "CZ", "HU", "RO", "BG", "HR", "SK", "SI",
        ]
        let full = try await Self.check(key, Array(repeating: text, count: 1_000), markets: markets)
        #expect(full.results.count == 1_000 && full.results.allSatisfy { $0.markets.count == 30 })
        let tooMany = await Status.of {
            _ = try await Self.check(key, Array(repeating: text, count: 1_001), markets: ["US"])
        }
        #expect(Status.fieldViolations(tooMany) == ["texts"])
        let tooManyMarkets = await Status.of { _ = try await Self.check(key, [text], markets: markets + ["LU"]) }
        #expect(Status.fieldViolations(tooManyMarkets) == ["markets"])
    }

    @Test("content:check: owner, admin, marketer and compliance officer; never an analyst")
    func roles() async throws {
        let (tenant, _) = try await TestStack.tenant()
        let text = Self.text(headline: "Fresh coffee", language: "en")
        for role in [Role.owner, .admin, .marketer, .complianceOfficer] {
            let key = try await TestStack.key(tenantID: tenant.id, role: role)
            _ = try await Self.check(key, [text], markets: ["US"])
        }
        let analyst = try await TestStack.key(tenantID: tenant.id, role: .analyst)
        let denied = await Status.of { _ = try await Self.check(analyst, [text], markets: ["US"]) }
        #expect(denied?.code == .permissionDenied)
    }

    @Test("each check is audited with the packs that made its verdicts")
    func audited() async throws {
        let (_, key) = try await TestStack.tenant(role: .owner)
        let requestID = "content-\(UUID().uuidString)"
        let response = try await Self.check(
            key, [Self.text(headline: "全网最好的面霜", language: "zh-CN")], markets: ["CN", "DE"], requestID: requestID)
        let versions = response.results[0].markets.reduce(into: [String: String]()) {
            $0.merge($1.packVersions) { a, _ in a }
        }
        let records = try AuditHarness.records(try await AuditHarness.export(key: key)).filter {
            $0.requestID == requestID
        }
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.method == "tradewind.v1.Content/CheckCopy" && record.code == 0)
        #expect(Set(record.resources ?? []) == Set(versions.map { "rule_pack:\($0.key)@\($0.value)" }))
    }

    @Test("the packs in force can be read, filtered by market")
    func listPacks() async throws {
        let (_, key) = try await TestStack.tenant(role: .complianceOfficer)
        let germany = try await TestStack.withClient { grpc in
            try await Content(wrapping: grpc).listRulePacks(.with { $0.market = "DE" }, metadata: .bearer(key))
        }
        let ids = Set(germany.packs.map(\.id))
        #expect(ids.contains("eu") && ids.contains("meta") && !ids.contains("cn") && !ids.contains("gb"))
        let eu = try #require(germany.packs.first { $0.id == "eu" })
        #expect(eu.rules.allSatisfy { $0.id.hasPrefix("eu/") && $0.explanations["en"] != nil })
        #expect(eu.rules.allSatisfy { !$0.examplesMatching.isEmpty && !$0.examplesNotMatching.isEmpty })
        let bad = await Status.of {
            _ = try await TestStack.withClient { grpc in
                try await Content(wrapping: grpc).listRulePacks(.with { $0.market = "Germany" }, metadata: .bearer(key))
            }
        }
        #expect(Status.fieldViolations(bad) == ["market"])
    }
}

/// Glossaries, ICU messages and the channels' length limits through the API.
@Suite("Content: glossaries, messages and lengths")
struct ContentLocalizationTests {
    typealias Content = Tradewind_V1_Content.Client

    static func put(_ key: String, _ glossary: Tradewind_V1_Glossary) async throws -> Tradewind_V1_Glossary {
        try await TestStack.withClient { grpc in
            try await Content(wrapping: grpc).putGlossary(.with { $0.glossary = glossary }, metadata: .bearer(key))
        }
    }

    static func german(version: String = "", forbidden: String = "billig") -> Tradewind_V1_Glossary {
        .with {
            $0.market = "DE"
            $0.language = "de"
            $0.version = version
            $0.keep = [
                .with { $0.term = "iPhone" },
                .with {
                    $0.term = "Stride"
                    $0.translations = ["Schritt-Schuhe"]
                },
            ]
            $0.preferred = [
                .with {
                    $0.term = "Sneaker"
                    $0.insteadOf = ["Turnschuh", "Turnschuhe"]
                }
            ]
            $0.forbidden = [
                .with {
                    $0.term = forbidden
                    $0.reason = "Wir sind nie billig: sagen Sie preiswert."
                }
            ]
        }
    }

    @Test("a glossary is checked on texts in its market and language: spelling, translation, preference, ban")
    func glossary() async throws {
        let (tenant, owner) = try await TestStack.tenant()
        let created = try await Self.put(owner, Self.german())
        #expect(created.version == "1")
        let text = ContentTests.text(headline: "Die IPHONE-Hülle für Turnschuhe, nicht billig", language: "de-DE")
        let response = try await ContentTests.check(owner, [text], markets: ["DE", "AT"])
        let germany = response.results[0].markets[0]
        let rules = Set(germany.findings.map(\.ruleID))
        #expect(
            rules.isSuperset(of: [
                "glossary-de-de/keep-0-spelling", "glossary-de-de/prefer-0", "glossary-de-de/forbidden-0",
            ]))
        let spelling = try #require(germany.findings.first { $0.ruleID == "glossary-de-de/keep-0-spelling" })
        #expect(
            spelling.span.start == 4 && spelling.span.end == 10 && spelling.severity == .warn
                && response.rules[spelling.ruleID]?.suggestion == "iPhone")
        #expect(response.rules["glossary-de-de/prefer-0"]?.suggestion == "Sneaker")
        #expect(germany.severity == .block && germany.packVersions["glossary-de-de"] == "1")
        // Austria is another market, and English text another language.
        #expect(!response.results[0].markets[1].findings.contains { $0.ruleID.hasPrefix("glossary-") })
        let english = try await ContentTests.check(
            owner, [ContentTests.text(headline: "The IPHONE case, not billig", language: "en")], markets: ["DE"])
        #expect(!english.results[0].markets[0].findings.contains { $0.ruleID.hasPrefix("glossary-") })
        // Written as the glossary writes it: no finding; translated: review.
        let right = try await ContentTests.check(
            owner, [ContentTests.text(headline: "Die iPhone-Hülle von Schritt-Schuhe", language: "de")], markets: ["DE"]
        )
        let found = right.results[0].markets[0].findings.map(\.ruleID)
        #expect(
            !found.contains("glossary-de-de/keep-0-spelling") && found.contains("glossary-de-de/keep-1-untranslated"))

        // Versioned like a pack; other tenants see nothing of it; roles.
        let replaced = try await Self.put(owner, Self.german(version: "1", forbidden: "Schnäppchen"))
        #expect(replaced.version == "2")
        #expect(await Status.of { _ = try await Self.put(owner, Self.german(version: "1")) }?.code == .aborted)
        #expect(await Status.of { _ = try await Self.put(owner, Self.german()) }?.code == .alreadyExists)
        let (_, stranger) = try await TestStack.tenant()
        let hidden = await Status.of {
            _ = try await TestStack.withClient { grpc in
                try await Content(wrapping: grpc).getGlossary(
                    .with {
                        $0.market = "DE"
                        $0.language = "de"
                    }, metadata: .bearer(stranger))
            }
        }
        #expect(hidden?.code == .notFound)
        let theirs = try await ContentTests.check(stranger, [text], markets: ["DE"])
        #expect(!theirs.results[0].markets[0].findings.contains { $0.ruleID.hasPrefix("glossary-") })
        let marketer = try await TestStack.key(tenantID: tenant.id, role: .marketer)
        #expect(
            await Status.of { _ = try await Self.put(marketer, Self.german(version: "2")) }?.code == .permissionDenied)
        let listed = try await TestStack.withClient { grpc in
            try await Content(wrapping: grpc).listGlossaries(.init(), metadata: .bearer(marketer))
        }
        #expect(listed.glossaries.map(\.version) == ["2"] && listed.glossaries[0].forbidden[0].term == "Schnäppchen")
        _ = try await TestStack.withClient { grpc in
            try await Content(wrapping: grpc).deleteGlossary(
                .with {
                    $0.market = "DE"
                    $0.language = "de"
                }, metadata: .bearer(owner))
        }
        let after = try await ContentTests.check(owner, [text], markets: ["DE"])
        #expect(!after.results[0].markets[0].findings.contains { $0.ruleID.hasPrefix("glossary-") })
    }

    @Test("a bad glossary is refused naming each field")
    func badGlossary() async throws {
        let (_, owner) = try await TestStack.tenant()
        var glossary = Self.german()
        glossary.market = "Germany"
        glossary.language = "German"
        glossary.keep[0].term = ""
        glossary.preferred[0].insteadOf = []
        let error = await Status.of { _ = try await Self.put(owner, glossary) }
        #expect(
            Set(Status.fieldViolations(error)) == [
                "glossary.market", "glossary.language", "glossary.keep[0].term", "glossary.preferred[0].instead_of",
            ])
    }

    static func render(
        _ key: String, _ template: String, locale: String, _ arguments: [String: Tradewind_V1_MessageArgument]
    )
        async throws -> String
    {
        try await TestStack.withClient { grpc in
            try await Content(wrapping: grpc).renderMessage(
                .with {
                    $0.template = template
                    $0.locale = locale
                    $0.arguments = arguments
                }, metadata: .bearer(key)
            ).text
        }
    }

    static func number(_ value: Double) -> Tradewind_V1_MessageArgument { .with { $0.number = value } }

    static let arabic =
        "{count, plural, zero {لا منتجات من Acme} one {منتج واحد من Acme} two {منتجان من Acme} few {# منتجات من Acme} many {# منتجًا من Acme} other {# منتج من Acme}}"

    @Test(
        "messages render with ICU's plural rules, Arabic digits and bidi isolation; what ICU accepts silently is refused"
    )
    func messages() async throws {
        let (_, key) = try await TestStack.tenant(role: .marketer)
        let three = try await Self.render(key, Self.arabic, locale: "ar_SA", ["count": Self.number(3)])
        #expect(Array(three.unicodeScalars) == Array("٣ منتجات من \u{2066}Acme\u{2069}".unicodeScalars))
        let eleven = try await Self.render(key, Self.arabic, locale: "ar_SA", ["count": Self.number(11)])
        #expect(eleven.hasPrefix("١١ منتجًا"))
        let russian = "{n, plural, one {# товар} few {# товара} many {# товаров} other {# товара}}"
        #expect(try await Self.render(key, russian, locale: "ru_RU", ["n": Self.number(22)]) == "22 товара")

        let strayFew = await Status.of {
            _ = try await Self.render(
                key, "{n, plural, one {# item} few {# items} other {# items}}", locale: "en_US", ["n": Self.number(2)])
        }
        #expect(Status.fieldViolations(strayFew) == ["template"])
        let noFew = await Status.of {
            _ = try await Self.render(
                key, "{n, plural, zero {a} one {b} two {c} many {d} other {e}}", locale: "ar_SA", ["n": Self.number(3)])
        }
        #expect(Status.fieldViolations(noFew) == ["template"])
        #expect(noFew?.message.contains("few") == true, "\(noFew?.message ?? "")")
        let missing = await Status.of { _ = try await Self.render(key, Self.arabic, locale: "ar_SA", [:]) }
        #expect(Status.fieldViolations(missing) == ["arguments"])
        let noRegion = await Status.of {
            _ = try await Self.render(key, Self.arabic, locale: "ar", ["count": Self.number(1)])
        }
        #expect(Status.fieldViolations(noRegion) == ["locale"])
    }

    @Test("each channel's length limit, counted its way: Google counts Chinese characters twice")
    func lengths() async throws {
        let (_, key) = try await TestStack.tenant(role: .marketer)
        let headline = String(repeating: "冬季保暖靴", count: 4)  // 20 characters, 40 wide
        let text = ContentTests.text(headline: headline, language: "zh-CN", channels: [.googleAds, .meta])
        let response = try await ContentTests.check(key, [text], markets: ["CN"])
        let overruns = response.results[0].lengthOverruns
        #expect(overruns.count == 1)
        let google = try #require(overruns.first)
        #expect(google.channel == .googleAds && google.field == .headline && google.length == 40 && google.limit == 30)
        #expect(google.refused)
    }
}

extension ContentTests {
    @Test("a text repeating a term gets a bounded answer: 50 findings a market, the rest counted")
    func boundedFindings() async throws {
        let (_, key) = try await TestStack.tenant(role: .marketer)
        let body = String(repeating: "最好", count: 2_000)
        let response = try await Self.check(key, [Self.text(body: body, language: "zh-CN")], markets: ["CN"])
        let verdict = response.results[0].markets[0]
        #expect(verdict.findings.count == 50 && verdict.omittedFindings > 0 && verdict.severity == .block)
    }
}
