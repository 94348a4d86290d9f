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

extension StoreError {
    /// What a log line may say about a failure: the error's type and, for a database error, its
    /// SQLSTATE and constraint. Never its message or detail, which can quote the values of a row
    /// (an email, a contact id) into the logs.
    public static func logDescription(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            guard let state = psql.sqlState else { return "PSQLError (\(psql.code))" }
            return "PSQLError sqlstate=\(state)" + (psql.constraintName.map { " constraint=\($0)" } ?? "")
        }
        if let store = error as? StoreError {
            switch store {
            case .notFound: return "StoreError.notFound"
            case .alreadyExists: return "StoreError.alreadyExists"
            case .failedPrecondition: return "StoreError.failedPrecondition"
            case .unavailable(let cluster, let reason): return "StoreError.unavailable(\(cluster), \(reason))"
            }
        }
        return String(reflecting: type(of: error))
    }
}

extension PSQLError {
    /// The SQLSTATE of a server error, e.g. `23505` for a unique violation.
    var sqlState: String? { serverInfo?[.sqlState] }
    var constraintName: String? { serverInfo?[.constraintName] }
}
