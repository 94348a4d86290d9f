import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import TradewindSandbox

/// One answer of the sandbox as the tests read it.
struct Answer: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data
    var json: JSONValue? { JSONValue.parse(body) }
}

/// Starts a sandbox application in process and calls it; every test gets its own store.
struct SandboxHarness {
    let store: SandboxStore

    init(seed: UInt64 = 42, today: String = "2026-11-20", stateFile: URL? = nil) {
        store = SandboxStore(seed: seed, stateFile: stateFile)
        store.write { $0.clockDay = SandboxDay(today) }
    }

    static let google = ("1234567890", "USD")
    static let meta = ("101000000000001", "USD")
    static let tiktok = ("7000000000000000001", "USD")
    static let amazon = ("3000000000001", "USD")

    /// Provisions one account per channel (USD) and returns the harness.
    func withDefaultAccounts() -> SandboxHarness {
        store.provisionDefaults()
        return self
    }

    func run<T: Sendable>(_ setup: TestingSetup = .router, _ body: @Sendable (Client) async throws -> T) async throws
        -> T
    {
        let app = try SandboxServer.application(
            store: store, host: "127.0.0.1", port: 0, certificatePath: nil, privateKeyPath: nil,
            timeoutHold: .milliseconds(300))
        return try await app.test(setup) { client in try await body(Client(client: client)) }
    }

    struct Client: Sendable {
        let client: any TestClientProtocol

        func call(_ method: HTTPRequest.Method, _ path: String, headers: [(String, String)] = [], json: JSONValue)
            async throws
            -> Answer
        {
            try await call(
                method, path, headers: headers + [("Content-Type", "application/json")], body: json.serialized())
        }

        func call(_ method: HTTPRequest.Method, _ path: String, headers: [(String, String)] = [], body: Data = Data())
            async throws -> Answer
        {
            var fields = HTTPFields()
            for (name, value) in headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
            let response = try await client.execute(
                uri: path, method: method, headers: fields, body: body.isEmpty ? nil : ByteBuffer(bytes: body))
            var answerHeaders: [String: String] = [:]
            for field in response.headers { answerHeaders[field.name.canonicalName] = field.value }
            return Answer(status: Int(response.status.code), headers: answerHeaders, body: Data(buffer: response.body))
        }

        func control(_ method: HTTPRequest.Method, _ path: String, _ json: JSONValue = [:]) async throws -> Answer {
            method == .get
                ? try await call(.get, "/_sandbox/\(path)") : try await call(method, "/_sandbox/\(path)", json: json)
        }

        // Channel headers with the accounts' ready tokens.
        static let googleHeaders = [
            ("Authorization", "Bearer sandbox-access-google-ads-1234567890"),
            ("developer-token", "sandbox-developer-token"),
        ]
        static let metaHeaders = [("Authorization", "Bearer sandbox-access-meta-101000000000001")]
        static let tiktokHeaders = [("Access-Token", "sandbox-access-tiktok-7000000000000000001")]
        static func amazonHeaders(_ media: String) -> [(String, String)] {
            [
                ("Authorization", "Bearer sandbox-access-amazon-ads-3000000000001"),
                ("Amazon-Advertising-API-ClientId", "sandbox-amazon-ads-client"),
                ("Amazon-Advertising-API-Scope", "3000000000001"), ("Content-Type", media), ("Accept", media),
            ]
        }

        func google(_ method: String, _ json: JSONValue) async throws -> Answer {
            try await call(
                .post, "/google-ads/v21/customers/1234567890/\(method)", headers: Self.googleHeaders, json: json)
        }

        func meta(_ method: HTTPRequest.Method, _ path: String, form: String = "") async throws -> Answer {
            try await call(
                method, "/meta/v25.0/\(path)",
                headers: Self.metaHeaders + [("Content-Type", "application/x-www-form-urlencoded")],
                body: Data(form.utf8))
        }

        func tiktokPost(_ path: String, _ json: JSONValue) async throws -> Answer {
            try await call(.post, "/tiktok/open_api/v1.3/\(path)/", headers: Self.tiktokHeaders, json: json)
        }

        func tiktokGet(_ path: String, _ query: String) async throws -> Answer {
            try await call(.get, "/tiktok/open_api/v1.3/\(path)/?\(query)", headers: Self.tiktokHeaders)
        }

        func amazon(
            _ method: HTTPRequest.Method, _ path: String, media: String, _ json: JSONValue, prefer: Bool = false
        ) async throws
            -> Answer
        {
            try await call(
                method, "/amazon-ads\(path)",
                headers: Self.amazonHeaders(media) + (prefer ? [("Prefer", "return=representation")] : []),
                body: json.serialized())
        }
    }
}

/// URL query escaping for JSON-valued parameters.
func escaped(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
}

/// True when `actual` has `golden`'s shape: the same keys and JSON types, recursively (values may differ;
/// an array's elements are compared with the golden's first element).
func hasShape(_ actual: JSONValue, of golden: JSONValue, path: String = "$") -> [String] {
    if golden.typeName != actual.typeName { return ["\(path): \(actual.typeName), golden \(golden.typeName)"] }
    switch (golden, actual) {
    case (.object(let g), .object(let a)):
        var problems: [String] = []
        for key in Set(g.keys).union(a.keys).sorted() {
            guard let gv = g[key] else { problems.append("\(path).\(key): not in golden"); continue }
            guard let av = a[key] else { problems.append("\(path).\(key): missing"); continue }
            problems += hasShape(av, of: gv, path: "\(path).\(key)")
        }
        return problems
    case (.array(let g), .array(let a)):
        guard let first = g.first else { return [] }
        // Heterogeneous arrays (googleAds:mutate responses) compare index by index when the lengths agree.
        return a.enumerated().flatMap { index, element in
            hasShape(element, of: g.count == a.count ? g[index] : first, path: "\(path)[\(index)]")
        }
    default:
        return []
    }
}

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/channels")

    static func load(_ channel: String, _ name: String) throws -> JSONValue {
        let data = try Data(contentsOf: directory.appendingPathComponent(channel).appendingPathComponent(name))
        return try #require(JSONValue.parse(data), "\(channel)/\(name) is not JSON")
    }
}
