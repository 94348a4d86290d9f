import Foundation
import GRPCCore
import GRPCInProcessTransport
import Testing
import TradewindCore
import TradewindProto
import TradewindServer
import TradewindStore
import TradewindTestSupport

/// The whole application (services, interceptor chain, stores, real clusters) served over
/// grpc-swift's in-process transport: the interceptor chain's promises, fast and without TLS.
/// `TransportTests` keeps the TLS transport's own promises.
enum InProcessStack {
    /// Runs `body` with a client of an application served in process, its configuration changed by
    /// `configure`; shuts the application down gracefully afterwards (audit writers drained).
    static func with<Result: Sendable>(
        configure: @Sendable (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable (GRPCClient<InProcessTransport.Client>) async throws -> Result
    ) async throws -> Result {
        var configuration = try await TestEnvironment.configuration()
        configure(&configuration)
        let transport = InProcessTransport()
        let application = try TradewindApplication(
            configuration: configuration, transport: transport.server, logger: TestEnvironment.logger)
        let group = application.serviceGroup(gracefulShutdownSignals: [])
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let client = GRPCClient(transport: transport.client)
            tasks.addTask { try await client.runConnections() }
            do {
                let result = try await body(client)
                client.beginGracefulShutdown()
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                client.beginGracefulShutdown()
                await group.triggerGracefulShutdown()
                tasks.cancelAll()
                throw error
            }
        }
    }
}

@Suite("Interceptor chain, in process")
struct InProcessTests {
    typealias Contacts = Tradewind_V1_Contacts.Client<InProcessTransport.Client>

    /// The status of `body`'s call, or nil when it succeeded.
    private static func code(_ body: () async throws -> Void) async -> RPCError.Code? {
        do {
            try await body()
            return nil
        } catch let error as RPCError {
            return error.code
        } catch {
            return .unknown
        }
    }

    /// The tenant's records, by request id, read back through the Audit service in process.
    private static func records(_ client: GRPCClient<InProcessTransport.Client>, key: String) async throws
        -> [String: [AuditHarness.Line]]
    {
        let lines = try await Tradewind_V1_Audit.Client(wrapping: client).exportAuditLog(
            Tradewind_V1_ExportAuditLogRequest(), metadata: .bearer(key)
        ) { response in
            var data = Data()
            for try await message in response.messages { data.append(message.data) }
            return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        return Dictionary(grouping: try AuditHarness.records(lines)) { $0.requestID ?? "" }
    }

    @Test("every call leaves exactly one record with its outcome, and every answer carries its request id")
    func recordPerCall() async throws {
        let (tenant, owner) = try await TestStack.tenant()
        let analyst = try await TestStack.key(tenantID: tenant.id, role: .analyst)
        try await InProcessStack.with { client in
            let contacts = Contacts(wrapping: client)
            var upsert = Tradewind_V1_UpsertContactRequest()
            upsert.contact.externalID = "in-process-1"
            upsert.contact.email = "ada@example.com"
            upsert.contact.country = "DE"
            var get = Tradewind_V1_GetContactRequest()
            get.id = UUID().uuidString

            // (request id, key, expected status) per call.
            let ok = try await contacts.upsertContact(
                upsert, metadata: AuditHarness.metadata(owner, requestID: "ip-upsert")
            ) { response in
                #expect(response.metadata[stringValues: "x-request-id"].first(where: { _ in true }) == "ip-upsert")
                return try response.message
            }
            #expect(ok.created)
            do {
                _ = try await contacts.getContact(get, metadata: AuditHarness.metadata(owner, requestID: "ip-missing"))
                Issue.record("a random id was found")
            } catch let error as RPCError {
                #expect(error.code == .notFound)
                #expect(error.metadata[stringValues: "x-request-id"].first(where: { _ in true }) == "ip-missing")
            }
            let denied = await Self.code {
                _ = try await contacts.upsertContact(
                    upsert, metadata: AuditHarness.metadata(analyst, requestID: "ip-denied"))
            }
            #expect(denied == .permissionDenied)
            get.id = ok.contact.id
            _ = try await contacts.getContact(get, metadata: AuditHarness.metadata(owner, requestID: "ip-get"))

            let records = try await Self.records(client, key: owner)
            let expected: [String: (method: String, code: Int, written: Int64, read: Int64)] = [
                "ip-upsert": ("tradewind.v1.Contacts/UpsertContact", 0, 1, 0),
                "ip-missing": ("tradewind.v1.Contacts/GetContact", 5, 0, 0),
                "ip-denied": ("tradewind.v1.Contacts/UpsertContact", 7, 0, 0),
                "ip-get": ("tradewind.v1.Contacts/GetContact", 0, 0, 1),
            ]
            for (requestID, want) in expected {
                let found = records[requestID] ?? []
                #expect(found.count == 1, "\(requestID): \(found.count) records")
                #expect(found.first?.method == want.method, "\(requestID)")
                #expect(found.first?.code == want.code, "\(requestID)")
                #expect(found.first?.rowsWritten == want.written, "\(requestID)")
                #expect(found.first?.rowsRead == want.read, "\(requestID)")
            }
        }
    }

    @Test(
        "authentication: no credential, an unknown key and a wrong secret are refused before any handler; health needs none"
    )
    func authentication() async throws {
        let (_, owner) = try await TestStack.tenant()
        let forged = APIKeyToken.generate().text
        try await InProcessStack.with { client in
            let contacts = Contacts(wrapping: client)
            var get = Tradewind_V1_GetContactRequest()
            get.id = UUID().uuidString
            for (metadata, message) in [
                (Metadata(), "missing credentials: send 'authorization: Bearer <API key>'"),
                (Metadata.bearer(forged), "the API key is not valid"),
                (Metadata.bearer(String(owner.dropLast())), "the API key is not valid"),
            ] {
                do {
                    _ = try await contacts.getContact(get, metadata: metadata)
                    Issue.record("an unauthenticated call was answered")
                } catch let error as RPCError {
                    #expect(error.code == .unauthenticated)
                    #expect(error.message == message)
                }
            }
            // Health needs no credential.
            let health = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.init())
            #expect(health.status == .serving)
        }
    }

    @Test("authorization: a role without the method's scope, and an operator on a tenant method, are denied")
    func authorization() async throws {
        let (tenant, _) = try await TestStack.tenant()
        let analyst = try await TestStack.key(tenantID: tenant.id, role: .analyst)
        let operatorKey = try await TestStack.operatorKey()
        try await InProcessStack.with { client in
            let contacts = Contacts(wrapping: client)
            var upsert = Tradewind_V1_UpsertContactRequest()
            upsert.contact.externalID = "in-process-denied"
            do {
                _ = try await contacts.upsertContact(upsert, metadata: .bearer(analyst))
                Issue.record("an analyst wrote a contact")
            } catch let error as RPCError {
                #expect(error.code == .permissionDenied)
                #expect(error.message == "the credential's role 'analyst' lacks the scope 'contacts:write'")
            }
            var list = Tradewind_V1_ListContactsRequest()
            list.pageSize = 1
            let operatorCode = await Self.code {
                _ = try await contacts.listContacts(list, metadata: .bearer(operatorKey))
            }
            #expect(operatorCode == .permissionDenied)
        }
    }

    @Test("limits: a message over the configured size is RESOURCE_EXHAUSTED, a page over the maximum names page_size")
    func limits() async throws {
        let (_, owner) = try await TestStack.tenant()
        try await InProcessStack.with(configure: { $0.limits.maxRequestBytes = 1024 }) { client in
            let contacts = Contacts(wrapping: client)
            var upsert = Tradewind_V1_UpsertContactRequest()
            upsert.contact.externalID = "in-process-big"
            upsert.contact.attributes = ["note": String(repeating: "x", count: 2000)]
            do {
                _ = try await contacts.upsertContact(upsert, metadata: .bearer(owner))
                Issue.record("a message over the limit was accepted")
            } catch let error as RPCError {
                #expect(error.code == .resourceExhausted)
                #expect(error.message.hasSuffix("bytes; the limit is 1024 bytes"))
            }
            var list = Tradewind_V1_ListContactsRequest()
            list.pageSize = 1001
            do {
                _ = try await contacts.listContacts(list, metadata: .bearer(owner))
                Issue.record("a page over the maximum was served")
            } catch let error as RPCError {
                #expect(error.code == .invalidArgument)
                #expect(error.message.contains("page_size"))
            }
        }
    }

    @Test("each batch of a stream gets the database limit again: a stream may outlive the limit")
    func streamOutlivesTheLimit() async throws {
        let (_, owner) = try await TestStack.tenant()
        try await InProcessStack.with(configure: { $0.limits.databaseTimeout = .milliseconds(600) }) { client in
            let answers = try await Tradewind_V1_Events.Client(wrapping: client).ingestEvents(
                metadata: .bearer(owner),
                requestProducer: { writer in
                    // Four batches over about 1.5 s, more than twice the 600 ms limit.
                    for index in 0..<4 {
                        if index > 0 { try await Task.sleep(for: .milliseconds(500)) }
                        var request = Tradewind_V1_IngestEventsRequest()
                        request.events = [EventsTests.touchpoint("in-process-\(index)")]
                        try await writer.write(request)
                    }
                },
                onResponse: { response in
                    var answers: [Tradewind_V1_IngestEventsResponse] = []
                    for try await answer in response.messages { answers.append(answer) }
                    return answers
                })
            #expect(answers.map(\.accepted) == [1, 1, 1, 1])
        }
    }
}
