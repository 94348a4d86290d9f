import Foundation
import Logging
import PostgresNIO
import TradewindCore

/// The control plane: tenants, credentials and idempotency records, in their own cluster, reached
/// as `tradewind_control`. Stopping a region never stops authentication.
public struct ControlStore: Sendable {
    public let pool: DatabasePool
    private let timeout: Duration

    public init(pool: DatabasePool, timeout: Duration = .seconds(5)) {
        self.pool = pool
        self.timeout = timeout
    }

    /// Work a caller adds to a write's transaction, run last before it commits: the call's audit
    /// record in the platform log, so that no control-plane change exists without its record.
    public typealias BeforeCommit = @Sendable (PostgresConnection) async throws -> Void

    private func transaction<Result: Sendable>(
        timeout: Duration?, beforeCommit: BeforeCommit? = nil,
        _ body: @Sendable @escaping (PostgresConnection, Logger) async throws -> Result
    ) async throws -> Result {
        let logger = pool.logger
        return try await pool.withTransaction(tenantID: nil, timeout: timeout ?? self.timeout) { connection in
            let result = try await body(connection, logger)
            try await beforeCommit?(connection)
            return result
        }
    }

    // MARK: Tenants

    private static let tenantColumns =
        "id, slug, name, home_region, plan, status, settings::text, created_at, updated_at"

    private static func decodeTenants(_ rows: PostgresRowSequence) async throws -> [Tenant] {
        var tenants: [Tenant] = []
        for try await (id, slug, name, region, plan, status, settings, created, updated) in rows.decode(
            (UUID, String, String, String, String, String, String, Date, Date).self)
        {
            tenants.append(
                Tenant(
                    id: id, slug: slug, name: name, homeRegion: Region(region), plan: plan,
                    status: TenantStatus(rawValue: status) ?? .suspended,
                    settings: try JSONDecoder().decode(TenantSettings.self, from: Data(settings.utf8)),
                    createdAt: created, updatedAt: updated))
        }
        return tenants
    }

    private static func settingsJSON(_ settings: TenantSettings) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(settings), as: UTF8.self)
    }

    /// Inserts a tenant with a new id.
    private static func insertTenant(_ spec: TenantSpec, on connection: PostgresConnection, logger: Logger)
        async throws -> Tenant
    {
        let settings = try settingsJSON(spec.settings)
        let rows = try await connection.query(
            """
            INSERT INTO tenants (id, slug, name, home_region, plan, status, settings)
            VALUES (\(UUID()), \(spec.slug), \(spec.name), \(spec.homeRegion.rawValue), \(spec.plan),
                    \(spec.status.rawValue), \(settings)::jsonb)
            RETURNING \(unescaped: tenantColumns)
            """, logger: logger)
        guard let tenant = try await decodeTenants(rows).first else {
            throw StoreError.failedPrecondition("tenant \(spec.slug) was not created")
        }
        return tenant
    }

    /// Creates a tenant with a new id; `alreadyExists` when the slug is taken.
    public func createTenant(_ spec: TenantSpec, timeout: Duration? = nil, beforeCommit: BeforeCommit? = nil)
        async throws -> Tenant
    {
        do {
            return try await transaction(timeout: timeout, beforeCommit: beforeCommit) { connection, logger in
                try await Self.insertTenant(spec, on: connection, logger: logger)
            }
        } catch let error as PSQLError where error.sqlState == "23505" {
            throw StoreError.alreadyExists("a tenant with slug '\(spec.slug)' already exists")
        }
    }

    /// Creates the tenant or brings it in line with `spec`. The id never changes and a changed
    /// home region is refused, since moving it would move personal data across borders.
    public func applyTenant(_ spec: TenantSpec, beforeCommit: BeforeCommit? = nil) async throws -> (
        Tenant, TenantApplyOutcome
    ) {
        let settings = try Self.settingsJSON(spec.settings)
        return try await transaction(timeout: nil, beforeCommit: beforeCommit) { connection, logger in
            let existingRows = try await connection.query(
                "SELECT \(unescaped: Self.tenantColumns) FROM tenants WHERE slug = \(spec.slug) FOR UPDATE",
                logger: logger)
            guard let existing = try await Self.decodeTenants(existingRows).first else {
                return (try await Self.insertTenant(spec, on: connection, logger: logger), .created)
            }
            guard existing.homeRegion == spec.homeRegion else {
                throw StoreError.failedPrecondition(
                    "tenant \(spec.slug) lives in region \(existing.homeRegion); its home region cannot change to \(spec.homeRegion) (data would cross borders)"
                )
            }
            if existing.name == spec.name && existing.plan == spec.plan && existing.status == spec.status
                && existing.settings == spec.settings
            {
                return (existing, .unchanged)
            }
            let rows = try await connection.query(
                """
                UPDATE tenants SET name = \(spec.name), plan = \(spec.plan), status = \(spec.status.rawValue),
                       settings = \(settings)::jsonb, updated_at = now()
                WHERE id = \(existing.id)
                RETURNING \(unescaped: Self.tenantColumns)
                """, logger: logger)
            guard let updated = try await Self.decodeTenants(rows).first else {
                throw StoreError.notFound("tenant \(spec.slug)")
            }
            return (updated, .updated)
        }
    }

    public func tenant(id: UUID, timeout: Duration? = nil) async throws -> Tenant? {
        try await transaction(timeout: timeout) { connection, logger in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.tenantColumns) FROM tenants WHERE id = \(id)", logger: logger)
            return try await Self.decodeTenants(rows).first
        }
    }

    public func tenant(slug: String, timeout: Duration? = nil) async throws -> Tenant? {
        try await transaction(timeout: timeout) { connection, logger in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.tenantColumns) FROM tenants WHERE slug = \(slug)", logger: logger)
            return try await Self.decodeTenants(rows).first
        }
    }

    /// Tenants ordered by slug, starting after `afterSlug`.
    public func listTenants(afterSlug: String?, limit: Int, timeout: Duration? = nil) async throws -> [Tenant] {
        try await transaction(timeout: timeout) { connection, logger in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.tenantColumns) FROM tenants
                WHERE slug > \(afterSlug ?? "") ORDER BY slug LIMIT \(limit)
                """, logger: logger)
            return try await Self.decodeTenants(rows)
        }
    }

    // MARK: API keys

    private static let keyColumns =
        "key_id, tenant_id, role, label, secret_sha256, created_at, expires_at, revoked_at, last_used_at"

    private static func decodeKeys(_ rows: PostgresRowSequence) async throws -> [APIKeyRecord] {
        var keys: [APIKeyRecord] = []
        for try await (keyID, tenantID, role, label, hash, created, expires, revoked, used) in rows.decode(
            (String, UUID?, String, String, Data, Date, Date?, Date?, Date?).self)
        {
            guard let role = Role(rawValue: role) else { continue }
            keys.append(
                APIKeyRecord(
                    keyID: keyID, tenantID: tenantID, role: role, label: label, secretHash: hash, createdAt: created,
                    expiresAt: expires, revokedAt: revoked, lastUsedAt: used))
        }
        return keys
    }

    /// Stores a new key, and in the same transaction the idempotency record that makes a retry
    /// return it. When a concurrent retry stored its record first, nothing is written and that
    /// record is returned instead.
    public func createAPIKey(
        _ key: APIKeyRecord, idempotency: IdempotencyRecord?, timeout: Duration? = nil,
        beforeCommit: BeforeCommit? = nil
    ) async throws -> (APIKeyRecord, existing: IdempotencyRecord?) {
        do {
            return try await transaction(timeout: timeout, beforeCommit: beforeCommit) { connection, logger in
                let rows = try await connection.query(
                    """
                    INSERT INTO api_keys (key_id, tenant_id, role, label, secret_sha256, expires_at)
                    VALUES (\(key.keyID), \(key.tenantID), \(key.role.rawValue), \(key.label), \(key.secretHash),
                            \(key.expiresAt))
                    RETURNING \(unescaped: Self.keyColumns)
                    """, logger: logger)
                guard let stored = try await Self.decodeKeys(rows).first else {
                    throw StoreError.failedPrecondition("key was not created")
                }
                if let idempotency {
                    // An expired record for the same key no longer counts; make room for the new one.
                    try await connection.query(
                        """
                        DELETE FROM idempotency_records
                        WHERE principal_id = \(idempotency.principalID) AND method = \(idempotency.method)
                          AND key_sha256 = \(idempotency.keyHash)
                          AND created_at <= now() - make_interval(secs => \(Self.idempotencyWindow))
                        """, logger: logger)
                    try await connection.query(
                        """
                        INSERT INTO idempotency_records (principal_id, method, key_sha256, request_sha256, sealed_result)
                        VALUES (\(idempotency.principalID), \(idempotency.method), \(idempotency.keyHash),
                                \(idempotency.requestHash), \(idempotency.sealedResult))
                        """, logger: logger)
                }
                return (stored, nil)
            }
        } catch let error as PSQLError
            where error.sqlState == "23505" && error.constraintName == "idempotency_records_pkey"
        {
            guard let idempotency,
                let existing = try await idempotencyRecord(
                    principalID: idempotency.principalID, method: idempotency.method, keyHash: idempotency.keyHash)
            else { throw error }
            return (key, existing)
        }
    }

    /// The key with this id, live or not; authentication decides what to do with it.
    public func apiKey(keyID: String, timeout: Duration? = nil) async throws -> APIKeyRecord? {
        try await transaction(timeout: timeout) { connection, logger in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.keyColumns) FROM api_keys WHERE key_id = \(keyID)", logger: logger)
            return try await Self.decodeKeys(rows).first
        }
    }

    /// A tenant's keys, newest first, after the key with sort key `after` (creation time in
    /// microseconds since 1970, key id).
    public func listAPIKeys(
        tenantID: UUID, includeRevoked: Bool, after: (Int64, String)?, limit: Int, timeout: Duration? = nil
    ) async throws -> [APIKeyRecord] {
        try await transaction(timeout: timeout) { connection, logger in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.keyColumns) FROM api_keys
                WHERE tenant_id = \(tenantID) AND (\(includeRevoked) OR revoked_at IS NULL)
                  AND (\(after == nil) OR (created_at, key_id)
                        < ('epoch'::timestamptz + \(after?.0 ?? 0) * interval '1 microsecond', \(after?.1 ?? "")))
                ORDER BY created_at DESC, key_id DESC LIMIT \(limit)
                """, logger: logger)
            return try await Self.decodeKeys(rows)
        }
    }

    /// Revokes a tenant's key (a no-op when it is revoked already); `notFound` when the tenant has no such key.
    public func revokeAPIKey(
        tenantID: UUID, keyID: String, timeout: Duration? = nil, beforeCommit: BeforeCommit? = nil
    ) async throws -> APIKeyRecord {
        try await transaction(timeout: timeout, beforeCommit: beforeCommit) { connection, logger in
            let rows = try await connection.query(
                """
                UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
                WHERE tenant_id = \(tenantID) AND key_id = \(keyID)
                RETURNING \(unescaped: Self.keyColumns)
                """, logger: logger)
            guard let key = try await Self.decodeKeys(rows).first else {
                throw StoreError.notFound("API key \(keyID)")
            }
            return key
        }
    }

    /// Records a successful use, at most once a minute per key so authentication stays read-mostly.
    public func recordKeyUse(keyID: String, timeout: Duration? = nil) async throws {
        _ = try await transaction(timeout: timeout) { connection, logger in
            try await connection.query(
                """
                UPDATE api_keys SET last_used_at = now()
                WHERE key_id = \(keyID) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
                """, logger: logger)
        }
    }

    // MARK: Client certificates

    private static let certificateColumns = "spki_sha256, tenant_id, role, label, subject, expires_at, created_at"

    private static func decodeCertificates(_ rows: PostgresRowSequence) async throws -> [ClientCertificateRecord] {
        var records: [ClientCertificateRecord] = []
        for try await (spki, tenantID, role, label, subject, expires, created) in rows.decode(
            (String, UUID, String, String, String, Date, Date).self)
        {
            guard let role = Role(rawValue: role) else { continue }
            records.append(
                ClientCertificateRecord(
                    spkiSHA256: spki, tenantID: tenantID, role: role, label: label, subject: subject,
                    expiresAt: expires, createdAt: created))
        }
        return records
    }

    public func registerClientCertificate(
        _ record: ClientCertificateRecord, timeout: Duration? = nil, beforeCommit: BeforeCommit? = nil
    ) async throws -> ClientCertificateRecord {
        do {
            return try await transaction(timeout: timeout, beforeCommit: beforeCommit) { connection, logger in
                let rows = try await connection.query(
                    """
                    INSERT INTO client_certificates (spki_sha256, tenant_id, role, label, subject, expires_at)
                    VALUES (\(record.spkiSHA256), \(record.tenantID), \(record.role.rawValue), \(record.label),
                            \(record.subject), \(record.expiresAt))
                    RETURNING \(unescaped: Self.certificateColumns)
                    """, logger: logger)
                guard let stored = try await Self.decodeCertificates(rows).first else {
                    throw StoreError.failedPrecondition("certificate was not registered")
                }
                return stored
            }
        } catch let error as PSQLError where error.sqlState == "23505" {
            throw StoreError.alreadyExists("a certificate with this public key is registered already")
        }
    }

    public func clientCertificate(spkiSHA256: String, timeout: Duration? = nil) async throws
        -> ClientCertificateRecord?
    {
        try await transaction(timeout: timeout) { connection, logger in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.certificateColumns) FROM client_certificates WHERE spki_sha256 = \(spkiSHA256)",
                logger: logger)
            return try await Self.decodeCertificates(rows).first
        }
    }

    public func listClientCertificates(tenantID: UUID, timeout: Duration? = nil) async throws
        -> [ClientCertificateRecord]
    {
        try await transaction(timeout: timeout) { connection, logger in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.certificateColumns) FROM client_certificates
                WHERE tenant_id = \(tenantID) ORDER BY created_at DESC LIMIT 1000
                """, logger: logger)
            return try await Self.decodeCertificates(rows)
        }
    }

    // MARK: Idempotency

    /// How long a retry with the same idempotency key returns the first result.
    public static let idempotencyWindow: TimeInterval = 24 * 3600

    public func idempotencyRecord(
        principalID: String, method: String, keyHash: Data, timeout: Duration? = nil
    ) async throws -> IdempotencyRecord? {
        try await transaction(timeout: timeout) { connection, logger in
            let rows = try await connection.query(
                """
                SELECT request_sha256, sealed_result FROM idempotency_records
                WHERE principal_id = \(principalID) AND method = \(method) AND key_sha256 = \(keyHash)
                  AND created_at > now() - make_interval(secs => \(Self.idempotencyWindow))
                """, logger: logger)
            for try await (requestHash, sealed) in rows.decode((Data, Data).self) {
                return IdempotencyRecord(
                    principalID: principalID, method: method, keyHash: keyHash, requestHash: requestHash,
                    sealedResult: sealed)
            }
            return nil
        }
    }
}
