import Foundation
import Synchronization
import TradewindCore

/// One HTTP exchange with a channel, as the server logs, meters and audits it. Holds no
/// credential and no query string: `path` is the request path alone.
public struct ChannelExchange: Sendable, Hashable {
    public var channel: AdChannel
    /// What was done, in the channel's words: `googleAds:mutate`, `campaigns:create`, `oauth:refresh`.
    public var operation: String
    public var method: String
    public var path: String
    /// Nil when no response came back.
    public var status: Int?
    /// The channel's error code, when the exchange failed.
    public var channelCode: String?
    public var requestID: String?
    public var latency: Duration
    /// True when the request changed, or may have changed, something on the channel: a mutation
    /// that succeeded, or one whose response was lost.
    public var mayHaveBeenApplied: Bool

    public init(
        channel: AdChannel, operation: String, method: String, path: String, status: Int?, channelCode: String?,
        requestID: String?, latency: Duration, mayHaveBeenApplied: Bool
    ) {
        self.channel = channel
        self.operation = operation
        self.method = method
        self.path = path
        self.status = status
        self.channelCode = channelCode
        self.requestID = requestID
        self.latency = latency
        self.mayHaveBeenApplied = mayHaveBeenApplied
    }
}

/// The account's credentials for one unit of work (a publish, a metrics sync). Connectors refresh
/// the access token through it when the channel says it expired, and retry that request once;
/// afterwards `credentialsChanged` tells the server to seal and store `credentials` again.
/// `observer` is called once per HTTP exchange, token refreshes included.
public final class ChannelSession: Sendable {
    private struct State {
        var credentials: ChannelCredentials
        var changed = false
    }

    private let state: Mutex<State>
    private let observer: @Sendable (ChannelExchange) -> Void
    /// The clock that decides whether a token is about to expire; tests pass a fixed one.
    let now: @Sendable () -> Date

    public init(
        credentials: ChannelCredentials, observer: @escaping @Sendable (ChannelExchange) -> Void = { _ in }
    ) {
        self.state = Mutex(State(credentials: credentials))
        self.observer = observer
        self.now = { Date() }
    }

    init(
        credentials: ChannelCredentials, now: @escaping @Sendable () -> Date,
        observer: @escaping @Sendable (ChannelExchange) -> Void
    ) {
        self.state = Mutex(State(credentials: credentials))
        self.observer = observer
        self.now = now
    }

    /// The credentials as they are now, refreshed tokens included.
    public var credentials: ChannelCredentials { state.withLock { $0.credentials } }

    /// Whether a refresh replaced the access token (or rotated the refresh token) since `init`.
    public var credentialsChanged: Bool { state.withLock { $0.changed } }

    /// Stores a refreshed token; a refresh token is replaced only when the channel issued a new one.
    func storeRefreshedToken(accessToken: String, expiresAt: Date?, refreshToken: String?) {
        state.withLock {
            $0.credentials.accessToken = accessToken
            $0.credentials.accessTokenExpiresAt = expiresAt
            if let refreshToken, !refreshToken.isEmpty { $0.credentials.refreshToken = refreshToken }
            $0.changed = true
        }
    }

    func record(_ exchange: ChannelExchange) { observer(exchange) }
}
