import Foundation
import GRPCCore
import PostgresNIO
import Testing
import TradewindAudit
import TradewindCore
import TradewindProto
import TradewindServer
import TradewindTestSupport

/// Issue 12, point 6, against the real clusters: the server writes version 2 records,
/// `audit_append` takes them as it took version 1 records, and a chain holding a version 1 record
/// followed by the server's version 2 records exports, queries and verifies.
@Suite("Audit record versions in the database", .serialized)
struct AuditVersionsInTheDatabaseTests {
    @Test(
        "a version 1 record then the server's version 2 records: exported byte for byte, queried, verified by the command too"
    )
    func mixedChain() async throws {
        let (tenant, key) = try await TestStack.tenant("eu")
        let tenantID = tenant.id.uuidString.lowercased()
        // A record as the code before versions wrote it (as record 1 of the committed
        // Tests/Fixtures/audit/v1-export.jsonl, here for this tenant and with an app id),
        // appended the way the server appends: audit_append as tradewind_app.
        let v1Fields =
            #""time":"2026-12-04T16:00:00.123456Z","request_id":"v1-before-versions","tenant":"\#(tenantID)","#
            + #""region":"eu","principal":{"id":"k7Qm2xP9vR4tW8yZ","kind":"api_key","app_id":"app_northwind_sync","#
            + #""cert":null},"method":"tradewind.v1.Contacts/GetContact","event":"call","resources":[],"code":0,"#
            + #""outcome":"ok","latency_us":1843,"peer":"ipv4:10.0.4.17:51234","data_classes":["contact_profile"],"#
            + #""rows_read":1,"rows_written":0,"messages_in":null,"messages_out":null}"#
        let v1Seq = try await DatabaseSession.with { session in
            try await session.inRegion(Region("eu"), tenantID: tenant.id) { connection in
                let rows = try await connection.query(
                    "SELECT audit_append(\(tenant.id), \([v1Fields]))", logger: TestEnvironment.logger)
                for try await seq in rows.decode(Int64.self) { return seq }
                throw TestSetupError("audit_append returned nothing")
            }
        }

        // Calls after it: the server writes their records.
        let requestID = "v2-\(UUID().uuidString.lowercased())"
        try await TestStack.withClient { grpc in
            var get = Tradewind_V1_GetContactRequest()
            get.id = UUID().uuidString
            _ = await Status.of {
                _ = try await Tradewind_V1_Contacts.Client(wrapping: grpc).getContact(
                    get, metadata: AuditHarness.metadata(key, requestID: requestID))
            }
        }

        let lines = try await AuditHarness.export(key: key)
        let recordLines = lines.filter { $0.hasPrefix(#"{"type":"record","#) }
        // The version 1 record comes back exactly as it went in.
        let v1Body = AuditChain.body(seq: v1Seq, fields: v1Fields)
        #expect(recordLines.filter { $0.hasPrefix(v1Body.dropLast() + #","hash":""#) }.count == 1)
        // Every record the server wrote after it is version 2.
        let later = try recordLines.filter { try AuditTamperTests.seq(ofRecord: $0) > v1Seq }
        #expect(later.count >= 2, "the not-found call and the export's opening record")
        for line in later {
            #expect(line.contains(#","v":2,"time":"#), "\(line)")
        }
        let call = try #require(later.first { $0.contains(#""request_id":"\#(requestID)""#) })
        #expect(call.contains(#","outcome":"not_found","#))
        #expect(call.contains(#","app":null,"destination":null,"rule":null,"hash":""#), "\(call)")

        // Verified in process and by the command, with the keys the API publishes.
        let report = try AuditHarness.verify(lines, keys: try await TestStack.running().auditKeys).get()
        let v1Count = try #require(report.recordsByVersion[.v1])
        let v2Count = try #require(report.recordsByVersion[.v2])
        #expect(v1Count >= 1 && v2Count >= 2 && v1Count + v2Count == report.records)
        let cli = try await Self.verifyWithTheCLI(lines, key: key)
        #expect(cli.status == 0, "\(cli.standardOutput)")
        #expect(
            cli.standardOutput.hasPrefix(
                "ok: chain \(tenantID), records 1-\(report.lastSeq ?? 0) (\(report.records); v1: \(v1Count), v2: \(v2Count)), "
            ), "\(cli.standardOutput)")

        // The query API reads both versions; the version 1 record's app is on its principal.
        let records = try await TestStack.withClient { grpc in
            try await Tradewind_V1_Audit.Client(wrapping: grpc).queryAuditLog(
                Tradewind_V1_QueryAuditLogRequest(), metadata: .bearer(key)
            ).records
        }
        let old = try #require(records.first { $0.requestID == "v1-before-versions" })
        #expect(old.seq == v1Seq && old.principal.id == "k7Qm2xP9vR4tW8yZ")
        #expect(old.principal.appID == "app_northwind_sync")
        let new = try #require(records.first { $0.requestID == requestID })
        #expect(new.outcome == "not_found" && new.principal.appID.isEmpty && new.tenantID == tenantID)
        // And the CSV export, row for row.
        let csv = try await AuditHarness.export(key: key, format: .csv)
        #expect(csv.contains { $0.hasPrefix("record,\(v1Seq),") && $0.contains(",app_northwind_sync,") })
        #expect(csv.contains { $0.contains(",\(requestID),") })
    }

    /// `tradewind audit verify` on `lines`, with the key file `Audit/GetPublicKeys` publishes.
    private static func verifyWithTheCLI(_ lines: [String], key: String) async throws -> TestEnvironment.ProgramResult {
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
        return try await TestEnvironment.run(
            TestEnvironment.binary, ["audit", "verify", export.path, "--public-key", keys.path])
    }
}
