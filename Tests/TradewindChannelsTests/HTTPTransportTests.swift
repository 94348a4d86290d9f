import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
import TradewindCore

@testable import TradewindChannels

/// A tiny local HTTP/1.1 server that answers every request the same way.
private enum ServerMode: Sendable {
    case respond(status: Int, headers: [(String, String)], body: String)
    /// Closes the connection once the request has arrived: the response is lost.
    case close
    /// Never answers: the client times out after sending.
    case hang
}

private final class ScriptedHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let mode: ServerMode

    init(mode: ServerMode) { self.mode = mode }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        switch mode {
        case .close:
            context.close(promise: nil)
        case .hang:
            break
        case .respond(let status, let headers, let body):
            var head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status))
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            head.headers.add(name: "Content-Length", value: String(body.utf8.count))
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

private func startServer(_ mode: ServerMode) async throws -> any NIOCore.Channel {
    try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                try channel.pipeline.syncOperations.addHandler(ScriptedHandler(mode: mode))
            }
        }
        .bind(host: "127.0.0.1", port: 0).get()
}

@Suite("The async-http-client transport against a local server")
struct HTTPTransportTests {
    func connectors(port: Int) throws -> ChannelConnectors {
        try ChannelConnectors(
            configuration: ChannelClientConfiguration(
                endpoints: .sandbox(URL(string: "http://127.0.0.1:\(port)")!), connectTimeout: .seconds(2),
                requestTimeout: .milliseconds(600)),
            logger: Logger(label: "test"))
    }

    func pause(_ connectors: ChannelConnectors) async throws(TradewindChannels.ChannelError) {
        try await connectors.connector(for: .amazonAds).setStatus(
            .paused, of: PublishedCampaign(campaignID: "413799090000001", adGroups: []), in: Sample.account(.amazonAds),
            session: ChannelSession(credentials: Sample.amazonCredentials))
    }

    @Test("429 with Retry-After over real HTTP is rate limited with the hint")
    func throttled() async throws {
        let server = try await startServer(
            .respond(
                status: 429, headers: [("Retry-After", "2")],
                body: #"{"code":"THROTTLED","message":"Too Many Requests"}"#))
        let connectors = try connectors(port: server.localAddress?.port ?? 0)
        do {
            try await pause(connectors)
            Issue.record("expected rate limited")
        } catch {
            #expect(error.retryAfter == .seconds(2))
            #expect(error.channelCode == "THROTTLED")
        }
        try await connectors.shutdown()
        try await server.close()
    }

    @Test("A connection closed after the request is ambiguous for a mutation, transient for a read")
    func closed() async throws {
        let server = try await startServer(.close)
        let connectors = try connectors(port: server.localAddress?.port ?? 0)
        do {
            try await pause(connectors)
            Issue.record("expected ambiguous")
        } catch {
            guard case .ambiguous = error else {
                Issue.record("expected ambiguous, got \(error)")
                return
            }
        }
        do {
            _ = try await connectors.connector(for: .amazonAds).find(
                Sample.reference, in: Sample.account(.amazonAds),
                session: ChannelSession(credentials: Sample.amazonCredentials))
            Issue.record("expected transient")
        } catch {
            guard case .transient = error else {
                Issue.record("expected transient, got \(error)")
                return
            }
        }
        try await connectors.shutdown()
        try await server.close()
    }

    @Test("A timeout after sending a mutation is ambiguous")
    func timeout() async throws {
        let server = try await startServer(.hang)
        let connectors = try connectors(port: server.localAddress?.port ?? 0)
        do {
            try await pause(connectors)
            Issue.record("expected ambiguous")
        } catch {
            guard case .ambiguous = error else {
                Issue.record("expected ambiguous, got \(error)")
                return
            }
        }
        try await connectors.shutdown()
        try await server.close()
    }

    @Test("A refused connection is transient: nothing was sent")
    func refused() async throws {
        let server = try await startServer(.hang)
        let port = server.localAddress?.port ?? 0
        try await server.close()
        let connectors = try connectors(port: port)
        do {
            try await pause(connectors)
            Issue.record("expected transient")
        } catch {
            guard case .transient = error else {
                Issue.record("expected transient, got \(error)")
                return
            }
        }
        try await connectors.shutdown()
    }
}
