import Foundation
import PostgresNIO

/// Idempotency keys of tenant mutations, kept in the tenant's region beside what they point to.
public enum TenantIdempotency {
    /// What a key says about a call.
    public enum Claim: Sendable, Hashable {
        /// First use: go ahead and make `resourceID`.
        case new
        /// A retry of the same request: answer with the resource the first call made.
        case replay(resourceID: UUID)
        /// The key was used for another request.
        case conflict
    }

    /// Claims `keyHash` for `resourceID` in the transaction that makes the resource. A concurrent
    /// first use waits on the key's row and then reads as a replay.
    public static func claim(
        principalID: String, method: String, keyHash: Data, requestHash: Data, resourceID: UUID,
        in tx: TenantTransaction
    ) async throws -> Claim {
        let inserted = try await tx.connection.query(
            """
            INSERT INTO tenant_idempotency_keys AS k
                (tenant_id, principal_id, method, key_sha256, request_sha256, resource_id)
            VALUES (\(tx.tenantID), \(principalID), \(method), \(keyHash), \(requestHash), \(resourceID))
            ON CONFLICT (tenant_id, principal_id, method, key_sha256) DO UPDATE
                SET request_sha256 = excluded.request_sha256, resource_id = excluded.resource_id, created_at = now()
                WHERE k.created_at <= now() - interval '24 hours'
            RETURNING 1
            """, logger: tx.logger)
        if try await inserted.collect().count == 1 { return .new }
        let rows = try await tx.connection.query(
            """
            SELECT request_sha256, resource_id FROM tenant_idempotency_keys
            WHERE tenant_id = \(tx.tenantID) AND principal_id = \(principalID) AND method = \(method)
              AND key_sha256 = \(keyHash)
            """, logger: tx.logger)
        for try await (storedRequest, resource) in rows.decode((Data, UUID).self) {
            return storedRequest == requestHash ? .replay(resourceID: resource) : .conflict
        }
        return .conflict
    }

    /// What the key says without claiming it: `.new` when unused (or older than 24 hours).
    public static func existing(
        principalID: String, method: String, keyHash: Data, requestHash: Data, in tx: TenantTransaction
    ) async throws -> Claim {
        let rows = try await tx.connection.query(
            """
            SELECT request_sha256, resource_id FROM tenant_idempotency_keys
            WHERE tenant_id = \(tx.tenantID) AND principal_id = \(principalID) AND method = \(method)
              AND key_sha256 = \(keyHash) AND created_at > now() - interval '24 hours'
            """, logger: tx.logger)
        for try await (storedRequest, resource) in rows.decode((Data, UUID).self) {
            return storedRequest == requestHash ? .replay(resourceID: resource) : .conflict
        }
        return .new
    }
}
