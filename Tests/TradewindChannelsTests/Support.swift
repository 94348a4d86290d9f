import Foundation
import Synchronization
import Testing
import TradewindCore

@testable import TradewindChannels

/// The golden fixtures in Tests/Fixtures/channels (see each channel's SOURCES.md).
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/channels")

    static func bytes(_ channel: String, _ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(channel).appendingPathComponent(name)))
    }

    static func json(_ channel: String, _ name: String) throws -> JSONValue {
        try JSONValue.parse(try bytes(channel, name))
    }

    static func response(_ channel: String, _ name: String, status: Int = 200, headers: [(String, String)] = []) throws
        -> WireResponse
    {
        WireResponse(status: status, headers: headers, body: try bytes(channel, name))
    }
}

/// Where two JSON documents differ in shape: keys and JSON types, not values. Arrays compare
/// their elements with the golden array's element at the same index, or its first.
func shapeDifferences(_ built: JSONValue, _ golden: JSONValue, path: String = "$") -> [String] {
    switch (built, golden) {
    case (.object(let a), .object(let b)):
        var differences: [String] = []
        let builtKeys = Set(a.map(\.0))
        let goldenKeys = Set(b.map(\.0))
        for key in goldenKeys.subtracting(builtKeys).sorted() { differences.append("\(path).\(key) missing") }
        for key in builtKeys.subtracting(goldenKeys).sorted() {
            differences.append("\(path).\(key) not in the golden request")
        }
        for (key, value) in a {
            if let other = b.first(where: { $0.0 == key })?.1 {
                differences += shapeDifferences(value, other, path: "\(path).\(key)")
            }
        }
        return differences
    case (.array(let a), .array(let b)):
        // Element i against the golden element i (operations differ by kind), else the golden's first.
        guard let model = b.first else { return [] }
        return a.enumerated().flatMap { index, value in
            shapeDifferences(value, b.indices.contains(index) ? b[index] : model, path: "\(path)[\(index)]")
        }
    default:
        return built.kind == golden.kind ? [] : ["\(path) is \(built.kind), golden \(golden.kind)"]
    }
}

/// A form body as the JSON object the fixtures write it as.
/// A form as a JSON object; a field whose value is itself JSON (Meta's `targeting`) is compared as
/// JSON, not as text, because JSON's member order carries no meaning.
func formObject(_ pairs: [(String, String)]) -> JSONValue {
    .object(pairs.map { ($0.0, embeddedJSON($0.1)) })
}

private func embeddedJSON(_ text: String) -> JSONValue {
    guard text.hasPrefix("{") || text.hasPrefix("["), let parsed = try? JSONValue.parse(text) else {
        return .string(text)
    }
    return parsed
}

extension Fixture {
    /// A golden form request, its JSON-valued fields parsed as `formObject` does.
    static func form(_ channel: String, _ name: String) throws -> JSONValue {
        guard case .object(let members) = try json(channel, name) else { return try json(channel, name) }
        return .object(members.map { key, value in (key, value.stringValue.map(embeddedJSON) ?? value) })
    }
}

/// Answers requests from a script, in order, and records them.
final class ScriptedTransport: ChannelTransport, Sendable {
    typealias Answer = @Sendable (WireRequest) -> Result<WireResponse, TransportFailure>
    private let state: Mutex<(answers: [Answer], requests: [WireRequest])>

    init(_ answers: [Answer]) { state = Mutex((answers, [])) }

    convenience init(responses: [WireResponse]) {
        self.init(responses.map { response in { _ in .success(response) } })
    }

    var requests: [WireRequest] { state.withLock { $0.requests } }

    func send(_ request: WireRequest) async -> Result<WireResponse, TransportFailure> {
        let answer: Answer? = state.withLock {
            $0.requests.append(request)
            return $0.answers.isEmpty ? nil : $0.answers.removeFirst()
        }
        return answer?(request) ?? .failure(.notSent("script exhausted"))
    }
}

final class ExchangeLog: Sendable {
    private let exchanges = Mutex<[ChannelExchange]>([])
    var all: [ChannelExchange] { exchanges.withLock { $0 } }
    func record(_ exchange: ChannelExchange) { exchanges.withLock { $0.append(exchange) } }
}

enum Sample {
    static let reference = ChannelReference("tw-0123456789abcdef0123")
    static let sandbox = ChannelEndpoints.sandbox(URL(string: "https://sandbox.test:8443")!)

    static func tree(
        objective: CampaignObjective = .sales, budget: Budget = Budget(period: .daily, amountMicros: 50_000_000),
        countries: [String] = ["DE"], languages: [String] = ["de"], age: AgeRange? = AgeRange(minimum: 25, maximum: 65),
        creative: Creative = google, defaultBid: Int64? = nil
    ) -> CampaignTree {
        CampaignTree(
            campaign: CampaignSpec(
                name: "Spring sale", objective: objective, budget: budget,
                startDay: CalendarDay("2026-03-01"), endDay: CalendarDay("2026-03-31"), markets: countries,
                languages: languages),
            adGroups: [
                CampaignTree.AdGroup(
                    spec: AdGroupSpec(
                        name: "Shoes", targeting: Targeting(countries: countries, languages: languages, ageRange: age),
                        defaultBidMicros: defaultBid),
                    ads: [AdSpec(name: "Shoe ad", creative: creative)])
            ])
    }

    static let google = Creative(
        headlines: ["Schuhe im Angebot"], descriptions: ["Jetzt bis zu 30 % sparen."],
        finalURL: "https://shop.example/de/shoes")
    static let social = Creative(
        headlines: ["Schuhe im Angebot"], descriptions: ["Jetzt bis zu 30 % sparen."],
        finalURL: "https://shop.example/de/shoes",
        callToAction: .shopNow, imageReference: "5b3f3cb6e2d5f0a1c9a1e0f4b7c2d8e1")
    static let product = Creative(product: .asin("B08N5WRWNW"))

    static func account(_ channel: AdChannel, settings: [String: String] = [:]) -> ChannelAccount {
        let identity: ChannelAccountIdentity =
            switch channel {
            case .googleAds: ChannelAccountIdentity(channel: channel, externalID: "1234567890")
            case .meta: ChannelAccountIdentity(channel: channel, externalID: "act_1234567890")
            case .tiktok: ChannelAccountIdentity(channel: channel, externalID: "7012345678901234567")
            case .amazonAds:
                ChannelAccountIdentity(
                    channel: channel, externalID: "3421234567890123", marketplaceID: "A1PA6795UKMFR9")
            }
        return ChannelAccount(identity: identity, currency: "EUR", timeZone: "Europe/Berlin", settings: settings)
    }

    static let googleCredentials = ChannelCredentials(
        refreshToken: "1//refresh-secret", accessToken: "ya29.old-secret",
        accessTokenExpiresAt: Date(timeIntervalSinceNow: 3_000),
        clientID: "client-id.apps.googleusercontent.com", clientSecret: "client-secret",
        developerToken: "dev-token-secret")
    static let metaCredentials = ChannelCredentials(accessToken: "EAAB-meta-secret")
    static let tiktokCredentials = ChannelCredentials(accessToken: "tiktok-secret")
    static let amazonCredentials = ChannelCredentials(
        refreshToken: "Atzr|refresh-secret", accessToken: "Atza|old-secret",
        accessTokenExpiresAt: Date(timeIntervalSinceNow: 3_000),
        clientID: "amzn1.application-oa2-client.1", clientSecret: "amazon-client-secret")
}
