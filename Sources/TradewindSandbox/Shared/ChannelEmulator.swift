import Foundation

/// One emulated host (Google Ads, Google OAuth, Graph API, TikTok, Amazon Ads, Login with Amazon).
///
/// The gateway does what every channel shares (faults, real rate limits, token checks, request ids, the
/// request log); an emulator names each call's operation and account, renders the gateway's refusals
/// in the channel's own error shape, and handles the calls it serves.
protocol ChannelEmulator: Sendable {
    var channel: AdChannel { get }
    /// The first path component the host is served under, e.g. "google-ads".
    var prefix: String { get }

    /// The operation and account of a call; nil when the channel serves no such path.
    func route(_ call: IncomingCall) -> Route?
    /// A request id in the channel's own format.
    func requestID(seed: UInt64, number: UInt64) -> String
    /// Adds the channel's request-id (and usage) headers to every answer.
    func decorate(_ reply: Reply, requestID: String, account: String?) -> Reply
    /// The access token the call presents.
    func presentedToken(_ call: IncomingCall) -> String?
    /// A gateway refusal in the channel's own shape.
    func refusal(_ refusal: Refusal, call: IncomingCall, requestID: String) -> Reply
    func handle(_ call: IncomingCall, route: Route, context: CallContext) async -> Reply
}

extension ChannelEmulator {
    /// Checks the presented token and that the account exists; nil when the call may proceed.
    func authenticate(_ call: IncomingCall, route: Route, world: World, now: Date = Date()) -> Refusal? {
        guard let token = presentedToken(call), !token.isEmpty else { return .missingToken }
        guard let issued = world.tokens[token], issued.channel == channel else { return .invalidToken }
        if issued.isExpired(at: now) { return .expiredToken }
        if let account = route.account, world.account(channel, account) == nil { return .unknownAccount(account) }
        return nil
    }
}

/// The operation and account a call addresses.
struct Route: Sendable {
    var operation: String
    var account: String?
    /// Token endpoints and the like take no access token.
    var needsAccessToken = true
}

/// Why the gateway refused a call before its handler ran.
enum Refusal: Sendable {
    case notFound
    case serverError
    case rateLimited(retryAfterSeconds: Int)
    case missingToken
    case invalidToken
    case expiredToken
    case unknownAccount(String)
}

/// What a handler gets besides the call.
struct CallContext: Sendable {
    let store: SandboxStore
    let requestID: String
    /// The `partial_failure` fault hit this call: its second item must fail.
    let injectPartialFailure: Bool
    /// The `job_failure` fault hit this call: its asynchronous job must fail, unapplied.
    var injectJobFailure = false
}
