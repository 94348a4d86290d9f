import ArgumentParser
import Foundation
import Logging
import TradewindSandbox

/// `tradewind-sandbox`: the ad-channel emulators (Google Ads, Meta, TikTok, Amazon Ads) on one TLS port,
/// each emulated host under its own path prefix, plus the control API under `/_sandbox/`.
@main
struct TradewindSandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tradewind-sandbox",
        abstract: "Serve the ad-channel sandboxes over TLS on one port.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 7450
    @Option(help: "PEM certificate chain (signed by the dev CA).") var certificate: String
    @Option(name: .customLong("private-key"), help: "PEM private key of the certificate.") var privateKey: String
    @Option(help: "Seed of every simulated figure and id.") var seed: UInt64 = 1
    @Option(
        name: .customLong("state-file"),
        help: "Persist the state here (a second after a change, and at shutdown) and reload it on start.")
    var stateFile: String?
    @Flag(name: .customLong("default-accounts"), help: "Provision one USD account per channel with well-known ids.")
    var defaultAccounts = false

    func run() async throws {
        var logger = Logger(label: "tradewind-sandbox")
        logger.logLevel = .info
        let store = SandboxStore(seed: seed, stateFile: stateFile.map { URL(fileURLWithPath: $0) }, logger: logger)
        if defaultAccounts { store.provisionDefaults() }
        let app = try SandboxServer.application(
            store: store, host: host, port: port, certificatePath: certificate, privateKeyPath: privateKey,
            logger: logger)
        try await app.runService()
    }
}
