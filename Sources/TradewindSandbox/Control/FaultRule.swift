/// A fault the control API injected: which calls it hits and what it does to them.
public struct FaultRule: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Delays the answer by `latencyMs`.
        case latency
        /// Answers the channel's own 5xx.
        case serverError = "server_error"
        /// Holds the request well past any client timeout and does not apply it.
        case timeout
        /// Answers the channel's own rate-limit signal.
        case rateLimit = "rate_limit"
        /// Makes the second item of a multi-item request fail in the channel's partial-failure shape.
        case partialFailure = "partial_failure"
        /// Applies the change, then closes the connection without answering.
        case lostResponse = "lost_response"
        /// Expires the presented access token now; the call gets the channel's expired-token error.
        case expiredToken = "expired_token"
        /// Accepts an asynchronous upload (Google's offline user data job `:run`, Amazon's
        /// audience records) but fails its job without applying it; the job's status says FAILED.
        case jobFailure = "job_failure"
    }

    public var id: Int
    public var channel: AdChannel
    public var account: String?
    /// An operation name (e.g. `campaigns:mutate`, `campaign/create`) or a glob over the path below
    /// the prefix (`*` within a segment, `**` across segments).
    public var operation: String?
    public var kind: Kind
    /// Calls still to hit; nil: until cleared.
    public var remaining: Int?
    public var latencyMs: Int
    public var retryAfterSeconds: Int

    func matches(channel: AdChannel, account: String?, operation: String, path: String) -> Bool {
        guard channel == self.channel else { return false }
        if let wanted = self.account, wanted != account { return false }
        guard let pattern = self.operation else { return true }
        return pattern == operation || Glob.matches(pattern, path) || Glob.matches(pattern, operation)
    }
}

/// Path globs for fault rules: `*` matches within one segment, `**` across segments.
enum Glob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.trimmingPrefix("/"))
        let t = Array(text.trimmingPrefix("/"))
        return match(p[...], t[...])
    }

    private static func match(_ p: ArraySlice<Character>, _ t: ArraySlice<Character>) -> Bool {
        guard let first = p.first else { return t.isEmpty }
        if first == "*" {
            let crossesSegments = p.dropFirst().first == "*"
            let rest = crossesSegments ? p.dropFirst(2) : p.dropFirst()
            var index = t.startIndex
            while true {
                if match(rest, t[index...]) { return true }
                guard index < t.endIndex, crossesSegments || t[index] != "/" else { return false }
                index += 1
            }
        }
        guard let head = t.first, head == first else { return false }
        return match(p.dropFirst(), t.dropFirst())
    }
}
