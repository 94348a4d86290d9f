import Foundation
import GRPCCore
import SwiftProtobuf
import TradewindCore
import TradewindStore

/// The idempotency key of a tenant mutation, hashed with the request it came with, kept in the
/// tenant's region beside what the first call made (`TenantIdempotency`).
struct IdempotencyKey: Sendable {
    let method: String
    let key: Data
    let request: Data

    static let conflict = RPCError(code: .invalidArgument, message: "idempotency_key: was used for a different request")

    /// The request's key; nil when it sent none, a violation of `idempotency_key` when malformed.
    static func parse(
        _ key: String, method: String, request: some SwiftProtobuf.Message, into collector: inout ViolationCollector
    ) -> IdempotencyKey? {
        guard !key.isEmpty else { return nil }
        guard FieldFormats.isValidIdempotencyKey(key), let bytes = try? request.serializedBytes() as [UInt8] else {
            collector.add("idempotency_key", "must be 1-100 printable ASCII characters")
            return nil
        }
        return IdempotencyKey(
            method: method, key: IdempotencySeal.keyHash(key), request: IdempotencySeal.requestHash(bytes))
    }

    /// Claims the key for `resource` in the mutation's own transaction: nil for a first use (go
    /// ahead), the first call's resource for a retry of the same request; another request under
    /// the same key is refused.
    func claim(for resource: UUID, call: TenantCall, in tx: TenantTransaction) async throws -> UUID? {
        try Self.resolve(
            await TenantIdempotency.claim(
                principalID: call.principal.id, method: method, keyHash: key, requestHash: request,
                resourceID: resource, in: tx))
    }

    /// What a first call under this key made, without claiming it: for a mutation that must not
    /// repeat work outside the database (asking a channel) before it claims.
    func existing(call: TenantCall, in tx: TenantTransaction) async throws -> UUID? {
        try Self.resolve(
            await TenantIdempotency.existing(
                principalID: call.principal.id, method: method, keyHash: key, requestHash: request, in: tx))
    }

    private static func resolve(_ claim: TenantIdempotency.Claim) throws -> UUID? {
        switch claim {
        case .new: nil
        case .replay(let resource): resource
        case .conflict: throw conflict
        }
    }
}
