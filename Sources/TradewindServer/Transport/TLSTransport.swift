import GRPCNIOTransportHTTP2
import NIOCore
import NIOSSL

/// Builds the server's HTTP/2 transport with TLS 1.3 as the only protocol.
///
/// grpc-swift-nio-transport hard-codes TLS 1.2 as the minimum for its `.tls` security. So the
/// transport runs in `.plaintext` mode and every accepted connection gets our own
/// `NIOSSLServerHandler` (minimum TLS 1.3, ALPN `grpc-exp` and `h2`) first in its pipeline: a TLS 1.2
/// client gets a `protocol_version` alert and a plaintext client never reaches HTTP/2. The
/// transport still finds the handler to read the client certificate. `TransportTests` fails if
/// the callback that installs the handler is ever left out (TLS 1.2 and plaintext would get in).
public enum TLSTransport {
    /// The TLS settings: server certificate, and optionally the CA that client certificates
    /// must chain to (mTLS is then optional per connection, required per tenant by policy).
    public static func tlsConfiguration(
        certificatePath: String, privateKeyPath: String, clientCAPath: String?
    ) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)))
        tls.minimumTLSVersion = .tlsv13
        tls.applicationProtocols = ["grpc-exp", "h2"]
        if let clientCAPath {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(clientCAPath))
            tls.certificateVerification = .optionalVerification
        } else {
            tls.certificateVerification = .none
        }
        return tls
    }

    public static func make(
        host: String, port: Int, tls: TLSConfiguration, limits: ServerConfiguration.Limits
    ) throws -> HTTP2ServerTransport.Posix {
        let context = try NIOSSLContext(configuration: tls)
        var config = HTTP2ServerTransport.Posix.Config.defaults
        config.rpc.maxRequestPayloadSize = limits.transportMaxRequestBytes
        config.http2.maxConcurrentStreams = limits.maxConcurrentStreams
        config.channelDebuggingCallbacks.onAcceptTCPConnection = { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context), position: .first)
            }
        }
        return HTTP2ServerTransport.Posix(
            address: .ipv4(host: host, port: port), transportSecurity: .plaintext, config: config)
    }
}
