import GRPCCore
import GRPCNIOTransportHTTP2
import TradewindProto

/// Opens a TLS connection to a Tradewind server for the CLI and the tests: the server's
/// certificate is verified against `caPath`, and a client certificate is sent when given.
public enum TradewindClient {
    public struct ClientCertificate: Sendable {
        public var certificatePath: String
        public var privateKeyPath: String
        public init(certificatePath: String, privateKeyPath: String) {
            self.certificatePath = certificatePath
            self.privateKeyPath = privateKeyPath
        }
    }

    public static func transport(
        host: String, port: Int, caPath: String, clientCertificate: ClientCertificate? = nil,
        serverHostname: String? = "localhost"
    ) throws -> HTTP2ClientTransport.Posix {
        let tls = HTTP2ClientTransport.Posix.TransportSecurity.TLS.defaults { config in
            config.trustRoots = .certificates([.file(path: caPath, format: .pem)])
            if let clientCertificate {
                config.certificateChain = [.file(path: clientCertificate.certificatePath, format: .pem)]
                config.privateKey = .file(path: clientCertificate.privateKeyPath, format: .pem)
            }
        }
        var config = HTTP2ClientTransport.Posix.Config.defaults
        config.http2.authority = serverHostname
        return try HTTP2ClientTransport.Posix(
            target: .ipv4(address: host, port: port), transportSecurity: .tls(tls), config: config)
    }

    /// Runs `body` with a connected client, closing it afterwards.
    public static func with<Result: Sendable>(
        host: String, port: Int, caPath: String, clientCertificate: ClientCertificate? = nil,
        _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
    ) async throws -> Result {
        try await withGRPCClient(
            transport: try transport(host: host, port: port, caPath: caPath, clientCertificate: clientCertificate),
            handleClient: body)
    }

    /// Metadata carrying an API key.
    public static func bearer(_ key: String) -> Metadata {
        ["authorization": "Bearer \(key)"]
    }
}
