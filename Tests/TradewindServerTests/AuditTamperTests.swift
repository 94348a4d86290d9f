import Crypto
import Foundation
import GRPCCore
import PostgresNIO
import Testing
import TradewindAudit
import TradewindCore
import TradewindProto
import TradewindServer
import TradewindTestSupport

/// Someone edits an audit log; the export of what is left fails verification at the right record
/// and line with the right kind of fault, in process and with `tradewind audit verify` as a user
/// runs it. Tenant chains are tampered with in the database, as a superuser would; both a tenant's
/// chain and the platform log are also tampered with in the exported file.
@Suite("Audit tamper evidence", .serialized)
struct AuditTamperTests {
    /// The first fault a verifier must report.
    struct Expected: CustomStringConvertible {
        var kind: AuditFault.Kind
        var line: Int
        var seq: Int64?
        /// How `tradewind audit verify` starts its report of this fault.
        var cliPrefix: String { "FAILED: line \(line)\(seq.map { ", record \($0)" } ?? ""): \(kind.rawValue): " }
        var description: String { cliPrefix }
    }

    // MARK: The chains

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
        // The checkpointer signs a grown chain every second in tests.
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

    private static func sql(_ tenant: Tenant) -> String { "'\(tenant.id.uuidString.lowercased())'" }

    // MARK: Verifying

    /// Runs `tradewind audit verify` on `lines` as a user would, with the key file that
    /// `Audit/GetPublicKeys` publishes and any `pinned` checkpoint lines.
    private static func verifyWithTheCLI(_ lines: [String], key: String, pinned: [String] = []) async throws
        -> TestEnvironment.ProgramResult
    {
        let keyFile = try await TestStack.withClient { grpc in
            try await Tradewind_V1_Audit.Client(wrapping: grpc).getPublicKeys(.init(), metadata: .bearer(key)).keyFile
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tradewind-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = directory.appendingPathComponent("audit.jsonl")
        let keys = directory.appendingPathComponent("keys.json")
        try (lines.joined(separator: "\n") + "\n").write(to: export, atomically: true, encoding: .utf8)
        try keyFile.write(to: keys, atomically: true, encoding: .utf8)
        var arguments = ["audit", "verify", export.path, "--public-key", keys.path]
        for (index, line) in pinned.enumerated() {
            let path = directory.appendingPathComponent("pinned-\(index).json")
            try line.write(to: path, atomically: true, encoding: .utf8)
            arguments += ["--checkpoint", path.path]
        }
        return try await TestEnvironment.run(TestEnvironment.binary, arguments)
    }

    /// Both verifiers, the library and the command, report exactly `expected` for `lines`.
    private static func expectFault(
        _ lines: [String], _ expected: Expected, key: String, pinned: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let keys = try await TestStack.running().auditKeys
        var verifier = AuditVerifier(
            keys: keys, trustedCheckpoints: try pinned.map { try AuditCheckpoint(line: Data($0.utf8)) })
        for line in lines { verifier.consume(Array(line.utf8)[...]) }
        let fault: AuditFault?
        if case .failure(let found) = verifier.finish() { fault = found } else { fault = nil }
        #expect(
            fault?.kind == expected.kind && fault?.line == expected.line && fault?.seq == expected.seq,
            "expected \(expected), got \(String(describing: fault))", sourceLocation: sourceLocation)
        let cli = try await verifyWithTheCLI(lines, key: key, pinned: pinned)
        #expect(cli.status == 1, "tradewind audit verify exited \(cli.status)", sourceLocation: sourceLocation)
        #expect(
            cli.standardOutput.hasPrefix(expected.cliPrefix), "tradewind audit verify printed \(cli.standardOutput)",
            sourceLocation: sourceLocation)
    }

    // MARK: Reading an export

    private static func recordPrefix(_ seq: Int64) -> String { "{\"type\":\"record\",\"seq\":\(seq)," }

    /// The 1-based line of the first record `seq` in `lines`.
    static func lineOfRecord(_ seq: Int64, in lines: [String]) throws -> Int {
        try #require(lines.firstIndex { $0.hasPrefix(recordPrefix(seq)) }, "no record \(seq)") + 1
    }

    /// The 1-based line of the first checkpoint line after line `after` (1-based), and the record it signs.
    static func checkpoint(after: Int, in lines: [String]) throws -> (line: Int, seq: Int64) {
        let index = try #require(
            lines.indices.first { $0 >= after && lines[$0].hasPrefix("{\"type\":\"checkpoint\"") },
            "no checkpoint after line \(after)")
        return (index + 1, try AuditCheckpoint(line: Data(lines[index].utf8)).seq)
    }

    static func isRecord(_ line: String) -> Bool { line.hasPrefix("{\"type\":\"record\"") }

    static func seq(ofRecord line: String) throws -> Int64 {
        let digits = line.dropFirst("{\"type\":\"record\",\"seq\":".count).prefix { $0.isNumber }
        return try #require(Int64(digits))
    }

    /// A record line's body (what its hash covers) and its stated hash.
    static func split(record line: String) throws -> (body: String, hash: Data) {
        let marker = try #require(line.range(of: ",\"hash\":\"", options: .backwards))
        let hex = line[marker.upperBound...].dropLast(2)
        return (String(line[..<marker.lowerBound]) + "}", try #require(Data(hexString: String(hex))))
    }

    /// Recomputes the hash of every record from line index `start` on, so the chain links again
    /// as a forger would make it: only a checkpoint signed earlier can tell.
    static func relink(_ lines: inout [String], from start: Int) throws {
        var running: Data
        if let previous = lines[..<start].lastIndex(where: isRecord) {
            running = try split(record: lines[previous]).hash
        } else {
            let header = try JSONDecoder().decode(AuditExportHeader.self, from: Data(lines[0].utf8))
            running = try #require(Data(hexString: header.prevHash))
        }
        for index in start..<lines.count where isRecord(lines[index]) {
            let body = try split(record: lines[index]).body
            running = AuditChain.hash(previous: running, body: Data(body.utf8))
            lines[index] = AuditChain.line(body: body, hash: running)
        }
    }

    // MARK: Tampering in the database (tenant chains)

    /// Changes record 3 and recomputes the hash of every record from it on, as a forger who knows
    /// the chain's arithmetic would: the chain links again, and only a checkpoint signed earlier
    /// can tell.
    private static func rewriteFromRecordThree(_ tenant: Tenant) -> String {
        let t = sql(tenant)
        return """
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
            """
    }

    @Test("an untouched chain verifies, in process and with the command")
    func untouched() async throws {
        let (tenant, key) = try await Self.chain()
        let lines = try await AuditHarness.export(key: key)
        let report = try AuditHarness.verify(lines, keys: try await TestStack.running().auditKeys).get()
        #expect(report.records == 11)  // ten calls and the export's opening record
        #expect(report.checkpoints >= 2)
        let cli = try await Self.verifyWithTheCLI(lines, key: key)
        #expect(cli.status == 0, "\(cli.standardOutput)")
        #expect(cli.standardOutput.hasPrefix("ok: chain \(tenant.id.uuidString.lowercased()), records 1-"))
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
        try await Self.expectFault(
            lines, Expected(kind: .changed, line: try Self.lineOfRecord(5, in: lines), seq: 5), key: key)
    }

    @Test("a deleted record is reported as deleted, where the next record stands")
    func deleted() async throws {
        let (tenant, key) = try await Self.chain()
        try await Self.tamper("DELETE FROM audit_records WHERE tenant_id = \(Self.sql(tenant)) AND seq = 4")
        let lines = try await AuditHarness.export(key: key)
        try await Self.expectFault(
            lines, Expected(kind: .deleted, line: try Self.lineOfRecord(5, in: lines), seq: 4), key: key)
    }

    @Test("swapped records are reported as reordered, at the first out of place")
    func reordered() async throws {
        let (tenant, key) = try await Self.chain()
        let t = Self.sql(tenant)
        try await Self.tamper(
            """
            UPDATE audit_records SET seq = 1000006 WHERE tenant_id = \(t) AND seq = 6;
            UPDATE audit_records SET seq = 6 WHERE tenant_id = \(t) AND seq = 7;
            UPDATE audit_records SET seq = 7 WHERE tenant_id = \(t) AND seq = 1000006
            """)
        let lines = try await AuditHarness.export(key: key)
        // Record 7's body (now stored under 6) is exported where 6 belongs.
        try await Self.expectFault(
            lines, Expected(kind: .reordered, line: try Self.lineOfRecord(7, in: lines), seq: 7), key: key)
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
        let lines = try await AuditHarness.export(key: key)
        let forged = try Self.lineOfRecord(5, in: lines)
        #expect(lines[forged - 1].contains("\"request_id\":\"forged\""))
        try await Self.expectFault(lines, Expected(kind: .inserted, line: forged, seq: 5), key: key)
    }

    @Test("records removed from the tail after a checkpoint signed them: truncated; a cut file too")
    func truncated() async throws {
        let (tenant, key) = try await Self.chain()
        let intact = try await AuditHarness.export(key: key)
        let cut = Array(intact.dropLast(2))
        try await Self.expectFault(cut, Expected(kind: .truncated, line: cut.count, seq: nil), key: key)

        // Records 9 and 10 go, with any checkpoint of 9: the checkpoint of 10 is left to notice.
        try await Self.tamper(
            """
            DELETE FROM audit_records WHERE tenant_id = \(Self.sql(tenant)) AND seq >= 9;
            DELETE FROM audit_checkpoints WHERE tenant_id = \(Self.sql(tenant)) AND seq = 9
            """)
        let lines = try await AuditHarness.export(key: key)
        let signedTen = try #require(
            lines.firstIndex { $0.contains("\"kind\":\"periodic\"") && $0.contains("\"seq\":10,") },
            "no checkpoint of 10")
        // The export's own opening record now stands at 9; the checkpoint of 10 names the first missing record.
        try await Self.expectFault(lines, Expected(kind: .truncated, line: signedTen + 1, seq: 10), key: key)
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
        let tampered = try await AuditHarness.export(key: key)
        let line = try #require(tampered.firstIndex { $0.contains(forged.keyID) }) + 1
        try await Self.expectFault(tampered, Expected(kind: .unknownKey, line: line, seq: 10), key: key)
        #expect(
            AuditHarness.fault(tampered, keys: try await TestStack.running().auditKeys)?.detail.contains(forged.keyID)
                == true)
    }

    @Test("a chain rewritten from record 3 with every hash recomputed forks from the first checkpoint after it")
    func fork() async throws {
        let (tenant, key) = try await Self.chain()
        try await Self.tamper(Self.rewriteFromRecordThree(tenant))
        let lines = try await AuditHarness.export(key: key)
        let signed = try Self.checkpoint(after: try Self.lineOfRecord(3, in: lines), in: lines)
        try await Self.expectFault(lines, Expected(kind: .fork, line: signed.line, seq: signed.seq), key: key)
    }

    @Test(
        "a superuser who rewrites the chain and its checkpoints is caught by a checkpoint pinned outside the database")
    func pinnedCheckpoint() async throws {
        let (tenant, key) = try await Self.chain()
        // What `tradewind audit checkpoint` keeps: the head signed now, through the API.
        let pinned = try await TestStack.withClient { grpc in
            try await Tradewind_V1_Audit.Client(wrapping: grpc).getCheckpoint(.init(), metadata: .bearer(key))
        }
        #expect(pinned.chain == tenant.id.uuidString.lowercased() && pinned.seq >= 10 && pinned.kind == "current")
        let t = Self.sql(tenant)
        try await Self.tamper(
            """
            DELETE FROM audit_checkpoints WHERE tenant_id = \(t);
            \(Self.rewriteFromRecordThree(tenant))
            """)
        let lines = try await AuditHarness.export(key: key)
        // On its own the rewritten log is consistent: the export checkpoint signs the forgery.
        let alone = try await Self.verifyWithTheCLI(lines, key: key)
        #expect(alone.status == 0, "\(alone.standardOutput)")
        // The pinned checkpoint is not fooled.
        try await Self.expectFault(
            lines, Expected(kind: .fork, line: try Self.lineOfRecord(pinned.seq, in: lines), seq: pinned.seq), key: key,
            pinned: [pinned.line])
    }

    // MARK: Tampering with the exported file (a tenant chain and the platform log)

    enum ChainKind: String, CaseIterable, Sendable, CustomStringConvertible {
        case tenant, platform
        var description: String { rawValue }
    }

    /// An intact export with at least five records, and the key that reads it.
    private static func intactExport(_ kind: ChainKind) async throws -> (lines: [String], key: String) {
        switch kind {
        case .tenant:
            let (_, key) = try await chain()
            return (try await AuditHarness.export(key: key), key)
        case .platform:
            let operatorKey = try await TestStack.operatorKey()
            let started = Date()
            // Unauthenticated calls have no tenant: the platform log records them.
            try await TestStack.withClient { grpc in
                for _ in 1...6 {
                    _ = await Status.of {
                        _ = try await Tradewind_V1_Contacts.Client(wrapping: grpc).listContacts(
                            .init(), metadata: .bearer("tw_AAAAAAAAAAAAAAAA_forged"))
                    }
                }
            }
            let lines = try await AuditHarness.export(key: operatorKey, from: started)
            #expect(lines.first?.contains("\"chain\":\"platform\"") == true)
            return (lines, operatorKey)
        }
    }

    @Test(
        "every kind of fault in an exported file is found at its line and record, by the command too",
        arguments: ChainKind.allCases)
    func faultsInTheFile(_ kind: ChainKind) async throws {
        let (intact, key) = try await Self.intactExport(kind)
        #expect(AuditHarness.fault(intact, keys: try await TestStack.running().auditKeys) == nil)
        let records = intact.indices.filter { Self.isRecord(intact[$0]) }
        try #require(records.count >= 5, "\(kind): only \(records.count) records")
        // A record from the third on whose next line is a record too: no checkpoint in between.
        let target = try #require(records.dropFirst(2).first { records.contains($0 + 1) })
        let targetSeq = try Self.seq(ofRecord: intact[target])

        // changed: one byte of a record.
        var changed = intact
        changed[target] = changed[target].replacingOccurrences(of: "\"method\":\"", with: "\"method\":\"x")
        try await Self.expectFault(changed, Expected(kind: .changed, line: target + 1, seq: targetSeq), key: key)

        // deleted: a record's line removed; the fault stands where the next record does.
        var deleted = intact
        deleted.remove(at: target)
        let next = try #require(deleted.indices.first { $0 >= target && Self.isRecord(deleted[$0]) })
        try await Self.expectFault(deleted, Expected(kind: .deleted, line: next + 1, seq: targetSeq), key: key)

        // reordered: the target and the record after it swapped.
        var reordered = intact
        reordered.swapAt(target, target + 1)
        try await Self.expectFault(
            reordered, Expected(kind: .reordered, line: target + 1, seq: targetSeq + 1), key: key)

        // inserted: a forged record correctly linked after the target, before the real next one.
        let (body, hash) = try Self.split(record: intact[target])
        let forgedBody = body.replacingOccurrences(
            of: Self.recordPrefix(targetSeq), with: Self.recordPrefix(targetSeq + 1)
        )
        .replacingOccurrences(of: "\"request_id\":\"", with: "\"request_id\":\"forged-")
        var inserted = intact
        inserted.insert(
            AuditChain.line(body: forgedBody, hash: AuditChain.hash(previous: hash, body: Data(forgedBody.utf8))),
            at: target + 1)
        try await Self.expectFault(inserted, Expected(kind: .inserted, line: target + 2, seq: targetSeq + 1), key: key)

        // truncated: the file cut before its export checkpoint.
        let cut = Array(intact.dropLast(2))
        try await Self.expectFault(cut, Expected(kind: .truncated, line: cut.count, seq: nil), key: key)

        // unknown_key and bad_signature: the closing checkpoint re-signed, or its head edited.
        let closing = try AuditCheckpoint(line: Data(try #require(intact.last).utf8))
        var foreign = intact
        foreign[foreign.count - 1] = try AuditCheckpoint.sign(
            kind: closing.kind, chain: try #require(AuditChainID(closing.chain)), seq: closing.seq, head: closing.head,
            time: closing.time, key: AuditSigningKey()
        ).line
        try await Self.expectFault(foreign, Expected(kind: .unknownKey, line: intact.count, seq: closing.seq), key: key)
        var edited = closing
        edited.head = AuditChain.hash(previous: closing.head, body: Data("edited".utf8))
        var badSignature = intact
        badSignature[badSignature.count - 1] = edited.line
        try await Self.expectFault(
            badSignature, Expected(kind: .badSignature, line: intact.count, seq: closing.seq), key: key)

        // fork: the target changed and every later hash recomputed; the next checkpoint disagrees.
        var forked = changed
        try Self.relink(&forked, from: target)
        let signed = try Self.checkpoint(after: target + 1, in: forked)
        try await Self.expectFault(forked, Expected(kind: .fork, line: signed.line, seq: signed.seq), key: key)

        // malformed: a line that is no part of the format.
        var malformed = intact
        malformed.insert("{\"type\":\"note\",\"text\":\"nothing to see\"}", at: target + 1)
        try await Self.expectFault(malformed, Expected(kind: .malformed, line: target + 2, seq: nil), key: key)
    }
}
