import Foundation
import Testing
import TradewindTestSupport

/// The platform log (control/0002) and the tenants' logs (regional/0002) are the same tables,
/// functions and trigger: the offline verifier and the export read both the same way.
@Suite("Audit schema twins")
struct AuditSchemaTwinsTests {
    /// The definitions of a migration file from its first table to its append-only trigger,
    /// comments left out (they rightly differ).
    static func definitions(_ path: String) throws -> [String] {
        let text = try String(
            contentsOf: TestEnvironment.repository.appendingPathComponent("Sources/TradewindStore/Migrations/\(path)"),
            encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
        let first = try #require(lines.firstIndex(of: "CREATE TABLE audit_records ("), "\(path)")
        let last = try #require(
            lines.firstIndex(of: "ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER append_only;"), "\(path)")
        return Array(lines[first...last])
    }

    @Test("control/0002 and regional/0002 define the audit tables, functions and trigger identically")
    func twinsMatch() throws {
        let control = try Self.definitions("control/0002_platform_audit_log.sql")
        let regional = try Self.definitions("regional/0002_audit_log.sql")
        #expect(control.count > 40)
        #expect(control == regional)
    }
}
