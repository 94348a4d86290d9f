import Foundation
import PostgresNIO
import TradewindCore

/// SQL for audience syncs and the hashes their channel lists hold, inside a tenant transaction.
///
/// The consent ledger is the gate: a member is sent only while they are in the segment and their
/// current consent for ad personalisation is a grant, and every withdrawal or erasure turns their
/// hashes into a removal owed to each list in the transaction that records it.
public enum AudienceSyncRepository {
    /// The outbox job that brings a list in line with the segment and the ledger.
    public static let jobKind = "audience.sync"

    /// A sync's queue: `audiences:<channel>:<sync id>`, a channel's lane like its campaigns.
    public static func queue(channel: AdChannel, sync id: UUID) -> String {
        "audiences:\(channel.rawValue):\(id.uuidString.lowercased())"
    }

    private static let columns = """
        s.id, s.segment_id, s.account_id, s.channel, s.status, s.list_id, s.list_name, s.members_sent,
        s.members_removed, s.last_run_at, s.last_error_code, s.last_error_message, s.created_at, s.updated_at,
        (SELECT count(*) FROM audience_sync_members m
          WHERE m.tenant_id = s.tenant_id AND m.sync_id = s.id AND m.state = 1)
        - (SELECT count(*) FROM audience_sync_members m
          WHERE m.tenant_id = s.tenant_id AND m.sync_id = s.id AND m.addition_jobs IS NOT NULL AND m.state = 1),
        (SELECT count(*) FROM audience_sync_members m
          WHERE m.tenant_id = s.tenant_id AND m.sync_id = s.id AND m.state = 2)
        + (SELECT count(*) FROM audience_sync_members m
          WHERE m.tenant_id = s.tenant_id AND m.sync_id = s.id AND m.state = 3),
        least((SELECT min(m.removal_requested_at) FROM audience_sync_members m
                WHERE m.tenant_id = s.tenant_id AND m.sync_id = s.id AND m.state = 2),
              (SELECT min(m.removal_requested_at) FROM audience_sync_members m
                WHERE m.tenant_id = s.tenant_id AND m.sync_id = s.id AND m.state = 3)),
        (SELECT min(j.due_at) FROM outbox_jobs j
          WHERE j.tenant_id = s.tenant_id AND j.subject_id = s.id AND j.state = 1 AND j.kind = 'audience.sync'),
        s.reference, s.resume_after,
        (SELECT count(*) FROM audience_sync_members m
          WHERE m.tenant_id = s.tenant_id AND m.sync_id = s.id AND m.state = 3),
        (SELECT count(*) FROM audience_sync_members m
          WHERE m.tenant_id = s.tenant_id AND m.sync_id = s.id AND m.addition_jobs IS NOT NULL AND m.state = 1)
        """

    public struct Stored: Sendable {
        public var record: AudienceSyncRecord
        /// Stamped on the channel's list.
        public var reference: String
        /// Where the last pass that ran out of time left off.
        public var resumeAfter: UUID?
    }

    /// Keeps where a pass left off, or clears it; a contact erased meanwhile is never kept.
    public static func setResumeAfter(id: UUID, contact: UUID?, in tx: TenantTransaction) async throws {
        try await tx.connection.query(
            """
            UPDATE audience_syncs SET resume_after = (
                SELECT c.id FROM contacts c WHERE c.tenant_id = \(tx.tenantID) AND c.id = \(contact))
            WHERE tenant_id = \(tx.tenantID) AND id = \(id)
            """, logger: tx.logger)
    }

    /// Starts a sync; nil when the segment already syncs to the account.
    public static func insert(
        id: UUID, segmentID: UUID, accountID: UUID, channel: AdChannel, reference: String, listName: String,
        in tx: TenantTransaction
    ) async throws -> Stored? {
        let rows = try await tx.connection.query(
            """
            INSERT INTO audience_syncs AS s (tenant_id, id, segment_id, account_id, channel, reference, list_name)
            VALUES (\(tx.tenantID), \(id), \(segmentID), \(accountID), \(Int16(channel.storedCode)), \(reference),
                    \(listName))
            ON CONFLICT (tenant_id, segment_id, account_id) WHERE status <> 4 DO NOTHING
            RETURNING \(unescaped: columns)
            """, logger: tx.logger)
        return try await decode(rows).first
    }

    /// The sync; with `lock`, its row is locked first, in a statement of its own, so the counts
    /// read after it include whatever committed while this transaction waited for the lock.
    public static func get(id: UUID, lock: Bool = false, in tx: TenantTransaction) async throws -> Stored? {
        if lock { _ = try await self.lock([id], in: tx) }
        let rows = try await tx.connection.query(
            "SELECT \(unescaped: columns) FROM audience_syncs s WHERE s.tenant_id = \(tx.tenantID) AND s.id = \(id)",
            logger: tx.logger)
        return try await decode(rows).first
    }

    /// Locks the syncs' rows in id order, returning each one's channel. Whatever changes a sync and
    /// its queued runs in one transaction (a pass's end, a withdrawal, pause, resume, stop) locks
    /// the sync before the outbox, so two of them never wait for each other.
    static func lock(_ ids: [UUID], in tx: TenantTransaction) async throws -> [(id: UUID, channel: AdChannel)] {
        let rows = try await tx.connection.query(
            """
            SELECT id, channel FROM audience_syncs WHERE tenant_id = \(tx.tenantID) AND id = ANY(\(ids))
            ORDER BY id FOR NO KEY UPDATE
            """, logger: tx.logger)
        var locked: [(id: UUID, channel: AdChannel)] = []
        for try await (id, code) in rows.decode((UUID, Int16).self) {
            guard let channel = AdChannel(storedCode: Int(code)) else { continue }
            locked.append((id, channel))
        }
        return locked
    }

    /// Syncs newest first after the one at `after` (creation time in microseconds, id).
    public static func list(after: (Int64, UUID)?, limit: Int, in tx: TenantTransaction) async throws -> [Stored] {
        let rows = try await tx.connection.query(
            """
            SELECT \(unescaped: columns) FROM audience_syncs s
            WHERE s.tenant_id = \(tx.tenantID)
              AND (\(after == nil) OR (s.created_at, s.id)
                    < ('epoch'::timestamptz + \(after?.0 ?? 0) * interval '1 microsecond', \(after?.1 ?? UUID())))
            ORDER BY s.created_at DESC, s.id DESC LIMIT \(limit)
            """, logger: tx.logger)
        return try await decode(rows)
    }

    public static func setStatus(id: UUID, status: AudienceSyncStatus, in tx: TenantTransaction) async throws {
        try await tx.connection.query(
            """
            UPDATE audience_syncs SET status = \(Int16(status.rawValue)), updated_at = now()
            WHERE tenant_id = \(tx.tenantID) AND id = \(id)
            """, logger: tx.logger)
    }

    /// Records the channel's list and what a step of a run sent and removed, and its error (empty:
    /// none). A `job_failed` error (the channel did not apply an upload) stays until no removal is
    /// owed and nothing awaits the channel's confirmation any more, so a step that merely sends the
    /// upload again does not hide it.
    public static func recordProgress(
        id: UUID, listID: String?, sent: Int, removed: Int, errorCode: String, errorMessage: String,
        in tx: TenantTransaction
    ) async throws {
        let message = String(errorMessage.prefix(2000))
        try await tx.connection.query(
            """
            UPDATE audience_syncs AS s SET list_id = coalesce(\(listID), list_id),
                members_sent = members_sent + \(Int64(sent)), members_removed = members_removed + \(Int64(removed)),
                last_run_at = now(),
                (last_error_code, last_error_message) = (
                    SELECT CASE WHEN \(errorCode) = '' AND s.last_error_code = 'job_failed' AND EXISTS (
                                    SELECT 1 FROM audience_sync_members m
                                    WHERE m.tenant_id = s.tenant_id AND m.sync_id = s.id
                                      AND (m.state >= 2 OR m.addition_jobs IS NOT NULL))
                               THEN s.last_error_code ELSE \(errorCode) END,
                           CASE WHEN \(errorCode) = '' AND s.last_error_code = 'job_failed' AND EXISTS (
                                    SELECT 1 FROM audience_sync_members m
                                    WHERE m.tenant_id = s.tenant_id AND m.sync_id = s.id
                                      AND (m.state >= 2 OR m.addition_jobs IS NOT NULL))
                               THEN s.last_error_message ELSE \(message) END),
                updated_at = now()
            WHERE s.tenant_id = \(tx.tenantID) AND s.id = \(id)
            """, logger: tx.logger)
    }

    // MARK: - Members

    /// A segment member who may be sent now, with what the list holds of them.
    public struct Candidate: Sendable {
        public var contactID: UUID
        public var email: String
        public var phone: String
        /// The member's row on the list, if any, and the hashes it holds.
        public var rowID: UUID?
        public var storedEmail: String?
        public var storedPhone: String?
    }

    /// The next `limit` members of the segment, after `after`, whose current consent for ad
    /// personalisation is a grant, with what the list holds of each.
    public static func candidates(
        sync: UUID, segment: UUID, after: UUID?, limit: Int, in tx: TenantTransaction
    ) async throws -> [Candidate] {
        let rows = try await tx.connection.query(
            """
            SELECT c.id, c.email, c.phone, m.id, m.email_sha256, m.phone_sha256
            FROM segment_memberships sm
            JOIN contact_consents cc ON cc.tenant_id = sm.tenant_id AND cc.contact_id = sm.contact_id
                 AND cc.purpose = 'ad_personalisation' AND cc.granted IS TRUE
            JOIN contacts c ON c.tenant_id = sm.tenant_id AND c.id = sm.contact_id
            LEFT JOIN audience_sync_members m ON m.tenant_id = sm.tenant_id AND m.sync_id = \(sync)
                 AND m.contact_id = sm.contact_id
            WHERE sm.tenant_id = \(tx.tenantID) AND sm.segment_id = \(segment)
              AND (\(after == nil) OR sm.contact_id > \(after ?? UUID()))
            ORDER BY sm.contact_id LIMIT \(limit)
            """, logger: tx.logger)
        var candidates: [Candidate] = []
        for try await (id, email, phone, rowID, storedEmail, storedPhone) in rows.decode(
            (UUID, String, String, UUID?, String?, String?).self)
        {
            candidates.append(
                Candidate(
                    contactID: id, email: email, phone: phone, rowID: rowID, storedEmail: storedEmail,
                    storedPhone: storedPhone))
        }
        return candidates
    }

    /// Turns the list's members who may no longer be there (left the segment, consent no longer a
    /// grant, contact gone), or every member with `all`, into removals owed; returns how many.
    @discardableResult
    public static func oweDepartures(sync: UUID, segment: UUID, all: Bool, in tx: TenantTransaction) async throws
        -> Int
    {
        // Outer joins, not NOT EXISTS under an OR: the planner hash-joins them, where the OR made
        // two sub-plans run once per member (15 s at a million).
        let rows = try await tx.connection.query(
            """
            UPDATE audience_sync_members m SET state = 2, removal_requested_at = now()
            FROM (SELECT s.id
                  FROM audience_sync_members s
                  LEFT JOIN segment_memberships sm ON sm.tenant_id = s.tenant_id AND sm.segment_id = \(segment)
                       AND sm.contact_id = s.contact_id
                  LEFT JOIN contact_consents cc ON cc.tenant_id = s.tenant_id AND cc.contact_id = s.contact_id
                       AND cc.purpose = 'ad_personalisation' AND cc.granted
                  WHERE s.tenant_id = \(tx.tenantID) AND s.sync_id = \(sync) AND s.state = 1
                    AND (\(all) OR s.contact_id IS NULL OR sm.contact_id IS NULL OR cc.contact_id IS NULL)) AS gone
            WHERE m.tenant_id = \(tx.tenantID) AND m.sync_id = \(sync) AND m.id = gone.id
            RETURNING 1
            """, logger: tx.logger)
        return try await rows.collect().count
    }

    /// Stale rows of members whose identifiers changed: their old hashes become removals owed,
    /// no longer tied to the contact, so the new ones can be sent.
    public static func detach(rows ids: [UUID], sync: UUID, in tx: TenantTransaction) async throws {
        guard !ids.isEmpty else { return }
        try await tx.connection.query(
            """
            UPDATE audience_sync_members SET contact_id = NULL, state = greatest(state, 2),
                removal_requested_at = coalesce(removal_requested_at, now())
            WHERE tenant_id = \(tx.tenantID) AND sync_id = \(sync) AND id = ANY(\(ids))
            """, logger: tx.logger)
    }

    /// Keeps the hashes the channel now holds for these members. A member whose consent was
    /// withdrawn (or who left the segment, or was erased) while the upload was under way is kept
    /// as a removal owed: the contacts are locked first, so a withdrawal in flight commits before
    /// this reads the ledger, and its own removal step finds these rows if it commits after.
    /// Returns how many are owed that way.
    @discardableResult
    public static func recordSent(
        sync: UUID, segment: UUID, members: [(contactID: UUID, hashes: AudienceMemberHashes)], jobs: [String] = [],
        in tx: TenantTransaction
    ) async throws -> Int {
        let jobs: [String]? = jobs.isEmpty ? nil : jobs
        guard !members.isEmpty else { return 0 }
        let ids = members.map(\.contactID)
        try await tx.connection.query(
            "SELECT 1 FROM contacts WHERE tenant_id = \(tx.tenantID) AND id = ANY(\(ids)) FOR SHARE",
            logger: tx.logger)
        let rows = try await tx.connection.query(
            """
            WITH batch AS (
                SELECT c, NULLIF(e, '') AS e, NULLIF(p, '') AS p,
                       EXISTS (SELECT 1 FROM segment_memberships sm
                               WHERE sm.tenant_id = \(tx.tenantID) AND sm.segment_id = \(segment) AND sm.contact_id = c)
                       AND EXISTS (SELECT 1 FROM contact_consents cc
                                   WHERE cc.tenant_id = \(tx.tenantID) AND cc.contact_id = c
                                     AND cc.purpose = 'ad_personalisation' AND cc.granted) AS may_stay
                FROM unnest(\(ids)::uuid[], \(members.map { $0.hashes.email ?? "" })::text[],
                            \(members.map { $0.hashes.phone ?? "" })::text[]) AS t(c, e, p))
            INSERT INTO audience_sync_members AS m (tenant_id, sync_id, id, contact_id, email_sha256, phone_sha256,
                                                    state, removal_requested_at, addition_jobs)
            SELECT \(tx.tenantID), \(sync), gen_random_uuid(),
                   CASE WHEN EXISTS (SELECT 1 FROM contacts WHERE tenant_id = \(tx.tenantID) AND id = c) THEN c END,
                   e, p, CASE WHEN may_stay THEN 1 ELSE 2 END, CASE WHEN may_stay THEN NULL ELSE now() END,
                   \(jobs)
            FROM batch
            ON CONFLICT (tenant_id, sync_id, contact_id) WHERE contact_id IS NOT NULL DO UPDATE
            SET email_sha256 = EXCLUDED.email_sha256, phone_sha256 = EXCLUDED.phone_sha256, state = EXCLUDED.state,
                removal_requested_at = EXCLUDED.removal_requested_at, sent_at = now(),
                addition_jobs = EXCLUDED.addition_jobs
            WHERE m.state <> 3
            RETURNING m.state
            """, logger: tx.logger)
        var owed = 0
        for try await state in rows.decode(Int16.self) where state == 2 { owed += 1 }
        return owed
    }

    /// The oldest removals owed, up to `limit`.
    public static func owed(sync: UUID, limit: Int, in tx: TenantTransaction) async throws -> [(
        id: UUID, hashes: AudienceMemberHashes
    )] {
        let rows = try await tx.connection.query(
            """
            SELECT id, email_sha256, phone_sha256 FROM audience_sync_members
            WHERE tenant_id = \(tx.tenantID) AND sync_id = \(sync) AND state = 2
            ORDER BY removal_requested_at, id LIMIT \(limit)
            """, logger: tx.logger)
        var owed: [(id: UUID, hashes: AudienceMemberHashes)] = []
        for try await (id, email, phone) in rows.decode((UUID, String?, String?).self) {
            owed.append((id, AudienceMemberHashes(email: email, phone: phone)))
        }
        return owed
    }

    /// The channel confirmed these removals: their hashes are deleted.
    public static func confirmRemoved(rows ids: [UUID], sync: UUID, in tx: TenantTransaction) async throws {
        guard !ids.isEmpty else { return }
        try await tx.connection.query(
            """
            DELETE FROM audience_sync_members
            WHERE tenant_id = \(tx.tenantID) AND sync_id = \(sync) AND id = ANY(\(ids)) AND state = 2
            """, logger: tx.logger)
    }

    /// The channel took these removals into `jobs` of its own: the hashes stay, awaiting the
    /// jobs' outcome, and are no longer owed.
    public static func awaitConfirmation(rows ids: [UUID], jobs: [String], sync: UUID, in tx: TenantTransaction)
        async throws
    {
        guard !ids.isEmpty, !jobs.isEmpty else { return }
        try await tx.connection.query(
            """
            UPDATE audience_sync_members SET state = 3, removal_jobs = \(jobs)
            WHERE tenant_id = \(tx.tenantID) AND sync_id = \(sync) AND id = ANY(\(ids)) AND state = 2
            """, logger: tx.logger)
    }

    /// The distinct sets of channel jobs this sync's removals await.
    public static func awaitedJobs(sync: UUID, in tx: TenantTransaction) async throws -> [[String]] {
        let rows = try await tx.connection.query(
            """
            SELECT DISTINCT removal_jobs FROM audience_sync_members
            WHERE tenant_id = \(tx.tenantID) AND sync_id = \(sync) AND state = 3
            """, logger: tx.logger)
        var found: [[String]] = []
        for try await jobs in rows.decode([String].self) { found.append(jobs) }
        return found
    }

    /// Every job of `jobs` succeeded: the removals they carried are confirmed, their hashes
    /// deleted. Returns how many.
    @discardableResult
    public static func confirmJobs(_ jobs: [String], sync: UUID, in tx: TenantTransaction) async throws -> Int {
        let rows = try await tx.connection.query(
            """
            DELETE FROM audience_sync_members
            WHERE tenant_id = \(tx.tenantID) AND sync_id = \(sync) AND state = 3 AND removal_jobs = \(jobs)
            RETURNING 1
            """, logger: tx.logger)
        return try await rows.collect().count
    }

    /// A job of `jobs` failed: the removals they carried are owed again, as old as they were.
    public static func reoweJobs(_ jobs: [String], sync: UUID, in tx: TenantTransaction) async throws {
        try await tx.connection.query(
            """
            UPDATE audience_sync_members SET state = 2, removal_jobs = NULL
            WHERE tenant_id = \(tx.tenantID) AND sync_id = \(sync) AND state = 3 AND removal_jobs = \(jobs)
            """, logger: tx.logger)
    }

    /// The distinct sets of channel jobs this sync's additions await.
    public static func awaitedAdditionJobs(sync: UUID, in tx: TenantTransaction) async throws -> [[String]] {
        let rows = try await tx.connection.query(
            """
            SELECT DISTINCT addition_jobs FROM audience_sync_members
            WHERE tenant_id = \(tx.tenantID) AND sync_id = \(sync) AND addition_jobs IS NOT NULL
            """, logger: tx.logger)
        var found: [[String]] = []
        for try await jobs in rows.decode([String].self) { found.append(jobs) }
        return found
    }

    /// Every job of `jobs` succeeded: the members they carried are on the list. Returns how many.
    @discardableResult
    public static func confirmAdditionJobs(_ jobs: [String], sync: UUID, in tx: TenantTransaction) async throws
        -> Int
    {
        let rows = try await tx.connection.query(
            """
            UPDATE audience_sync_members SET addition_jobs = NULL
            WHERE tenant_id = \(tx.tenantID) AND sync_id = \(sync) AND addition_jobs = \(jobs)
            RETURNING 1
            """, logger: tx.logger)
        return try await rows.collect().count
    }

    /// A job of `jobs` failed: nothing it carried reached the list. Members still wanted there
    /// become candidates again (their rows go); a removal owed since stays owed (removing a member
    /// the list does not hold changes nothing). Returns how many will be sent again.
    @discardableResult
    public static func failAdditionJobs(_ jobs: [String], sync: UUID, in tx: TenantTransaction) async throws -> Int {
        let rows = try await tx.connection.query(
            """
            DELETE FROM audience_sync_members
            WHERE tenant_id = \(tx.tenantID) AND sync_id = \(sync) AND addition_jobs = \(jobs) AND state = 1
            RETURNING 1
            """, logger: tx.logger)
        let again = try await rows.collect().count
        try await tx.connection.query(
            """
            UPDATE audience_sync_members SET addition_jobs = NULL
            WHERE tenant_id = \(tx.tenantID) AND sync_id = \(sync) AND addition_jobs = \(jobs)
            """, logger: tx.logger)
        return again
    }

    // MARK: - Withdrawals and erasures

    /// A withdrawal of ad personalisation: the contact's hashes on every list become removals owed,
    /// and the syncs run now. Called in the transaction that records the withdrawal.
    public static func oweRemovals(contactID: UUID, in tx: TenantTransaction) async throws {
        let rows = try await tx.connection.query(
            """
            UPDATE audience_sync_members SET state = 2, removal_requested_at = now()
            WHERE tenant_id = \(tx.tenantID) AND contact_id = \(contactID) AND state = 1
            RETURNING sync_id
            """, logger: tx.logger)
        var syncs = Set<UUID>()
        for try await id in rows.decode(UUID.self) { syncs.insert(id) }
        try await expedite(syncs: syncs, in: tx)
    }

    /// An erasure: the contact's hashes stay only as removals owed, tied to no one, until each
    /// channel confirms; the syncs run now. Called in the erasure's transaction.
    public static func eraseContact(_ contactID: UUID, in tx: TenantTransaction) async throws {
        // Members' rows before syncs' rows, the order a pass's steps take them in.
        let rows = try await tx.connection.query(
            """
            UPDATE audience_sync_members SET contact_id = NULL, state = greatest(state, 2),
                removal_requested_at = coalesce(removal_requested_at, now())
            WHERE tenant_id = \(tx.tenantID) AND contact_id = \(contactID)
            RETURNING sync_id
            """, logger: tx.logger)
        var syncs = Set<UUID>()
        for try await id in rows.decode(UUID.self) { syncs.insert(id) }
        try await tx.connection.query(
            """
            UPDATE audience_syncs SET resume_after = NULL
            WHERE tenant_id = \(tx.tenantID) AND resume_after = \(contactID)
            """, logger: tx.logger)
        try await expedite(syncs: syncs, in: tx)
    }

    /// Brings the syncs' queued runs forward to now. The sync rows are locked first: a pass ending
    /// at this moment either queued its successor before (brought forward here) or queues it after
    /// this commits, and then sees the removals owed and makes it due at once.
    static func expedite(syncs: Set<UUID>, in tx: TenantTransaction) async throws {
        guard !syncs.isEmpty else { return }
        for (id, channel) in try await lock(Array(syncs), in: tx) {
            try await Outbox.expediteQueue(queue(channel: channel, sync: id), in: tx)
        }
    }

    /// Where a contact's hashes were sent, for a data-subject export: channel, account and when.
    public static func recipients(contactID: UUID, in tx: TenantTransaction) async throws -> [(
        channel: AdChannel, account: String, sentAt: Date, removalOwed: Bool
    )] {
        let rows = try await tx.connection.query(
            """
            SELECT s.channel, a.external_id, m.sent_at, m.state >= 2
            FROM audience_sync_members m
            JOIN audience_syncs s ON s.tenant_id = m.tenant_id AND s.id = m.sync_id
            JOIN channel_accounts a ON a.tenant_id = s.tenant_id AND a.id = s.account_id
            WHERE m.tenant_id = \(tx.tenantID) AND m.contact_id = \(contactID)
            ORDER BY m.sent_at
            """, logger: tx.logger)
        var found: [(channel: AdChannel, account: String, sentAt: Date, removalOwed: Bool)] = []
        for try await (code, account, sentAt, owed) in rows.decode((Int16, String, Date, Bool).self) {
            guard let channel = AdChannel(storedCode: Int(code)) else { continue }
            found.append((channel, account, sentAt, owed))
        }
        return found
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [Stored] {
        var found: [Stored] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            let id = try cells[0].decode(UUID.self)
            guard let channel = AdChannel(storedCode: Int(try cells[3].decode(Int16.self))),
                let status = AudienceSyncStatus(rawValue: Int(try cells[4].decode(Int16.self)))
            else { throw StoredValueError(table: "audience_syncs", id: id) }
            found.append(
                Stored(
                    record: AudienceSyncRecord(
                        id: id, segmentID: try cells[1].decode(UUID.self), accountID: try cells[2].decode(UUID.self),
                        channel: channel, status: status, listID: try cells[5].decode(String?.self),
                        listName: try cells[6].decode(String.self), membersOnList: try cells[14].decode(Int64.self),
                        pendingRemovals: try cells[15].decode(Int64.self),
                        oldestPendingRemovalAt: try cells[16].decode(Date?.self),
                        removalsAwaitingConfirmation: try cells[20].decode(Int64.self),
                        additionsAwaitingConfirmation: try cells[21].decode(Int64.self),
                        membersSent: try cells[7].decode(Int64.self), membersRemoved: try cells[8].decode(Int64.self),
                        lastRunAt: try cells[9].decode(Date?.self), lastErrorCode: try cells[10].decode(String.self),
                        lastErrorMessage: try cells[11].decode(String.self),
                        nextRunAt: try cells[17].decode(Date?.self),
                        createdAt: try cells[12].decode(Date.self), updatedAt: try cells[13].decode(Date.self)),
                    reference: try cells[18].decode(String.self), resumeAfter: try cells[19].decode(UUID?.self)))
        }
        return found
    }
}
