import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// `ChannelTransport` over async-http-client: one shared `HTTPClient`, a deadline per request.
struct HTTPClientTransport: ChannelTransport {
    let client: HTTPClient
    let requestTimeout: Duration
    /// Report downloads can be large; everything else is small.
    let maximumBodyBytes: Int

    func send(_ request: WireRequest) async -> Result<WireResponse, TransportFailure> {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let (bytes, contentType) = request.encodedBody {
            if request.header("Content-Type") == nil {
                outgoing.headers.replaceOrAdd(name: "Content-Type", value: contentType)
            }
            outgoing.body = .bytes(ByteBuffer(bytes: bytes))
        }
        let timeout = TimeAmount.nanoseconds(
            requestTimeout.components.seconds * 1_000_000_000 + requestTimeout.components.attoseconds / 1_000_000_000)
        do {
            let response = try await client.execute(outgoing, timeout: timeout)
            let body = try await response.body.collect(upTo: maximumBodyBytes)
            return .success(
                WireResponse(
                    status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                    body: Array(buffer: body)))
        } catch {
            return .failure(Self.classify(error))
        }
    }

    /// Errors raised while establishing the connection mean nothing was sent; anything later
    /// (deadline, read timeout, reset, closed) may have followed a request the channel applied.
    static func classify(_ error: any Error) -> TransportFailure {
        if let client = error as? HTTPClientError {
            switch client {
            case .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout, .invalidURL, .emptyHost,
                .emptyScheme, .alreadyShutdown, .socksHandshakeTimeout, .httpProxyHandshakeTimeout:
                return .notSent("\(client)")
            default:
                return .responseLost("\(client)")
            }
        }
        if error is NIOConnectionError { return .notSent("connection failed") }
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED { return .notSent("connection refused") }
        // NIO's own ChannelError covers connect timeouts and closed channels alike.
        if case .connectTimeout = error as? NIOCore.ChannelError { return .notSent("connect timeout") }
        return .responseLost(String(describing: type(of: error)))
    }
}
