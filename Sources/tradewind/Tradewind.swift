import ArgumentParser
import Logging

/// The `tradewind` command: serve the API, migrate the databases, apply tenant manifests and
/// manage credentials, export and verify the audit log.
@main
struct Tradewind: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tradewind",
        abstract: "Tradewind: multi-tenant marketing data platform over gRPC.",
        subcommands: [Serve.self, Migrate.self, Tenants.self, Keys.self, Audit.self, Health.self])
}

/// Options every subcommand that reads the server configuration shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Path of the YAML configuration (TRADEWIND_* variables override it).")
    var config: String = "/etc/tradewind/config.yaml"
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
