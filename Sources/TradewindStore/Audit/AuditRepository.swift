import Foundation
import Logging
import PostgresNIO
import TradewindAudit

/// Filters of an audit query. Every field is optional; set ones must all match.
public struct AuditQuery: Sendable, Hashable {
    public var from: Date?
    public var to: Date?
    public var principalID: String?
    public var method: String?
    public var code: Int?
    /// A typed resource id as stored, e.g. `contact:<pseudonym>` or `api_key:<id>`.
    public var resource: String?

    public init(
        from: Date? = nil, to: Date? = nil, principalID: String? = nil, method: String? = nil, code: Int? = nil,
        resource: String? = nil
    ) {
        self.from = from
        self.to = to
        self.principalID = principalID
        self.method = method
        self.code = code
        self.resource = resource
    }
}

/// A stored record's body and hash, as the export streams them.
public struct StoredAuditRecord: Sendable, Hashable {
    public var seq: Int64
    public var body: String
    public var hash: Data

    public var line: String { AuditChain.line(body: body, hash: hash) }
}

/// SQL over `audit_records` and `audit_checkpoints`, the same in the regional clusters (tenant
/// chains, under row-level security) and the control cluster (the platform chain). Each function
/// runs on a connection inside a transaction the caller opened.
enum AuditRepository {
    /// Appends `entries` to `chain` in order; returns the last sequence number.
    @discardableResult
    static func append(
        _ entries: [AuditEntry], chain: AuditChainID, on connection: PostgresConnection, logger: Logger
    ) async throws -> Int64 {
        let rows = try await connection.query(appendStatement(entries, chain: chain), logger: logger)
        for try await seq in rows.decode(Int64.self) { return seq }
        throw AuditStoreError.appendReturnedNothing
    }

    /// The statement that appends `entries` to `chain` and returns the last sequence number.
    static func appendStatement(_ entries: [AuditEntry], chain: AuditChainID) -> PostgresQuery {
        "SELECT audit_append(\(chain.databaseID), \(entries.map(\.canonicalFields)))"
    }

    /// The chain's last sequence number and hash, and the sequence number of its last checkpoint.
    static func head(chain: AuditChainID, on connection: PostgresConnection, logger: Logger) async throws
        -> (seq: Int64, hash: Data, checkpointedSeq: Int64)
    {
        let rows = try await connection.query(
            """
            SELECT coalesce((SELECT seq FROM audit_records WHERE tenant_id = \(chain.databaseID) ORDER BY seq DESC LIMIT 1), 0),
                   (SELECT hash FROM audit_records WHERE tenant_id = \(chain.databaseID) ORDER BY seq DESC LIMIT 1),
                   coalesce((SELECT max(seq) FROM audit_checkpoints WHERE tenant_id = \(chain.databaseID)), 0)
            """, logger: logger)
        for try await (seq, hash, checkpointed) in rows.decode((Int64, Data?, Int64).self) {
            return (seq, hash ?? AuditChain.genesis, checkpointed)
        }
        return (0, AuditChain.genesis, 0)
    }

    /// The hash of record `seq`; the genesis hash for 0.
    static func hash(at seq: Int64, chain: AuditChainID, on connection: PostgresConnection, logger: Logger)
        async throws -> Data?
    {
        guard seq > 0 else { return AuditChain.genesis }
        let rows = try await connection.query(
            "SELECT hash FROM audit_records WHERE tenant_id = \(chain.databaseID) AND seq = \(seq)", logger: logger)
        for try await hash in rows.decode(Data.self) { return hash }
        return nil
    }

    static func insertCheckpoint(
        _ checkpoint: AuditCheckpoint, chain: AuditChainID, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO audit_checkpoints (tenant_id, seq, key_id, signed_at, line)
            VALUES (\(chain.databaseID), \(checkpoint.seq), \(checkpoint.keyID), \(checkpoint.time), \(checkpoint.line))
            ON CONFLICT (tenant_id, seq) DO NOTHING
            """, logger: logger)
    }

    /// Stored checkpoints with `seq` in `range` (signed before `signedBefore`, if given), in order,
    /// as exported lines.
    static func checkpoints(
        chain: AuditChainID, in range: ClosedRange<Int64>, signedBefore: Date? = nil, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [(seq: Int64, line: String)] {
        let rows = try await connection.query(
            """
            SELECT seq, line FROM audit_checkpoints
            WHERE tenant_id = \(chain.databaseID) AND seq BETWEEN \(range.lowerBound) AND \(range.upperBound)
              AND (\(signedBefore == nil) OR signed_at < \(signedBefore ?? .distantFuture))
            ORDER BY seq
            """, logger: logger)
        var result: [(Int64, String)] = []
        for try await row in rows.decode((Int64, String).self) { result.append(row) }
        return result
    }

    /// The stretch of the chain whose records were made in [from, to): the first and last sequence
    /// numbers, or `nil` when there is none.
    static func range(
        chain: AuditChainID, from: Date?, to: Date?, on connection: PostgresConnection, logger: Logger
    ) async throws -> ClosedRange<Int64>? {
        let rows = try await connection.query(
            """
            SELECT min(seq), max(seq) FROM audit_records
            WHERE tenant_id = \(chain.databaseID)
              AND (\(from == nil) OR recorded_at >= \(from ?? .distantPast))
              AND (\(to == nil) OR recorded_at < \(to ?? .distantFuture))
            """, logger: logger)
        for try await (first, last) in rows.decode((Int64?, Int64?).self) {
            if let first, let last { return first...last }
        }
        return nil
    }

    /// Records after `afterSeq` up to `throughSeq`, in order, at most `limit`.
    static func records(
        chain: AuditChainID, after afterSeq: Int64, through throughSeq: Int64, limit: Int,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> [StoredAuditRecord] {
        let rows = try await connection.query(
            """
            SELECT seq, body, hash FROM audit_records
            WHERE tenant_id = \(chain.databaseID) AND seq > \(afterSeq) AND seq <= \(throughSeq)
            ORDER BY seq LIMIT \(limit)
            """, logger: logger)
        var result: [StoredAuditRecord] = []
        result.reserveCapacity(limit)
        for try await (seq, body, hash) in rows.decode((Int64, String, Data).self) {
            result.append(StoredAuditRecord(seq: seq, body: body, hash: hash))
        }
        return result
    }

    /// Records matching `query`, newest first, with sequence numbers below `beforeSeq`.
    static func search(
        chain: AuditChainID, _ query: AuditQuery, before beforeSeq: Int64?, limit: Int,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> [StoredAuditRecord] {
        let resources = query.resource.map { [$0] } ?? []
        let rows = try await connection.query(
            """
            SELECT seq, body, hash FROM audit_records
            WHERE tenant_id = \(chain.databaseID)
              AND (\(beforeSeq == nil) OR seq < \(beforeSeq ?? 0))
              AND (\(query.from == nil) OR recorded_at >= \(query.from ?? .distantPast))
              AND (\(query.to == nil) OR recorded_at < \(query.to ?? .distantFuture))
              AND (\(query.principalID == nil) OR principal_id = \(query.principalID ?? ""))
              AND (\(query.method == nil) OR method = \(query.method ?? ""))
              AND (\(query.code == nil) OR code = \(query.code ?? 0))
              AND (\(query.resource == nil) OR resources @> \(resources))
            ORDER BY seq DESC LIMIT \(limit)
            """, logger: logger)
        var result: [StoredAuditRecord] = []
        for try await (seq, body, hash) in rows.decode((Int64, String, Data).self) {
            result.append(StoredAuditRecord(seq: seq, body: body, hash: hash))
        }
        return result
    }
}

public enum AuditStoreError: Error, Sendable, Equatable {
    case appendReturnedNothing
}
