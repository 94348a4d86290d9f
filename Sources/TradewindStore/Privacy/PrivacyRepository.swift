import Foundation
import PostgresNIO
import TradewindCore

/// The people a request is about, as found in the tenant's region: their contacts and every
/// anonymous id linked to them (or given).
public struct ResolvedSubject: Sendable, Hashable {
    public var contactIDs: [UUID]
    public var anonymousIDs: [String]

    public var isEmpty: Bool { contactIDs.isEmpty && anonymousIDs.isEmpty }

    /// The subject's keys in `journeys`.
    var journeyPersons: [String] {
        contactIDs.map { JourneyRepository.person(contact: $0) }
            + anonymousIDs.map(JourneyRepository.person(anonymous:))
    }
}

/// What an erasure removed.
public struct ErasureCounts: Sendable, Hashable {
    public var contacts: Int
    public var events: Int
    public var identityLinks: Int
    public var segmentMemberships: Int
    public var ledgerEntriesUnlinked: Int
}

/// SQL for data-subject requests and the suppression list, inside a tenant transaction.
public enum PrivacyRepository {
    private static let columns = """
        id, kind, regime, subject_kind, subject_value, status, opened_at, due_at, completed_at, note
        """

    /// Opens a request, or returns the one opened earlier with the same idempotency key (`created`
    /// false); `failedPrecondition` when that key was used for a different request.
    public static func open(
        kind: PrivacyRequestKind, regime: PrivacyRegime, subject: SubjectSelector, subjectHash: Data, openedAt: Date,
        dueAt: Date, idempotencyKey: String, openedBy: String, note: String, in tx: TenantTransaction
    ) async throws -> (PrivacyRequest, created: Bool) {
        let rows = try await tx.connection.query(
            """
            INSERT INTO privacy_requests (tenant_id, id, kind, regime, subject_kind, subject_value, subject_hash, status,
                                          opened_at, due_at, note, idempotency_key, opened_by)
            VALUES (\(tx.tenantID), \(UUID()), \(kind.rawValue), \(regime.rawValue), \(subject.kind), \(subject.value),
                    \(subjectHash), 'open', \(openedAt), \(dueAt), \(note), \(idempotencyKey), \(openedBy))
            ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
            RETURNING \(unescaped: columns)
            """, logger: tx.logger)
        if let created = try await decode(rows).first { return (created, true) }
        let earlier = try await tx.connection.query(
            """
            SELECT id, subject_hash FROM privacy_requests
            WHERE tenant_id = \(tx.tenantID) AND idempotency_key = \(idempotencyKey)
            """, logger: tx.logger)
        var found: (UUID, Data)?
        for try await row in earlier.decode((UUID, Data).self) { found = row }
        guard let (id, hash) = found, let request = try await get(id: id, in: tx) else {
            throw StoreError.failedPrecondition("request changed; retry")
        }
        guard request.kind == kind, request.regime == regime, request.subjectKind == subject.kind, hash == subjectHash
        else {
            throw StoreError.failedPrecondition("idempotency_key was already used for a different request")
        }
        return (request, false)
    }

    public static func get(id: UUID, in tx: TenantTransaction) async throws -> PrivacyRequest? {
        let rows = try await tx.connection.query(
            "SELECT \(unescaped: columns) FROM privacy_requests WHERE tenant_id = \(tx.tenantID) AND id = \(id)",
            logger: tx.logger)
        return try await decode(rows).first
    }

    /// Open requests by due date (position: due time in microseconds, id), or all requests newest
    /// first (position: opening time, id).
    public static func list(openOnly: Bool, after: (Int64, UUID)?, limit: Int, in tx: TenantTransaction)
        async throws -> [PrivacyRequest]
    {
        let micros = after?.0 ?? 0
        let id = after?.1 ?? UUID()
        let rows: PostgresRowSequence
        if openOnly {
            rows = try await tx.connection.query(
                """
                SELECT \(unescaped: columns) FROM privacy_requests
                WHERE tenant_id = \(tx.tenantID) AND status = 'open'
                  AND (\(after == nil) OR (due_at, id) > ('epoch'::timestamptz + \(micros) * interval '1 microsecond', \(id)))
                ORDER BY due_at, id LIMIT \(limit)
                """, logger: tx.logger)
        } else {
            rows = try await tx.connection.query(
                """
                SELECT \(unescaped: columns) FROM privacy_requests
                WHERE tenant_id = \(tx.tenantID)
                  AND (\(after == nil) OR (opened_at, id) < ('epoch'::timestamptz + \(micros) * interval '1 microsecond', \(id)))
                ORDER BY opened_at DESC, id DESC LIMIT \(limit)
                """, logger: tx.logger)
        }
        return try await decode(rows)
    }

    /// Open requests past due and due within `PrivacyRequest.dueSoonDays`, tenant-wide.
    public static func dueCounts(in tx: TenantTransaction) async throws -> (overdue: Int, dueSoon: Int) {
        let rows = try await tx.connection.query(
            """
            SELECT count(*) FILTER (WHERE due_at < now())::int,
                   count(*) FILTER (WHERE due_at >= now() AND due_at < now() + make_interval(days => \(PrivacyRequest.dueSoonDays)::int))::int
            FROM privacy_requests WHERE tenant_id = \(tx.tenantID) AND status = 'open'
            """, logger: tx.logger)
        for try await (overdue, soon) in rows.decode((Int, Int).self) { return (overdue, soon) }
        return (0, 0)
    }

    /// Closes an open request; afterwards only the subject's hash remains on it.
    public static func close(id: UUID, status: PrivacyRequestStatus, note: String?, in tx: TenantTransaction)
        async throws -> PrivacyRequest
    {
        let rows = try await tx.connection.query(
            """
            UPDATE privacy_requests
            SET status = \(status.rawValue), completed_at = now(), subject_value = NULL, note = coalesce(\(note), note)
            WHERE tenant_id = \(tx.tenantID) AND id = \(id) AND status = 'open'
            RETURNING \(unescaped: columns)
            """, logger: tx.logger)
        guard let closed = try await decode(rows).first else {
            throw StoreError.failedPrecondition("the request is not open")
        }
        return closed
    }

    /// Finds the subject's contacts and anonymous ids.
    public static func resolve(_ selector: SubjectSelector, in tx: TenantTransaction) async throws -> ResolvedSubject {
        var contacts: [UUID] = []
        let rows: PostgresRowSequence
        switch selector {
        case .email(let email):
            rows = try await tx.connection.query(
                "SELECT id FROM contacts WHERE tenant_id = \(tx.tenantID) AND lower(email) = \(email.lowercased())",
                logger: tx.logger)
        case .phone(let phone):
            rows = try await tx.connection.query(
                "SELECT id FROM contacts WHERE tenant_id = \(tx.tenantID) AND phone = \(phone)", logger: tx.logger)
        case .contactID(let id):
            rows = try await tx.connection.query(
                "SELECT id FROM contacts WHERE tenant_id = \(tx.tenantID) AND id = \(id)", logger: tx.logger)
        case .anonymousID(let anonymous):
            rows = try await tx.connection.query(
                "SELECT contact_id FROM identity_links WHERE tenant_id = \(tx.tenantID) AND anonymous_id = \(anonymous)",
                logger: tx.logger)
        }
        for try await id in rows.decode(UUID.self) { contacts.append(id) }
        var anonymous: Set<String> = []
        if case .anonymousID(let id) = selector { anonymous.insert(id) }
        if !contacts.isEmpty {
            let links = try await tx.connection.query(
                "SELECT anonymous_id FROM identity_links WHERE tenant_id = \(tx.tenantID) AND contact_id = ANY(\(contacts))",
                logger: tx.logger)
            for try await id in links.decode(String.self) { anonymous.insert(id) }
        }
        return ResolvedSubject(contactIDs: contacts, anonymousIDs: anonymous.sorted())
    }

    /// Everything the region holds about the subject, as one JSON document: every column of every
    /// row that names one of its contacts or anonymous ids (the tenant id left out).
    public static func document(for subject: ResolvedSubject, in tx: TenantTransaction) async throws -> String {
        let contacts = subject.contactIDs
        let anonymous = subject.anonymousIDs
        let persons = subject.journeyPersons
        let rows = try await tx.connection.query(
            """
            SELECT jsonb_build_object(
                'generated_at', now(),
                'profile', coalesce((SELECT jsonb_agg(to_jsonb(c) - 'tenant_id' ORDER BY c.created_at)
                    FROM contacts c WHERE c.tenant_id = \(tx.tenantID) AND c.id = ANY(\(contacts))), '[]'),
                'current_consent', coalesce((SELECT jsonb_agg(to_jsonb(s) - 'tenant_id' ORDER BY s.contact_id, s.purpose)
                    FROM contact_consents s WHERE s.tenant_id = \(tx.tenantID) AND s.contact_id = ANY(\(contacts))), '[]'),
                'consent_ledger', coalesce((SELECT jsonb_agg(to_jsonb(l) - 'tenant_id' ORDER BY l.occurred_at, l.id)
                    FROM consent_events l WHERE l.tenant_id = \(tx.tenantID) AND l.contact_id = ANY(\(contacts))), '[]'),
                'identity_links', coalesce((SELECT jsonb_agg(to_jsonb(i) - 'tenant_id' ORDER BY i.anonymous_id)
                    FROM identity_links i WHERE i.tenant_id = \(tx.tenantID)
                      AND (i.contact_id = ANY(\(contacts)) OR i.anonymous_id = ANY(\(anonymous)))), '[]'),
                'events', coalesce((SELECT jsonb_agg(to_jsonb(e) - 'tenant_id' ORDER BY e.occurred_at, e.event_id)
                    FROM events e WHERE e.tenant_id = \(tx.tenantID)
                      AND (e.contact_id = ANY(\(contacts)) OR e.anonymous_id = ANY(\(anonymous)))), '[]'),
                -- Channels the subject's hashed identifiers were sent to, and when (never the hashes).
                'audience_recipients', coalesce((SELECT jsonb_agg(jsonb_build_object(
                        'channel', CASE s.channel WHEN 1 THEN 'google_ads' WHEN 2 THEN 'meta' WHEN 3 THEN 'tiktok'
                                                  ELSE 'amazon_ads' END,
                        'account', a.external_id, 'sync_id', s.id, 'sent_at', am.sent_at,
                        'removal_owed', am.state >= 2) ORDER BY am.sent_at, s.id)
                    FROM audience_sync_members am
                    JOIN audience_syncs s ON s.tenant_id = am.tenant_id AND s.id = am.sync_id
                    JOIN channel_accounts a ON a.tenant_id = s.tenant_id AND a.id = s.account_id
                    WHERE am.tenant_id = \(tx.tenantID) AND am.contact_id = ANY(\(contacts))), '[]'),
                'segment_memberships', coalesce((SELECT jsonb_agg(jsonb_build_object(
                        'segment_id', m.segment_id, 'segment_name', g.name, 'purpose', g.purpose,
                        'contact_id', m.contact_id, 'added_at', m.added_at) ORDER BY m.added_at, g.name)
                    FROM segment_memberships m
                    JOIN segments g ON g.tenant_id = m.tenant_id AND g.id = m.segment_id
                    WHERE m.tenant_id = \(tx.tenantID) AND m.contact_id = ANY(\(contacts))), '[]'),
                -- The copy of the subject's events attribution reads: folded journeys and the
                -- deltas not folded yet, as of this statement's snapshot.
                'journeys', coalesce((SELECT jsonb_agg(jsonb_build_object(
                        'person', person, 'touches', touches, 'revenues', revenues) ORDER BY person)
                    FROM (SELECT person, array_agg(touch ORDER BY touch, revenue) AS touches,
                                 array_agg(revenue ORDER BY touch, revenue) AS revenues
                          FROM (SELECT j.person, u.touch, u.revenue
                                FROM journeys j, unnest(j.touches, j.revenues) AS u(touch, revenue)
                                WHERE j.tenant_id = \(tx.tenantID) AND j.person = ANY(\(persons))
                                UNION ALL
                                SELECT u.person, u.touch, u.revenue
                                FROM journey_deltas d, unnest(d.persons, d.touches, d.revenues) AS u(person, touch, revenue)
                                WHERE d.tenant_id = \(tx.tenantID) AND d.persons && \(persons)::text[]
                                  AND u.person = ANY(\(persons))) AS held
                          GROUP BY person) AS journeys), '[]')
            )::text
            """, logger: tx.logger)
        for try await document in rows.decode(String.self) { return document }
        return "{}"
    }

    /// The keyed hashes of the subject's emails and phones, to put on the suppression list.
    public static func contactPoints(of subject: ResolvedSubject, in tx: TenantTransaction) async throws -> [(
        kind: String, value: String
    )] {
        guard !subject.contactIDs.isEmpty else { return [] }
        let rows = try await tx.connection.query(
            "SELECT email, phone FROM contacts WHERE tenant_id = \(tx.tenantID) AND id = ANY(\(subject.contactIDs))",
            logger: tx.logger)
        var points: [(String, String)] = []
        for try await (email, phone) in rows.decode((String, String).self) {
            if !email.isEmpty { points.append(("email", email.lowercased())) }
            if !phone.isEmpty { points.append(("phone", phone)) }
        }
        return points
    }

    /// Removes the subject from the region: their events, identity links and contacts (which
    /// takes their current consent with it and unlinks their ledger entries), and suppresses
    /// `suppress` (kind, keyed hash) so that an import cannot bring them back.
    public static func erase(
        _ subject: ResolvedSubject, suppress: [(kind: String, hash: Data)], requestID: UUID, in tx: TenantTransaction
    ) async throws -> ErasureCounts {
        let contacts = subject.contactIDs
        let anonymous = subject.anonymousIDs
        func count(_ query: PostgresQuery) async throws -> Int {
            var count = 0
            for try await n in try await tx.connection.query(query, logger: tx.logger).decode(Int.self) { count = n }
            return count
        }
        let ledger = try await count(
            """
            SELECT count(*)::int FROM consent_events WHERE tenant_id = \(tx.tenantID) AND contact_id = ANY(\(contacts))
            """)
        let events = try await count(
            """
            WITH gone AS (DELETE FROM events WHERE tenant_id = \(tx.tenantID)
                AND (contact_id = ANY(\(contacts)) OR anonymous_id = ANY(\(anonymous))) RETURNING 1)
            SELECT count(*)::int FROM gone
            """)
        try await JourneyRepository.erase(subject.journeyPersons, in: tx)
        let links = try await count(
            """
            WITH gone AS (DELETE FROM identity_links WHERE tenant_id = \(tx.tenantID)
                AND (contact_id = ANY(\(contacts)) OR anonymous_id = ANY(\(anonymous))) RETURNING 1)
            SELECT count(*)::int FROM gone
            """)
        let memberships = try await count(
            """
            WITH gone AS (DELETE FROM segment_memberships WHERE tenant_id = \(tx.tenantID) AND contact_id = ANY(\(contacts))
                          RETURNING 1)
            SELECT count(*)::int FROM gone
            """)
        // The channels must hear of it (GDPR art. 19): the subject's hashes on every synced list
        // stay, tied to no one, only as removals owed until each channel confirms them.
        for contact in contacts { try await AudienceSyncRepository.eraseContact(contact, in: tx) }
        for point in suppress {
            try await tx.connection.query(
                """
                INSERT INTO suppressed_subjects (tenant_id, kind, value_hash, request_id, erased_at)
                VALUES (\(tx.tenantID), \(point.kind), \(point.hash), \(requestID), now())
                ON CONFLICT DO NOTHING
                """, logger: tx.logger)
        }
        let removed = try await count(
            """
            WITH gone AS (DELETE FROM contacts WHERE tenant_id = \(tx.tenantID) AND id = ANY(\(contacts)) RETURNING 1)
            SELECT count(*)::int FROM gone
            """)
        return ErasureCounts(
            contacts: removed, events: events, identityLinks: links, segmentMemberships: memberships,
            ledgerEntriesUnlinked: ledger)
    }

    /// When one of `hashes` (kind, keyed hash) is suppressed: the erasure time, for the error.
    public static func suppression(of hashes: [(kind: String, hash: Data)], in tx: TenantTransaction) async throws
        -> (kind: String, erasedAt: Date)?
    {
        for (kind, hash) in hashes {
            let rows = try await tx.connection.query(
                """
                SELECT erased_at FROM suppressed_subjects
                WHERE tenant_id = \(tx.tenantID) AND kind = \(kind) AND value_hash = \(hash)
                """, logger: tx.logger)
            for try await erasedAt in rows.decode(Date.self) { return (kind, erasedAt) }
        }
        return nil
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [PrivacyRequest] {
        var result: [PrivacyRequest] = []
        for try await row in rows { result.append(try request(from: row)) }
        return result
    }

    private static func request(from row: PostgresRow) throws -> PrivacyRequest {
        let (id, kind, regime, subjectKind, subjectValue, status, openedAt, dueAt, completedAt, note) = try row.decode(
            (UUID, String, String, String, String?, String, Date, Date, Date?, String).self)
        guard let kind = PrivacyRequestKind(rawValue: kind), let regime = PrivacyRegime(rawValue: regime),
            let status = PrivacyRequestStatus(rawValue: status)
        else { throw StoreError.failedPrecondition("unknown request kind, regime or status in the database") }
        return PrivacyRequest(
            id: id, kind: kind, regime: regime, subjectKind: subjectKind, subjectValue: subjectValue, status: status,
            openedAt: openedAt, dueAt: dueAt, completedAt: completedAt, note: note)
    }
}
