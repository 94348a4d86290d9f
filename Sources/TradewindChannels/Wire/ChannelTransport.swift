/// Why an exchange produced no response. What matters to the caller is whether the request may
/// have reached the channel: a refused connection never did, a timeout or a reset after sending may.
enum TransportFailure: Error, Sendable, Hashable {
    /// Nothing was sent: connection refused, DNS failure, connect or TLS handshake timeout.
    case notSent(String)
    /// The request may have been sent: timeout waiting for the response, connection reset or closed.
    case responseLost(String)
}

/// Sends one request and reads the whole response. The connectors talk to the channels only
/// through this, so tests can answer requests without a network.
protocol ChannelTransport: Sendable {
    func send(_ request: WireRequest) async -> Result<WireResponse, TransportFailure>
}
