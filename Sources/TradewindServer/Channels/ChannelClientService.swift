import ServiceLifecycle
import TradewindChannels

/// Keeps the channels' HTTPS clients open while the server runs and shuts them down after the
/// services that use them (the group stops services in reverse order).
struct ChannelClientService: Service {
    let channels: ChannelConnectors

    func run() async throws {
        try? await gracefulShutdown()
        try await channels.shutdown()
    }
}
