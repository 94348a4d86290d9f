import Foundation
import Logging
import PostgresNIO
import TradewindCore

/// A job to the outside world, written in the same transaction as the change that caused it.
public struct OutboxJob: Sendable, Hashable {
    public var id: UUID
    /// The destination's queue (`publish:<account id>`): its jobs run one at a time, in order.
    public var queue: String
    public var sequence: Int64
    /// What to do (`campaign.publish`, `metrics.sync`, ...).
    public var kind: String
    /// What it is about (a campaign, an account).
    public var subjectID: UUID?
    /// The job's own parameters, JSON.
    public var payload: String
    /// Attempts started, this one included once claimed.
    public var attempts: Int
    public var dueAt: Date
    public var createdAt: Date
}

/// The outbox's verbs inside a tenant transaction. Every outbox (channel publishing, metric pulls,
/// and later audiences, rule actions and webhooks) uses these and nothing else, so they all keep
/// the same promises:
/// - a job commits with the change that caused it, or not at all;
/// - a queue's jobs run one at a time in the order their transactions committed (`outbox_queues`
///   hands out sequence numbers under a row lock);
/// - a claim is a lease taken with `FOR UPDATE SKIP LOCKED` in the tenant's own transaction: no
///   session state, no advisory locks, no LISTEN/NOTIFY, so several server processes and
///   PgBouncer in transaction mode are fine; a lease that expires makes the job claimable again;
/// - the per-region wake index (`outbox_wake`: tenant id and due time, nothing else) says which
///   tenants to look at, so no worker scans every tenant.
public enum Outbox {
    private static let columns = "id, queue, sequence, kind, subject_id, payload::text, attempts, due_at, created_at"

    /// Queues the job behind every job of `queue` already committed or being committed.
    @discardableResult
    public static func enqueue(
        queue: String, kind: String, subjectID: UUID?, payload: String = "{}", dueAt: Date? = nil,
        in tx: TenantTransaction
    ) async throws -> OutboxJob {
        let due = dueAt ?? Date()
        // The queue's row lock orders this job after any other transaction's job for the queue.
        let sequences = try await tx.connection.query(
            """
            INSERT INTO outbox_queues AS q (tenant_id, queue) VALUES (\(tx.tenantID), \(queue))
            ON CONFLICT (tenant_id, queue) DO UPDATE SET next_sequence = q.next_sequence + 1
            RETURNING q.next_sequence
            """, logger: tx.logger)
        var sequence: Int64 = 1
        for try await value in sequences.decode(Int64.self) { sequence = value }
        let rows = try await tx.connection.query(
            """
            INSERT INTO outbox_jobs (tenant_id, id, queue, sequence, kind, subject_id, payload, due_at)
            VALUES (\(tx.tenantID), \(UUID()), \(queue), \(sequence), \(kind), \(subjectID), \(payload)::jsonb, \(due))
            RETURNING \(unescaped: columns)
            """, logger: tx.logger)
        try await tx.connection.query(
            """
            INSERT INTO outbox_wake AS w (tenant_id, due_at) VALUES (\(tx.tenantID), \(due))
            ON CONFLICT (tenant_id) DO UPDATE SET due_at = least(w.due_at, excluded.due_at)
            """, logger: tx.logger)
        guard let job = try await decode(rows).first else { throw StoredValueError(table: "outbox_jobs", id: UUID()) }
        return job
    }

    /// Leases up to `limit` due jobs, each the head of its queue, to `owner` for `lease`; with
    /// `prefixes`, only from queues whose names start with one of them (a destination the worker
    /// has room for).
    ///
    /// A queue's head is found from `outbox_queues`, one index probe per queue: comparing every
    /// pending job with every other grew with the square of a queue's length, and ran inside the
    /// tenant's wake-row lock, so a storm of 2,000 publishes queued up behind it for seconds.
    public static func claim(
        owner: UUID, lease: Duration, limit: Int, queuesStartingWith prefixes: [String]? = nil,
        in tx: TenantTransaction
    ) async throws -> [OutboxJob] {
        let patterns = (prefixes ?? [""]).map { likeEscaped($0) + "%" }
        let leaseMilliseconds = Int64(lease / .milliseconds(1))
        let rows = try await tx.connection.query(
            """
            WITH heads AS (
                SELECT h.id FROM outbox_queues q
                CROSS JOIN LATERAL (
                    SELECT j.id, j.due_at, j.sequence, j.lease_expires_at FROM outbox_jobs j
                    WHERE j.tenant_id = q.tenant_id AND j.queue = q.queue AND j.state = 1
                    ORDER BY j.sequence LIMIT 1) h
                WHERE q.tenant_id = \(tx.tenantID) AND q.queue LIKE ANY(\(patterns)::text[])
                  AND h.due_at <= now() AND (h.lease_expires_at IS NULL OR h.lease_expires_at <= now())),
            claimed AS (
                SELECT j.id FROM outbox_jobs j
                WHERE j.tenant_id = \(tx.tenantID) AND j.id IN (SELECT id FROM heads)
                  AND j.state = 1 AND j.due_at <= now()
                  AND (j.lease_expires_at IS NULL OR j.lease_expires_at <= now())
                ORDER BY j.due_at, j.sequence
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED)
            UPDATE outbox_jobs j
            SET lease_owner = \(owner), lease_expires_at = now() + \(leaseMilliseconds) * interval '1 millisecond',
                attempts = j.attempts + 1
            FROM claimed WHERE j.tenant_id = \(tx.tenantID) AND j.id = claimed.id
            RETURNING j.id, j.queue, j.sequence, j.kind, j.subject_id, j.payload::text, j.attempts, j.due_at,
                      j.created_at
            """, logger: tx.logger)
        return try await decode(rows).sorted { ($0.dueAt, $0.sequence) < ($1.dueAt, $1.sequence) }
    }

    /// Marks a leased job done; false when `owner` no longer holds its lease. A finished job keeps
    /// `lease_owner`: which worker finished it.
    public static func complete(_ job: OutboxJob, owner: UUID, in tx: TenantTransaction) async throws -> Bool {
        try await finish(job, owner: owner, state: 2, code: "", message: "", in: tx)
    }

    /// Gives up on a leased job for good (the destination refused it, or attempts ran out).
    public static func fail(_ job: OutboxJob, owner: UUID, code: String, message: String, in tx: TenantTransaction)
        async throws -> Bool
    {
        try await finish(job, owner: owner, state: 3, code: code, message: message, in: tx)
    }

    /// Releases a leased job to run again at `dueAt`, keeping its place at the head of its queue.
    public static func retry(
        _ job: OutboxJob, owner: UUID, at dueAt: Date, code: String, message: String, in tx: TenantTransaction
    ) async throws -> Bool {
        let rows = try await tx.connection.query(
            """
            UPDATE outbox_jobs SET due_at = \(dueAt), lease_owner = NULL, lease_expires_at = NULL,
                last_error_code = \(code), last_error_message = \(String(message.prefix(2000)))
            WHERE tenant_id = \(tx.tenantID) AND id = \(job.id) AND state = 1 AND lease_owner = \(owner)
            RETURNING 1
            """, logger: tx.logger)
        return try await rows.collect().count == 1
    }

    /// Cancels a subject's pending jobs of these kinds that no worker holds; returns how many.
    public static func cancelPending(subjectID: UUID, kinds: [String], in tx: TenantTransaction) async throws -> Int {
        let rows = try await tx.connection.query(
            """
            UPDATE outbox_jobs SET state = 4, finished_at = now()
            WHERE tenant_id = \(tx.tenantID) AND subject_id = \(subjectID) AND state = 1 AND kind = ANY(\(kinds))
              AND (lease_expires_at IS NULL OR lease_expires_at <= now())
            RETURNING 1
            """, logger: tx.logger)
        return try await rows.collect().count
    }

    /// Brings a pending job no worker holds forward to `time` (never later than it was) with a new
    /// payload, and the tenant's wake entry with it; returns when it is due, or nil when a worker
    /// holds the job (it has read its payload already: queue another job instead).
    public static func expedite(_ job: OutboxJob, to time: Date, payload: String, in tx: TenantTransaction)
        async throws -> Date?
    {
        let rows = try await tx.connection.query(
            """
            UPDATE outbox_jobs SET due_at = least(due_at, \(time)), payload = \(payload)::jsonb
            WHERE tenant_id = \(tx.tenantID) AND id = \(job.id) AND state = 1
              AND (lease_expires_at IS NULL OR lease_expires_at <= now())
            RETURNING due_at
            """, logger: tx.logger)
        var updated: Date?
        for try await value in rows.decode(Date.self) { updated = value }
        guard let due = updated else { return nil }
        try await tx.connection.query(
            """
            INSERT INTO outbox_wake AS w (tenant_id, due_at) VALUES (\(tx.tenantID), \(due))
            ON CONFLICT (tenant_id) DO UPDATE SET due_at = least(w.due_at, excluded.due_at)
            """, logger: tx.logger)
        return due
    }

    /// Makes every pending job of `queue` due now (the destination is usable again: new
    /// credentials), and the tenant's wake entry with them; returns how many.
    @discardableResult
    public static func expediteQueue(_ queue: String, in tx: TenantTransaction) async throws -> Int {
        let rows = try await tx.connection.query(
            """
            UPDATE outbox_jobs SET due_at = least(due_at, now())
            WHERE tenant_id = \(tx.tenantID) AND queue = \(queue) AND state = 1
            RETURNING 1
            """, logger: tx.logger)
        let count = try await rows.collect().count
        if count > 0 {
            try await tx.connection.query(
                """
                INSERT INTO outbox_wake AS w (tenant_id, due_at) VALUES (\(tx.tenantID), now())
                ON CONFLICT (tenant_id) DO UPDATE SET due_at = least(w.due_at, excluded.due_at)
                """, logger: tx.logger)
        }
        return count
    }

    /// Locks the pending jobs of these queues, in one statement, before a transaction that
    /// changes several of them touches the wake row: a worker finishing one of them holds its row
    /// and then takes the wake row, so taking the wake row between two of them could deadlock.
    public static func lockPending(queues: [String], in tx: TenantTransaction) async throws {
        guard !queues.isEmpty else { return }
        try await tx.connection.query(
            """
            SELECT 1 FROM outbox_jobs
            WHERE tenant_id = \(tx.tenantID) AND queue = ANY(\(queues)) AND state = 1 ORDER BY id FOR UPDATE
            """, logger: tx.logger)
    }

    /// Pending jobs of a queue, in order.
    public static func pending(queue: String, in tx: TenantTransaction) async throws -> [OutboxJob] {
        let rows = try await tx.connection.query(
            """
            SELECT \(unescaped: columns) FROM outbox_jobs
            WHERE tenant_id = \(tx.tenantID) AND queue = \(queue) AND state = 1 ORDER BY sequence
            """, logger: tx.logger)
        return try await decode(rows)
    }

    /// Brings the tenant's wake-index entry in line with its jobs: the earliest time a queue's
    /// head is due (or its lease runs out), or no entry when nothing is pending. The entry is
    /// locked first, so a job enqueued meanwhile is either seen here or moves the entry after.
    public static func refreshWake(in tx: TenantTransaction) async throws {
        try await tx.connection.query(
            """
            INSERT INTO outbox_wake AS w (tenant_id, due_at) VALUES (\(tx.tenantID), 'infinity')
            ON CONFLICT (tenant_id) DO UPDATE SET due_at = w.due_at
            """, logger: tx.logger)
        let rows = try await tx.connection.query(
            """
            SELECT min(greatest(h.due_at, coalesce(h.lease_expires_at, h.due_at))) FROM outbox_queues q
            CROSS JOIN LATERAL (
                SELECT j.due_at, j.lease_expires_at FROM outbox_jobs j
                WHERE j.tenant_id = q.tenant_id AND j.queue = q.queue AND j.state = 1
                ORDER BY j.sequence LIMIT 1) h
            WHERE q.tenant_id = \(tx.tenantID)
            """, logger: tx.logger)
        var next: Date?
        for try await value in rows.decode(Date?.self) { next = value }
        if let next {
            try await tx.connection.query(
                "UPDATE outbox_wake SET due_at = \(next) WHERE tenant_id = \(tx.tenantID)", logger: tx.logger)
        } else {
            try await tx.connection.query(
                "DELETE FROM outbox_wake WHERE tenant_id = \(tx.tenantID)", logger: tx.logger)
        }
    }

    private static func finish(
        _ job: OutboxJob, owner: UUID, state: Int16, code: String, message: String, in tx: TenantTransaction
    ) async throws -> Bool {
        let rows = try await tx.connection.query(
            """
            UPDATE outbox_jobs SET state = \(state), finished_at = now(), lease_expires_at = NULL,
                last_error_code = \(code), last_error_message = \(String(message.prefix(2000)))
            WHERE tenant_id = \(tx.tenantID) AND id = \(job.id) AND state = 1 AND lease_owner = \(owner)
            RETURNING 1
            """, logger: tx.logger)
        return try await rows.collect().count == 1
    }

    /// `text` matched literally by `LIKE` (whose wildcards `_` and `%` appear in queue names).
    static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [OutboxJob] {
        var jobs: [OutboxJob] = []
        for try await (id, queue, sequence, kind, subject, payload, attempts, due, created) in rows.decode(
            (UUID, String, Int64, String, UUID?, String, Int32, Date, Date).self)
        {
            jobs.append(
                OutboxJob(
                    id: id, queue: queue, sequence: sequence, kind: kind, subjectID: subject, payload: payload,
                    attempts: Int(attempts), dueAt: due, createdAt: created))
        }
        return jobs
    }
}

/// The per-region wake index, read before any tenant is known: which tenants have outbox work due.
public struct OutboxWakeIndex: Sendable {
    private let router: RegionRouter

    public init(router: RegionRouter) {
        self.router = router
    }

    /// Tenants of `region` with work due now, earliest first.
    public func dueTenants(in region: Region, limit: Int, timeout: Duration) async throws -> [UUID] {
        guard let pool = router.pool(for: region) else { return [] }
        return try await pool.withTransaction(tenantID: nil, timeout: timeout) { connection in
            let rows = try await connection.query(
                "SELECT tenant_id FROM outbox_wake WHERE due_at <= now() ORDER BY due_at LIMIT \(limit)",
                logger: pool.logger)
            var tenants: [UUID] = []
            for try await id in rows.decode(UUID.self) { tenants.append(id) }
            return tenants
        }
    }

    /// When the earliest work of `region` is due, if any: how long a worker may sleep.
    public func nextDue(in region: Region, timeout: Duration) async throws -> Date? {
        guard let pool = router.pool(for: region) else { return nil }
        return try await pool.withTransaction(tenantID: nil, timeout: timeout) { connection in
            let rows = try await connection.query("SELECT min(due_at) FROM outbox_wake", logger: pool.logger)
            var next: Date?
            for try await value in rows.decode(Date?.self) { next = value }
            return next
        }
    }
}
