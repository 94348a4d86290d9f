import PostgresNIO

/// What the store reports to its callers, already sorted into the cases a caller handles
/// differently. Database details stay in the logs, never in these messages.
public enum StoreError: Error, Sendable, Equatable {
    /// The row does not exist, or belongs to another tenant (the two are indistinguishable).
    case notFound(String)
    /// A unique key is taken.
    case alreadyExists(String)
    /// The request conflicts with the current state (e.g. an immutable field would change).
    case failedPrecondition(String)
    /// The cluster did not answer in time or is down. Callers answer `UNAVAILABLE`.
    case unavailable(cluster: String, reason: String)

    /// Sorts any error thrown by postgres-nio into a store error: connection, pool and timeout
    /// failures become `unavailable`; everything else is rethrown as it is for the caller to decide.
    static func translate(_ error: any Error, cluster: String) -> any Error {
        if error is StoreError { return error }
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError {
                return translate(inner, cluster: cluster)
            }
        }
        // postgres-nio does not export its pool's error type (circuit breaker tripped, pool shut
        // down, lease cancelled), so it is recognised by name.
        if error is CancellationError || String(reflecting: type(of: error)).hasSuffix("ConnectionPoolError") {
            return StoreError.unavailable(cluster: cluster, reason: "no connection")
        }
        if let psql = error as? PSQLError {
            guard let sqlState = psql.serverInfo?[.sqlState] else {
                // A client-side failure: connection refused, closed, TLS, cancelled.
                return StoreError.unavailable(cluster: cluster, reason: "\(psql.code)")
            }
            // 08 connection, 53 resources, 57 operator intervention (incl. statement timeout), 58 system.
            if ["08", "53", "57", "58"].contains(String(sqlState.prefix(2))) {
                return StoreError.unavailable(cluster: cluster, reason: "sqlstate \(sqlState)")
            }
        }
        return error
    }
}

extension PSQLError {
    /// The SQLSTATE of a server error, e.g. `23505` for a unique violation.
    var sqlState: String? { serverInfo?[.sqlState] }
    var constraintName: String? { serverInfo?[.constraintName] }
}
