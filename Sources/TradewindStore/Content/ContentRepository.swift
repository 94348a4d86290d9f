import Foundation
import PostgresNIO
import TradewindCore

/// SQL for a tenant's own rule packs, the stored checks of its creatives and their approvals,
/// inside a tenant transaction.
public enum ContentRepository {
    // MARK: Rule packs

    /// Each of the tenant's packs and glossaries with its revision: what a compiled set of them is
    /// keyed by.
    public static func packRevisions(in tx: TenantTransaction) async throws -> [String: Int64] {
        let rows = try await tx.connection.query(
            """
            SELECT 'pack:' || pack_id, revision FROM content_rule_packs WHERE tenant_id = \(tx.tenantID)
            UNION ALL
            SELECT 'glossary:' || market || '/' || language, revision FROM content_glossaries
            WHERE tenant_id = \(tx.tenantID)
            """, logger: tx.logger)
        var revisions: [String: Int64] = [:]
        for try await (id, revision) in rows.decode((String, Int64).self) { revisions[id] = revision }
        return revisions
    }

    public static func packs(in tx: TenantTransaction) async throws -> [TenantRulePackRecord] {
        try await decodePacks(
            tx.connection.query(
                """
                SELECT spec::text, revision, created_by, created_at, updated_at FROM content_rule_packs
                WHERE tenant_id = \(tx.tenantID) ORDER BY pack_id
                """, logger: tx.logger))
    }

    public static func pack(id: String, in tx: TenantTransaction) async throws -> TenantRulePackRecord? {
        try await decodePacks(
            tx.connection.query(
                """
                SELECT spec::text, revision, created_by, created_at, updated_at FROM content_rule_packs
                WHERE tenant_id = \(tx.tenantID) AND pack_id = \(id)
                """, logger: tx.logger)
        ).first
    }

    /// Creates the pack at revision 1; nil when the tenant already has one by that id.
    public static func insertPack(_ pack: CopyRulePack, createdBy: String, in tx: TenantTransaction) async throws
        -> TenantRulePackRecord?
    {
        var stored = pack
        stored.version = "1"
        return try await decodePacks(
            tx.connection.query(
                """
                INSERT INTO content_rule_packs (tenant_id, pack_id, spec, created_by)
                VALUES (\(tx.tenantID), \(pack.id), \(try StoredJSON.encode(stored))::jsonb, \(createdBy))
                ON CONFLICT (tenant_id, pack_id) DO NOTHING
                RETURNING spec::text, revision, created_by, created_at, updated_at
                """, logger: tx.logger)
        ).first
    }

    /// Replaces the pack's rules and markets if it is still at `revision`, as the next revision;
    /// nil when it is not (changed since, or gone).
    public static func replacePack(_ pack: CopyRulePack, revision: Int64, in tx: TenantTransaction) async throws
        -> TenantRulePackRecord?
    {
        var stored = pack
        stored.version = String(revision + 1)
        return try await decodePacks(
            tx.connection.query(
                """
                UPDATE content_rule_packs SET spec = \(try StoredJSON.encode(stored))::jsonb, revision = revision + 1,
                    updated_at = now()
                WHERE tenant_id = \(tx.tenantID) AND pack_id = \(pack.id) AND revision = \(revision)
                RETURNING spec::text, revision, created_by, created_at, updated_at
                """, logger: tx.logger)
        ).first
    }

    public static func deletePack(id: String, in tx: TenantTransaction) async throws -> Bool {
        let rows = try await tx.connection.query(
            "DELETE FROM content_rule_packs WHERE tenant_id = \(tx.tenantID) AND pack_id = \(id) RETURNING pack_id",
            logger: tx.logger)
        var deleted = false
        for try await _ in rows { deleted = true }
        return deleted
    }

    private static func decodePacks(_ rows: PostgresRowSequence) async throws -> [TenantRulePackRecord] {
        var records: [TenantRulePackRecord] = []
        for try await (spec, revision, createdBy, createdAt, updatedAt) in rows.decode(
            (String, Int64, String, Date, Date).self)
        {
            records.append(
                TenantRulePackRecord(
                    pack: try StoredJSON.decode(CopyRulePack.self, spec), revision: revision, createdBy: createdBy,
                    createdAt: createdAt, updatedAt: updatedAt))
        }
        return records
    }

    // MARK: Glossaries

    public static func glossaries(in tx: TenantTransaction) async throws -> [(CopyGlossary, revision: Int64)] {
        let rows = try await tx.connection.query(
            """
            SELECT spec::text, revision FROM content_glossaries WHERE tenant_id = \(tx.tenantID)
            ORDER BY market, language
            """, logger: tx.logger)
        var glossaries: [(CopyGlossary, revision: Int64)] = []
        for try await (spec, revision) in rows.decode((String, Int64).self) {
            glossaries.append((try StoredJSON.decode(CopyGlossary.self, spec), revision))
        }
        return glossaries
    }

    public static func glossary(market: String, language: String, in tx: TenantTransaction) async throws
        -> (CopyGlossary, revision: Int64)?
    {
        let rows = try await tx.connection.query(
            """
            SELECT spec::text, revision FROM content_glossaries
            WHERE tenant_id = \(tx.tenantID) AND market = \(market) AND language = \(language)
            """, logger: tx.logger)
        for try await (spec, revision) in rows.decode((String, Int64).self) {
            return (try StoredJSON.decode(CopyGlossary.self, spec), revision)
        }
        return nil
    }

    /// Stores the glossary: new at revision 1 when `revision` is nil, else replacing that revision;
    /// the new revision, or nil when the glossary exists already (new) or is not at `revision`.
    public static func putGlossary(
        _ glossary: CopyGlossary, revision: Int64?, createdBy: String, in tx: TenantTransaction
    ) async throws -> Int64? {
        let spec = try StoredJSON.encode(glossary)
        let rows: PostgresRowSequence
        if let revision {
            rows = try await tx.connection.query(
                """
                UPDATE content_glossaries SET spec = \(spec)::jsonb, revision = revision + 1, updated_at = now()
                WHERE tenant_id = \(tx.tenantID) AND market = \(glossary.market) AND language = \(glossary.language)
                  AND revision = \(revision)
                RETURNING revision
                """, logger: tx.logger)
        } else {
            rows = try await tx.connection.query(
                """
                INSERT INTO content_glossaries (tenant_id, market, language, spec, created_by)
                VALUES (\(tx.tenantID), \(glossary.market), \(glossary.language), \(spec)::jsonb, \(createdBy))
                ON CONFLICT DO NOTHING RETURNING revision
                """, logger: tx.logger)
        }
        for try await revision in rows.decode(Int64.self) { return revision }
        return nil
    }

    public static func deleteGlossary(market: String, language: String, in tx: TenantTransaction) async throws
        -> Bool
    {
        let rows = try await tx.connection.query(
            """
            DELETE FROM content_glossaries
            WHERE tenant_id = \(tx.tenantID) AND market = \(market) AND language = \(language) RETURNING market
            """, logger: tx.logger)
        var deleted = false
        for try await _ in rows { deleted = true }
        return deleted
    }

    // MARK: Checks and approvals

    public static func insertCheck(_ check: CopyCheckRecord, in tx: TenantTransaction) async throws {
        try await tx.connection.query(
            """
            INSERT INTO content_checks (tenant_id, id, campaign_id, ad_id, text_sha256, pack_versions, verdicts,
                                        severity, created_by, created_at)
            VALUES (\(tx.tenantID), \(check.id), \(check.campaignID), \(check.adID), \(Data(check.fingerprint)),
                    \(try StoredJSON.encode(check.packVersions))::jsonb, \(try StoredJSON.encode(check.verdicts))::jsonb,
                    \(Int16(check.severity.storedCode)), \(check.createdBy), \(check.createdAt))
            """, logger: tx.logger)
    }

    /// The ad's latest check, with its approvals.
    public static func latestCheck(adID: UUID, in tx: TenantTransaction) async throws -> CopyCheckRecord? {
        try await checks(adID: adID, in: tx).first
    }

    public static func check(id: UUID, in tx: TenantTransaction) async throws -> CopyCheckRecord? {
        try await checks(id: id, in: tx).first
    }

    /// The latest check of each ad of the campaign.
    public static func latestChecks(campaignID: UUID, in tx: TenantTransaction) async throws -> [CopyCheckRecord] {
        try await checks(campaignID: campaignID, in: tx)
    }

    /// Records an approval; false when the market already has one on this check.
    public static func approve(
        checkID: UUID, market: String, approvedBy: String, note: String, in tx: TenantTransaction
    ) async throws -> Bool {
        let rows = try await tx.connection.query(
            """
            INSERT INTO content_approvals (tenant_id, check_id, market, approved_by, note)
            VALUES (\(tx.tenantID), \(checkID), \(market), \(approvedBy), \(note))
            ON CONFLICT DO NOTHING RETURNING market
            """, logger: tx.logger)
        var inserted = false
        for try await _ in rows { inserted = true }
        return inserted
    }

    /// One check by id, the latest of one ad, or the latest of each ad of a campaign.
    private static func checks(id: UUID? = nil, adID: UUID? = nil, campaignID: UUID? = nil, in tx: TenantTransaction)
        async throws -> [CopyCheckRecord]
    {
        let rows = try await tx.connection.query(
            """
            SELECT DISTINCT ON (c.ad_id)
                   c.id, c.campaign_id, c.ad_id, c.text_sha256, c.pack_versions::text, c.verdicts::text, c.created_by,
                   c.created_at,
                   coalesce((SELECT json_agg(json_build_object('market', a.market, 'approvedBy', a.approved_by,
                                 'note', a.note, 'createdAt', extract(epoch FROM a.created_at)) ORDER BY a.market)
                             FROM content_approvals a
                             WHERE a.tenant_id = c.tenant_id AND a.check_id = c.id), '[]')::text
            FROM content_checks c
            WHERE c.tenant_id = \(tx.tenantID)
              AND (\(id == nil) OR c.id = \(id ?? UUID()))
              AND (\(adID == nil) OR c.ad_id = \(adID ?? UUID()))
              AND (\(campaignID == nil) OR c.campaign_id = \(campaignID ?? UUID()))
            ORDER BY c.ad_id, c.created_at DESC, c.id DESC
            """, logger: tx.logger)
        var records: [CopyCheckRecord] = []
        for try await row in rows {
            let (id, campaignID, adID, fingerprint, versions, verdicts, createdBy, createdAt, approvals) =
                try row.decode((UUID, UUID, UUID, Data, String, String, String, Date, String).self)
            records.append(
                CopyCheckRecord(
                    id: id, campaignID: campaignID, adID: adID, fingerprint: Array(fingerprint),
                    packVersions: try StoredJSON.decode([String: String].self, versions),
                    verdicts: try StoredJSON.decode([CopyVerdict].self, verdicts), createdBy: createdBy,
                    createdAt: createdAt,
                    approvals: try StoredJSON.decode([StoredApproval].self, approvals).map {
                        CopyApproval(
                            market: $0.market, approvedBy: $0.approvedBy, note: $0.note,
                            createdAt: Date(timeIntervalSince1970: $0.createdAt))
                    }))
        }
        return records
    }

    private struct StoredApproval: Decodable {
        var market: String
        var approvedBy: String
        var note: String
        var createdAt: Double
    }
}

extension CopySeverity {
    /// The code stored in `content_checks.severity`.
    var storedCode: Int {
        switch self {
        case .pass: 0
        case .warn: 1
        case .review: 2
        case .block: 3
        }
    }
}
