import Foundation
import Logging
import PostgresNIO
import TradewindCore

/// API keys: stored as SHA-256 hashes of their secrets, revoked rather than deleted.
extension ControlStore {
    static let keyColumns =
        "key_id, tenant_id, role, label, secret_sha256, created_at, expires_at, revoked_at, last_used_at"

    static func decodeKeys(_ rows: PostgresRowSequence) async throws -> [APIKeyRecord] {
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
        _ key: APIKeyRecord, idempotency: IdempotencyRecord?, for caller: some StoreCaller
    ) async throws -> (APIKeyRecord, existing: IdempotencyRecord?) {
        do {
            return try await write(for: caller) { connection, logger in
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
        tenantID: UUID, keyID: String, for caller: some StoreCaller
    ) async throws -> APIKeyRecord {
        try await write(for: caller) { connection, logger in
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
}
