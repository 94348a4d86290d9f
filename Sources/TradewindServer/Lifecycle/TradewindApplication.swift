import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle
import TradewindAudit
import TradewindChannels
import TradewindContent
import TradewindCore
import TradewindProto
import TradewindStore
import UnixSignals

/// The whole server, assembled from its configuration: the stores, the background jobs, the
/// services with their interceptor chain (`TradewindRPC`), and a gRPC server over a transport.
/// `run()` serves until SIGTERM or SIGINT, then shuts down gracefully: the gRPC server first
/// (in-flight calls finish), then the audit writers, then the database pools.
///
/// The transport is the production one (HTTP/2 with TLS 1.3, `init(configuration:logger:)`) or
/// any other, such as grpc-swift's in-process transport in tests.
public struct TradewindApplication: Sendable {
    public let configuration: ServerConfiguration
    public let control: ControlStore
    public let store: TenantStore
    public let auditLog: AuditLog
    let router: RegionRouter
    let retention: EventRetentionJob
    let rollups: RollupFolder
    let health: HealthService
    /// The HTTPS clients of the ad channels, shared by the Campaigns service and the outbox worker.
    let channels: ChannelConnectors
    let outbox: OutboxWorker
    private let server: any Service
    private let listeningAddress: @Sendable () async throws -> GRPCNIOTransportCore.SocketAddress?
    private let logger: Logger

    /// Serves over HTTP/2 with TLS 1.3 on the configured address.
    public init(configuration: ServerConfiguration, logger: Logger) throws {
        let tls = try TLSTransport.tlsConfiguration(
            certificatePath: configuration.certificatePath, privateKeyPath: configuration.privateKeyPath,
            clientCAPath: configuration.clientCAPath)
        let transport = try TLSTransport.make(
            host: configuration.host, port: configuration.port, tls: tls, limits: configuration.limits)
        try self.init(configuration: configuration, transport: transport, logger: logger) { server in
            { try await server.listeningAddress }
        }
    }

    /// Serves over `transport`: the same services, interceptors and stores as in production.
    public init<Transport: ServerTransport>(
        configuration: ServerConfiguration, transport: Transport, logger: Logger
    ) throws {
        try self.init(configuration: configuration, transport: transport, logger: logger) { _ in { nil } }
    }

    private init<Transport: ServerTransport>(
        configuration: ServerConfiguration, transport: Transport, logger: Logger,
        listeningAddress: (GRPCServer<Transport>) -> @Sendable () async throws -> GRPCNIOTransportCore.SocketAddress?
    ) throws {
        self.configuration = configuration
        self.logger = logger
        let limits = configuration.limits
        control = try ControlStore(endpoint: configuration.control, timeout: limits.databaseTimeout, logger: logger)
        router = try RegionRouter(endpoints: configuration.regions, logger: logger)
        let keyring = try AuditKeyring(
            fileContents: try Data(contentsOf: URL(fileURLWithPath: configuration.auditSigningKeysPath)))
        auditLog = AuditLog(
            control: control, router: router, keyring: keyring, timeout: limits.databaseTimeout,
            checkpointInterval: configuration.auditCheckpointInterval, logger: logger)
        store = TenantStore(router: router, auditLog: auditLog)
        retention = EventRetentionJob(
            control: control, store: store, regions: router.regions, auditLog: auditLog,
            interval: configuration.retentionInterval, timeout: limits.backgroundTimeout, logger: logger)
        rollups = RollupFolder(
            store: store, interval: .seconds(5), journeyInterval: .seconds(30), timeout: limits.backgroundTimeout,
            logger: logger)
        health = HealthService()
        channels = try ChannelConnectors(
            configuration: ChannelClientConfiguration(
                endpoints: configuration.channelSandboxURL.map(ChannelEndpoints.sandbox) ?? .production,
                trustRootsPEMPath: configuration.channelCACertificatePath,
                requestTimeout: configuration.channelRequestTimeout,
                // Every channel's slots at once (in dev all four channels are one sandbox host).
                maximumConnectionsPerHost: OutboxWorker.Limits().perChannel * AdChannel.allCases.count,
                // Within the outbox lease, so a slow report never outlives its claim.
                reportMaximumWait: configuration.outboxLease / 2),
            logger: logger)
        let sealer = TradewindRPC.credentialSealer(configuration.cursorKey)
        outbox = OutboxWorker(
            control: control, store: store, wake: OutboxWakeIndex(router: router), regions: router.regions,
            runner: ChannelJobRunner(
                store: store, channels: channels, sealer: sealer, policy: .init(),
                metricsInterval: configuration.metricsSyncInterval, timeout: limits.databaseTimeout,
                metricsTimeout: limits.backgroundTimeout, logger: logger,
                audienceInterval: configuration.audienceSyncInterval,
                audience: .init(
                    batch: configuration.audienceBatch, passBudget: configuration.audiencePassBudget,
                    confirmationPoll: configuration.audienceConfirmationPoll)),
            rules: RuleJobRunner(store: store, timeout: limits.backgroundTimeout, logger: logger),
            limits: .init(lease: configuration.outboxLease), timeout: limits.databaseTimeout, logger: logger)
        // The rule packs are compiled once; a pack whose examples fail stops the server here.
        let copyRules = CopyRuleBook(shipped: try CompiledCopyRules(ShippedRulePacks.load()))
        let rpc = TradewindRPC(
            configuration: configuration, control: control, store: store, auditLog: auditLog,
            regions: router.regions, rollups: rollups, channels: channels, copyRules: copyRules, health: health,
            logger: logger)
        let server = GRPCServer(transport: transport, router: rpc.router(for: Transport.self))
        self.server = GRPCServerService(server: server, health: health)
        self.listeningAddress = listeningAddress(server)
    }

    /// Pools first, then the audit writers, server last: the group stops them in reverse order,
    /// so in-flight calls finish, their records are written, and only then the pools close.
    public var services: [any Service] {
        [control.service] + router.services + auditLog.services + [ChannelClientService(channels: channels)]
            + [retention, rollups, outbox, server]
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

    /// The port the server listens on once it is up (useful with port 0); TCP transports only.
    public func listeningPort() async throws -> Int {
        guard let port = try await listeningAddress()?.ipv4?.port else {
            throw ConfigurationError("the server is not listening on an IPv4 address")
        }
        return port
    }
}

/// The services and their interceptor chain, apart from any transport.
struct TradewindRPC: Sendable {
    let services: [any RegistrableRPCService]
    private let audit: AuditInterceptor
    private let authentication: AuthenticationInterceptor
    private let messageSize: MessageSizeInterceptor

    init(
        configuration: ServerConfiguration, control: ControlStore, store: TenantStore, auditLog: AuditLog,
        regions: Set<Region>, rollups: RollupFolder, channels: ChannelConnectors, copyRules: CopyRuleBook,
        health: HealthService, logger: Logger
    ) {
        let limits = configuration.limits
        let credentials = CredentialCache(control: control)
        let pageTokens = PageTokenCodec(key: Self.derive(configuration.cursorKey, purpose: "page tokens"))
        let subjectHasher = SubjectHasher(secret: Self.derive(configuration.cursorKey, purpose: "subject hashes"))
        let pseudonymizer = AuditPseudonymizer(
            secret: Self.derive(configuration.cursorKey, purpose: "audit pseudonyms"))
        services = [
            ContactsService(store: store, pageTokens: pageTokens, limits: limits, hasher: subjectHasher),
            SegmentsService(store: store, pageTokens: pageTokens, limits: limits),
            TenantAdminService(
                control: control, credentials: credentials, regions: regions, pageTokens: pageTokens,
                seal: IdempotencySeal(serverSecret: Self.derive(configuration.cursorKey, purpose: "idempotency")),
                limits: limits),
            EventsService(store: store, rollups: rollups),
            PrivacyService(store: store, hasher: subjectHasher, pageTokens: pageTokens, limits: limits),
            AuditService(log: auditLog, pseudonymizer: pseudonymizer, pageTokens: pageTokens, limits: limits),
            AnalyticsService(store: store, limits: limits),
            CampaignsService(
                store: store, channels: channels, sealer: Self.credentialSealer(configuration.cursorKey),
                pageTokens: pageTokens, limits: limits, copyRules: copyRules),
            RulesService(store: store, pageTokens: pageTokens, limits: limits),
            AudiencesService(store: store, control: control, pageTokens: pageTokens, limits: limits),
            ContentService(store: store, rules: copyRules),
            health,
        ]
        audit = AuditInterceptor(
            recorder: AuditRecorder(log: auditLog), pseudonymizer: pseudonymizer, limits: limits, logger: logger)
        authentication = AuthenticationInterceptor(credentials: credentials)
        messageSize = MessageSizeInterceptor(maxRequestBytes: limits.maxRequestBytes)
    }

    /// The services registered for `Transport`, behind the interceptor chain.
    func router<Transport: ServerTransport>(for _: Transport.Type) -> RPCRouter<Transport> {
        var router = RPCRouter<Transport>()
        for service in services { service.registerMethods(with: &router) }
        // Every method but the health check needs a credential (the README lists the exemption).
        // Taken from what is registered, so a service or RPC added without a policy entry still
        // needs one, is audited, and is denied by authorization.
        let guarded = Set(router.methods).subtracting(MethodPolicy.exempt)
        // Outermost first: no audit, no answer. The audit interceptor makes every call's context
        // and audits every method but the health check.
        router.registerInterceptors(pipeline: [
            .apply(audit, to: .all),
            .apply(LoggingInterceptor(), to: .all),
            .apply(ErrorMappingInterceptor(), to: .all),
            .apply(authentication, to: .methods(guarded)),
            .apply(AuthorizationInterceptor(), to: .methods(guarded)),
            .apply(messageSize, to: .all),
        ])
        return router
    }

    /// Seals channel credentials under per-tenant keys derived from the server secret.
    static func credentialSealer(_ secret: SymmetricKey) -> CredentialSealer {
        CredentialSealer(secret: derive(secret, purpose: "channel credentials").withUnsafeBytes { Array($0) })
    }

    /// One server secret, a separate key per purpose.
    private static func derive(_ secret: SymmetricKey, purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: secret, info: Data("tradewind \(purpose)".utf8), outputByteCount: 32)
    }
}
