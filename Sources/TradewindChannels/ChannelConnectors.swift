import AsyncHTTPClient
import Logging
import NIOCore
import NIOSSL
import TradewindCore

/// The connectors for every channel, sharing one `HTTPClient` (one connection pool, TLS with the
/// configured roots). Create one per process and `shutdown()` it when the process stops.
public final class ChannelConnectors: Sendable {
    private let client: HTTPClient
    private let connectors: [AdChannel: any ChannelConnector]
    private let logger: Logger

    public init(configuration: ChannelClientConfiguration, logger: Logger) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let path = configuration.trustRootsPEMPath { tls.trustRoots = .file(path) }
        var pool = HTTPClient.Configuration.ConnectionPool()
        pool.concurrentHTTP1ConnectionsPerHostSoftLimit = configuration.maximumConnectionsPerHost
        // A refused connection fails the request at once (`transient`) instead of being retried
        // until the deadline, which would make it look like a lost response.
        pool.retryConnectionEstablishment = false
        var clientConfiguration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(
                connect: Self.timeAmount(configuration.connectTimeout),
                read: Self.timeAmount(configuration.requestTimeout)),
            connectionPool: pool)
        clientConfiguration.httpVersion = .automatic
        let client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration,
            backgroundActivityLogger: logger)
        self.client = client
        self.logger = logger
        self.connectors = Self.make(
            transport: HTTPClientTransport(
                client: client, requestTimeout: configuration.requestTimeout, maximumBodyBytes: 256 * 1024 * 1024),
            configuration: configuration)
    }

    /// The connectors over any transport: tests answer requests without a network.
    static func make(transport: any ChannelTransport, configuration: ChannelClientConfiguration) -> [AdChannel:
        any ChannelConnector]
    {
        let endpoints = configuration.endpoints
        return [
            .googleAds: GoogleAdsConnector(transport: transport, endpoints: endpoints),
            .meta: MetaConnector(transport: transport, endpoints: endpoints),
            .tiktok: TikTokConnector(transport: transport, endpoints: endpoints),
            .amazonAds: AmazonAdsConnector(transport: transport, endpoints: endpoints, configuration: configuration),
        ]
    }

    public func connector(for channel: AdChannel) -> any ChannelConnector {
        // `make` builds one connector per case of AdChannel.
        guard let connector = connectors[channel] else { preconditionFailure("no connector for \(channel)") }
        return connector
    }

    /// The customer-list side of the channel's connector (`AudienceConnector`).
    public func audienceConnector(for channel: AdChannel) -> any AudienceConnector {
        // Every connector `make` builds uploads customer lists too.
        guard let connector = connectors[channel] as? any AudienceConnector else {
            preconditionFailure("no audience connector for \(channel)")
        }
        return connector
    }

    /// Closes the connection pool; in-flight requests fail.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
