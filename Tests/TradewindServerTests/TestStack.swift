import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import Logging
import SwiftASN1
import TradewindAudit
import TradewindCore
import TradewindProto
import TradewindServer
import TradewindStore
import TradewindTestSupport
import X509

/// One in-process server for the whole test run, on a free port, over TLS, against the real
/// clusters. Tests create their own tenants and keys, so they do not depend on each other.
enum TestStack {
    struct Running: Sendable {
        let port: Int
        let configuration: ServerConfiguration
        let control: ControlStore
        /// The keys that sign this server's audit checkpoints.
        let auditKeys: AuditPublicKeySet
        let application: TradewindApplication
    }

    private static let shared = Task<Running, any Error> {
        var configuration = try await TestEnvironment.configuration()
        configuration.port = 0
        // Checkpoints every second, so tamper tests need not wait for the production interval.
        configuration.auditCheckpointInterval = .seconds(1)
        // Long enough that a withdrawal leaving a list within seconds shows it did not wait for it.
        configuration.audienceSyncInterval = .seconds(20)
        // Three members a step and no time for a second step in a pass: every sync of more than
        // three members stops and goes on from where it left off, pass after pass.
        configuration.audienceBatch = 3
        configuration.audiencePassBudget = .zero
        let application = try TradewindApplication(configuration: configuration, logger: TestEnvironment.logger)
        // The server runs until the test process exits.
        Task.detached {
            try await withThrowingDiscardingTaskGroup { group in
                for service in application.services { group.addTask { try await service.run() } }
            }
        }
        let port = try await application.listeningPort()
        return Running(
            port: port, configuration: configuration, control: application.control,
            auditKeys: application.auditLog.keyring.publicKeys, application: application)
    }

    static func running() async throws -> Running { try await shared.value }

    /// Runs `body` with a client of the test server, optionally presenting a client certificate.
    static func withClient<Result: Sendable>(
        certificate: TradewindClient.ClientCertificate? = nil,
        _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
    ) async throws -> Result {
        let stack = try await running()
        return try await TradewindClient.with(
            host: "127.0.0.1", port: stack.port, caPath: stack.configuration.caCertificatePath,
            clientCertificate: certificate, body)
    }

    /// A fresh tenant, an operator key and a key of `role` for that tenant.
    static func tenant(
        _ region: String = "eu", role: Role = .owner, requireMTLS: Bool = false,
        settings: TenantSettings = .default
    ) async throws -> (tenant: Tenant, key: String) {
        let stack = try await running()
        var settings = settings
        settings.requireMTLS = settings.requireMTLS || requireMTLS
        let tenant = try await stack.control.createTenant(
            TenantSpec(
                slug: TestEnvironment.uniqueSlug("srv"), name: "Server test tenant", homeRegion: Region(region),
                settings: settings), for: TestSetupCall())
        return (tenant, try await key(tenantID: tenant.id, role: role))
    }

    /// A key stored directly in the control plane, as the bootstrap path does.
    static func key(tenantID: UUID?, role: Role, expiresAt: Date? = nil) async throws -> String {
        let stack = try await running()
        let token = APIKeyToken.generate()
        _ = try await stack.control.createAPIKey(
            APIKeyRecord(
                keyID: token.keyID, tenantID: tenantID, role: role, label: "test", secretHash: Data(token.secretHash),
                createdAt: Date(), expiresAt: expiresAt, revokedAt: nil, lastUsedAt: nil),
            idempotency: nil, for: TestSetupCall())
        return token.text
    }

    static func operatorKey() async throws -> String { try await key(tenantID: nil, role: .operator) }

    /// A new client certificate signed by the dev CA (or by a CA the server does not trust),
    /// written to temporary PEM files.
    static func clientCertificate(trusted: Bool = true) throws -> (TradewindClient.ClientCertificate, pem: String) {
        let caDirectory = TestEnvironment.stateDirectory.appendingPathComponent(trusted ? "ca" : "rogue")
        let caKeyPath = caDirectory.appendingPathComponent(trusted ? "ca.key" : "ca.key").path
        let caCertificate = try Certificate(
            pemEncoded: try String(contentsOfFile: caDirectory.appendingPathComponent("ca.pem").path, encoding: .utf8))
        let caKey = try Certificate.PrivateKey(
            pemEncoded: try String(contentsOfFile: caKeyPath, encoding: .utf8))
        let key = P256.Signing.PrivateKey()
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey), notValidBefore: now.addingTimeInterval(-60),
            notValidAfter: now.addingTimeInterval(3600), issuer: caCertificate.subject,
            subject: try DistinguishedName { CommonName("tradewind-test-client") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                try ExtendedKeyUsage([.clientAuth])
            },
            issuerPrivateKey: caKey)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tradewind-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let pem = try certificate.serializeAsPEM().pemString
        let certificatePath = directory.appendingPathComponent("client.pem").path
        let keyPath = directory.appendingPathComponent("client.key").path
        try pem.write(toFile: certificatePath, atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(toFile: keyPath, atomically: true, encoding: .utf8)
        return (.init(certificatePath: certificatePath, privateKeyPath: keyPath), pem)
    }
}

/// Assertions on the statuses clients see.
enum Status {
    /// Runs `call` and returns the RPC error it failed with; fails the test when it succeeded.
    static func of(_ call: () async throws -> Void) async -> RPCError? {
        do {
            try await call()
            return nil
        } catch let error as RPCError {
            return error
        } catch {
            return RPCError(code: .unknown, message: "not an RPCError: \(error)")
        }
    }
}

extension Status {
    /// Runs `call`, which times its own part with `time`, and returns its error and that time.
    static func timed(_ call: () async throws -> Duration) async -> (RPCError?, Duration) {
        do {
            return (nil, try await call())
        } catch let failure as TimedFailure {
            return (failure.error, failure.elapsed)
        } catch let error as RPCError {
            return (error, .zero)
        } catch {
            return (RPCError(code: .unknown, message: "not an RPCError: \(error)"), .zero)
        }
    }

    /// How long `body` took; an RPC error it throws carries that time to `timed`.
    static func time(_ body: () async throws -> Void) async throws -> Duration {
        let started = ContinuousClock.now
        do {
            try await body()
        } catch let error as RPCError {
            throw TimedFailure(error: error, elapsed: ContinuousClock.now - started)
        }
        return ContinuousClock.now - started
    }

    struct TimedFailure: Error {
        var error: RPCError
        var elapsed: Duration
    }

    /// The fields named by the `google.rpc.BadRequest` details of an error.
    static func fieldViolations(_ error: RPCError?) -> [String] {
        guard let error, let status = try? error.unpackGoogleRPCStatus() else { return [] }
        return status.details.compactMap(\.badRequest).flatMap { $0.violations.map(\.field) }
    }
}

extension Metadata {
    static func bearer(_ key: String) -> Metadata { TradewindClient.bearer(key) }
}
