import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import TradewindTestSupport

/// The control API of the running `tradewind-sandbox` (the channels' emulator), reached over TLS
/// with the dev CA as the connectors reach the emulated APIs. Tests provision accounts, inject
/// faults and read what the channel holds through it, never through Tradewind.
enum SandboxControl {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let client: HTTPClient = {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = try? TestEnvironmentSandbox.caPath() {
            tls.trustRoots = .file(ca)
        }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }()

    /// The sandbox's origin, from the test configuration (`channels.sandboxURL`).
    static func base() async throws -> URL {
        guard let url = try await TestEnvironment.configuration().channelSandboxURL else {
            throw Failure(description: "channels.sandboxURL is not configured: scripts/test starts the sandbox")
        }
        return url
    }

    /// Sends `body` (JSON) to `/_sandbox/<path>` and returns the decoded JSON answer.
    @discardableResult
    static func call(_ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> Any {
        var request = HTTPClientRequest(
            url: try await base().appendingPathComponent("_sandbox").absoluteString + "/" + path)
        request.method = method
        request.headers.add(name: "content-type", value: "application/json")
        if let body {
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await client.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        let data = Data(buffer: bytes)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw Failure(
                description:
                    "sandbox \(method) \(path): \(response.status.code) \(String(decoding: data, as: UTF8.self))")
        }
        return try JSONSerialization.jsonObject(with: data)
    }

    /// A new account on `channel` (sandbox name: google-ads, meta, tiktok, amazon-ads) with a
    /// random numeric id; returns that id.
    static func provision(_ channel: String, currency: String = "EUR", timeZone: String = "Europe/Berlin")
        async throws -> String
    {
        let id = String(UInt64.random(in: 1_000_000_000...9_999_999_999))
        try await call(
            .POST, "accounts",
            ["channel": channel, "id": id, "currency": currency, "time_zone": timeZone, "country_code": "DE"])
        return id
    }

    static func fault(
        _ channel: String, _ kind: String, account: String? = nil, operation: String? = nil, times: Int = 1,
        extra: [String: Any] = [:]
    ) async throws {
        var body: [String: Any] = ["channel": channel, "kind": kind, "times": times]
        if let account { body["account"] = account }
        if let operation { body["operation"] = operation }
        body.merge(extra) { $1 }
        try await call(.POST, "faults", body)
    }

    /// The campaigns (and their ad groups and ads) the channel holds for an account.
    static func objects(_ channel: String, account: String) async throws -> [[String: Any]] {
        let answer = try await call(.GET, "objects?channel=\(channel)&account=\(account)")
        return ((answer as? [String: Any])?["objects"] as? [[String: Any]]) ?? []
    }
}

/// Where the dev CA is, for the sandbox's certificate.
enum TestEnvironmentSandbox {
    static func caPath() throws -> String {
        TestEnvironment.stateDirectory.appendingPathComponent("ca/ca.pem").path
    }
}
