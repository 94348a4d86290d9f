import Foundation
import GRPCCore
import PostgresNIO
import Synchronization
import Testing
import TradewindCore
import TradewindProto
import TradewindServer
import TradewindTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A server killed with SIGKILL in the middle of a stream of writes leaves no change without its
/// record and no record without its change.
@Suite("Audit atomicity", .serialized)
struct AuditAtomicityTests {
    @Test("SIGKILL mid-stream: every acknowledged write has its record, every record's write exists")
    func killedMidStream() async throws {
        let (tenant, key) = try await TestStack.tenant("us")
        let server = try await ServerProcess.start()
        var killed = false
        defer { if !killed { Task { await server.kill() } } }

        // Four writers upsert as fast as they can; each acknowledged request id is remembered.
        // Until the kill every call must succeed; after it, every call fails and its writer stops.
        let ledger = Ledger()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    do {
                        try await server.withClient { grpc in
                            let contacts = Tradewind_V1_Contacts.Client(wrapping: grpc)
                            for n in 0..<100_000 {
                                let id = "atom-\(writer)-\(n)"
                                ledger.sent.withLock { $0 += 1 }
                                var request = Tradewind_V1_UpsertContactRequest()
                                request.contact.externalID = id
                                var metadata = Metadata.bearer(key)
                                metadata.addString(id, forKey: "x-request-id")
                                _ = try await contacts.upsertContact(request, metadata: metadata)
                                ledger.acknowledged.withLock { $0.append(id) }
                            }
                        }
                    } catch {
                        if !ledger.killed.withLock({ $0 }) {
                            ledger.errors.withLock { $0.append("writer \(writer) before the kill: \(error)") }
                        }
                    }
                }
            }
            group.addTask {
                // Kill once a good number of writes went through, in the middle of the stream.
                let deadline = ContinuousClock.now + .seconds(60)
                while ledger.acknowledged.withLock({ $0.count }) < 150 {
                    guard ContinuousClock.now < deadline else {
                        ledger.errors.withLock { $0.append("fewer than 150 writes acknowledged in 60 s") }
                        break
                    }
                    try await Task.sleep(for: .milliseconds(20))
                }
                ledger.killed.withLock { $0 = true }
                kill(server.pid, SIGKILL)
                _ = await TestEnvironment.wait(server.pid)
            }
            try await group.waitForAll()
        }
        killed = true
        #expect(ledger.errors.withLock { $0 }.isEmpty, "\(ledger.errors.withLock { $0 })")
        let acked = Set(ledger.acknowledged.withLock { $0 })
        #expect(acked.count >= 150)
        #expect(ledger.sent.withLock { $0 } > acked.count, "the kill should interrupt writes in flight")

        let (contacts, records) = try await DatabaseSession.with { session in
            try await session.inRegion(Region("us"), tenantID: tenant.id) { connection in
                let logger = TestEnvironment.logger
                var contacts = Set<String>()
                for try await id in try await connection.query(
                    "SELECT external_id FROM contacts WHERE tenant_id = \(tenant.id)", logger: logger
                ).decode(String.self) { contacts.insert(id) }
                var records = Set<String>()
                for try await id in try await connection.query(
                    """
                    SELECT request_id FROM audit_records
                    WHERE tenant_id = \(tenant.id) AND method = 'tradewind.v1.Contacts/UpsertContact' AND code = 0
                    """, logger: logger
                ).decode(String.self) { records.insert(id) }
                return (contacts, records)
            }
        }
        #expect(acked.isSubset(of: contacts), "acknowledged writes missing: \(acked.subtracting(contacts).sorted())")
        #expect(
            acked.isSubset(of: records), "acknowledged writes without a record: \(acked.subtracting(records).sorted())")
        #expect(
            contacts == records,
            "changes without records: \(contacts.subtracting(records).sorted()); records without changes: \(records.subtracting(contacts).sorted())"
        )
    }
}

/// What the writers sent, which writes the server acknowledged, and what went wrong.
private final class Ledger: Sendable {
    let acknowledged = Mutex<[String]>([])
    let sent = Mutex(0)
    let killed = Mutex(false)
    let errors = Mutex<[String]>([])
}
