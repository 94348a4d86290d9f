import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import PostgresNIO
import ServiceLifecycle
import Testing
import TradewindCore
import TradewindProto
import TradewindServer
import TradewindStore
import TradewindTestSupport

/// A graceful shutdown lets a call in flight finish before the server and its pools stop.
@Suite("Graceful shutdown")
struct GracefulShutdownTests {
    @Test("a call blocked in the database completes after shutdown begins, then the server stops")
    func inFlightCallFinishes() async throws {
        var configuration = try await TestEnvironment.configuration()
        configuration.port = 0
        let application = try TradewindApplication(configuration: configuration, logger: TestEnvironment.logger)
        let group = application.serviceGroup(gracefulShutdownSignals: [])
        let serving = Task { try await group.run() }
        let port = try await application.listeningPort()
        let (tenant, key) = try await TestStack.tenant()
        let caPath = configuration.caCertificatePath

        @Sendable func withClient<Result: Sendable>(
            _ body: @Sendable (Tradewind_V1_Contacts.Client<HTTP2ClientTransport.Posix>) async throws -> Result
        ) async throws -> Result {
            try await TradewindClient.with(host: "127.0.0.1", port: port, caPath: caPath) {
                try await body(Tradewind_V1_Contacts.Client(wrapping: $0))
            }
        }
        let contact = try await withClient { client in
            var request = Tradewind_V1_UpsertContactRequest()
            request.contact.externalID = "shutdown"
            return try await client.upsertContact(request, metadata: .bearer(key)).contact
        }
        let contactID = try #require(UUID(uuidString: contact.id))

        try await DatabaseSession.with { session in
            // Hold the contact's row lock so the update below waits inside the database.
            let updated = try await session.inRegion(tenant.homeRegion, tenantID: tenant.id) { connection in
                try await connection.query(
                    "SELECT id FROM contacts WHERE id = \(contactID) FOR UPDATE", logger: TestEnvironment.logger)
                let update = Task {
                    try await withClient { client in
                        var request = Tradewind_V1_UpdateContactRequest()
                        request.contact.id = contact.id
                        request.contact.name = "updated during shutdown"
                        request.updateMask.paths = ["name"]
                        return try await client.updateContact(request, metadata: .bearer(key))
                    }
                }
                try await Task.sleep(for: .milliseconds(700))
                await group.triggerGracefulShutdown()
                try await Task.sleep(for: .milliseconds(700))
                // The server waits for the call; the lock is released when this transaction commits.
                return update
            }
            let result = try await updated.value
            #expect(result.name == "updated during shutdown")
        }
        let stopped = ContinuousClock.now
        try await serving.value
        #expect(ContinuousClock.now - stopped < .seconds(10))
    }
}
