import Foundation

/// Who is calling, resolved from the call's credential by authentication. The tenant of a call is
/// always this principal's tenant: no request field can change it.
public struct Principal: Sendable, Hashable {
    /// How the principal proved who it is.
    public enum Kind: String, Sendable, Hashable {
        case apiKey = "api_key"
        case clientCertificate = "client_certificate"
    }

    /// Stable id for logs and audit: the API key id, or the certificate's SPKI fingerprint.
    public var id: String
    public var kind: Kind
    /// The tenant the principal acts for; `nil` for platform operators.
    public var tenantID: UUID?
    public var role: Role
    /// SHA-256 of the client certificate's SubjectPublicKeyInfo, when the call presented one.
    public var clientCertificateFingerprint: String?

    public init(id: String, kind: Kind, tenantID: UUID?, role: Role, clientCertificateFingerprint: String? = nil) {
        self.id = id
        self.kind = kind
        self.tenantID = tenantID
        self.role = role
        self.clientCertificateFingerprint = clientCertificateFingerprint
    }

    public var scopes: Set<Scope> { role.scopes }

    public func has(_ scope: Scope) -> Bool { scopes.contains(scope) }
}
