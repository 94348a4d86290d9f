import Foundation
import GRPCCore
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Testing
import TradewindProto
import TradewindServer
import TradewindTestSupport

/// TLS 1.3 only: older TLS gets a protocol_version alert and plaintext never reaches HTTP/2.
@Suite("Transport security")
struct TransportTests {
    /// Collects what the server sends until it closes or the time runs out.
    private final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var received: [UInt8] = []
        let closed: EventLoopPromise<[UInt8]>
        init(closed: EventLoopPromise<[UInt8]>) { self.closed = closed }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received += buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        func channelInactive(context: ChannelHandlerContext) { closed.succeed(received) }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }

    @Test("a plaintext HTTP/2 client gets no HTTP/2 frame, at most a TLS alert")
    func plaintextIsRefused() async throws {
        let stack = try await TestStack.running()
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: [UInt8].self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(closed: promise))
                }
            }
            .connect(host: "127.0.0.1", port: stack.port).get()
        // The HTTP/2 connection preface followed by an empty SETTINGS frame.
        var preface = channel.allocator.buffer(string: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        preface.writeBytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
        try await channel.writeAndFlush(preface)
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(3)) { channel.close(promise: nil) }
        let received = try await promise.futureResult.get()
        timeout.cancel()
        // An HTTP/2 server would answer with a SETTINGS frame: type 0x04 at byte 3.
        let isHTTP2Settings = received.count >= 9 && received[3] == 0x04
        #expect(!isHTTP2Settings, "server spoke HTTP/2 in plaintext: \(received.prefix(16))")
        // Anything sent must be a TLS alert record (content type 21).
        #expect(received.isEmpty || received[0] == 21, "unexpected bytes \(received.prefix(16))")
    }

    @Test("a TLS 1.2 client is refused with a protocol_version alert")
    func tls12IsRefused() async throws {
        let stack = try await TestStack.running()
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.maximumTLSVersion = .tlsv12
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(stack.configuration.caCertificatePath))
        tls.applicationProtocols = ["h2"]
        let context = try NIOSSLContext(configuration: tls)
        let group = MultiThreadedEventLoopGroup.singleton
        let handshake = group.next().makePromise(of: Void.self)
        final class HandshakeWatcher: ChannelInboundHandler, @unchecked Sendable {
            typealias InboundIn = Any
            let promise: EventLoopPromise<Void>
            init(_ promise: EventLoopPromise<Void>) { self.promise = promise }
            func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
                if case .handshakeCompleted = event as? TLSUserEvent { promise.succeed(()) }
            }
            func errorCaught(context: ChannelHandlerContext, error: any Error) { promise.fail(error) }
            func channelInactive(context: ChannelHandlerContext) {
                promise.fail(ChannelError.ioOnClosedChannel)
            }
        }
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(handshake))
                }
            }
            .connect(host: "127.0.0.1", port: stack.port).get()
        defer { channel.close(promise: nil) }
        do {
            try await handshake.futureResult.get()
            Issue.record("a TLS 1.2 handshake completed")
        } catch let error as NIOSSLError {
            #expect("\(error)".uppercased().contains("PROTOCOL_VERSION"), "\(error)")
        }
    }

    @Test("a TLS 1.3 client gets the health check without credentials")
    func tls13Works() async throws {
        let status = try await TestStack.withClient { client in
            try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init()).status
        }
        #expect(status == .serving)
    }
}
