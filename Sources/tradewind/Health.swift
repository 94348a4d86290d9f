import ArgumentParser
import GRPCCore
import TradewindProto
import TradewindServer

struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the server's grpc.health.v1 status; exits 0 when it is SERVING.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try await ServerConfiguration.load(path: options.config)
        let status = try await TradewindClient.with(
            host: configuration.host, port: configuration.port, caPath: configuration.caCertificatePath
        ) { client in
            try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init()).status
        }
        print("\(status)")
        if status != .serving { throw ExitCode.failure }
    }
}
