import Foundation
import GRPCCore

extension CallContext {
    /// The response header (and error metadata) that carries the call's request id.
    static let requestIDKey = "x-request-id"

    /// The client's `x-request-id` if it is 1-128 printable ASCII characters, else a new UUID.
    static func requestID(from metadata: Metadata) -> String {
        if let sent = metadata[stringValues: requestIDKey].first(where: { _ in true }), !sent.isEmpty,
            sent.utf8.count <= 128, sent.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E })
        {
            return sent
        }
        return UUID().uuidString.lowercased()
    }
}

extension Metadata {
    /// Parses `grpc-timeout` (e.g. `250m`, `5S`) into a duration.
    var grpcTimeout: Duration? {
        guard let text = self[stringValues: "grpc-timeout"].first(where: { _ in true }), text.count >= 2,
            let amount = Int64(text.dropLast()), amount >= 0
        else { return nil }
        switch text.last {
        case "H": return .seconds(amount * 3600)
        case "M": return .seconds(amount * 60)
        case "S": return .seconds(amount)
        case "m": return .milliseconds(amount)
        case "u": return .microseconds(amount)
        case "n": return .nanoseconds(amount)
        default: return nil
        }
    }
}
