import Foundation
import GRPCCore
import PostgresNIO
import SwiftProtobuf
import Testing
import TradewindCore
import TradewindProto
import TradewindServer
import TradewindStore
import TradewindTestSupport

/// Credentials: API keys (unknown, malformed, expired, revoked), roles and scopes, and client
/// certificates, which must name the same tenant as a key sent with them.
@Suite("Authentication and authorization")
struct AuthenticationTests {
    private static func getContact(_ metadata: Metadata, certificate: TradewindClient.ClientCertificate? = nil)
        async -> RPCError?
    {
        await Status.of {
            try await TestStack.withClient(certificate: certificate) { client in
                var request = Tradewind_V1_GetContactRequest()
                request.id = UUID().uuidString
                _ = try await Tradewind_V1_Contacts.Client(wrapping: client).getContact(request, metadata: metadata)
            }
        }
    }

    @Test("missing, malformed and unknown keys get UNAUTHENTICATED")
    func badKeys() async throws {
        #expect(await Self.getContact([:])?.code == .unauthenticated)
        #expect(await Self.getContact(["authorization": "Basic abc"])?.code == .unauthenticated)
        #expect(await Self.getContact(.bearer("tw_nothing_like_a_key"))?.code == .unauthenticated)
        let unknown = APIKeyToken.generate().text
        let error = await Self.getContact(.bearer(unknown))
        #expect(error?.code == .unauthenticated)
        #expect(error?.message == "the API key is not valid")
    }

    @Test("a right key id with a wrong secret is just as invalid as an unknown key")
    func wrongSecret() async throws {
        let (_, key) = try await TestStack.tenant()
        let token = try #require(APIKeyToken(parsing: key))
        let forged = "tw_\(token.keyID)_\(APIKeyToken.generate().secret)"
        let error = await Self.getContact(.bearer(forged))
        #expect(error?.code == .unauthenticated)
        #expect(error?.message == "the API key is not valid")
    }

    @Test("an expired key gets UNAUTHENTICATED")
    func expiredKey() async throws {
        let (tenant, _) = try await TestStack.tenant()
        let expired = try await TestStack.key(
            tenantID: tenant.id, role: .owner, expiresAt: Date().addingTimeInterval(-1))
        let error = await Self.getContact(.bearer(expired))
        #expect(error?.code == .unauthenticated)
        #expect(error?.message.contains("expired") == true)
    }

    @Test("a key revoked behind the server's back stops working within 5 seconds")
    func revocationPropagates() async throws {
        let stack = try await TestStack.running()
        let (tenant, key) = try await TestStack.tenant()
        #expect(await Self.getContact(.bearer(key))?.code == .notFound)  // authenticated: the id is random
        let keyID = try #require(APIKeyToken(parsing: key)).keyID
        // Revoke as another server would: straight in the control plane, bypassing this server's cache.
        _ = try await stack.control.revokeAPIKey(tenantID: tenant.id, keyID: keyID, for: TestSetupCall())
        let revokedAt = ContinuousClock.now
        var code: RPCError.Code? = .notFound
        while code == .notFound && ContinuousClock.now - revokedAt < .seconds(6) {
            try await Task.sleep(for: .milliseconds(200))
            code = await Self.getContact(.bearer(key))?.code
        }
        #expect(code == .unauthenticated)
        #expect(ContinuousClock.now - revokedAt <= .seconds(5))
    }

    @Test("revoking through the API takes effect at once and last-used time is recorded")
    func revokeThroughAPI() async throws {
        let operatorKey = try await TestStack.operatorKey()
        let (tenant, key) = try await TestStack.tenant()
        _ = await Self.getContact(.bearer(key))
        let keyID = try #require(APIKeyToken(parsing: key)).keyID
        try await TestStack.withClient { client in
            let admin = Tradewind_V1_TenantAdmin.Client(wrapping: client)
            var list = Tradewind_V1_ListApiKeysRequest()
            list.tenantID = tenant.id.uuidString
            let keys = try await admin.listApiKeys(list, metadata: .bearer(operatorKey)).apiKeys
            #expect(keys.map(\.keyID) == [keyID])
            #expect(keys.first?.hasLastUsedTime == true)
            var revoke = Tradewind_V1_RevokeApiKeyRequest()
            revoke.tenantID = tenant.id.uuidString
            revoke.keyID = keyID
            let revoked = try await admin.revokeApiKey(revoke, metadata: .bearer(operatorKey))
            #expect(revoked.hasRevokeTime)
        }
        #expect(await Self.getContact(.bearer(key))?.code == .unauthenticated)
    }

    @Test("an analyst cannot write or read contacts; tenants and operators stay on their own plane")
    func scopes() async throws {
        let (_, analyst) = try await TestStack.tenant(role: .analyst)
        let write = await Status.of {
            try await TestStack.withClient { client in
                var request = Tradewind_V1_UpsertContactRequest()
                request.contact.externalID = "analyst-write"
                _ = try await Tradewind_V1_Contacts.Client(wrapping: client).upsertContact(
                    request, metadata: .bearer(analyst))
            }
        }
        #expect(write?.code == .permissionDenied)
        #expect(write?.message.contains("contacts:write") == true)
        #expect(await Self.getContact(.bearer(analyst))?.code == .permissionDenied)

        let operatorKey = try await TestStack.operatorKey()
        #expect(await Self.getContact(.bearer(operatorKey))?.code == .permissionDenied)

        let (_, owner) = try await TestStack.tenant()
        let adminCall = await Status.of {
            try await TestStack.withClient { client in
                _ = try await Tradewind_V1_TenantAdmin.Client(wrapping: client).listTenants(
                    .init(), metadata: .bearer(owner))
            }
        }
        #expect(adminCall?.code == .permissionDenied)
    }

    @Test("a suspended tenant's keys are refused")
    func suspendedTenant() async throws {
        let stack = try await TestStack.running()
        let (tenant, key) = try await TestStack.tenant()
        var spec = TenantSpec(slug: tenant.slug, name: tenant.name, homeRegion: tenant.homeRegion, status: .suspended)
        spec.plan = tenant.plan
        _ = try await stack.control.applyTenant(spec, for: TestSetupCall())
        // The tenant record is cached for a few seconds, like keys.
        var code: RPCError.Code? = .notFound
        let start = ContinuousClock.now
        while code == .notFound && ContinuousClock.now - start < .seconds(6) {
            code = await Self.getContact(.bearer(key))?.code
            if code == .notFound { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(code == .permissionDenied)
    }

    @Test("client certificates: registered ones authenticate and are listed, mixed tenants and unknown CAs are refused")
    func clientCertificates() async throws {
        let stack = try await TestStack.running()
        let operatorKey = try await TestStack.operatorKey()
        let (tenantA, _) = try await TestStack.tenant()
        let (_, keyB) = try await TestStack.tenant()
        let (certificate, pem) = try TestStack.clientCertificate()

        // Not registered yet: the certificate alone is not a credential.
        #expect(await Self.getContact([:], certificate: certificate)?.code == .unauthenticated)

        let registered = try await TestStack.withClient { client in
            var request = Tradewind_V1_RegisterClientCertificateRequest()
            request.tenantID = tenantA.id.uuidString
            request.certificatePem = pem
            request.role = .marketer
            request.label = "test"
            return try await Tradewind_V1_TenantAdmin.Client(wrapping: client).registerClientCertificate(
                request, metadata: .bearer(operatorKey))
        }
        #expect(registered.spkiSha256.count == 64)

        // Listed for its tenant, and for no other.
        func certificates(of tenant: Tenant) async throws -> [Tradewind_V1_ClientCertificate] {
            try await TestStack.withClient { client in
                var request = Tradewind_V1_ListClientCertificatesRequest()
                request.tenantID = tenant.id.uuidString
                return try await Tradewind_V1_TenantAdmin.Client(wrapping: client).listClientCertificates(
                    request, metadata: .bearer(operatorKey)
                ).certificates
            }
        }
        let listed = try await certificates(of: tenantA)
        #expect(listed.map(\.spkiSha256) == [registered.spkiSha256])
        #expect(listed.first?.role == .marketer && listed.first?.label == "test")
        #expect(listed.first?.tenantID == tenantA.id.uuidString.lowercased())
        #expect(listed.first?.subject.contains("tradewind-test-client") == true && listed.first?.hasExpireTime == true)
        let tenantB = try #require(
            try await stack.control.apiKey(keyID: String(keyB.split(separator: "_")[1]))?.tenantID)
        let other = try await certificates(of: try #require(try await stack.control.tenant(id: tenantB)))
        #expect(other.isEmpty)

        // The certificate alone acts for tenant A (random id: authenticated, then not found).
        #expect(await Self.getContact([:], certificate: certificate)?.code == .notFound)

        // Tenant B's key with tenant A's certificate: refused.
        let mixed = await Self.getContact(.bearer(keyB), certificate: certificate)
        #expect(mixed?.code == .unauthenticated)
        #expect(mixed?.message.contains("different tenants") == true)

        // A certificate from a CA the server does not trust fails the handshake.
        let (rogue, _) = try TestStack.clientCertificate(trusted: false)
        let rogueError = await Self.getContact(.bearer(keyB), certificate: rogue)
        #expect(rogueError?.code == .unavailable)
        // Refused for its certificate (the server's TLS alert), not for any other connection failure.
        let refusal = String(reflecting: rogueError as Any)
        #expect(refusal.contains("ALERT_UNKNOWN_CA"), "\(refusal)")
    }

    @Test("a tenant that requires mTLS refuses a key without its certificate, in its own audit log")
    func requireMTLS() async throws {
        let (tenant, key) = try await TestStack.tenant(requireMTLS: true)
        let error = await Self.getContact(.bearer(key))
        #expect(error?.code == .permissionDenied)
        #expect(error?.message.contains("mTLS") == true)
        // The caller was authenticated, so the refusal is the tenant's business: its chain has it.
        let codes = try await DatabaseSession.with { session in
            try await session.inRegion(tenant.homeRegion, tenantID: tenant.id) { connection in
                var codes: [Int] = []
                for try await code in try await connection.query(
                    "SELECT code::int FROM audit_records WHERE tenant_id = \(tenant.id)", logger: TestEnvironment.logger
                ).decode(Int.self) { codes.append(code) }
                return codes
            }
        }
        #expect(codes == [RPCError.Code.permissionDenied.rawValue])
    }
}
