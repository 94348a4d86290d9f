import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The sandbox's one HTTP responder: the first path component picks the emulated host (`google-ads`,
/// `meta`, ...), the control API (`_sandbox`) or Amazon's report downloads (`amazon-reports`).
///
/// For a channel call it runs, in order: route → faults → access token → rate limit → handler, then
/// adds the channel's request-id headers and logs the call.
public struct SandboxResponder: HTTPResponder {
    public typealias Context = SandboxRequestContext

    let store: SandboxStore
    let emulators: [String: any ChannelEmulator]
    let control: ControlAPI
    let downloads: AmazonReportDownloads
    /// How long the `timeout` fault holds a request.
    let timeoutHold: Duration

    public init(store: SandboxStore, timeoutHold: Duration = .seconds(120)) {
        self.store = store
        let all: [any ChannelEmulator] = [
            GoogleAdsEmulator(), GoogleOAuthEmulator(), MetaEmulator(), TikTokEmulator(),
            AmazonAdsEmulator(), AmazonAuthEmulator(),
        ]
        self.emulators = Dictionary(uniqueKeysWithValues: all.map { ($0.prefix, $0) })
        self.control = ControlAPI(store: store)
        self.downloads = AmazonReportDownloads(store: store)
        self.timeoutHold = timeoutHold
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let body = Data(buffer: try await request.body.collect(upTo: context.maxUploadSize))
        let components = request.uri.path.split(separator: "/", omittingEmptySubsequences: true).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        var query: [String: String] = [:]
        for (name, value) in request.uri.queryParameters {
            query[String(name)] = String(value)
        }
        guard let first = components.first else {
            return Self.response(Reply.json(.notFound, ["error": "unknown path"]))
        }
        let below = Array(components.dropFirst())
        let call = IncomingCall(
            method: request.method, path: below, pathText: "/" + below.joined(separator: "/"), query: query,
            headers: request.headers, body: body, authority: request.head.authority
        )
        switch first {
        case "_sandbox":
            if let remote = context.channel.remoteAddress, !Self.isLoopback(remote) {
                return Self.response(Reply.json(.forbidden, ["error": "the control API answers localhost only"]))
            }
            return Self.response(await control.handle(call))
        case "amazon-reports":
            return Self.response(downloads.handle(call))
        default:
            guard let emulator = emulators[first] else {
                return Self.response(Reply.json(.notFound, ["error": "no emulated host under /\(first)"]))
            }
            let reply = await serve(call, with: emulator, context: context)
            return Self.response(reply)
        }
    }

    private func serve(_ call: IncomingCall, with emulator: any ChannelEmulator, context: Context) async -> Reply {
        let (seed, number) = store.nextRequestNumber()
        let requestID = emulator.requestID(seed: seed, number: number)
        guard let route = emulator.route(call) else {
            let reply = emulator.refusal(.notFound, call: call, requestID: requestID)
            return finish(reply, call, emulator, requestID, operation: "unknown", account: nil, fault: nil)
        }
        // Only a fault with a count left changes the state; most calls match none and write nothing.
        let matching = store.read { world in
            world.faults.filter {
                $0.matches(
                    channel: emulator.channel, account: route.account, operation: route.operation, path: call.pathText)
            }
        }
        let faults =
            matching.contains { $0.remaining != nil }
            ? store.write { world in world.takeFaults(emulator.channel, route: route, path: call.pathText) } : matching
        var injectPartialFailure = false
        var injectJobFailure = false
        var dropConnection = false
        for fault in faults {
            switch fault.kind {
            case .latency:
                try? await Task.sleep(for: .milliseconds(fault.latencyMs))
            case .serverError:
                let reply = emulator.refusal(.serverError, call: call, requestID: requestID)
                return finish(reply, call, emulator, requestID, route: route, fault: fault.kind)
            case .rateLimit:
                let reply = emulator.refusal(
                    .rateLimited(retryAfterSeconds: fault.retryAfterSeconds), call: call, requestID: requestID)
                return finish(reply, call, emulator, requestID, route: route, fault: fault.kind)
            case .timeout:
                try? await Task.sleep(for: timeoutHold)
                var reply = Reply(status: .gatewayTimeout, body: Data())
                reply.dropConnection = true
                try? await context.channel.close()
                return finish(reply, call, emulator, requestID, route: route, fault: fault.kind)
            case .expiredToken:
                if let token = emulator.presentedToken(call) {
                    store.write { world in world.tokens[token]?.expiresAt = Date(timeIntervalSinceNow: -1) }
                }
            case .partialFailure:
                injectPartialFailure = true
            case .jobFailure:
                injectJobFailure = true
            case .lostResponse:
                dropConnection = true
            }
        }
        if route.needsAccessToken {
            if let refusal = store.read({ world in emulator.authenticate(call, route: route, world: world) }) {
                let reply = emulator.refusal(refusal, call: call, requestID: requestID)
                return finish(reply, call, emulator, requestID, route: route, fault: faults.first?.kind)
            }
        }
        if let retryAfter = store.consumeRequestBudget(channel: emulator.channel, account: route.account) {
            let reply = emulator.refusal(.rateLimited(retryAfterSeconds: retryAfter), call: call, requestID: requestID)
            return finish(reply, call, emulator, requestID, route: route, fault: nil)
        }
        let callContext = CallContext(
            store: store, requestID: requestID, injectPartialFailure: injectPartialFailure,
            injectJobFailure: injectJobFailure)
        var reply = await emulator.handle(call, route: route, context: callContext)
        if dropConnection {
            // The change is applied; the client must see the connection end with no answer at all.
            reply.dropConnection = true
            try? await context.channel.close()
        }
        return finish(reply, call, emulator, requestID, route: route, fault: faults.first?.kind)
    }

    private func finish(
        _ reply: Reply, _ call: IncomingCall, _ emulator: any ChannelEmulator, _ requestID: String,
        route: Route, fault: FaultRule.Kind?
    ) -> Reply {
        finish(reply, call, emulator, requestID, operation: route.operation, account: route.account, fault: fault)
    }

    private func finish(
        _ reply: Reply, _ call: IncomingCall, _ emulator: any ChannelEmulator, _ requestID: String,
        operation: String, account: String?, fault: FaultRule.Kind?
    ) -> Reply {
        store.log(
            LoggedRequest(
                time: Date(), channel: emulator.channel, method: call.method.rawValue,
                path: "/\(emulator.prefix)\(call.pathText)", account: account, operation: operation,
                status: reply.dropConnection ? 0 : reply.status.code, fault: fault?.rawValue
            )
        )
        return emulator.decorate(reply, requestID: requestID, account: account)
    }

    static func response(_ reply: Reply) -> Response {
        var headers = HTTPFields()
        for (name, value) in reply.headers {
            if let fieldName = HTTPField.Name(name) { headers.append(HTTPField(name: fieldName, value: value)) }
        }
        return Response(status: reply.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
    }

    static func isLoopback(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4: return address.ipAddress?.hasPrefix("127.") ?? false
        case .v6: return address.ipAddress == "::1" || (address.ipAddress?.hasPrefix("::ffff:127.") ?? false)
        case .unixDomainSocket: return true
        }
    }
}

extension World {
    /// The fault rules that hit a call, each counted down (and dropped when spent).
    mutating func takeFaults(_ channel: AdChannel, route: Route, path: String) -> [FaultRule] {
        var hit: [FaultRule] = []
        for index in faults.indices
        where faults[index].matches(channel: channel, account: route.account, operation: route.operation, path: path) {
            hit.append(faults[index])
            if let remaining = faults[index].remaining { faults[index].remaining = remaining - 1 }
        }
        faults.removeAll { ($0.remaining ?? 1) <= 0 }
        return hit
    }
}
