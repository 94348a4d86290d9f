import Foundation
import NIOSSL
import PostgresNIO

/// Where and as whom to reach one PostgreSQL cluster. Connections always use TLS 1.3 and verify
/// the server's certificate against `caCertificatePath`: TCP to PostgreSQL is `hostssl` only.
public struct DatabaseEndpoint: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var database: String
    public var user: String
    public var password: String
    public var caCertificatePath: String
    public var maximumConnections: Int
    /// The name the server's certificate must carry. TLS sends no IP address as SNI, so a cluster
    /// reached by IP is verified against this name instead.
    public var tlsServerName: String

    public init(
        host: String, port: Int, database: String, user: String, password: String, caCertificatePath: String,
        maximumConnections: Int = 20, tlsServerName: String? = nil
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
        self.caCertificatePath = caCertificatePath
        self.maximumConnections = maximumConnections
        self.tlsServerName = tlsServerName ?? (Self.isIPAddress(host) ? "localhost" : host)
    }

    private static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || host.split(separator: ".").allSatisfy { UInt8($0) != nil }
    }

    /// The same cluster as another role (migrations run as the schema owner).
    public func asUser(_ user: String, password: String) -> DatabaseEndpoint {
        var copy = self
        copy.user = user
        copy.password = password
        return copy
    }

    /// The postgres-nio configuration: TLS 1.3 only, certificate and host name verified. Public for
    /// tests, which reach the clusters directly as the server's roles.
    public func clientConfiguration(connectTimeout: Duration = .seconds(3)) throws -> PostgresClient.Configuration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv13
        tls.certificateVerification = .fullVerification
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caCertificatePath))
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: .require(tls))
        configuration.options.tlsServerName = tlsServerName
        configuration.options.connectTimeout = connectTimeout
        configuration.options.maximumConnections = maximumConnections
        return configuration
    }
}
