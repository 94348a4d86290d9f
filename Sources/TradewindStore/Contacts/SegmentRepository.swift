import Foundation
import PostgresNIO
import TradewindCore

/// SQL for segments and their memberships, inside a tenant transaction.
///
/// A member is usable when its current consent for the segment's purpose is a grant
/// (`contact_consents`, derived from the ledger in the same transaction as every entry). Readers
/// apply that test on every read, so a withdrawal counts from the moment it commits.
public enum SegmentRepository {
    private static let columns = """
        s.id, s.name, s.description, s.purpose, s.created_at,
        (SELECT count(*) FROM segment_memberships m WHERE m.tenant_id = s.tenant_id AND m.segment_id = s.id),
        (SELECT count(*) FROM segment_memberships m
         JOIN contact_consents cc ON cc.tenant_id = m.tenant_id AND cc.contact_id = m.contact_id
              AND cc.purpose = s.purpose AND cc.granted
         WHERE m.tenant_id = s.tenant_id AND m.segment_id = s.id)
        """

    /// Creates a segment; nil when the tenant already has one with that name.
    public static func create(
        name: String, description: String, purpose: ConsentPurpose, in tx: TenantTransaction
    ) async throws -> Segment? {
        let rows = try await tx.connection.query(
            """
            INSERT INTO segments (tenant_id, id, name, description, purpose)
            VALUES (\(tx.tenantID), \(UUID()), \(name), \(description), \(purpose.rawValue))
            ON CONFLICT (tenant_id, name) DO NOTHING
            RETURNING id, name, description, purpose, created_at, 0::int8, 0::int8
            """, logger: tx.logger)
        return try await decode(rows).first
    }

    /// One segment with its member counts.
    public static func get(id: UUID, in tx: TenantTransaction) async throws -> Segment? {
        let rows = try await tx.connection.query(
            "SELECT \(unescaped: columns) FROM segments s WHERE s.tenant_id = \(tx.tenantID) AND s.id = \(id)",
            logger: tx.logger)
        return try await decode(rows).first
    }

    /// Whether the tenant has the segment (without counting its members).
    public static func exists(id: UUID, in tx: TenantTransaction) async throws -> Bool {
        try await count(
            "SELECT count(*)::int FROM segments WHERE tenant_id = \(tx.tenantID) AND id = \(id)", in: tx) == 1
    }

    /// Segments by name, after the one named `after`.
    public static func list(after: String?, limit: Int, in tx: TenantTransaction) async throws -> [Segment] {
        let rows = try await tx.connection.query(
            """
            SELECT \(unescaped: columns) FROM segments s
            WHERE s.tenant_id = \(tx.tenantID) AND (\(after == nil) OR s.name COLLATE "C" > \(after ?? ""))
            ORDER BY s.name COLLATE "C" LIMIT \(limit)
            """, logger: tx.logger)
        return try await decode(rows)
    }

    /// Deletes a segment; returns how many memberships went with it, or nil when there is none.
    public static func delete(id: UUID, in tx: TenantTransaction) async throws -> Int? {
        let members = try await count(
            """
            WITH gone AS (DELETE FROM segment_memberships WHERE tenant_id = \(tx.tenantID) AND segment_id = \(id)
                          RETURNING 1)
            SELECT count(*)::int FROM gone
            """, in: tx)
        let segments = try await count(
            """
            WITH gone AS (DELETE FROM segments WHERE tenant_id = \(tx.tenantID) AND id = \(id) RETURNING 1)
            SELECT count(*)::int FROM gone
            """, in: tx)
        return segments == 1 ? members : nil
    }

    /// What adding members did.
    public enum AddResult: Sendable, Hashable {
        /// How many contacts became members now (the others were members already).
        case added(Int)
        /// These ids are not contacts of the tenant; nothing was added.
        case unknownContacts(Set<UUID>)
    }

    /// Adds contacts to a segment, all or none; nil when the tenant has no such segment. The
    /// contacts are locked first (`FOR KEY SHARE`, as the foreign key would), so none can be
    /// deleted between the check and the insert; a segment deleted in between fails the insert's
    /// foreign key, which reads as "no such segment".
    public static func add(_ contactIDs: [UUID], to segmentID: UUID, in tx: TenantTransaction) async throws
        -> AddResult?
    {
        guard try await exists(id: segmentID, in: tx) else { return nil }
        let rows = try await tx.connection.query(
            """
            SELECT id FROM contacts WHERE tenant_id = \(tx.tenantID) AND id = ANY(\(contactIDs))
            ORDER BY id FOR KEY SHARE
            """, logger: tx.logger)
        var found = Set<UUID>()
        for try await id in rows.decode(UUID.self) { found.insert(id) }
        let unknown = Set(contactIDs).subtracting(found)
        guard unknown.isEmpty else { return .unknownContacts(unknown) }
        do {
            return .added(
                try await count(
                    """
                    WITH added AS (
                        INSERT INTO segment_memberships (tenant_id, segment_id, contact_id)
                        SELECT \(tx.tenantID), \(segmentID), id FROM unnest(\(contactIDs)) AS c(id)
                        ON CONFLICT DO NOTHING
                        RETURNING 1)
                    SELECT count(*)::int FROM added
                    """, in: tx))
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23503" {
            return nil
        }
    }

    /// Removes contacts from a segment; returns how many memberships went.
    public static func remove(_ contactIDs: [UUID], from segmentID: UUID, in tx: TenantTransaction) async throws
        -> Int
    {
        try await count(
            """
            WITH gone AS (
                DELETE FROM segment_memberships
                WHERE tenant_id = \(tx.tenantID) AND segment_id = \(segmentID) AND contact_id = ANY(\(contactIDs))
                RETURNING 1)
            SELECT count(*)::int FROM gone
            """, in: tx)
    }

    /// Usable members (a current grant for `purpose`), newest membership first, after the member
    /// at `after` (added time in microseconds since 1970, exact, and contact id).
    public static func members(
        of segmentID: UUID, purpose: ConsentPurpose, after: (Int64, UUID)?, limit: Int, in tx: TenantTransaction
    ) async throws -> [SegmentMember] {
        let rows = try await tx.connection.query(
            """
            SELECT m.contact_id, m.added_at FROM segment_memberships m
            JOIN contact_consents cc ON cc.tenant_id = m.tenant_id AND cc.contact_id = m.contact_id
                 AND cc.purpose = \(purpose.rawValue) AND cc.granted
            WHERE m.tenant_id = \(tx.tenantID) AND m.segment_id = \(segmentID)
              AND (\(after == nil) OR (m.added_at, m.contact_id)
                    < ('epoch'::timestamptz + \(after?.0 ?? 0) * interval '1 microsecond', \(after?.1 ?? UUID())))
            ORDER BY m.added_at DESC, m.contact_id DESC
            LIMIT \(limit)
            """, logger: tx.logger)
        var page: [(UUID, Date)] = []
        for try await row in rows.decode((UUID, Date).self) { page.append(row) }
        let contacts = try await ContactRepository.contacts(ids: page.map(\.0), in: tx)
        return page.compactMap { id, added in contacts[id].map { SegmentMember(contact: $0, addedAt: added) } }
    }

    private static func count(_ query: PostgresQuery, in tx: TenantTransaction) async throws -> Int {
        var count = 0
        for try await n in try await tx.connection.query(query, logger: tx.logger).decode(Int.self) { count = n }
        return count
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [Segment] {
        var segments: [Segment] = []
        for try await (id, name, description, purpose, created, members, usable) in rows.decode(
            (UUID, String, String, String, Date, Int64, Int64).self)
        {
            guard let purpose = ConsentPurpose(rawValue: purpose) else { continue }
            segments.append(
                Segment(
                    id: id, name: name, description: description, purpose: purpose, createdAt: created,
                    memberCount: members, usableMemberCount: usable))
        }
        return segments
    }
}
