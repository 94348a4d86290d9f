import Foundation
import HTTPTypes

/// An answer an emulator gives, before the gateway adds the channel's request-id headers.
struct Reply: Sendable {
    var status: HTTPResponse.Status
    var headers: [(String, String)]
    var body: Data
    /// Set by the `lost_response` fault: the change is applied, then the connection is closed unanswered.
    var dropConnection = false

    init(status: HTTPResponse.Status, headers: [(String, String)] = [], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func json(
        _ status: HTTPResponse.Status,
        _ value: JSONValue,
        contentType: String = "application/json; charset=UTF-8",
        headers: [(String, String)] = []
    ) -> Reply {
        Reply(status: status, headers: [("Content-Type", contentType)] + headers, body: value.serialized())
    }

    func adding(header name: String, _ value: String) -> Reply {
        var copy = self
        copy.headers.append((name, value))
        return copy
    }
}

/// One HTTP call as an emulator sees it: the path below the emulated host's prefix, the query, the
/// headers and the raw body.
struct IncomingCall: Sendable {
    let method: HTTPRequest.Method
    /// Path components below the prefix, e.g. ["v21", "customers", "123", "campaigns:mutate"].
    let path: [String]
    /// The path below the prefix as text, for fault globs and the request log.
    let pathText: String
    let query: [String: String]
    let headers: HTTPFields
    let body: Data
    /// Host and port the client addressed (HTTP/2 `:authority`; HTTPTypes maps HTTP/1.1 `Host` to it).
    let authority: String?

    func header(_ name: String) -> String? {
        guard let fieldName = HTTPField.Name(name) else { return nil }
        return headers[fieldName]
    }

    /// The token of an `Authorization: Bearer` header.
    var bearerToken: String? {
        guard let value = header("Authorization") else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    var contentType: String { header("Content-Type")?.lowercased() ?? "" }
}
