import Crypto
import Foundation

/// What a page token is bound to: the method that issued it and whose rows it pages through.
/// A token made for one tenant's contacts is useless for another tenant's, or for their segments.
public struct PageTokenScope: Sendable, Hashable {
    /// Whose rows a list pages through.
    public enum Owner: Sendable, Hashable {
        case tenant(UUID)
        /// The control plane's own rows (tenants) or the platform audit log.
        case platform
    }

    /// The fully qualified gRPC method, e.g. `tradewind.v1.Contacts/ListContacts`.
    public let method: String
    public let owner: Owner

    public init(method: String, owner: Owner) {
        self.method = method
        self.owner = owner
    }

    /// The one text form every token signs, e.g. `tradewind.v1.Contacts/ListContacts tenant:<uuid>`.
    var signed: String {
        switch owner {
        case .tenant(let id): "\(method) tenant:\(id.uuidString.lowercased())"
        case .platform: "\(method) platform"
        }
    }
}

/// Makes and reads opaque page tokens.
///
/// A token carries the sort key of the last row a page returned, and is signed (HMAC-SHA-256)
/// together with the query's scope and filters, so a token is useless with other filters, for
/// another tenant or method, or after it was edited.
public struct PageTokenCodec: Sendable {
    private let key: SymmetricKey

    public init(key: SymmetricKey) {
        self.key = key
    }

    /// The token for the page that follows the row with sort key `position`.
    public func encode(position: [String], scope: PageTokenScope, filterFingerprint: String) -> String {
        let payload = (try? JSONEncoder().encode(position)) ?? Data()
        let tag = signature(payload: payload, scope: scope, filterFingerprint: filterFingerprint)
        return "\(payload.base64URLEncodedString()).\(Data(tag).base64URLEncodedString())"
    }

    /// The sort key in `token`, which must have been made for the same scope and filters.
    public func decode(
        _ token: String, scope: PageTokenScope, filterFingerprint: String, field: String = "page_token"
    )
        throws(ValidationFailure) -> [String]
    {
        let invalid = ValidationFailure(
            field: field, "is not a page token issued for this request's filters; start again without it")
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 2048, parts.count == 2,
            let payload = Data(base64URLEncoded: String(parts[0])),
            let tag = Data(base64URLEncoded: String(parts[1])),
            HMAC<SHA256>.isValidAuthenticationCode(
                tag,
                authenticating: signedBytes(
                    payload: payload, scope: scope.signed, filterFingerprint: filterFingerprint),
                using: key),
            let position = try? JSONDecoder().decode([String].self, from: payload)
        else { throw invalid }
        return position
    }

    private func signature(payload: Data, scope: PageTokenScope, filterFingerprint: String) -> [UInt8] {
        Array(
            HMAC<SHA256>.authenticationCode(
                for: signedBytes(payload: payload, scope: scope.signed, filterFingerprint: filterFingerprint),
                using: key))
    }

    private func signedBytes(payload: Data, scope: String, filterFingerprint: String) -> Data {
        // Length-prefixed parts, so no two different triples sign the same bytes.
        var bytes = Data()
        for part in [Data(scope.utf8), Data(filterFingerprint.utf8), payload] {
            withUnsafeBytes(of: UInt32(part.count).bigEndian) { bytes.append(contentsOf: $0) }
            bytes.append(part)
        }
        return bytes
    }
}

/// Page-size rules: 0 means the default; anything else must be within 1...max.
public struct PageSizeLimits: Sendable, Hashable {
    public var defaultSize: Int
    public var maxSize: Int

    public init(defaultSize: Int = 100, maxSize: Int = 1000) {
        self.defaultSize = defaultSize
        self.maxSize = maxSize
    }

    public func resolve(_ requested: Int32, field: String = "page_size") throws(ValidationFailure) -> Int {
        if requested == 0 { return defaultSize }
        guard requested > 0, Int(requested) <= maxSize else {
            throw ValidationFailure(field: field, "must be between 1 and \(maxSize), or 0 for \(defaultSize)")
        }
        return Int(requested)
    }
}
