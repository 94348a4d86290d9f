import Foundation
import TradewindCore

/// An API key as the control plane stores it: the secret only as its SHA-256.
public struct APIKeyRecord: Sendable, Hashable {
    public var keyID: String
    /// `nil` for platform operator keys.
    public var tenantID: UUID?
    public var role: Role
    public var label: String
    public var secretHash: Data
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?
    public var lastUsedAt: Date?

    public init(
        keyID: String, tenantID: UUID?, role: Role, label: String, secretHash: Data, createdAt: Date,
        expiresAt: Date?, revokedAt: Date?, lastUsedAt: Date?
    ) {
        self.keyID = keyID
        self.tenantID = tenantID
        self.role = role
        self.label = label
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
    }
}

/// A client certificate registered for a tenant's mTLS calls, keyed by its SPKI fingerprint.
public struct ClientCertificateRecord: Sendable, Hashable {
    public var spkiSHA256: String
    public var tenantID: UUID
    public var role: Role
    public var label: String
    public var subject: String
    public var expiresAt: Date
    public var createdAt: Date

    public init(
        spkiSHA256: String, tenantID: UUID, role: Role, label: String, subject: String, expiresAt: Date,
        createdAt: Date
    ) {
        self.spkiSHA256 = spkiSHA256
        self.tenantID = tenantID
        self.role = role
        self.label = label
        self.subject = subject
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }
}

/// The stored outcome of a non-idempotent mutation, returned again on a retry with the same key.
public struct IdempotencyRecord: Sendable, Hashable {
    public var principalID: String
    public var method: String
    public var keyHash: Data
    public var requestHash: Data
    public var sealedResult: Data

    public init(principalID: String, method: String, keyHash: Data, requestHash: Data, sealedResult: Data) {
        self.principalID = principalID
        self.method = method
        self.keyHash = keyHash
        self.requestHash = requestHash
        self.sealedResult = sealedResult
    }
}

/// What applying a tenant manifest did.
public enum TenantApplyOutcome: String, Sendable, Hashable {
    case created
    case updated
    case unchanged
}
