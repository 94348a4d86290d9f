import Foundation
import Logging
import PostgresNIO
import TradewindCore

/// Idempotency records: a retry with the same key gets the first result, sealed.
extension ControlStore {
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
