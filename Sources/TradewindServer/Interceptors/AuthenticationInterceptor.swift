import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import TradewindCore
import TradewindStore
import X509

/// Resolves the call's credentials into a `Principal` and its tenant record.
///
/// Credentials are an API key (`authorization: Bearer tw_…`) and/or a client certificate from the
/// TLS handshake, identified by the SHA-256 of its SubjectPublicKeyInfo. When both are present they
/// must name the same tenant. The tenant always comes from the credential, never from the request.
struct AuthenticationInterceptor: ServerInterceptor {
    let credentials: CredentialCache

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let call = try CallContext.require()
        let (principal, tenant) = try await authenticate(
            bearer: request.metadata[stringValues: "authorization"].first(where: { _ in true }),
            certificate: (context.transportSpecific as? HTTP2ServerTransport.Posix.Context)?.peerCertificate,
            timeout: call.databaseTimeout, call: call)
        call.identify(principal, tenant: tenant)
        return try await next(request, context)
    }

    /// The principal and its tenant record. `call` learns them as soon as the
    /// credential is known to be genuine, so that a refusal after that is in the tenant's own log.
    func authenticate(bearer: String?, certificate: Certificate?, timeout: Duration, call: CallContext)
        async throws -> (Principal, Tenant?)
    {
        let fingerprint = try certificate.map(Self.spkiFingerprint)
        let certificateRecord = try await fingerprint.asyncMap {
            try await credentials.clientCertificate(spkiSHA256: $0, timeout: timeout)
        }.flatMap { $0 }
        if let record = certificateRecord, record.expiresAt <= Date() {
            throw RPCError(code: .unauthenticated, message: "the client certificate has expired")
        }

        var principal: Principal
        if let bearer {
            principal = try await keyPrincipal(bearer: bearer, timeout: timeout)
            principal.clientCertificateFingerprint = fingerprint
            if let record = certificateRecord, record.tenantID != principal.tenantID {
                throw RPCError(
                    code: .unauthenticated,
                    message: "the API key and the client certificate belong to different tenants")
            }
        } else if let record = certificateRecord, let fingerprint {
            principal = Principal(
                id: "cert:\(fingerprint.prefix(16))", kind: .clientCertificate, tenantID: record.tenantID,
                role: record.role, clientCertificateFingerprint: fingerprint)
        } else if fingerprint != nil {
            throw RPCError(
                code: .unauthenticated,
                message: "the client certificate is not registered; register it or send an API key")
        } else {
            throw RPCError(
                code: .unauthenticated, message: "missing credentials: send 'authorization: Bearer <API key>'")
        }

        guard let tenantID = principal.tenantID else { return (principal, nil) }
        guard let tenant = try await credentials.tenant(id: tenantID, timeout: timeout) else {
            throw RPCError(code: .unauthenticated, message: "the credential's tenant no longer exists")
        }
        // Authenticated: a refusal from here on is the tenant's business and goes to its own log.
        call.identify(principal, tenant: tenant)
        if tenant.status == .suspended {
            throw RPCError(code: .permissionDenied, message: "tenant \(tenant.slug) is suspended")
        }
        if tenant.settings.requireMTLS && certificateRecord == nil {
            throw RPCError(
                code: .permissionDenied,
                message: "tenant \(tenant.slug) requires mTLS: present a client certificate registered to it")
        }
        return (principal, tenant)
    }

    private func keyPrincipal(bearer: String, timeout: Duration) async throws -> Principal {
        let invalid = RPCError(code: .unauthenticated, message: "the API key is not valid")
        guard bearer.hasPrefix("Bearer "), let token = APIKeyToken(parsing: String(bearer.dropFirst("Bearer ".count)))
        else { throw invalid }
        guard let record = try await credentials.apiKey(id: token.keyID, timeout: timeout),
            token.matches(storedHash: Array(record.secretHash))
        else { throw invalid }
        // Only a holder of the secret learns why a real key no longer works.
        if record.revokedAt != nil {
            throw RPCError(code: .unauthenticated, message: "the API key \(record.keyID) was revoked")
        }
        if let expiry = record.expiresAt, expiry <= Date() {
            throw RPCError(code: .unauthenticated, message: "the API key \(record.keyID) has expired")
        }
        // Last-used time is kept to the minute, so authentication stays read-mostly.
        let now = Date()
        if record.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            credentials.markKeyUsed(id: record.keyID, at: now)
            try? await credentials.control.recordKeyUse(keyID: record.keyID, timeout: timeout)
        }
        return Principal(id: record.keyID, kind: .apiKey, tenantID: record.tenantID, role: record.role)
    }

    /// Hex SHA-256 of the certificate's DER SubjectPublicKeyInfo: survives renewal with the same key.
    static func spkiFingerprint(_ certificate: Certificate) throws -> String {
        let spki = try certificate.publicKey.serializeAsPEM().derBytes
        return SHA256.hash(data: spki).map { String(format: "%02x", $0) }.joined()
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
