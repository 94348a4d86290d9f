import Foundation
import GRPCCore
import PostgresNIO
import Testing
import TradewindCore
import TradewindProto
import TradewindStore
import TradewindTestSupport

/// No audit, no answer, on every write path: when a call's record cannot be written, the call fails
/// `UNAVAILABLE`, returns no data (a stream not one message) and leaves no row behind.
@Suite("Fail closed", .serialized)
struct FailClosedTests {
    typealias Admin = Tradewind_V1_TenantAdmin.Client

    @Test("platform log unwritable: failed authentications and TenantAdmin writes fail UNAVAILABLE and change nothing")
    func platformLog() async throws {
        let operatorKey = try await TestStack.operatorKey()
        let (tenant, tenantKey) = try await TestStack.tenant("eu")
        let slug = TestEnvironment.uniqueSlug("refused")
        let (unauthenticated, createTenant, createKey, revokeKey) = try await TestEnvironment.withSuperuserChange(
            "control", database: "control", "REVOKE INSERT ON audit_records FROM tradewind_control",
            revert: "GRANT INSERT ON audit_records TO tradewind_control"
        ) {
            let unauthenticated = await Status.of {
                try await TestStack.withClient { grpc in
                    _ = try await Tradewind_V1_Contacts.Client(wrapping: grpc).listContacts(
                        .init(), metadata: .bearer("tw_AAAAAAAAAAAAAAAA_forged"))
                }
            }
            let createTenant = await Status.of {
                try await TestStack.withClient { grpc in
                    var request = Tradewind_V1_CreateTenantRequest()
                    request.slug = slug
                    request.name = "Refused"
                    request.homeRegion = "eu"
                    _ = try await Admin(wrapping: grpc).createTenant(request, metadata: .bearer(operatorKey))
                }
            }
            let createKey = await Status.of {
                try await TestStack.withClient { grpc in
                    var request = Tradewind_V1_CreateApiKeyRequest()
                    request.tenantID = tenant.id.uuidString
                    request.role = .analyst
                    request.label = "refused"
                    _ = try await Admin(wrapping: grpc).createApiKey(request, metadata: .bearer(operatorKey))
                }
            }
            let revokeKey = await Status.of {
                try await TestStack.withClient { grpc in
                    var request = Tradewind_V1_RevokeApiKeyRequest()
                    request.tenantID = tenant.id.uuidString
                    request.keyID = String(tenantKey.split(separator: "_")[1])
                    _ = try await Admin(wrapping: grpc).revokeApiKey(request, metadata: .bearer(operatorKey))
                }
            }
            return (unauthenticated, createTenant, createKey, revokeKey)
        }
        // Not UNAUTHENTICATED: even a refusal is only answered once it is on record.
        #expect(unauthenticated?.code == .unavailable, "\(String(describing: unauthenticated))")
        #expect(createTenant?.code == .unavailable, "\(String(describing: createTenant))")
        #expect(createKey?.code == .unavailable, "\(String(describing: createKey))")
        #expect(revokeKey?.code == .unavailable, "\(String(describing: revokeKey))")

        // Nothing was written: no tenant, no new key, and the tenant's key still works.
        let stack = try await TestStack.running()
        #expect(try await stack.control.tenant(slug: slug) == nil)
        let keys = try await TestStack.withClient { grpc in
            var request = Tradewind_V1_ListApiKeysRequest()
            request.tenantID = tenant.id.uuidString
            return try await Admin(wrapping: grpc).listApiKeys(request, metadata: .bearer(operatorKey)).apiKeys
        }
        #expect(!keys.contains { $0.label == "refused" }, "a key was created without its record")
        let stillValid = await Status.of {
            try await TestStack.withClient { grpc in
                _ = try await Tradewind_V1_Contacts.Client(wrapping: grpc).listContacts(
                    .init(), metadata: .bearer(tenantKey))
            }
        }
        #expect(stillValid == nil, "the key was revoked without a record: \(String(describing: stillValid))")
    }

    @Test(
        "a region's log unwritable: Segments, Privacy and Events writes and both streams fail UNAVAILABLE, writing nothing"
    )
    func tenantLog() async throws {
        let (tenant, owner) = try await TestStack.tenant("cn")
        let (exportData, outcomes) = try await TestEnvironment.withSuperuserChange(
            "cn", "REVOKE INSERT ON audit_records FROM tradewind_app",
            revert: "GRANT INSERT ON audit_records TO tradewind_app"
        ) {
            var outcomes: [String: RPCError?] = [:]
            outcomes["Segments/CreateSegment"] = await Status.of {
                try await TestStack.withClient { grpc in
                    var request = Tradewind_V1_CreateSegmentRequest()
                    request.name = "refused"
                    request.purpose = .emailMarketing
                    _ = try await Tradewind_V1_Segments.Client(wrapping: grpc).createSegment(
                        request, metadata: .bearer(owner))
                }
            }
            outcomes["Privacy/OpenRequest"] = await Status.of {
                _ = try await PrivacyTests.open(owner, .access) { $0.email = "refused@example.cn" }
            }
            outcomes["Events/LoadExchangeRates"] = await Status.of {
                try await TestStack.withClient { grpc in
                    var rate = Tradewind_V1_ExchangeRate()
                    rate.day = EventsTests.dayText
                    rate.currency = "CNY"
                    rate.usdPerUnit = "0.14"
                    var request = Tradewind_V1_LoadExchangeRatesRequest()
                    request.rates = [rate]
                    _ = try await Tradewind_V1_Events.Client(wrapping: grpc).loadExchangeRates(
                        request, metadata: .bearer(owner))
                }
            }
            // A client stream: no batch is stored, no answer comes back.
            var answers: [Tradewind_V1_IngestEventsResponse] = []
            outcomes["Events/IngestEvents"] = await Status.of {
                answers = try await EventsTests.ingest(owner, [[EventsTests.touchpoint("refused-event")]])
            }
            #expect(answers.isEmpty)
            // A server stream: not one message leaves before its opening record is committed.
            var data = Data()
            outcomes["Audit/ExportAuditLog"] = await Status.of {
                data = try await TestStack.withClient { grpc in
                    try await Tradewind_V1_Audit.Client(wrapping: grpc).exportAuditLog(
                        .init(), metadata: .bearer(owner)
                    ) { response in
                        var data = Data()
                        for try await message in response.messages { data.append(message.data) }
                        return data
                    }
                }
            }
            return (data, outcomes)
        }
        for (method, error) in outcomes.sorted(by: { $0.key < $1.key }) {
            #expect(error?.code == .unavailable, "\(method): \(String(describing: error))")
        }
        #expect(exportData.isEmpty)

        // Not a row anywhere, not even a record.
        for table in [
            "segments", "privacy_requests", "tenant_fx_rates", "events", "journey_deltas", "event_rollup_deltas",
            "audit_records",
        ] {
            let count = try await EventsTests.querying(
                tenant, PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(table)"), as: Int.self)
            #expect(count == [0], "\(table)")
        }
    }
}
