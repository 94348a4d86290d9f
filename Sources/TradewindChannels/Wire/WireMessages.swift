import Foundation

/// One HTTP request as a connector builds it, before credentials are added: pure data, so request
/// building is tested without a network.
struct WireRequest: Sendable, Hashable {
    enum Method: String, Sendable, Hashable {
        case get = "GET"
        case post = "POST"
        case put = "PUT"
        case delete = "DELETE"
    }

    enum Body: Sendable, Hashable {
        case none
        case json(JSONValue, contentType: String = "application/json")
        /// `application/x-www-form-urlencoded` pairs (OAuth token endpoints, Graph API writes).
        case form([(String, String)])

        static func == (lhs: Body, rhs: Body) -> Bool {
            switch (lhs, rhs) {
            case (.none, .none): true
            case (.json(let a, let x), .json(let b, let y)): a == b && x == y
            case (.form(let a), .form(let b)): a.count == b.count && zip(a, b).allSatisfy { $0 == $1 }
            default: false
            }
        }

        func hash(into hasher: inout Hasher) {
            switch self {
            case .none: hasher.combine(0)
            case .json(let value, let type):
                hasher.combine(value)
                hasher.combine(type)
            case .form(let pairs):
                for (key, value) in pairs {
                    hasher.combine(key)
                    hasher.combine(value)
                }
            }
        }
    }

    var method: Method
    /// The base URL of the emulated host (`ChannelEndpoints`).
    var base: URL
    /// Path below the base, starting with `/`.
    var path: String
    var query: [(String, String)] = []
    var headers: [(String, String)] = []
    var body: Body = .none
    /// Whether the request changes something on the channel: a lost response is then ambiguous.
    var isMutation: Bool
    /// Whether the connector's session adds the account's credentials (not for pre-signed downloads).
    var isAuthenticated = true

    init(
        _ method: Method, base: URL, path: String, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: Body = .none, isMutation: Bool
    ) {
        self.method = method
        self.base = base
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.isMutation = isMutation
    }

    static func == (lhs: WireRequest, rhs: WireRequest) -> Bool {
        lhs.method == rhs.method && lhs.base == rhs.base && lhs.path == rhs.path
            && lhs.query.elementsEqual(rhs.query, by: ==) && lhs.headers.elementsEqual(rhs.headers, by: ==)
            && lhs.body == rhs.body && lhs.isMutation == rhs.isMutation
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(method)
        hasher.combine(path)
        hasher.combine(body)
    }

    /// The full URL: base path joined with `path`, and the query percent-encoded.
    var url: String {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += path
        if !query.isEmpty {
            text +=
                "?" + query.map { "\(FormEncoding.escape($0.0))=\(FormEncoding.escape($0.1))" }.joined(separator: "&")
        }
        return text
    }

    /// The path the observer sees: the base's own path plus `path`, never the query (it may hold
    /// secrets such as a pre-signed download's signature).
    var observedPath: String {
        var prefix = base.path
        while prefix.hasSuffix("/") { prefix.removeLast() }
        return prefix + path
    }

    func header(_ name: String) -> String? {
        headers.first(where: { $0.0.lowercased() == name.lowercased() })?.1
    }

    mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll(where: { $0.0.lowercased() == name.lowercased() })
        headers.append((name, value))
    }

    /// The body bytes and their content type.
    var encodedBody: (bytes: [UInt8], contentType: String)? {
        switch body {
        case .none: nil
        case .json(let value, let contentType): (value.bytes, contentType)
        case .form(let pairs):
            (
                Array(
                    pairs.map { "\(FormEncoding.escape($0.0))=\(FormEncoding.escape($0.1))" }.joined(separator: "&")
                        .utf8),
                "application/x-www-form-urlencoded"
            )
        }
    }
}

/// One HTTP response, fully read.
struct WireResponse: Sendable, Hashable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    init(status: Int, headers: [(String, String)] = [], json: String) {
        self.init(status: status, headers: headers, body: Array(json.utf8))
    }

    static func == (lhs: WireResponse, rhs: WireResponse) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body && lhs.headers.elementsEqual(rhs.headers, by: ==)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(status)
        hasher.combine(body)
    }

    func header(_ name: String) -> String? {
        headers.first(where: { $0.0.lowercased() == name.lowercased() })?.1
    }

    /// The body as JSON, or nil when it is not JSON (an HTML error page from a proxy).
    var json: JSONValue? { try? JSONValue.parse(body) }

    var isSuccess: Bool { (200..<300).contains(status) }
}

enum FormEncoding {
    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func escape(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                output += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return output
    }
}
