import TradewindCore

/// What the channel said about a failure, as far as it said it. Never holds a credential: messages
/// come from the channel's error body or from Tradewind, never from a request.
public struct ChannelErrorDetail: Sendable, Hashable, CustomStringConvertible {
    public var channel: AdChannel
    /// The channel's own code: Google `quotaError.RESOURCE_EXHAUSTED`, Meta `80004/2446079`,
    /// TikTok `40100`, Amazon `THROTTLED` or an HTTP status.
    public var code: String?
    public var message: String
    /// Google `requestId`, Meta `fbtrace_id`, TikTok `request_id`, Amazon `x-amz-request-id`.
    public var requestID: String?

    public init(channel: AdChannel, code: String?, message: String, requestID: String? = nil) {
        self.channel = channel
        self.code = code
        self.message = message
        self.requestID = requestID
    }

    public var description: String {
        var text = "\(channel.rawValue)"
        if let code { text += " \(code)" }
        text += ": \(message)"
        if let requestID { text += " (request \(requestID))" }
        return text
    }
}

/// Why a channel call failed, sorted by what the caller should do next.
public enum ChannelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The channel throttled the call: Google 429 `RESOURCE_EXHAUSTED` with `quotaErrorDetails.retryDelay`,
    /// Meta codes 4, 17, 32, 613 and 80000-80014 (hint from `X-Business-Use-Case-Usage`), TikTok 40100
    /// and 40132, Amazon 429 with `Retry-After`. Nothing was applied.
    case rateLimited(retryAfter: Duration?, ChannelErrorDetail)
    /// The channel or the network failed before anything was applied: 5xx, Meta `is_transient`,
    /// TikTok 50000/50002, a refused connection. Retry with backoff.
    case transient(ChannelErrorDetail)
    /// The request may have been applied, but no answer came back (timeout or reset after sending).
    /// Retry a publish only with `lookUpFirst`.
    case ambiguous(ChannelErrorDetail)
    /// The channel refused the request for good: validation, policy, a partial-failure item.
    /// `field` is the channel's field path where it named one (`operations[1].create.name`).
    case rejected(field: String?, ChannelErrorDetail)
    /// The credentials were refused, even after a refresh: the account must be authorised again.
    case unauthorized(ChannelErrorDetail)
    /// The account or object does not exist (or is not visible with these credentials).
    case notFound(ChannelErrorDetail)

    public var detail: ChannelErrorDetail {
        switch self {
        case .rateLimited(_, let detail), .transient(let detail), .ambiguous(let detail), .rejected(_, let detail),
            .unauthorized(let detail), .notFound(let detail):
            detail
        }
    }

    /// Whether the same call may succeed later. An ambiguous publish is retried with `lookUpFirst`.
    public var isRetryable: Bool {
        switch self {
        case .rateLimited, .transient, .ambiguous: true
        case .rejected, .unauthorized, .notFound: false
        }
    }

    /// How long the channel asked the caller to wait, where it said.
    public var retryAfter: Duration? {
        if case .rateLimited(let delay, _) = self { return delay }
        return nil
    }

    public var channelCode: String? { detail.code }
    public var channelMessage: String { detail.message }
    public var requestID: String? { detail.requestID }

    /// The channel's field path of a rejection, where it named one.
    public var field: String? {
        if case .rejected(let field, _) = self { return field }
        return nil
    }

    public var description: String {
        let kind =
            switch self {
            case .rateLimited(let delay, _): "rate limited" + (delay.map { ", retry after \($0)" } ?? "")
            case .transient: "transient failure"
            case .ambiguous: "no response; the change may have been applied"
            case .rejected(let field, _): "rejected" + (field.map { " at \($0)" } ?? "")
            case .unauthorized: "unauthorized"
            case .notFound: "not found"
            }
        return "\(kind): \(detail)"
    }
}
