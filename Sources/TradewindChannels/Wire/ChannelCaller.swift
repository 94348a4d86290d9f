import Foundation
import TradewindCore

/// How a failed response reads on one channel.
struct ChannelFailure: Sendable, Hashable {
    var error: ChannelError
    /// The channel said the access token expired or is invalid: refresh and retry once.
    var tokenExpired = false
}

/// A refreshed access token as the channel's token endpoint returned it.
struct RefreshedToken: Sendable, Hashable {
    var accessToken: String
    var expiresIn: Int64?
    /// Set only when the endpoint rotated the refresh token.
    var refreshToken: String?
}

/// One channel's wire conventions that every call shares: how credentials are attached, how a
/// failure is recognised (HTTP status, error body, TikTok's envelope), and how tokens refresh.
protocol ChannelDialect: Sendable {
    var channel: AdChannel { get }
    /// Adds the credentials; throws `unauthorized` when a needed one is missing.
    func authorize(_ request: inout WireRequest, credentials: ChannelCredentials) throws(ChannelError)
    /// Nil when `response` is a success.
    func failure(of response: WireResponse, to request: WireRequest) -> ChannelFailure?
    func requestID(of response: WireResponse) -> String?
    /// The token refresh exchange, or nil when the channel cannot refresh (Meta, TikTok).
    func refreshRequest(credentials: ChannelCredentials) -> WireRequest?
    func parseRefresh(_ response: WireResponse) -> Result<RefreshedToken, ChannelError>
}

extension ChannelDialect {
    func refreshRequest(credentials: ChannelCredentials) -> WireRequest? { nil }
    func parseRefresh(_ response: WireResponse) -> Result<RefreshedToken, ChannelError> {
        .failure(.unauthorized(ChannelErrorDetail(channel: channel, code: nil, message: "cannot refresh")))
    }

    /// Parses an OAuth 2.0 token response (RFC 6749 §5.1/5.2), shared by Google and Login with Amazon.
    func parseOAuthToken(_ response: WireResponse) -> Result<RefreshedToken, ChannelError> {
        let body = response.json
        if response.isSuccess, let token = body?["access_token"]?.stringValue {
            return .success(
                RefreshedToken(
                    accessToken: token, expiresIn: body?["expires_in"]?.int64Value,
                    refreshToken: body?["refresh_token"]?.stringValue))
        }
        let code = body?["error"]?.stringValue ?? "HTTP \(response.status)"
        let message = body?["error_description"]?.stringValue ?? "the token endpoint refused the refresh"
        let detail = ChannelErrorDetail(channel: channel, code: code, message: message)
        if response.status >= 500 { return .failure(.transient(detail)) }
        if response.status == 429 { return .failure(.rateLimited(retryAfter: nil, detail)) }
        // invalid_grant (revoked or expired refresh token), invalid_client: only a new consent helps.
        return .failure(
            .unauthorized(
                ChannelErrorDetail(
                    channel: channel, code: code,
                    message: "\(message); re-authorise the \(channel.rawValue) account")))
    }
}

/// Runs exchanges for one channel: attaches credentials, refreshes an expiring or expired token
/// and retries once, reports each exchange to the session's observer, and turns transport
/// failures into `transient` (nothing sent) or `ambiguous` (a mutation may have been applied).
struct ChannelCaller: Sendable {
    let dialect: any ChannelDialect
    let transport: any ChannelTransport
    /// A token this close to expiry is refreshed before use.
    static let refreshMargin: TimeInterval = 60

    var channel: AdChannel { dialect.channel }

    func call(_ operation: String, _ request: WireRequest, session: ChannelSession) async throws(ChannelError)
        -> WireResponse
    {
        if request.isAuthenticated, dialect.refreshRequest(credentials: session.credentials) != nil,
            needsRefresh(session.credentials, now: session.now())
        {
            try await refresh(session: session)
        }
        var refreshed = false
        while true {
            var outgoing = request
            if request.isAuthenticated { try dialect.authorize(&outgoing, credentials: session.credentials) }
            let started = ContinuousClock.now
            let result = await transport.send(outgoing)
            let latency = ContinuousClock.now - started
            switch result {
            case .failure(let failure):
                let error = transportError(failure, request: request)
                session.record(
                    exchange(
                        operation, request, status: nil, code: nil, requestID: nil, latency: latency,
                        applied: request.isMutation && !isNotSent(failure)))
                throw error
            case .success(let response):
                let failure = dialect.failure(of: response, to: request)
                session.record(
                    exchange(
                        operation, request, status: response.status, code: failure?.error.channelCode,
                        requestID: dialect.requestID(of: response), latency: latency,
                        applied: request.isMutation && failure == nil))
                guard let failure else { return response }
                guard failure.tokenExpired, request.isAuthenticated else { throw failure.error }
                if refreshed || dialect.refreshRequest(credentials: session.credentials) == nil {
                    let detail = failure.error.detail
                    throw .unauthorized(
                        ChannelErrorDetail(
                            channel: channel, code: detail.code,
                            message: "\(detail.message); re-authorise the \(channel.rawValue) account",
                            requestID: detail.requestID))
                }
                try await refresh(session: session)
                refreshed = true
            }
        }
    }

    /// Sends a request whose JSON body is the point, and parses it.
    func callJSON(_ operation: String, _ request: WireRequest, session: ChannelSession) async throws(ChannelError)
        -> JSONValue
    {
        let response = try await call(operation, request, session: session)
        guard let json = response.json else {
            throw .transient(
                ChannelErrorDetail(
                    channel: channel, code: "HTTP \(response.status)", message: "the response is not JSON",
                    requestID: dialect.requestID(of: response)))
        }
        return json
    }

    private func needsRefresh(_ credentials: ChannelCredentials, now: Date) -> Bool {
        guard let token = credentials.accessToken, !token.isEmpty else { return true }
        guard let expiry = credentials.accessTokenExpiresAt else { return false }
        return expiry.timeIntervalSince(now) < Self.refreshMargin
    }

    private func refresh(session: ChannelSession) async throws(ChannelError) {
        guard let request = dialect.refreshRequest(credentials: session.credentials) else { return }
        let started = ContinuousClock.now
        let result = await transport.send(request)
        let latency = ContinuousClock.now - started
        switch result {
        case .failure(let failure):
            session.record(
                exchange(
                    "oauth:refresh", request, status: nil, code: nil, requestID: nil, latency: latency, applied: false))
            // A refresh changes nothing on the account: a lost answer is merely transient.
            throw .transient(
                ChannelErrorDetail(channel: channel, code: nil, message: "token refresh: \(describe(failure))"))
        case .success(let response):
            let parsed = dialect.parseRefresh(response)
            var code: String?
            if case .failure(let error) = parsed { code = error.channelCode }
            session.record(
                exchange(
                    "oauth:refresh", request, status: response.status, code: code, requestID: nil, latency: latency,
                    applied: false))
            switch parsed {
            case .success(let token):
                let expiry = token.expiresIn.map { session.now().addingTimeInterval(TimeInterval($0)) }
                session.storeRefreshedToken(
                    accessToken: token.accessToken, expiresAt: expiry, refreshToken: token.refreshToken)
            case .failure(let error):
                throw error
            }
        }
    }

    private func transportError(_ failure: TransportFailure, request: WireRequest) -> ChannelError {
        let detail = ChannelErrorDetail(channel: channel, code: nil, message: describe(failure))
        switch failure {
        case .notSent: return .transient(detail)
        // A read that lost its answer changed nothing: retrying it is safe.
        case .responseLost: return request.isMutation ? .ambiguous(detail) : .transient(detail)
        }
    }

    private func isNotSent(_ failure: TransportFailure) -> Bool {
        if case .notSent = failure { return true }
        return false
    }

    private func describe(_ failure: TransportFailure) -> String {
        switch failure {
        case .notSent(let reason): "not sent: \(reason)"
        case .responseLost(let reason): "no response: \(reason)"
        }
    }

    private func exchange(
        _ operation: String, _ request: WireRequest, status: Int?, code: String?, requestID: String?,
        latency: Duration, applied: Bool
    ) -> ChannelExchange {
        ChannelExchange(
            channel: channel, operation: operation, method: request.method.rawValue, path: request.observedPath,
            status: status, channelCode: code, requestID: requestID, latency: latency, mayHaveBeenApplied: applied)
    }
}
