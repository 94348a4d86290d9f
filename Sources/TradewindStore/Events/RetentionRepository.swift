import Foundation
import PostgresNIO

/// Deletes what a tenant's retention setting no longer allows.
public enum RetentionRepository {
    /// Deletes the tenant's events that occurred more than `days` days ago; returns how many.
    /// Rollups keep their counts: aggregates outlive the raw events.
    public static func deleteExpiredEvents(olderThanDays days: Int, in tx: TenantTransaction) async throws -> Int {
        let rows = try await tx.connection.query(
            """
            WITH gone AS (
                DELETE FROM events WHERE tenant_id = \(tx.tenantID)
                  AND occurred_at < now() - make_interval(days => \(days)::int)
                RETURNING 1)
            SELECT count(*)::int FROM gone
            """, logger: tx.logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}
