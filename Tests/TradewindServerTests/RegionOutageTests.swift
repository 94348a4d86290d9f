import Foundation
import GRPCCore
import PostgresNIO
import Testing
import TradewindCore
import TradewindProto
import TradewindServer
import TradewindTestSupport

/// A region whose cluster is down answers UNAVAILABLE within 5 seconds, never hangs, and the
/// other regions keep serving. Only this suite uses region `sg`, so stopping it disturbs no other test.
@Suite("Region outage", .serialized)
struct RegionOutageTests {
    @Test("stopping the sg cluster: sg calls fail fast with UNAVAILABLE, eu keeps serving, sg recovers")
    func regionDown() async throws {
        let (sgTenant, sgKey) = try await TestStack.tenant("sg")
        let (_, euKey) = try await TestStack.tenant("eu")
        /// One upsert over a connection that is already up, so only the call itself is timed.
        func upsert(_ key: String, _ externalID: String, options: CallOptions = .defaults) async -> (
            RPCError?, Duration
        ) {
            await Status.timed {
                try await TestStack.withClient { grpc in
                    _ = try await Grpc_Health_V1_Health.Client(wrapping: grpc).check(.init())
                    return try await Status.time {
                        var request = Tradewind_V1_UpsertContactRequest()
                        request.contact.externalID = externalID
                        _ = try await Tradewind_V1_Contacts.Client(wrapping: grpc).upsertContact(
                            request, metadata: .bearer(key), options: options)
                    }
                }
            }
        }

        // Warm the sg pool so the outage also kills live connections.
        #expect(await upsert(sgKey, "before").0 == nil)

        try await TestEnvironment.withClusterStopped("sg") {
            // The README's promise: UNAVAILABLE within 5 s, the call's audit record included.
            for attempt in 0..<3 {
                let (error, elapsed) = await upsert(sgKey, "during-\(attempt)")
                #expect(error?.code == .unavailable, "attempt \(attempt): \(String(describing: error))")
                #expect(elapsed < .seconds(5), "attempt \(attempt) took \(elapsed)")
            }
            // A shorter client deadline bounds the wait further: the server gives up within it and
            // answers UNAVAILABLE, unless the client's own deadline fires first.
            var options = CallOptions.defaults
            options.timeout = .seconds(1)
            let (shortError, shortElapsed) = await upsert(sgKey, "short-deadline", options: options)
            #expect(
                shortError?.code == .unavailable || shortError?.code == .deadlineExceeded,
                "\(String(describing: shortError))")
            #expect(shortElapsed < .milliseconds(1_200), "took \(shortElapsed)")

            // Meanwhile the EU region serves as usual.
            let (euError, euElapsed) = await upsert(euKey, "eu-during-outage")
            #expect(euError == nil)
            #expect(euElapsed < .seconds(2))
        }

        // The pool reconnects on its own once the cluster is back: retried, with a bound.
        let restarted = ContinuousClock.now
        var recovered = false
        while !recovered && ContinuousClock.now - restarted < .seconds(90) {
            recovered = await upsert(sgKey, "after").0 == nil
            if !recovered { try await Task.sleep(for: .seconds(1)) }
        }
        #expect(recovered, "tenant \(sgTenant.slug) still unavailable 90 s after its region came back")

        // No change happened without its audit record, and none during the outage.
        let (contacts, okUpserts) = try await DatabaseSession.with { session in
            try await session.inRegion(Region("sg"), tenantID: sgTenant.id) { connection in
                let logger = TestEnvironment.logger
                var contacts: [String] = []
                for try await id in try await connection.query(
                    "SELECT external_id FROM contacts WHERE tenant_id = \(sgTenant.id) ORDER BY external_id",
                    logger: logger
                ).decode(String.self) { contacts.append(id) }
                var records = 0
                for try await count in try await connection.query(
                    """
                    SELECT count(*)::int FROM audit_records WHERE tenant_id = \(sgTenant.id)
                      AND method = 'tradewind.v1.Contacts/UpsertContact' AND code = 0
                    """, logger: logger
                ).decode(Int.self) { records = count }
                return (contacts, records)
            }
        }
        #expect(contacts == ["after", "before"])
        #expect(okUpserts == contacts.count)
    }
}
