import ArgumentParser
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import TradewindServer

/// The `tradewind` command: serve the API, migrate the databases, apply tenant manifests and
/// manage credentials, export and verify the audit log.
@main
struct Tradewind: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tradewind",
        abstract: "Tradewind: multi-tenant marketing data platform over gRPC.",
        subcommands: [
            Serve.self, Migrate.self, Tenants.self, Keys.self, FX.self, Audit.self, Analytics.self, Content.self,
            Health.self,
        ])
}

/// Options every subcommand that reads the server configuration shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Path of the YAML configuration (TRADEWIND_* variables override it).")
    var config: String = "/etc/tradewind/config.yaml"

    /// Runs `body` with a client of the configured server and `apiKey` as call metadata.
    func withServer<Result: Sendable>(
        apiKey: String, _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>, Metadata) async throws -> Result
    ) async throws -> Result {
        let configuration = try await ServerConfiguration.load(path: config)
        let metadata = TradewindClient.bearer(apiKey)
        return try await TradewindClient.with(
            host: configuration.host, port: configuration.port, caPath: configuration.caCertificatePath
        ) { client in
            try await body(client, metadata)
        }
    }
}

extension Logger {
    /// The logger of a one-off command: its failures surface as errors, so the database client's
    /// chatter (connection attempts, a lease racing the pool's start) stays out of the output.
    static func command(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .error
        return logger
    }
}
