import Foundation
import GRPCCore
import SwiftProtobuf
import TradewindCore
import TradewindProto
import TradewindStore
import X509

/// `tradewind.v1.TenantAdmin`: the control plane, for platform operators.
struct TenantAdminService: Tradewind_V1_TenantAdmin.SimpleServiceProtocol {
    let control: ControlStore
    let credentials: CredentialCache
    let regions: Set<Region>
    let pageTokens: PageTokenCodec
    let seal: IdempotencySeal
    let limits: ServerConfiguration.Limits

    /// What is left of the call's time for a control-plane read. Writes take the call itself
    /// (`for: call`), which also puts its record in their transaction.
    private func timeout() throws -> Duration { try CallContext.require().databaseTimeout }

    private func touch(_ resource: String) throws { try CallContext.require().touch(resource) }

    // MARK: Tenants

    func createTenant(request: Tradewind_V1_CreateTenantRequest, context: ServerContext) async throws
        -> Tradewind_V1_Tenant
    {
        let spec = TenantSpec(
            slug: request.slug, name: request.name, homeRegion: Region(request.homeRegion),
            plan: request.plan.isEmpty ? "starter" : request.plan, status: .active,
            settings: ProtoMapping.settings(request.settings))
        try spec.validate(regions: regions)
        try touch("tenant_slug:\(spec.slug)")
        let tenant = try await control.createTenant(spec, for: try CallContext.require())
        return ProtoMapping.proto(tenant)
    }

    func getTenant(request: Tradewind_V1_GetTenantRequest, context: ServerContext) async throws -> Tradewind_V1_Tenant {
        let tenant: Tenant?
        switch request.tenant {
        case .id(let text):
            let id = try Self.tenantID(text)
            try touch("tenant:\(id.uuidString.lowercased())")
            tenant = try await control.tenant(id: id, timeout: try timeout())
        case .slug(let slug):
            try touch("tenant_slug:\(slug)")
            tenant = try await control.tenant(slug: slug, timeout: try timeout())
        case nil:
            throw ErrorMapping.invalidArgument(ValidationFailure(field: "tenant", "set id or slug"))
        }
        guard let tenant else { throw RPCError(code: .notFound, message: "tenant not found") }
        return ProtoMapping.proto(tenant)
    }

    func listTenants(request: Tradewind_V1_ListTenantsRequest, context: ServerContext) async throws
        -> Tradewind_V1_ListTenantsResponse
    {
        let pageSize = try limits.pageSizes.resolve(request.pageSize)
        let scope = try CallContext.require().pageTokenScope(.platform)
        var after: String?
        if !request.pageToken.isEmpty {
            let position = try pageTokens.decode(request.pageToken, scope: scope, filterFingerprint: "")
            guard position.count == 1 else {
                throw ErrorMapping.invalidArgument(ValidationFailure(field: "page_token", "is malformed"))
            }
            after = position[0]
        }
        let tenants = try await control.listTenants(afterSlug: after, limit: pageSize + 1, timeout: try timeout())
        var response = Tradewind_V1_ListTenantsResponse()
        response.tenants = tenants.prefix(pageSize).map(ProtoMapping.proto)
        if tenants.count > pageSize, let last = tenants.prefix(pageSize).last {
            response.nextPageToken = pageTokens.encode(
                position: [last.slug], scope: scope, filterFingerprint: "")
        }
        return response
    }

    // MARK: API keys

    func createApiKey(request: Tradewind_V1_CreateApiKeyRequest, context: ServerContext) async throws
        -> Tradewind_V1_CreateApiKeyResponse
    {
        var collector = ViolationCollector()
        let tenantID = ProtoMapping.uuid(request.tenantID, field: "tenant_id", into: &collector)
        let role = ProtoMapping.role(request.role)
        if role == nil { collector.add("role", request.role.rawValue == 0 ? "is required" : "is not a known role") }
        if !request.label.isEmpty {
            collector.require(
                FieldFormats.isPrintableText(request.label, maxLength: 100), "label",
                "must be at most 100 printable characters")
        }
        let expiry = request.hasExpireTime ? request.expireTime.date : nil
        if let expiry { collector.require(expiry > Date(), "expire_time", "must be in the future") }
        if !request.idempotencyKey.isEmpty {
            collector.require(
                FieldFormats.isValidIdempotencyKey(request.idempotencyKey), "idempotency_key",
                "must be 1-100 printable ASCII characters")
        }
        try collector.throwIfAny()
        guard let tenantID, let role else { throw RPCError(code: .invalidArgument, message: "invalid request") }
        try touch("tenant:\(tenantID.uuidString.lowercased())")

        let principalID = try CallContext.require().principal?.id ?? ""
        let method = context.descriptor.fullyQualifiedMethod
        let requestHash = IdempotencySeal.requestHash(try request.serializedBytes())
        let idempotencyKey = request.idempotencyKey

        if !idempotencyKey.isEmpty,
            let earlier = try await control.idempotencyRecord(
                principalID: principalID, method: method, keyHash: IdempotencySeal.keyHash(idempotencyKey),
                timeout: try timeout())
        {
            return try replay(earlier, requestHash: requestHash, idempotencyKey: idempotencyKey)
        }

        guard let tenant = try await control.tenant(id: tenantID, timeout: try timeout()) else {
            throw RPCError(code: .notFound, message: "tenant \(tenantID.uuidString.lowercased()) not found")
        }
        let token = APIKeyToken.generate()
        try touch("api_key:\(token.keyID)")
        let record = APIKeyRecord(
            keyID: token.keyID, tenantID: tenant.id, role: role, label: request.label,
            secretHash: Data(token.secretHash), createdAt: Date(), expiresAt: expiry, revokedAt: nil, lastUsedAt: nil)

        var response = Tradewind_V1_CreateApiKeyResponse()
        response.secret = token.text
        var idempotency: IdempotencyRecord?
        if !idempotencyKey.isEmpty {
            // The sealed result is built before the insert so both commit together.
            var sealedResponse = response
            sealedResponse.apiKey = ProtoMapping.proto(record)
            idempotency = IdempotencyRecord(
                principalID: principalID, method: method, keyHash: IdempotencySeal.keyHash(idempotencyKey),
                requestHash: requestHash,
                sealedResult: try seal.seal(try sealedResponse.serializedBytes(), idempotencyKey: idempotencyKey))
        }
        let (stored, concurrent) = try await control.createAPIKey(
            record, idempotency: idempotency, for: try CallContext.require())
        if let concurrent {
            // A concurrent retry won: this transaction rolled back, its record with it.
            return try replay(concurrent, requestHash: requestHash, idempotencyKey: idempotencyKey)
        }
        response.apiKey = ProtoMapping.proto(stored)
        return response
    }

    private func replay(_ record: IdempotencyRecord, requestHash: Data, idempotencyKey: String) throws
        -> Tradewind_V1_CreateApiKeyResponse
    {
        guard record.requestHash == requestHash else {
            throw ErrorMapping.invalidArgument(
                ValidationFailure(field: "idempotency_key", "was already used with a different request"))
        }
        let plaintext = try seal.open(record.sealedResult, idempotencyKey: idempotencyKey)
        return try Tradewind_V1_CreateApiKeyResponse(serializedBytes: Array(plaintext))
    }

    func listApiKeys(request: Tradewind_V1_ListApiKeysRequest, context: ServerContext) async throws
        -> Tradewind_V1_ListApiKeysResponse
    {
        let tenantID = try Self.tenantID(request.tenantID)
        try touch("tenant:\(tenantID.uuidString.lowercased())")
        let pageSize = try limits.pageSizes.resolve(request.pageSize)
        let scope = try CallContext.require().pageTokenScope(.tenant(tenantID))
        let fingerprint = "include_revoked=\(request.includeRevoked)"
        var after: (Int64, String)?
        if !request.pageToken.isEmpty {
            let position = try pageTokens.decode(request.pageToken, scope: scope, filterFingerprint: fingerprint)
            guard position.count == 2, let micros = Int64(position[0]) else {
                throw ErrorMapping.invalidArgument(ValidationFailure(field: "page_token", "is malformed"))
            }
            after = (micros, position[1])
        }
        let keys = try await control.listAPIKeys(
            tenantID: tenantID, includeRevoked: request.includeRevoked, after: after, limit: pageSize + 1,
            timeout: try timeout())
        var response = Tradewind_V1_ListApiKeysResponse()
        response.apiKeys = keys.prefix(pageSize).map(ProtoMapping.proto)
        if keys.count > pageSize, let last = keys.prefix(pageSize).last {
            response.nextPageToken = pageTokens.encode(
                position: [String(last.createdAt.microsecondsSince1970), last.keyID], scope: scope,
                filterFingerprint: fingerprint)
        }
        return response
    }

    func revokeApiKey(request: Tradewind_V1_RevokeApiKeyRequest, context: ServerContext) async throws
        -> Tradewind_V1_ApiKey
    {
        var collector = ViolationCollector()
        let tenantID = ProtoMapping.uuid(request.tenantID, field: "tenant_id", into: &collector)
        collector.require(APIKeyToken.isKeyID(request.keyID), "key_id", "must be a key id (16 characters)")
        try collector.throwIfAny()
        guard let tenantID else { throw RPCError(code: .invalidArgument, message: "tenant_id: must be a UUID") }
        try touch("tenant:\(tenantID.uuidString.lowercased())")
        try touch("api_key:\(request.keyID)")
        let key = try await control.revokeAPIKey(
            tenantID: tenantID, keyID: request.keyID, for: try CallContext.require())
        credentials.invalidateKey(id: key.keyID)
        return ProtoMapping.proto(key)
    }

    // MARK: Client certificates

    func registerClientCertificate(
        request: Tradewind_V1_RegisterClientCertificateRequest, context: ServerContext
    ) async throws -> Tradewind_V1_ClientCertificate {
        var collector = ViolationCollector()
        let tenantID = ProtoMapping.uuid(request.tenantID, field: "tenant_id", into: &collector)
        let role = ProtoMapping.role(request.role)
        if role == nil { collector.add("role", request.role.rawValue == 0 ? "is required" : "is not a known role") }
        let certificate = try? Certificate(pemEncoded: request.certificatePem)
        if certificate == nil { collector.add("certificate_pem", "must be one PEM-encoded X.509 certificate") }
        if let certificate, certificate.notValidAfter <= Date() {
            collector.add("certificate_pem", "has expired")
        }
        if !request.label.isEmpty {
            collector.require(
                FieldFormats.isPrintableText(request.label, maxLength: 100), "label",
                "must be at most 100 printable characters")
        }
        try collector.throwIfAny()
        guard let tenantID, let role, let certificate else {
            throw RPCError(code: .invalidArgument, message: "invalid request")
        }
        try touch("tenant:\(tenantID.uuidString.lowercased())")
        guard try await control.tenant(id: tenantID, timeout: try timeout()) != nil else {
            throw RPCError(code: .notFound, message: "tenant \(tenantID.uuidString.lowercased()) not found")
        }
        let record = ClientCertificateRecord(
            spkiSHA256: try AuthenticationInterceptor.spkiFingerprint(certificate), tenantID: tenantID, role: role,
            label: request.label, subject: String(describing: certificate.subject),
            expiresAt: certificate.notValidAfter,
            createdAt: Date())
        try touch("client_certificate:\(record.spkiSHA256)")
        let stored = try await control.registerClientCertificate(
            record, for: try CallContext.require())
        credentials.invalidateCertificate(spkiSHA256: stored.spkiSHA256)
        return ProtoMapping.proto(stored)
    }

    func listClientCertificates(
        request: Tradewind_V1_ListClientCertificatesRequest, context: ServerContext
    ) async throws -> Tradewind_V1_ListClientCertificatesResponse {
        let tenantID = try Self.tenantID(request.tenantID)
        try touch("tenant:\(tenantID.uuidString.lowercased())")
        var response = Tradewind_V1_ListClientCertificatesResponse()
        response.certificates = try await control.listClientCertificates(tenantID: tenantID, timeout: try timeout())
            .map(ProtoMapping.proto)
        return response
    }

    private static func tenantID(_ text: String, field: String = "tenant_id") throws -> UUID {
        guard let id = UUID(uuidString: text) else {
            throw ErrorMapping.invalidArgument(
                ValidationFailure(field: field, text.isEmpty ? "is required" : "must be a UUID"))
        }
        return id
    }
}
