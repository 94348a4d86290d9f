import Foundation
import PostgresNIO
import Testing
import TradewindCore
import TradewindTestSupport

@testable import TradewindStore

/// Reads the system catalogs of every regional database, as the server's own role, and fails when
/// any part of the RLS contract is broken.
@Suite("RLS contract in the catalogs")
struct CatalogTests {
    /// Tables that carry a tenant id but deliberately have no tenant policy, with the reason and the
    /// only columns they may have: nothing personal, nothing about the work, ever.
    static let policyExceptions: [String: (reason: String, columns: [String])] = [
        "outbox_wake": (
            "a worker finds which tenants have outbox work due before it knows a tenant",
            ["tenant_id", "due_at"]
        )
    ]

    @Test("every table with tenant_id has RLS enabled and forced, one tenant policy and a tenant-first key")
    func tenantTablesAreIsolated() async throws {
        try await DatabaseSession.with { session in
            #expect(session.regions.count >= 4)
            for region in session.regions.keys.sorted() {
                let problems = try await session.inRegion(region, tenantID: nil) { connection in
                    let rows = try await connection.query(
                        """
                        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                               (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid),
                               coalesce((SELECT string_agg(pg_get_expr(p.polqual, p.polrelid), ' ')
                                         FROM pg_policy p WHERE p.polrelid = c.oid), ''),
                               coalesce((SELECT string_agg(pg_get_expr(p.polwithcheck, p.polrelid), ' ')
                                         FROM pg_policy p WHERE p.polrelid = c.oid), ''),
                               coalesce((SELECT a.attname FROM pg_index i
                                         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
                                         WHERE i.indrelid = c.oid AND i.indisprimary), '')
                        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
                          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')
                          AND c.relname <> ALL(\(Array(Self.policyExceptions.keys)))
                        ORDER BY c.relname
                        """, logger: TestEnvironment.logger)
                    var problems: [String] = []
                    var tables = 0
                    for try await (name, enabled, forced, policies, using, check, firstKey) in rows.decode(
                        (String, Bool, Bool, Int, String, String, String).self)
                    {
                        tables += 1
                        if !enabled { problems.append("\(name): RLS not enabled") }
                        if !forced { problems.append("\(name): RLS not forced") }
                        if policies != 1 { problems.append("\(name): \(policies) policies, want exactly 1") }
                        let expected = "(tenant_id = (current_setting('tradewind.tenant_id'::text))::uuid)"
                        if using != expected { problems.append("\(name): USING is \(using)") }
                        if check != expected { problems.append("\(name): WITH CHECK is \(check)") }
                        if firstKey != "tenant_id" { problems.append("\(name): primary key starts with '\(firstKey)'") }
                    }
                    if tables < 3 { problems.append("only \(tables) tenant tables found: migrations missing?") }
                    return problems
                }
                #expect(problems.isEmpty, "region \(region): \(problems)")
            }
        }
    }

    @Test("the tables excepted from the tenant policy hold a tenant id and a time, nothing else")
    func policyExceptionsHoldNothingElse() async throws {
        try await DatabaseSession.with { session in
            for region in session.regions.keys.sorted() {
                let columns = try await session.inRegion(region, tenantID: nil) { connection in
                    let rows = try await connection.query(
                        """
                        SELECT c.relname::text, a.attname::text
                        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
                          AND c.relname = ANY(\(Array(Self.policyExceptions.keys)))
                        ORDER BY c.relname, a.attnum
                        """, logger: TestEnvironment.logger)
                    var columns: [String: [String]] = [:]
                    for try await (table, column) in rows.decode((String, String).self) {
                        columns[table, default: []].append(column)
                    }
                    return columns
                }
                for (table, exception) in Self.policyExceptions {
                    #expect(
                        columns[table] == exception.columns,
                        "region \(region): \(table) (\(exception.reason)) has columns \(columns[table] ?? [])")
                }
            }
        }
    }

    @Test("foreign keys, unique constraints and unique indexes of tenant tables include tenant_id first")
    func keysAreTenantFirst() async throws {
        try await DatabaseSession.with { session in
            for region in session.regions.keys.sorted() {
                let problems = try await session.inRegion(region, tenantID: nil) { connection in
                    let rows = try await connection.query(
                        """
                        SELECT con.conname, con.contype::text,
                               (SELECT a.attname FROM pg_attribute a
                                WHERE a.attrelid = con.conrelid AND a.attnum = con.conkey[1])
                        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
                        JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = 'public' AND con.contype IN ('f', 'u', 'p')
                          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')
                        """, logger: TestEnvironment.logger)
                    var problems: [String] = []
                    for try await (name, kind, first) in rows.decode((String, String, String).self)
                    where first != "tenant_id" {
                        problems.append("\(name) (\(kind)) starts with \(first)")
                    }
                    // A unique index is an existence oracle just like a unique constraint, and
                    // pg_constraint does not list one made with CREATE UNIQUE INDEX (partial or not).
                    let indexes = try await connection.query(
                        """
                        SELECT i.relname::text,
                               coalesce((SELECT a.attname::text FROM pg_attribute a
                                         WHERE a.attrelid = x.indrelid AND a.attnum = x.indkey[0]), 'an expression')
                        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                        JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = 'public' AND x.indisunique
                          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')
                        """, logger: TestEnvironment.logger)
                    for try await (name, first) in indexes.decode((String, String).self) where first != "tenant_id" {
                        problems.append("unique index \(name) starts with \(first)")
                    }
                    return problems
                }
                #expect(problems.isEmpty, "region \(region): \(problems)")
            }
        }
    }

    @Test("the server's roles may only SELECT and INSERT the audit tables, and a trigger refuses changes")
    func auditTablesAreAppendOnly() async throws {
        let check: @Sendable (PostgresConnection) async throws -> [String] = { connection in
            let rows = try await connection.query(
                """
                SELECT t.name,
                       has_table_privilege(current_user, t.name, 'SELECT'),
                       has_table_privilege(current_user, t.name, 'INSERT'),
                       has_table_privilege(current_user, t.name, 'UPDATE')
                         OR has_table_privilege(current_user, t.name, 'DELETE')
                         OR has_table_privilege(current_user, t.name, 'TRUNCATE')
                         OR has_table_privilege(current_user, t.name, 'TRIGGER')
                         OR has_table_privilege(current_user, t.name, 'REFERENCES'),
                       coalesce((SELECT g.tgenabled::text FROM pg_trigger g
                                 WHERE g.tgrelid = t.name::regclass AND g.tgname = 'append_only'
                                   AND g.tgtype & 56 = 56), 'missing')
                FROM (VALUES ('audit_records'), ('audit_checkpoints')) AS t(name)
                """, logger: TestEnvironment.logger)
            var problems: [String] = []
            for try await (name, select, insert, more, trigger) in rows.decode((String, Bool, Bool, Bool, String).self)
            {
                if !select || !insert { problems.append("\(name): cannot SELECT and INSERT") }
                if more { problems.append("\(name): holds more than SELECT and INSERT") }
                // 'A': fires always, even with session_replication_role = replica.
                if trigger != "A" { problems.append("\(name): append_only trigger is \(trigger)") }
            }
            return problems
        }
        try await DatabaseSession.with { session in
            for region in session.regions.keys.sorted() {
                let problems = try await session.inRegion(region, tenantID: nil, check)
                #expect(problems.isEmpty, "region \(region): \(problems)")
            }
            let problems = try await session.inControl(check)
            #expect(problems.isEmpty, "control: \(problems)")
        }
    }

    @Test("the app role is no superuser, cannot bypass RLS and owns nothing")
    func appRoleIsPowerless() async throws {
        try await DatabaseSession.with { session in
            for region in session.regions.keys.sorted() {
                let (superuser, bypass, owned, createOnPublic) = try await session.inRegion(region, tenantID: nil) {
                    connection in
                    let rows = try await connection.query(
                        """
                        SELECT r.rolsuper, r.rolbypassrls,
                               (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid)
                             + (SELECT count(*)::int FROM pg_namespace s WHERE s.nspowner = r.oid)
                             + (SELECT count(*)::int FROM pg_proc p WHERE p.proowner = r.oid),
                               has_schema_privilege('public', 'CREATE')
                        FROM pg_roles r WHERE r.rolname = current_user
                        """, logger: TestEnvironment.logger)
                    for try await row in rows.decode((Bool, Bool, Int, Bool).self) { return row }
                    throw TestSetupError("current_user not in pg_roles")
                }
                #expect(!superuser, "region \(region)")
                #expect(!bypass, "region \(region)")
                #expect(owned == 0, "region \(region): owns \(owned) objects")
                #expect(!createOnPublic, "region \(region): may create in schema public")
            }
        }
    }

    @Test("no view without security_invoker, no serial ids, no SECURITY DEFINER function the app can run")
    func noLeakyObjects() async throws {
        try await DatabaseSession.with { session in
            for region in session.regions.keys.sorted() {
                let problems = try await session.inRegion(region, tenantID: nil) { connection in
                    var problems: [String] = []
                    let views = try await connection.query(
                        """
                        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm')
                          AND NOT coalesce('security_invoker=true' = ANY(c.reloptions), false)
                        """, logger: TestEnvironment.logger)
                    for try await name in views.decode(String.self) {
                        problems.append("view \(name) lacks security_invoker")
                    }
                    let sequences = try await connection.query(
                        """
                        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = 'public' AND c.relkind = 'S'
                        """, logger: TestEnvironment.logger)
                    for try await name in sequences.decode(String.self) { problems.append("sequence \(name)") }
                    let definers = try await connection.query(
                        """
                        SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                        WHERE n.nspname = 'public' AND p.prosecdef AND has_function_privilege(p.oid, 'EXECUTE')
                        """, logger: TestEnvironment.logger)
                    for try await name in definers.decode(String.self) { problems.append("security definer \(name)") }
                    let permissive = try await connection.query(
                        "SELECT policyname FROM pg_policies WHERE qual = 'true' OR with_check = 'true'",
                        logger: TestEnvironment.logger)
                    for try await name in permissive.decode(String.self) {
                        problems.append("USING (true) policy \(name)")
                    }
                    return problems
                }
                #expect(problems.isEmpty, "region \(region): \(problems)")
            }
        }
    }
}
