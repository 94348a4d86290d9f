import Crypto
import Foundation
import Logging
import PostgresNIO

/// Applies the numbered SQL files in `Migrations/control` or `Migrations/regional` to a cluster,
/// as the schema-owning role, each file in its own transaction.
///
/// Applied versions are recorded with the file's SHA-256; a file edited after it was applied stops
/// the run, because the database no longer matches what the repository says it is.
public struct Migrator: Sendable {
    /// Which schema a cluster carries.
    public enum Plane: String, Sendable {
        case control
        case regional
    }

    /// One numbered migration file.
    public struct Migration: Sendable, Hashable {
        public var version: Int
        public var name: String
        public var sql: String
        public var checksum: String
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// The migrations shipped for a plane, in order.
    public static func migrations(for plane: Plane) throws -> [Migration] {
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw Failure(description: "migration files are missing from the build")
        }
        let folder = directory.appendingPathComponent(plane.rawValue)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        return try files.map { file in
            guard let version = Int(file.prefix { $0.isNumber }) else {
                throw Failure(description: "migration \(file) does not start with a version number")
            }
            let sql = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            let checksum = SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
            return Migration(version: version, name: file, sql: sql, checksum: checksum)
        }
    }

    /// Applies what is missing; returns the names of the files applied now.
    public func migrate(_ endpoint: DatabaseEndpoint, plane: Plane) async throws -> [String] {
        let migrations = try Self.migrations(for: plane)
        let logger = self.logger
        return try await endpoint.withClient(logger: logger) { client in
            try await client.withConnection { connection in
                // One migrator at a time per cluster; the lock goes with the connection.
                try await connection.query("SELECT pg_advisory_lock(7243001)", logger: logger)
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version integer PRIMARY KEY, name text NOT NULL, sha256 text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now())
                    """, logger: logger)
                let rows = try await connection.query(
                    "SELECT version, name, sha256 FROM schema_migrations", logger: logger)
                var applied: [Int: (String, String)] = [:]
                for try await (version, name, checksum) in rows.decode((Int, String, String).self) {
                    applied[version] = (name, checksum)
                }
                var done: [String] = []
                for migration in migrations {
                    if let (name, checksum) = applied[migration.version] {
                        guard checksum == migration.checksum else {
                            throw Failure(
                                description:
                                    "\(plane.rawValue) migration \(name) was changed after it was applied; add a new migration instead"
                            )
                        }
                        continue
                    }
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        for statement in SQLScript.statements(in: migration.sql) {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await connection.query(
                            "INSERT INTO schema_migrations (version, name, sha256) VALUES (\(migration.version), \(migration.name), \(migration.checksum))",
                            logger: logger)
                        try await connection.query("COMMIT", logger: logger)
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw Failure(
                            description:
                                "\(plane.rawValue) migration \(migration.name) failed: \(String(reflecting: error))")
                    }
                    done.append(migration.name)
                }
                return done
            }
        }
    }
}

extension DatabaseEndpoint {
    /// Runs `body` with a client for this endpoint, for one-off work outside the server (migrations, loads).
    func withClient<Result: Sendable>(
        logger: Logger, _ body: @Sendable @escaping (PostgresClient) async throws -> Result
    ) async throws -> Result {
        let client = PostgresClient(configuration: try clientConfiguration(), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}
