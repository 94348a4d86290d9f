import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle

/// Builds the sandbox's Hummingbird application: one responder for every emulated host, served over
/// TLS (1.2 or later; 1.3 preferred by negotiation) when a certificate is given, plain HTTP otherwise
/// (the tests' in-process client).
public enum SandboxServer {
    public static func application(
        store: SandboxStore, host: String, port: Int, certificatePath: String?, privateKeyPath: String?,
        timeoutHold: Duration = .seconds(120), logger: Logger = Logger(label: "tradewind-sandbox")
    ) throws -> some ApplicationProtocol {
        let responder = SandboxResponder(store: store, timeoutHold: timeoutHold)
        let configuration = ApplicationConfiguration(
            address: .hostname(host, port: port), serverName: "tradewind-sandbox")
        let services: [any Service] = store.stateFile == nil ? [] : [StatePersistence(store: store)]
        guard let certificatePath, let privateKeyPath else {
            return Application(responder: responder, configuration: configuration, services: services, logger: logger)
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        return Application(
            responder: responder, server: try .tls(.http1(), tlsConfiguration: tls), configuration: configuration,
            services: services, logger: logger)
    }
}

extension SandboxStore {
    /// One account per channel with well-known ids, for a quick start (`--default-accounts`).
    public func provisionDefaults() {
        let defaults: [(AdChannel, String)] = [
            (.googleAds, "1234567890"), (.meta, "101000000000001"), (.tiktok, "7000000000000000001"),
            (.amazonAds, "3000000000001"),
        ]
        write { world in
            for (channel, id) in defaults where world.account(channel, id) == nil {
                world.provision(
                    SandboxAccount(
                        channel: channel, id: id, name: "Sandbox \(channel.rawValue)", currency: "USD",
                        timeZone: "America/New_York",
                        countryCode: "US", credentials: .defaults(channel: channel, account: id)))
            }
        }
    }
}
