import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle
import TradewindAudit
import TradewindCore
import TradewindProto
import TradewindStore
import UnixSignals

/// The whole server, assembled from its configuration: the control and regional pools, the
/// interceptor chain and the services. `run()` serves until SIGTERM or SIGINT, then shuts down
/// gracefully: the gRPC server first (in-flight calls finish), then the database pools.
public struct TradewindApplication: Sendable {
    public let configuration: ServerConfiguration
    public let control: ControlStore
    public let router: RegionRouter
    public let auditLog: AuditLog
    let retention: EventRetentionJob
    let rollups: RollupFolder
    let server: GRPCServer<HTTP2ServerTransport.Posix>
    let health: HealthService
    private let logger: Logger

    public init(configuration: ServerConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let limits = configuration.limits
        control = ControlStore(
            pool: try DatabasePool(name: "control", endpoint: configuration.control, logger: logger),
            timeout: limits.databaseTimeout)
        router = try RegionRouter(endpoints: configuration.regions, logger: logger)
        let credentials = CredentialCache(control: control)
        let pageTokens = PageTokenCodec(key: Self.derive(configuration.cursorKey, purpose: "page tokens"))
        let subjectHasher = SubjectHasher(secret: Self.derive(configuration.cursorKey, purpose: "subject hashes"))
        health = HealthService()
        let keyring = try AuditKeyring(
            fileContents: try Data(contentsOf: URL(fileURLWithPath: configuration.auditSigningKeysPath)))
        auditLog = AuditLog(
            control: control.pool, router: router, keyring: keyring, timeout: limits.databaseTimeout,
            checkpointInterval: configuration.auditCheckpointInterval, logger: logger)
        retention = EventRetentionJob(
            control: control, store: TenantStore(router: router, logger: logger), router: router, auditLog: auditLog,
            interval: configuration.retentionInterval, timeout: limits.backgroundTimeout, logger: logger)
        rollups = RollupFolder(
            store: TenantStore(router: router, logger: logger), interval: .seconds(5), journeyInterval: .seconds(30),
            timeout: limits.backgroundTimeout, logger: logger)
        let recorder = AuditRecorder(
            log: auditLog,
            pseudonymizer: AuditPseudonymizer(
                secret: Self.derive(configuration.cursorKey, purpose: "audit pseudonyms")),
            databaseTimeout: limits.databaseTimeout)

        let services: [any RegistrableRPCService] = [
            ContactsService(
                store: TenantStore(router: router, logger: logger), pageTokens: pageTokens, limits: limits,
                hasher: subjectHasher),
            SegmentsService(
                store: TenantStore(router: router, logger: logger), pageTokens: pageTokens, limits: limits),
            TenantAdminService(
                control: control, credentials: credentials, regions: router.regions, pageTokens: pageTokens,
                seal: IdempotencySeal(serverSecret: Self.derive(configuration.cursorKey, purpose: "idempotency")),
                limits: limits),
            EventsService(store: TenantStore(router: router, logger: logger), limits: limits, rollups: rollups),
            PrivacyService(
                store: TenantStore(router: router, logger: logger), hasher: subjectHasher, pageTokens: pageTokens,
                limits: limits),
            AuditService(log: auditLog, recorder: recorder, pageTokens: pageTokens, limits: limits),
            AnalyticsService(store: TenantStore(router: router, logger: logger), limits: limits),
            health,
        ]
        var rpcRouter = RPCRouter<HTTP2ServerTransport.Posix>()
        for service in services { service.registerMethods(with: &rpcRouter) }
        // Every method but the health check needs a credential and is audited (the README lists
        // the exemption). Taken from what is registered, so a service or RPC added without a
        // policy entry is still audited, and denied by authorization.
        let guarded = Set(rpcRouter.methods).subtracting(MethodPolicy.exempt)
        // Outermost first: no audit, no answer.
        rpcRouter.registerInterceptors(pipeline: [
            .apply(AuditInterceptor(recorder: recorder, logger: logger), to: .methods(guarded)),
            .apply(RequestContextInterceptor(logger: logger), to: .all),
            .apply(
                AuthenticationInterceptor(credentials: credentials, databaseTimeout: limits.databaseTimeout),
                to: .methods(guarded)),
            .apply(AuthorizationInterceptor(), to: .methods(guarded)),
            .apply(MessageSizeInterceptor(maxRequestBytes: limits.maxRequestBytes), to: .all),
        ])
        let tls = try TLSTransport.tlsConfiguration(
            certificatePath: configuration.certificatePath, privateKeyPath: configuration.privateKeyPath,
            clientCAPath: configuration.clientCAPath)
        let transport = try TLSTransport.make(
            host: configuration.host, port: configuration.port, tls: tls, limits: limits)
        server = GRPCServer(transport: transport, router: rpcRouter)
    }

    /// Pools first, then the audit writers, server last: the group stops them in reverse order,
    /// so in-flight calls finish, their records are written, and only then the pools close.
    public var services: [any Service] {
        [control.pool] + router.services + auditLog.services + [retention, rollups]
            + [GRPCServerService(server: server, health: health)]
    }

    /// Serves until SIGTERM/SIGINT, then shuts down gracefully.
    public func run() async throws {
        try await serviceGroup(gracefulShutdownSignals: [.sigterm, .sigint]).run()
    }

    /// The services in one group that stops them gracefully, server first, on any of `signals`
    /// or on `triggerGracefulShutdown()`.
    public func serviceGroup(gracefulShutdownSignals signals: [UnixSignal]) -> ServiceGroup {
        ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: signals, logger: logger))
    }

    /// Runs one pass of the event retention job now (the service runs it on its schedule).
    @discardableResult
    public func enforceEventRetention() async throws -> [UUID: Int] { try await retention.runOnce() }

    /// Folds the partial rollups of the tenants that ingested since the last fold, now.
    public func foldRollups() async {
        await rollups.foldRollups()
        await rollups.foldJourneys()
    }

    /// The port the server listens on once it is up (useful with port 0).
    public func listeningPort() async throws -> Int {
        guard let port = try await server.listeningAddress?.ipv4?.port else {
            throw ConfigurationError("the server is not listening on an IPv4 address")
        }
        return port
    }

    /// One server secret, a separate key per purpose.
    private static func derive(_ secret: SymmetricKey, purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: secret, info: Data("tradewind \(purpose)".utf8), outputByteCount: 32)
    }
}
