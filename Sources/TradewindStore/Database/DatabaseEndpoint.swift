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

    public init(
        host: String, port: Int, database: String, user: String, password: String, caCertificatePath: String,
        maximumConnections: Int = 20
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
        self.caCertificatePath = caCertificatePath
        self.maximumConnections = maximumConnections
    }

    /// The same cluster as another role (migrations run as the schema owner).
    public func asUser(_ user: String, password: String) -> DatabaseEndpoint {
        var copy = self
        copy.user = user
        copy.password = password
        return copy
    }

    /// The postgres-nio configuration: TLS 1.3 only, certificate and host name verified.
    public func clientConfiguration(connectTimeout: Duration = .seconds(3)) throws -> PostgresClient.Configuration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv13
        tls.certificateVerification = .fullVerification
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caCertificatePath))
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: .require(tls))
        // Connecting by IP sends no SNI unless asked; the dev certificate names 127.0.0.1 and localhost.
        configuration.options.tlsServerName = host
        configuration.options.connectTimeout = connectTimeout
        configuration.options.maximumConnections = maximumConnections
        return configuration
    }
}
