import Foundation
import GRPCCore
import PostgresNIO
import Synchronization
import Testing
import TradewindCore
import TradewindProto
import TradewindTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// SIGTERM to a real `tradewind serve`: health turns NOT_SERVING, a call in flight finishes, and
/// only then does the process exit.
@Suite("Graceful shutdown", .serialized)
struct GracefulShutdownTests {
    @Test("SIGTERM: health watchers see NOT_SERVING, a call waiting in the database finishes, the process exits 0")
    func sigtermDrainsInFlightCalls() async throws {
        let server = try await ServerProcess.start()
        var exited = false
        defer { if !exited { Task { await server.kill() } } }
        let (tenant, key) = try await TestStack.tenant("eu")
        let contact = try await server.withClient { grpc in
            var request = Tradewind_V1_UpsertContactRequest()
            request.contact.externalID = "shutdown"
            return try await Tradewind_V1_Contacts.Client(wrapping: grpc).upsertContact(request, metadata: .bearer(key))
                .contact
        }
        let contactID = try #require(UUID(uuidString: contact.id))
        let requestID = "shutdown-\(UUID().uuidString.lowercased())"

        // A health watch opened before the signal: the stream reports every change.
        let seen = HealthLog()
        let watch = Task {
            try await server.withClient { grpc in
                try await Grpc_Health_V1_Health.Client(wrapping: grpc).watch(.init()) { response in
                    for try await message in response.messages { seen.append(message.status) }
                }
            }
        }
        #expect(try await seen.reaches(.serving), "the watch never reported SERVING")

        try await DatabaseSession.with { session in
            // Hold the contact's row lock so the update below waits inside the database.
            let update = try await session.inRegion(tenant.homeRegion, tenantID: tenant.id) { connection in
                try await connection.query(
                    "SELECT id FROM contacts WHERE id = \(contactID) FOR UPDATE", logger: TestEnvironment.logger)
                let update = Task {
                    try await server.withClient { grpc in
                        var request = Tradewind_V1_UpdateContactRequest()
                        request.contact.id = contact.id
                        request.contact.name = "updated during shutdown"
                        request.updateMask.paths = ["name"]
                        var metadata = Metadata.bearer(key)
                        metadata.addString(requestID, forKey: "x-request-id")
                        return try await Tradewind_V1_Contacts.Client(wrapping: grpc).updateContact(
                            request, metadata: metadata)
                    }
                }
                // In flight: the server's own session waits for this lock.
                #expect(try await Self.waitsForLock(session, tenant: tenant), "the update never reached the database")

                #expect(kill(server.pid, SIGTERM) == 0)
                #expect(try await seen.reaches(.notServing), "health never turned NOT_SERVING after SIGTERM")
                // Still draining: the call holds the process open.
                #expect(try await server.exit(within: .milliseconds(500)) == nil, "exited with a call in flight")
                return update
            }
            // The lock is released as that transaction commits; the call completes.
            let updated = try await update.value
            #expect(updated.name == "updated during shutdown")
        }
        let status = try await server.exit(within: .seconds(30))
        exited = status != nil
        #expect(status == 0, "wait status \(String(describing: status))")
        try await watch.value
        #expect(seen.statuses == [.serving, .notServing])

        // The drained call left its record.
        let codes = try await DatabaseSession.with { session in
            try await session.inRegion(tenant.homeRegion, tenantID: tenant.id) { connection in
                var codes: [Int] = []
                for try await code in try await connection.query(
                    "SELECT code::int FROM audit_records WHERE tenant_id = \(tenant.id) AND request_id = \(requestID)",
                    logger: TestEnvironment.logger
                ).decode(Int.self) { codes.append(code) }
                return codes
            }
        }
        #expect(codes == [0])
    }

    /// True once an UPDATE of the tenant's contacts waits for a lock, within 10 s.
    private static func waitsForLock(_ session: DatabaseSession, tenant: Tenant) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            // Another transaction, on another connection: the lock holder's stays open.
            let waiting = try await session.inRegion(tenant.homeRegion, tenantID: tenant.id) { connection in
                let rows = try await connection.query(
                    """
                    SELECT count(*)::int FROM pg_stat_activity
                    WHERE wait_event_type = 'Lock' AND datname = current_database() AND query ILIKE '%contacts%'
                    """, logger: TestEnvironment.logger)
                for try await count in rows.decode(Int.self) { return count }
                return 0
            }
            if waiting > 0 { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}

/// What a health watch has reported so far.
private final class HealthLog: Sendable {
    typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus
    private let seen = Mutex<[Status]>([])

    var statuses: [Status] { seen.withLock { $0 } }

    func append(_ status: Status) { seen.withLock { $0.append(status) } }

    /// True once `status` was reported, within 10 s.
    func reaches(_ status: Status) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if statuses.contains(status) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
