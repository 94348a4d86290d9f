import Foundation
import PostgresNIO
import Testing
import TradewindCore
import TradewindTestSupport

@testable import TradewindStore

/// Row-level security as the server's role: no tenant means no rows, and one tenant never sees,
/// changes or probes another's rows.
@Suite("Tenant isolation in PostgreSQL")
struct IsolationTests {
    private static func insertContact(_ connection: PostgresConnection, tenantID: UUID, externalID: String) async throws
        -> UUID
    {
        let id = UUID()
        try await connection.query(
            """
            INSERT INTO contacts (tenant_id, id, external_id, created_at, updated_at)
            VALUES (\(tenantID), \(id), \(externalID), now(), now())
            """, logger: TestEnvironment.logger)
        return id
    }

    private static func count(_ connection: PostgresConnection, _ sql: PostgresQuery) async throws -> Int {
        let rows = try await connection.query(sql, logger: TestEnvironment.logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    /// The SQLSTATE `body` failed with, or nil when it succeeded (any other error fails the test).
    private static func sqlState(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch let error as PSQLError {
            return error.serverInfo?[.sqlState] ?? "no SQLSTATE: \(String(reflecting: error))"
        } catch {
            return "not a PostgreSQL error: \(error)"
        }
    }

    /// The SQLSTATEs of a read and of an insert for `tenantID` in transactions of `pool` that set
    /// no tenant; nil where one succeeded.
    private static func withoutTenant(_ pool: DatabasePool, tenantID: UUID) async -> [String?] {
        let read = await sqlState {
            _ = try await pool.withTransaction(tenantID: nil, timeout: .seconds(5)) { connection in
                try await count(connection, "SELECT count(*)::int FROM contacts")
            }
        }
        let insert = await sqlState {
            _ = try await pool.withTransaction(tenantID: nil, timeout: .seconds(5)) { connection in
                try await insertContact(connection, tenantID: tenantID, externalID: "no-tenant")
            }
        }
        return [read, insert]
    }

    /// The policy's `current_setting('tradewind.tenant_id')` on a connection that never set it.
    static let undefinedSetting = "42704"
    /// The same on a connection whose earlier transaction set it: the placeholder is empty, and
    /// the cast of '' to uuid raises.
    static let emptyTenant = "22P02"

    @Test("with no tenant set, reads raise and inserts fail")
    func failsClosedWithoutTenant() async throws {
        let configuration = try await TestEnvironment.configuration()
        var endpoint = try #require(configuration.regions[Region("eu")])
        endpoint.maximumConnections = 1  // a new connection that never had a tenant
        let pool = try DatabasePool(name: "eu", endpoint: endpoint, logger: TestEnvironment.logger)
        try await DatabaseSession.with { session in
            let tenant = try await session.makeTenant(Region("eu"))
            await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pool.run() }
                defer { group.cancelAll() }
                #expect(
                    await Self.withoutTenant(pool, tenantID: tenant.id) == [
                        Self.undefinedSetting, Self.undefinedSetting,
                    ])
            }
        }
    }

    @Test("a pooled connection that served a tenant carries nothing into the next transaction")
    func pooledConnectionForgetsTenant() async throws {
        let configuration = try await TestEnvironment.configuration()
        var endpoint = try #require(configuration.regions[Region("eu")])
        endpoint.maximumConnections = 1  // the same connection serves both transactions
        let pool = try DatabasePool(name: "eu", endpoint: endpoint, logger: TestEnvironment.logger)
        try await DatabaseSession.with { session in
            let tenant = try await session.makeTenant(Region("eu"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await pool.run() }
                defer { group.cancelAll() }
                let backendBefore = try await pool.withTransaction(tenantID: tenant.id, timeout: .seconds(5)) {
                    connection in
                    _ = try await Self.insertContact(connection, tenantID: tenant.id, externalID: "pooled")
                    return try await Self.count(connection, "SELECT pg_backend_pid()")
                }
                let backendAfter = try await pool.withTransaction(tenantID: nil, timeout: .seconds(5)) { connection in
                    try await Self.count(connection, "SELECT pg_backend_pid()")
                }
                #expect(backendBefore == backendAfter, "the test needs the same connection twice")
                #expect(await Self.withoutTenant(pool, tenantID: tenant.id) == [Self.emptyTenant, Self.emptyTenant])
            }
        }
    }

    @Test("another tenant's rows cannot be read, changed, deleted or written")
    func tenantsAreIsolated() async throws {
        try await DatabaseSession.with { session in
            let eu = Region("eu")
            let a = try await session.makeTenant(eu)
            let b = try await session.makeTenant(eu)
            let contactOfA = try await session.inRegion(eu, tenantID: a.id) { connection in
                try await Self.insertContact(connection, tenantID: a.id, externalID: "shared-external-id")
            }
            let seenByB = try await session.inRegion(eu, tenantID: b.id) { connection in
                [
                    try await Self.count(connection, "SELECT count(*)::int FROM contacts WHERE id = \(contactOfA)"),
                    try await Self.count(connection, "SELECT count(*)::int FROM contacts WHERE tenant_id = \(a.id)"),
                    try await Self.count(
                        connection,
                        "WITH u AS (UPDATE contacts SET name = 'x' WHERE id = \(contactOfA) RETURNING 1) SELECT count(*)::int FROM u"
                    ),
                    try await Self.count(
                        connection,
                        "WITH d AS (DELETE FROM contacts WHERE id = \(contactOfA) RETURNING 1) SELECT count(*)::int FROM d"
                    ),
                ]
            }
            #expect(seenByB == [0, 0, 0, 0])

            // Writing a row for A while acting as B violates the policy's WITH CHECK (42501).
            await #expect {
                try await session.inRegion(eu, tenantID: b.id) { connection in
                    try await Self.insertContact(connection, tenantID: a.id, externalID: "forged")
                }
            } throws: { error in
                (error as? PSQLError)?.serverInfo?[.sqlState] == "42501"
            }

            // The unique key includes tenant_id, so B may use A's external id: no existence oracle.
            _ = try await session.inRegion(eu, tenantID: b.id) { connection in
                try await Self.insertContact(connection, tenantID: b.id, externalID: "shared-external-id")
            }

            // A consent entry pointing at A's contact fails exactly like one pointing at a random id.
            func foreignKeyError(_ contactID: UUID) async throws -> String? {
                do {
                    _ = try await session.inRegion(eu, tenantID: b.id) { connection in
                        try await connection.query(
                            """
                            INSERT INTO consent_events (tenant_id, id, contact_id, purpose, action, lawful_basis, source,
                                                        regime, occurred_at, recorded_at)
                            VALUES (\(b.id), \(UUID()), \(contactID), 'analytics', 'grant', 'consent', 'test', 'gdpr',
                                    now(), now())
                            """, logger: TestEnvironment.logger)
                    }
                    return nil
                } catch let error as PSQLError {
                    return error.serverInfo?[.sqlState]
                }
            }
            let viaForeignContact = try await foreignKeyError(contactOfA)
            let viaRandomID = try await foreignKeyError(UUID())
            #expect(viaForeignContact == "23503")
            #expect(viaForeignContact == viaRandomID)

            // And A still has its contact, untouched.
            let name = try await session.inRegion(eu, tenantID: a.id) { connection in
                let rows = try await connection.query(
                    "SELECT name FROM contacts WHERE id = \(contactOfA)", logger: TestEnvironment.logger)
                for try await name in rows.decode(String.self) { return name }
                return "missing"
            }
            #expect(name == "")
        }
    }

    @Test("the app role cannot change or delete consent ledger entries")
    func ledgerIsAppendOnly() async throws {
        try await DatabaseSession.with { session in
            let eu = Region("eu")
            let tenant = try await session.makeTenant(eu)
            let contactID = try await session.inRegion(eu, tenantID: tenant.id) { connection in
                try await Self.insertContact(connection, tenantID: tenant.id, externalID: "ledger")
            }
            for statement: PostgresQuery in [
                "UPDATE consent_events SET source = 'edited' WHERE contact_id = \(contactID)",
                "DELETE FROM consent_events WHERE contact_id = \(contactID)",
            ] {
                await #expect {
                    try await session.inRegion(eu, tenantID: tenant.id) { connection in
                        try await connection.query(statement, logger: TestEnvironment.logger)
                    }
                } throws: { error in
                    (error as? PSQLError)?.serverInfo?[.sqlState] == "42501"
                }
            }
        }
    }
}

@Suite("Transaction settings")
struct TransactionSettingsTests {
    @Test("each transaction carries the call's deadline as statement_timeout, sub-second part included")
    func statementTimeoutFollowsDeadline() async throws {
        try await DatabaseSession.with { session in
            let pool = try #require(session.regions[Region("eu")])
            for (deadline, expected) in [(Duration.milliseconds(800), "800ms"), (.seconds(5), "5s")] {
                let setting = try await pool.withTransaction(tenantID: nil, timeout: deadline) { connection in
                    let rows = try await connection.query(
                        "SELECT current_setting('statement_timeout')", logger: TestEnvironment.logger)
                    for try await value in rows.decode(String.self) { return value }
                    return ""
                }
                #expect(setting == expected)
            }
        }
    }
}
