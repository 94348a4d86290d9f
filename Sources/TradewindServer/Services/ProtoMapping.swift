import Foundation
import GRPCCore
import SwiftProtobuf
import TradewindCore
import TradewindProto
import TradewindStore

/// Conversions between wire types and domain types, one file per domain
/// (`ProtoMapping+Contacts.swift`, `+Consent`, `+Tenants`, `+Events`). Wire enums that are unset or
/// unknown map to `nil`; the caller reports the field.
enum ProtoMapping {
    /// Parses a UUID field, reporting `field` when it is not one.
    static func uuid(_ text: String, field: String, into collector: inout ViolationCollector) -> UUID? {
        if let id = UUID(uuidString: text) { return id }
        collector.add(field, text.isEmpty ? "is required" : "must be a UUID")
        return nil
    }

    /// The UUID in `text`, or `INVALID_ARGUMENT` naming `field`.
    static func uuid(_ text: String, field: String) throws -> UUID {
        var collector = ViolationCollector()
        let id = uuid(text, field: field, into: &collector)
        try collector.throwIfAny()
        guard let id else { throw RPCError(code: .invalidArgument, message: "\(field): must be a UUID") }
        return id
    }

    /// What a bad enum field gets told: unset, or a number the contract does not define.
    static func enumMessage(_ rawValue: Int) -> String {
        rawValue == 0 ? "is required" : "\(rawValue) is not a known value"
    }
}
