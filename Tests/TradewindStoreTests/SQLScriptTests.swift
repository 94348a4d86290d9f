import Testing

@testable import TradewindStore

@Suite("Splitting migration files")
struct SQLScriptTests {
    @Test("splits at top-level semicolons only")
    func splitsStatements() {
        let sql = """
            -- a comment; with a semicolon
            CREATE TABLE t (a text DEFAULT ';');
            /* block; comment */
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'no; way';
                RETURN NEW;
            END
            $$;
            SELECT "odd;name" FROM t;
            """
        let statements = SQLScript.statements(in: sql)
        #expect(statements.count == 3)
        #expect(statements[0] == "CREATE TABLE t (a text DEFAULT ';')")
        #expect(statements[1].hasPrefix("CREATE FUNCTION f()"))
        #expect(statements[1].hasSuffix("$$"))
        #expect(statements[2] == "SELECT \"odd;name\" FROM t")
    }

    @Test("the shipped migrations parse into statements and are numbered in order")
    func shippedMigrationsAreWellFormed() throws {
        for plane in [Migrator.Plane.control, .regional] {
            let migrations = try Migrator.migrations(for: plane)
            #expect(!migrations.isEmpty)
            #expect(migrations.map(\.version) == Array(1...migrations.count))
            for migration in migrations {
                let statements = SQLScript.statements(in: migration.sql)
                #expect(!statements.isEmpty, "\(migration.name)")
                // A file split into fewer statements than it has lines ending a statement was misread.
                let ends = migration.sql.split(separator: "\n").filter { $0.hasSuffix(";") }.count
                #expect(statements.count >= min(ends, 2) || ends == 1, "\(migration.name)")
            }
        }
    }
}

@Suite("Statement timeouts")
struct StatementTimeoutTests {
    @Test("a transaction's statement_timeout keeps the sub-second part of its deadline")
    func subSecondDeadlines() {
        #expect(DatabasePool.milliseconds(.seconds(5)) == 5000)
        #expect(DatabasePool.milliseconds(.milliseconds(250)) == 250)
        #expect(DatabasePool.milliseconds(.milliseconds(1500)) == 1500)
        #expect(DatabasePool.milliseconds(.microseconds(10)) == 1)
    }
}

@Suite("Error log descriptions")
struct ErrorLogDescriptionTests {
    struct Leaky: Error, CustomStringConvertible {
        var description: String { "jane@example.com" }
    }

    @Test("a log line names the kind of failure, never the values an error may quote")
    func noValues() {
        #expect(StoreError.logDescription(StoreError.notFound("contact jane@example.com")) == "StoreError.notFound")
        #expect(!StoreError.logDescription(Leaky()).contains("jane"))
        #expect(StoreError.logDescription(Leaky()).hasSuffix("Leaky"))
    }
}
