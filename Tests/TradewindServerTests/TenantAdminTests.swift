import Foundation
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf
import Testing
import TradewindCore
import TradewindProto
import TradewindServer
import TradewindStore
import TradewindTestSupport

/// The control plane through the API: tenants, keys and idempotent key creation.
@Suite("TenantAdmin")
struct TenantAdminTests {
    typealias Admin = Tradewind_V1_TenantAdmin.Client

    @Test("operators create tenants; a bad region or a taken slug is refused")
    func createTenant() async throws {
        let operatorKey = try await TestStack.operatorKey()
        try await TestStack.withClient { grpc in
            let admin = Admin(wrapping: grpc)
            var request = Tradewind_V1_CreateTenantRequest()
            request.slug = TestEnvironment.uniqueSlug("api")
            request.name = "Created through the API"
            request.homeRegion = "cn"
            request.settings.reportingCurrency = "CNY"
            request.settings.privacyRequestDeadlineDays = 15
            let tenant = try await admin.createTenant(request, metadata: .bearer(operatorKey))
            #expect(tenant.homeRegion == "cn")
            #expect(tenant.settings.timeZone == "UTC")
            #expect(tenant.settings.privacyRequestDeadlineDays == 15)

            let taken = await Status.of { _ = try await admin.createTenant(request, metadata: .bearer(operatorKey)) }
            #expect(taken?.code == .alreadyExists)

            request.slug = TestEnvironment.uniqueSlug("api")
            request.homeRegion = "mars"
            request.settings.reportingCurrency = "XYZ"
            let invalid = await Status.of { _ = try await admin.createTenant(request, metadata: .bearer(operatorKey)) }
            #expect(invalid?.code == .invalidArgument)
            #expect(Set(Status.fieldViolations(invalid)) == ["home_region", "settings.reporting_currency"])
        }
    }

    @Test("a retried key creation with the same idempotency key creates one key and returns it again")
    func idempotentKeyCreation() async throws {
        let operatorKey = try await TestStack.operatorKey()
        let (tenant, _) = try await TestStack.tenant()
        try await TestStack.withClient { grpc in
            let admin = Admin(wrapping: grpc)
            var request = Tradewind_V1_CreateApiKeyRequest()
            request.tenantID = tenant.id.uuidString.lowercased()
            request.role = .marketer
            request.label = "ci"
            request.idempotencyKey = "retry-\(UUID())"
            let first = try await admin.createApiKey(request, metadata: .bearer(operatorKey))
            let second = try await admin.createApiKey(request, metadata: .bearer(operatorKey))
            #expect(first.secret == second.secret)
            #expect(first.apiKey.keyID == second.apiKey.keyID)
            #expect(first.secret.hasPrefix("tw_\(first.apiKey.keyID)_"))

            var list = Tradewind_V1_ListApiKeysRequest()
            list.tenantID = tenant.id.uuidString
            let labelled = try await admin.listApiKeys(list, metadata: .bearer(operatorKey)).apiKeys
                .filter { $0.label == "ci" }
            #expect(labelled.count == 1)

            // The same idempotency key with another request is an error, not a silent replay.
            request.role = .owner
            let misuse = await Status.of { _ = try await admin.createApiKey(request, metadata: .bearer(operatorKey)) }
            #expect(misuse?.code == .invalidArgument)
            #expect(misuse?.message.contains("idempotency_key") == true)

            // The new key works, with the marketer's scopes.
            var get = Tradewind_V1_ListContactsRequest()
            get.pageSize = 1
            _ = try await Tradewind_V1_Contacts.Client(wrapping: grpc).listContacts(
                get, metadata: .bearer(first.secret))
        }
    }

    @Test("several keys are live at once and list newest first across pages")
    func severalLiveKeys() async throws {
        let operatorKey = try await TestStack.operatorKey()
        let (tenant, _) = try await TestStack.tenant()
        try await TestStack.withClient { grpc in
            let admin = Admin(wrapping: grpc)
            var created: [String] = []
            for index in 0..<3 {
                var request = Tradewind_V1_CreateApiKeyRequest()
                request.tenantID = tenant.id.uuidString
                request.role = .analyst
                request.label = "rotation-\(index)"
                created.append(try await admin.createApiKey(request, metadata: .bearer(operatorKey)).apiKey.keyID)
            }
            var list = Tradewind_V1_ListApiKeysRequest()
            list.tenantID = tenant.id.uuidString
            list.pageSize = 2
            var keys: [Tradewind_V1_ApiKey] = []
            repeat {
                let page = try await admin.listApiKeys(list, metadata: .bearer(operatorKey))
                keys += page.apiKeys
                list.pageToken = page.nextPageToken
            } while !list.pageToken.isEmpty
            #expect(keys.count == 4)  // the test's own owner key plus three
            #expect(Set(created).isSubset(of: Set(keys.map(\.keyID))))
            #expect(keys.allSatisfy { !$0.hasRevokeTime })
        }
    }

    @Test("applying a manifest never changes a tenant's id or home region")
    func applyKeepsIdentity() async throws {
        let stack = try await TestStack.running()
        let slug = TestEnvironment.uniqueSlug("apply")
        let (first, outcome) = try await stack.control.applyTenant(
            TenantSpec(slug: slug, name: "One", homeRegion: Region("us")), for: TestSetupCall())
        #expect(outcome == .created)
        let (again, unchanged) = try await stack.control.applyTenant(
            TenantSpec(slug: slug, name: "One", homeRegion: Region("us")), for: TestSetupCall())
        #expect(unchanged == .unchanged)
        #expect(again.id == first.id)
        let (renamed, updated) = try await stack.control.applyTenant(
            TenantSpec(slug: slug, name: "Two", homeRegion: Region("us")), for: TestSetupCall())
        #expect(updated == .updated)
        #expect(renamed.id == first.id)
        await #expect {
            _ = try await stack.control.applyTenant(
                TenantSpec(slug: slug, name: "Two", homeRegion: Region("eu")), for: TestSetupCall())
        } throws: { error in
            guard case StoreError.failedPrecondition(let message) = error else { return false }
            return message.contains("home region cannot change")
        }
    }
}
