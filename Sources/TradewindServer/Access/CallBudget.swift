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

    /// What is left for writing the call's audit record under `limit`. Never less than 20 ms, so
    /// a record whose call used up its budget still gets one prompt try.
    func recordTimeout(limit: Duration, now: ContinuousClock.Instant = .now) -> Duration {
        max(.milliseconds(20), started + span(limit: limit) * 19 / 20 - now)
    }

    /// The whole budget: `limit`, or up to the client's deadline when that is sooner.
    private func span(limit: Duration) -> Duration {
        min(limit, clientTimeout ?? limit)
    }
}
