import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
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

/// A server killed with SIGKILL in the middle of writes leaves no change without its record and no
/// record without its change, on every write path: Contacts, Segments, Privacy and an Events stream.
@Suite("Audit atomicity", .serialized)
struct AuditAtomicityTests {
    typealias Client = GRPCClient<HTTP2ClientTransport.Posix>

    /// One kind of write: what it sends for request id `id`.
    struct Writer: Sendable {
        var method: String
        var write: @Sendable (Client, String, Metadata) async throws -> Void
    }

    static let writers: [Writer] = [
        Writer(method: "tradewind.v1.Contacts/UpsertContact") { grpc, id, metadata in
            var request = Tradewind_V1_UpsertContactRequest()
            request.contact.externalID = id
            _ = try await Tradewind_V1_Contacts.Client(wrapping: grpc).upsertContact(request, metadata: metadata)
        },
        Writer(method: "tradewind.v1.Segments/CreateSegment") { grpc, id, metadata in
            var request = Tradewind_V1_CreateSegmentRequest()
            request.name = id
            request.purpose = .emailMarketing
            _ = try await Tradewind_V1_Segments.Client(wrapping: grpc).createSegment(request, metadata: metadata)
        },
        Writer(method: "tradewind.v1.Privacy/OpenRequest") { grpc, id, metadata in
            var request = Tradewind_V1_OpenPrivacyRequestRequest()
            request.kind = .access
            request.regime = .ccpa
            request.subject.email = "atom@example.com"
            request.idempotencyKey = id
            _ = try await Tradewind_V1_Privacy.Client(wrapping: grpc).openRequest(request, metadata: metadata)
        },
        Writer(method: "tradewind.v1.Events/IngestEvents") { grpc, id, metadata in
            // A stream of its own per request id: two batches of one event each, acknowledged together.
            let answers = try await Tradewind_V1_Events.Client(wrapping: grpc).ingestEvents(
                metadata: metadata,
                requestProducer: { writer in
                    for part in ["a", "b"] {
                        var request = Tradewind_V1_IngestEventsRequest()
                        request.events = [EventsTests.touchpoint("\(id)-\(part)")]
                        try await writer.write(request)
                    }
                },
                onResponse: { response in
                    var accepted = 0
                    for try await answer in response.messages { accepted += Int(answer.accepted) }
                    return accepted
                })
            guard answers == 2 else { throw TestSetupError("stream \(id) stored \(answers) of 2 events") }
        },
    ]

    @Test("SIGKILL mid-write: every acknowledged write has its record, every record's write exists, on every path")
    func killedMidStream() async throws {
        let (tenant, key) = try await TestStack.tenant("us")
        let server = try await ServerProcess.start()
        var killed = false
        defer { if !killed { Task { await server.kill() } } }

        // One writer per path writes as fast as it can; each acknowledged request id is remembered.
        // Until the kill every call must succeed; after it, every call fails and its writer stops.
        let ledger = Ledger()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in Self.writers {
                group.addTask {
                    do {
                        try await server.withClient { grpc in
                            for n in 0..<100_000 {
                                let id = "atom-\(writer.method.split(separator: "/").last ?? "")-\(n)"
                                ledger.sent.withLock { $0 += 1 }
                                var metadata = Metadata.bearer(key)
                                metadata.addString(id, forKey: "x-request-id")
                                try await writer.write(grpc, id, metadata)
                                ledger.acknowledged.withLock { _ = $0[writer.method, default: []].insert(id) }
                            }
                        }
                    } catch {
                        if !ledger.killed.withLock({ $0 }) {
                            ledger.errors.withLock { $0.append("\(writer.method) before the kill: \(error)") }
                        }
                    }
                }
            }
            group.addTask {
                // Kill once every path has had writes acknowledged, in the middle of them.
                let deadline = ContinuousClock.now + .seconds(60)
                while ledger.acknowledged.withLock({ acked in
                    acked.count < Self.writers.count || acked.values.contains { $0.count < 20 }
                }) {
                    guard ContinuousClock.now < deadline else {
                        ledger.errors.withLock { $0.append("fewer than 20 writes per path acknowledged in 60 s") }
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
        let acknowledged = ledger.acknowledged.withLock { $0 }
        #expect(ledger.sent.withLock { $0 } > acknowledged.values.map(\.count).reduce(0, +), "nothing was in flight")

        // What exists, by request id, and what the log says succeeded.
        let (written, records) = try await DatabaseSession.with { session in
            try await session.inRegion(Region("us"), tenantID: tenant.id) { connection in
                let logger = TestEnvironment.logger
                var written: [String: Set<String>] = [:]
                for (method, sql): (String, PostgresQuery) in [
                    (
                        "tradewind.v1.Contacts/UpsertContact",
                        "SELECT external_id FROM contacts WHERE tenant_id = \(tenant.id)"
                    ),
                    ("tradewind.v1.Segments/CreateSegment", "SELECT name FROM segments WHERE tenant_id = \(tenant.id)"),
                    (
                        "tradewind.v1.Privacy/OpenRequest",
                        "SELECT idempotency_key FROM privacy_requests WHERE tenant_id = \(tenant.id)"
                    ),
                    (
                        "tradewind.v1.Events/IngestEvents",
                        "SELECT DISTINCT left(event_id, length(event_id) - 2) FROM events WHERE tenant_id = \(tenant.id)"
                    ),
                ] {
                    for try await id in try await connection.query(sql, logger: logger).decode(String.self) {
                        written[method, default: []].insert(id)
                    }
                }
                var records: [String: Set<String>] = [:]
                for try await (method, id, event) in try await connection.query(
                    """
                    SELECT method, request_id, body::jsonb->>'event' FROM audit_records
                    WHERE tenant_id = \(tenant.id) AND code = 0
                    """, logger: logger
                ).decode((String, String, String).self) where event != "stream_close" {
                    records[method, default: []].insert(id)
                }
                return (written, records)
            }
        }
        for writer in Self.writers {
            let acked = acknowledged[writer.method] ?? []
            let rows = written[writer.method] ?? []
            let logged = records[writer.method] ?? []
            #expect(acked.count >= 20, "\(writer.method): \(acked.count) acknowledged")
            #expect(acked.isSubset(of: rows), "\(writer.method): acknowledged but missing: \(acked.subtracting(rows))")
            if writer.method.hasSuffix("/IngestEvents") {
                // A stream's batches are covered by its opening record, committed before its first batch.
                #expect(rows.isSubset(of: logged), "events without their stream's record: \(rows.subtracting(logged))")
            } else {
                #expect(
                    rows == logged,
                    "\(writer.method): changes without records \(rows.subtracting(logged)), records without changes \(logged.subtracting(rows))"
                )
            }
        }
    }
}

/// What the writers sent, which writes the server acknowledged (by method), and what went wrong.
private final class Ledger: Sendable {
    let acknowledged = Mutex<[String: Set<String>]>([:])
    let sent = Mutex(0)
    let killed = Mutex(false)
    let errors = Mutex<[String]>([])
}
