import Foundation
import Synchronization
import TradewindCore
import TradewindStore

/// Control-plane lookups for authentication, cached briefly.
///
/// Entries (including "no such key") live for `ttl`, which stays under 5 seconds so that a key
/// revoked on any server stops working everywhere within 5 seconds; a revocation made through
/// this server drops its entry at once.
public final class CredentialCache: Sendable {
    private struct Entry<Value: Sendable>: Sendable {
        var value: Value?
        var fetchedAt: ContinuousClock.Instant
    }

    public let control: ControlStore
    private let ttl: Duration
    private let keys = Mutex<[String: Entry<APIKeyRecord>]>([:])
    private let certificates = Mutex<[String: Entry<ClientCertificateRecord>]>([:])
    private let tenants = Mutex<[UUID: Entry<Tenant>]>([:])
    /// Bounds memory when a client sprays random key ids.
    private let maxEntries = 100_000

    public init(control: ControlStore, ttl: Duration = .seconds(4)) {
        self.control = control
        self.ttl = ttl
    }

    public func apiKey(id: String, timeout: Duration) async throws -> APIKeyRecord? {
        try await cached(in: keys, key: id) { try await control.apiKey(keyID: id, timeout: timeout) }
    }

    public func clientCertificate(spkiSHA256: String, timeout: Duration) async throws -> ClientCertificateRecord? {
        try await cached(in: certificates, key: spkiSHA256) {
            try await control.clientCertificate(spkiSHA256: spkiSHA256, timeout: timeout)
        }
    }

    public func tenant(id: UUID, timeout: Duration) async throws -> Tenant? {
        try await cached(in: tenants, key: id) { try await control.tenant(id: id, timeout: timeout) }
    }

    /// Notes in the cached record that the key was just used, so the next calls within the cache's
    /// lifetime do not record the use again.
    public func markKeyUsed(id: String, at date: Date) {
        keys.withLock { entries in entries[id]?.value?.lastUsedAt = date }
    }

    /// Forgets a key at once (after a revocation through this server).
    public func invalidateKey(id: String) {
        _ = keys.withLock { $0.removeValue(forKey: id) }
    }

    /// Forgets a certificate at once (after it was registered through this server).
    public func invalidateCertificate(spkiSHA256: String) {
        _ = certificates.withLock { $0.removeValue(forKey: spkiSHA256) }
    }

    private func cached<Key: Hashable & Sendable, Value: Sendable>(
        in storage: borrowing Mutex<[Key: Entry<Value>]>, key: Key, load: () async throws -> Value?
    ) async throws -> Value? {
        let now = ContinuousClock.now
        let hit = storage.withLock { entries -> Entry<Value>? in
            guard let entry = entries[key], now - entry.fetchedAt < ttl else { return nil }
            return entry
        }
        if let hit { return hit.value }
        let value = try await load()
        storage.withLock { entries in
            if entries.count >= maxEntries { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(value: value, fetchedAt: now)
        }
        return value
    }
}
