import Foundation
import GRPCCore
import PostgresNIO
import Testing
import TradewindAudit
import TradewindCore
import TradewindProto
import TradewindServer
import TradewindTestSupport

/// Someone with superuser access edits a tenant's audit log in the database; the export of what is
/// left fails `audit verify` at the right record with the right kind of fault.
@Suite("Audit tamper evidence", .serialized)
struct AuditTamperTests {
    /// A tenant whose chain holds records 1-10, with a periodic checkpoint signed at 10.
    private static func chain() async throws -> (tenant: Tenant, key: String) {
        let (tenant, key) = try await TestStack.tenant("eu")
        try await TestStack.withClient { grpc in
            let contacts = Tradewind_V1_Contacts.Client(wrapping: grpc)
            for _ in 1...10 {
                var request = Tradewind_V1_GetContactRequest()
                request.id = UUID().uuidString
                _ = await Status.of { _ = try await contacts.getContact(request, metadata: .bearer(key)) }
            }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while try await checkpointedSeq(tenant) < 10 {
            guard ContinuousClock.now < deadline else { throw TestSetupError("no checkpoint at record 10 within 10 s") }
            try await Task.sleep(for: .milliseconds(200))
        }
        return (tenant, key)
    }

    private static func checkpointedSeq(_ tenant: Tenant) async throws -> Int64 {
        try await DatabaseSession.with { session in
            try await session.inRegion(Region("eu"), tenantID: tenant.id) { connection in
                let rows = try await connection.query(
                    "SELECT coalesce(max(seq), 0) FROM audit_checkpoints WHERE tenant_id = \(tenant.id)",
                    logger: TestEnvironment.logger)
                for try await seq in rows.decode(Int64.self) { return seq }
                return 0
            }
        }
    }

    /// Runs `statements` as superuser with the append-only trigger off, as an attacker would.
    private static func tamper(_ statements: String) async throws {
        try await TestEnvironment.superuserSQL(
            "eu",
            """
            ALTER TABLE audit_records DISABLE TRIGGER append_only;
            ALTER TABLE audit_checkpoints DISABLE TRIGGER append_only;
            \(statements);
            ALTER TABLE audit_records ENABLE ALWAYS TRIGGER append_only;
            ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER append_only;
            """)
    }

    private static func fault(_ key: String) async throws -> AuditFault? {
        let lines = try await AuditHarness.export(key: key)
        return AuditHarness.fault(lines, keys: try await TestStack.running().auditKeys)
    }

    /// Runs `tradewind audit verify` on `lines` as a user would; returns its exit status.
    private static func verifyWithTheCLI(_ lines: [String]) async throws -> Int32 {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tradewind-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = directory.appendingPathComponent("audit.jsonl")
        let keys = directory.appendingPathComponent("keys.json")
        try (lines.joined(separator: "\n") + "\n").write(to: export, atomically: true, encoding: .utf8)
        try await TestStack.running().auditKeys.encoded().write(to: keys)
        let pid = try TestEnvironment.spawn(
            TestEnvironment.binary, ["audit", "verify", export.path, "--public-key", keys.path], silent: true)
        let status = await TestEnvironment.wait(pid)
        return (status >> 8) & 0xFF
    }

    private static func sql(_ tenant: Tenant) -> String { "'\(tenant.id.uuidString.lowercased())'" }

    @Test("an untouched chain verifies")
    func untouched() async throws {
        let (_, key) = try await Self.chain()
        let lines = try await AuditHarness.export(key: key)
        let report = try AuditHarness.verify(lines, keys: try await TestStack.running().auditKeys).get()
        #expect(report.records == 11)  // ten calls and the export's opening record
        #expect(report.checkpoints >= 2)
        #expect(try await Self.verifyWithTheCLI(lines) == 0)
    }

    @Test("a changed record is reported as changed, at that record")
    func changed() async throws {
        let (tenant, key) = try await Self.chain()
        try await Self.tamper(
            """
            UPDATE audit_records SET body = replace(body, '"outcome":"not_found"', '"outcome":"ok"')
            WHERE tenant_id = \(Self.sql(tenant)) AND seq = 5
            """)
        let lines = try await AuditHarness.export(key: key)
        let fault = AuditHarness.fault(lines, keys: try await TestStack.running().auditKeys)
        #expect(fault?.kind == .changed && fault?.seq == 5, "\(String(describing: fault))")
        #expect(try await Self.verifyWithTheCLI(lines) == 1)
    }

    @Test("a deleted record is reported as deleted")
    func deleted() async throws {
        let (tenant, key) = try await Self.chain()
        try await Self.tamper("DELETE FROM audit_records WHERE tenant_id = \(Self.sql(tenant)) AND seq = 4")
        let fault = try await Self.fault(key)
        #expect(fault?.kind == .deleted && fault?.seq == 4, "\(String(describing: fault))")
    }

    @Test("swapped records are reported as reordered")
    func reordered() async throws {
        let (tenant, key) = try await Self.chain()
        let t = Self.sql(tenant)
        try await Self.tamper(
            """
            UPDATE audit_records SET seq = 1000006 WHERE tenant_id = \(t) AND seq = 6;
            UPDATE audit_records SET seq = 6 WHERE tenant_id = \(t) AND seq = 7;
            UPDATE audit_records SET seq = 7 WHERE tenant_id = \(t) AND seq = 1000006
            """)
        let fault = try await Self.fault(key)
        #expect(fault?.kind == .reordered && fault?.seq == 7, "\(String(describing: fault))")
    }

    @Test("a forged record slipped into the middle, with a correct hash, is reported as inserted")
    func inserted() async throws {
        let (tenant, key) = try await Self.chain()
        let t = Self.sql(tenant)
        // Make room at 5, then forge record 5 from record 4 and link it properly to 4's hash.
        try await Self.tamper(
            """
            UPDATE audit_records SET seq = seq + 1000000 WHERE tenant_id = \(t) AND seq >= 5;
            UPDATE audit_records SET seq = seq - 999999 WHERE tenant_id = \(t) AND seq >= 1000000;
            INSERT INTO audit_records (tenant_id, seq, recorded_at, request_id, principal_id, method, code, resources, body, hash)
            SELECT tenant_id, 5, recorded_at, 'forged', principal_id, method, code, resources, b,
                   sha256(hash || convert_to(b, 'UTF8'))
            FROM (SELECT *, replace(replace(body, '"seq":4,', '"seq":5,'), request_id, 'forged') AS b
                  FROM audit_records WHERE tenant_id = \(t) AND seq = 4) AS four
            """)
        let fault = try await Self.fault(key)
        #expect(fault?.kind == .inserted && fault?.seq == 5, "\(String(describing: fault))")
    }

    @Test("records removed from the tail after a checkpoint signed them: truncated; a cut file too")
    func truncated() async throws {
        let (tenant, key) = try await Self.chain()
        let intact = try await AuditHarness.export(key: key)
        let cut = Array(intact.dropLast(2))
        let keys = try await TestStack.running().auditKeys
        #expect(AuditHarness.fault(cut, keys: keys)?.kind == .truncated)

        try await Self.tamper("DELETE FROM audit_records WHERE tenant_id = \(Self.sql(tenant)) AND seq >= 9")
        let fault = try await Self.fault(key)
        #expect(fault?.kind == .truncated, "\(String(describing: fault))")
    }

    @Test("a checkpoint re-signed with a foreign key is reported as signed by an unknown key")
    func foreignKey() async throws {
        let (tenant, key) = try await Self.chain()
        let lines = try await AuditHarness.export(key: key)
        let stored = try #require(lines.first { $0.contains("\"kind\":\"periodic\"") && $0.contains("\"seq\":10,") })
        let original = try AuditCheckpoint(line: Data(stored.utf8))
        let forged = try AuditCheckpoint.sign(
            kind: .periodic, chain: .tenant(tenant.id), seq: original.seq, head: original.head, time: original.time,
            key: AuditSigningKey())
        try await Self.tamper(
            "UPDATE audit_checkpoints SET line = '\(forged.line)', key_id = '\(forged.keyID)' WHERE tenant_id = \(Self.sql(tenant)) AND seq = 10"
        )
        let fault = try await Self.fault(key)
        #expect(fault?.kind == .unknownKey, "\(String(describing: fault))")
        #expect(fault?.detail.contains(forged.keyID) == true)
    }

    @Test("a chain rewritten from record 3 with every hash recomputed forks from the signed checkpoint")
    func fork() async throws {
        let (tenant, key) = try await Self.chain()
        let t = Self.sql(tenant)
        try await Self.tamper(
            """
            DO $$
            DECLARE h bytea; r record;
            BEGIN
                UPDATE audit_records SET body = replace(body, '"outcome":"not_found"', '"outcome":"ok"')
                WHERE tenant_id = \(t) AND seq = 3;
                SELECT hash INTO h FROM audit_records WHERE tenant_id = \(t) AND seq = 2;
                FOR r IN SELECT seq, body FROM audit_records WHERE tenant_id = \(t) AND seq >= 3 ORDER BY seq LOOP
                    h := sha256(h || convert_to(r.body, 'UTF8'));
                    UPDATE audit_records SET hash = h WHERE tenant_id = \(t) AND seq = r.seq;
                END LOOP;
            END $$
            """)
        let fault = try await Self.fault(key)
        #expect(fault?.kind == .fork, "\(String(describing: fault))")
        #expect((fault?.seq ?? 0) >= 3)
    }
}
