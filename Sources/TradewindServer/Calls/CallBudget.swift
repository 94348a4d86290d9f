/// How long a call may take, and how that time is shared.
///
/// The budget starts when the call arrives and lasts the configured limit, or until the client's
/// deadline when that is sooner. The call's own database work may use its first 90 %; the audit
/// record of its outcome must be committed within the next 5 %; the last 5 % is left for sending
/// the answer. So a call whose region is down answers `UNAVAILABLE` inside the limit, record
/// included, instead of spending the whole limit on its work and then more on its record.
struct CallBudget: Sendable {
    let started: ContinuousClock.Instant
    /// The client's `grpc-timeout`, if it sent one.
    let clientTimeout: Duration?

    /// What is left for the call's own database work under `limit`, at least a millisecond.
    func workTimeout(limit: Duration, now: ContinuousClock.Instant = .now) -> Duration {
        max(.milliseconds(1), started + span(limit: limit) * 9 / 10 - now)
    }

    /// What is left for writing the call's audit record under `limit`; never less than a 20th of
    /// the budget, so that a call whose client took its time (a slow upload) still gets its record
    /// written, and a refused record is not mistaken for a region that is down.
    func recordTimeout(limit: Duration, now: ContinuousClock.Instant = .now) -> Duration {
        let span = span(limit: limit)
        return max(span / 20, started + span * 19 / 20 - now)
    }

    /// What one step of a stream (a batch) may take: `limit` again for each, since a stream may
    /// rightly run for minutes, but never past the client's deadline; at least a millisecond.
    func streamStepTimeout(limit: Duration, now: ContinuousClock.Instant = .now) -> Duration {
        guard let clientTimeout else { return limit }
        return max(.milliseconds(1), min(limit, started + clientTimeout - now))
    }

    /// The whole budget: `limit`, or up to the client's deadline when that is sooner.
    private func span(limit: Duration) -> Duration {
        min(limit, clientTimeout ?? limit)
    }
}
