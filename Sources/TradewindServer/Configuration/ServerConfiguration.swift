import Configuration
import Crypto
import Foundation
import SystemPackage
import TradewindCore
import TradewindStore

/// Everything the server reads at start-up: a YAML file, with any key overridable by an
/// environment variable named `TRADEWIND_` + the key in upper snake case
/// (`server.port` → `TRADEWIND_SERVER_PORT`, `limits.maxRequestBytes` → `TRADEWIND_LIMITS_MAX_REQUEST_BYTES`).
public struct ServerConfiguration: Sendable {
    public struct Limits: Sendable {
        /// Largest request message the application accepts (`RESOURCE_EXHAUSTED` beyond it).
        public var maxRequestBytes: Int = 4 * 1024 * 1024
        public var pageSizes = PageSizeLimits()
        public var maxConcurrentStreams: Int = 256
        /// Upper bound of every database call; a shorter client deadline wins.
        public var databaseTimeout: Duration = .seconds(5)
        /// Upper bound of an analytics call's database work (a shorter client deadline wins): they
        /// read up to millions of events.
        public var analyticsTimeout: Duration = .seconds(30)
        /// Upper bound of one transaction of a background job (folding rollups and journeys,
        /// retention): no caller waits on them, and a big tenant's work must not fail forever.
        public var backgroundTimeout: Duration = .seconds(120)
        /// Most events one analytics call reads into memory (`RESOURCE_EXHAUSTED` beyond).
        public var analyticsMaxEvents: Int = 12_000_000

        /// The transport's own limit sits above the application's, because the transport resets
        /// an oversized stream and the client would see a retryable `UNAVAILABLE` instead.
        public var transportMaxRequestBytes: Int { maxRequestBytes * 2 + 64 * 1024 }
    }

    public var host = "127.0.0.1"
    public var port = 7443
    public var certificatePath: String
    public var privateKeyPath: String
    /// CA that client certificates must chain to; `nil` turns mTLS off.
    public var clientCAPath: String?
    public var limits = Limits()
    public var control: DatabaseEndpoint
    public var regions: [Region: DatabaseEndpoint]
    /// The CA of the local deployment, which command-line clients trust for the server's certificate.
    public var caCertificatePath: String
    public var migrationUser: String
    public var migrationPassword: String
    /// Signs page tokens; separate keys for other purposes are derived from it.
    public var cursorKey: SymmetricKey
    /// The audit checkpoint signing keyring (JSON, mode 0600; `tradewind audit keygen` makes it).
    public var auditSigningKeysPath: String
    /// How often a chain that grew gets a signed checkpoint (at least once a minute).
    public var auditCheckpointInterval: Duration = .seconds(30)
    /// How often events older than each tenant's retention are deleted.
    public var retentionInterval: Duration = .seconds(3600)
    /// Where the ad channels are reached: nil for their real APIs, or the origin of a
    /// `tradewind-sandbox` that emulates all four (dev and tests).
    public var channelSandboxURL: URL?
    /// Roots trusted for the channels' TLS certificates beyond the system's (the dev CA for the
    /// sandbox); nil for the system's only.
    public var channelCACertificatePath: String?
    /// How often every linked account's daily metrics are pulled.
    public var metricsSyncInterval: Duration = .seconds(900)
    /// How often each audience sync brings its channel list in line with its segment and the
    /// consent ledger; withdrawals and erasures do not wait for it (they run the sync at once).
    public var audienceSyncInterval: Duration = .seconds(300)
    /// Members per step of an audience sync and how long one pass may send. Not in the YAML:
    /// production keeps 10,000 and 45 s; tests shrink both so that passes that stop and go on
    /// from where they left off are exercised on small segments.
    public var audienceBatch = 10_000
    public var audiencePassBudget: Duration = .seconds(45)
    /// How soon a sync asks again about a channel's jobs carrying removals while any is under way.
    public var audienceConfirmationPoll: Duration = .seconds(15)
    /// How long one request to a channel may take before it counts as unanswered (and a create
    /// is looked up on the channel before it is sent again).
    public var channelRequestTimeout: Duration = .seconds(30)
    /// How long a worker's claim on an outbox job holds; a job of a worker that died is taken
    /// over after it.
    public var outboxLease: Duration = .seconds(120)

    /// Reads `path`, then lets `TRADEWIND_*` variables of `environment` override it.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        async throws -> ServerConfiguration
    {
        var overrides: [String: String] = [:]
        for (name, value) in environment where name.hasPrefix("TRADEWIND_") {
            overrides[String(name.dropFirst("TRADEWIND_".count))] = value
        }
        let reader = ConfigReader(providers: [
            EnvironmentVariablesProvider(environmentVariables: overrides),
            try await FileProvider<YAMLSnapshot>(filePath: FilePath(path)),
        ])
        return try ServerConfiguration(reader: reader)
    }

    init(reader: ConfigReader) throws {
        certificatePath = try reader.requiredString(forKey: "server.certificate")
        privateKeyPath = try reader.requiredString(forKey: "server.privateKey")
        host = reader.string(forKey: "server.host", default: host)
        port = reader.int(forKey: "server.port", default: port)
        clientCAPath = reader.string(forKey: "server.clientCA").flatMap { $0.isEmpty ? nil : $0 }

        limits.maxRequestBytes = reader.int(forKey: "limits.maxRequestBytes", default: limits.maxRequestBytes)
        limits.pageSizes = PageSizeLimits(
            defaultSize: reader.int(forKey: "limits.defaultPageSize", default: 100),
            maxSize: reader.int(forKey: "limits.maxPageSize", default: 1000))
        limits.maxConcurrentStreams = reader.int(
            forKey: "limits.maxConcurrentStreams", default: limits.maxConcurrentStreams)
        limits.databaseTimeout = .milliseconds(reader.int(forKey: "limits.databaseTimeoutMilliseconds", default: 5000))
        limits.analyticsTimeout = .milliseconds(
            reader.int(forKey: "limits.analyticsTimeoutMilliseconds", default: 30_000))
        limits.backgroundTimeout = .milliseconds(
            reader.int(forKey: "limits.backgroundTimeoutMilliseconds", default: 120_000))
        limits.analyticsMaxEvents = reader.int(forKey: "limits.analyticsMaxEvents", default: limits.analyticsMaxEvents)
        guard limits.analyticsMaxEvents >= 1 else {
            throw ConfigurationError("limits.analyticsMaxEvents must be positive")
        }

        let pgHost = reader.string(forKey: "postgres.host", default: "127.0.0.1")
        let caPath = try reader.requiredString(forKey: "postgres.caCertificate")
        caCertificatePath = caPath
        migrationUser = reader.string(forKey: "postgres.migrationUser", default: "tradewind_migrator")
        migrationPassword = reader.string(forKey: "postgres.migrationPassword", isSecret: true, default: "")

        func endpoint(_ prefix: String, database: String, user: String) throws -> DatabaseEndpoint {
            DatabaseEndpoint(
                host: reader.string(forKey: ConfigKey("\(prefix).host"), default: pgHost),
                port: try reader.requiredInt(forKey: ConfigKey("\(prefix).port")),
                database: reader.string(forKey: ConfigKey("\(prefix).database"), default: database),
                user: reader.string(forKey: ConfigKey("\(prefix).user"), default: user),
                password: try reader.requiredString(forKey: ConfigKey("\(prefix).password"), isSecret: true),
                caCertificatePath: caPath,
                tlsServerName: reader.string(forKey: "postgres.tlsServerName"))
        }
        control = try endpoint("postgres.control", database: "control", user: "tradewind_control")
        let names = reader.string(forKey: "postgres.regionNames", default: "eu,us,cn,sg")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var regions: [Region: DatabaseEndpoint] = [:]
        for name in names {
            regions[Region(name)] = try endpoint(
                "postgres.regions.\(name)", database: "tradewind", user: "tradewind_app")
        }
        self.regions = regions

        auditSigningKeysPath = try reader.requiredString(forKey: "audit.signingKeys")
        let interval = reader.int(forKey: "audit.checkpointIntervalSeconds", default: 30)
        guard (1...60).contains(interval) else {
            throw ConfigurationError(
                "audit.checkpointIntervalSeconds must be 1-60 (a checkpoint at least once a minute)")
        }
        auditCheckpointInterval = .seconds(interval)
        let retention = reader.int(forKey: "retention.intervalSeconds", default: 3600)
        guard retention >= 1 else { throw ConfigurationError("retention.intervalSeconds must be at least 1") }
        retentionInterval = .seconds(retention)

        let sandbox = reader.string(forKey: "channels.sandboxURL", default: "")
        if !sandbox.isEmpty {
            guard let url = URL(string: sandbox), url.scheme == "https" else {
                throw ConfigurationError("channels.sandboxURL must be an https URL such as https://127.0.0.1:7450")
            }
            channelSandboxURL = url
        }
        let channelCA = reader.string(forKey: "channels.caCertificate", default: "")
        channelCACertificatePath = channelCA.isEmpty ? nil : channelCA
        let metricsSeconds = reader.int(forKey: "channels.metricsSyncIntervalSeconds", default: 900)
        guard metricsSeconds >= 1 else {
            throw ConfigurationError("channels.metricsSyncIntervalSeconds must be at least 1")
        }
        metricsSyncInterval = .seconds(metricsSeconds)
        let audienceSeconds = reader.int(forKey: "channels.audienceSyncIntervalSeconds", default: 300)
        guard (1...300).contains(audienceSeconds) else {
            // At most five minutes: a re-grant must not wait longer than a withdrawal may.
            throw ConfigurationError("channels.audienceSyncIntervalSeconds must be 1-300")
        }
        audienceSyncInterval = .seconds(audienceSeconds)
        let pollSeconds = reader.int(forKey: "channels.audienceConfirmationPollSeconds", default: 15)
        guard (1...300).contains(pollSeconds) else {
            throw ConfigurationError("channels.audienceConfirmationPollSeconds must be 1-300")
        }
        audienceConfirmationPoll = .seconds(pollSeconds)
        let requestSeconds = reader.int(forKey: "channels.requestTimeoutSeconds", default: 30)
        guard (1...60).contains(requestSeconds) else {
            throw ConfigurationError("channels.requestTimeoutSeconds must be 1-60")
        }
        channelRequestTimeout = .seconds(requestSeconds)
        let leaseSeconds = reader.int(forKey: "channels.outboxLeaseSeconds", default: 120)
        // An attempt must end well within its lease, or another worker could take the job over
        // while the first still talks to the channel.
        guard leaseSeconds >= 2 * requestSeconds, leaseSeconds <= 3600 else {
            throw ConfigurationError(
                "channels.outboxLeaseSeconds must be at least twice channels.requestTimeoutSeconds and at most 3600")
        }
        outboxLease = .seconds(leaseSeconds)

        let keyText = try reader.requiredString(forKey: "secrets.cursorKey", isSecret: true)
        guard let keyData = Data(base64Encoded: keyText), keyData.count >= 32 else {
            throw ConfigurationError("secrets.cursorKey must be at least 32 bytes, base64 encoded")
        }
        cursorKey = SymmetricKey(data: keyData)
    }
}

/// A configuration value that is missing or malformed.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
