import ArgumentParser
import Logging
import TradewindServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the gRPC API over TLS until SIGTERM or SIGINT, then shut down gracefully.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let logger = Logger(label: "tradewind")
        let configuration = try await ServerConfiguration.load(path: options.config)
        let application = try TradewindApplication(configuration: configuration, logger: logger)
        logger.info(
            "serving",
            metadata: [
                "address": "\(configuration.host):\(configuration.port)",
                "regions": "\(configuration.regions.keys.map(\.rawValue).sorted().joined(separator: ","))",
                "mtls": "\(configuration.clientCAPath != nil)",
            ])
        try await application.run()
    }
}
