import Foundation

/// Who made an audited call, as far as authentication got.
public struct AuditPrincipal: Sendable, Hashable, Codable {
    /// The API key id, or the client certificate's SPKI fingerprint.
    public var id: String
    /// `api_key` or `client_certificate`.
    public var kind: String
    /// SHA-256 of the client certificate's SubjectPublicKeyInfo, when the call presented one.
    public var certificateFingerprint: String?

    public init(id: String, kind: String, certificateFingerprint: String? = nil) {
        self.id = id
        self.kind = kind
        self.certificateFingerprint = certificateFingerprint
    }

    enum CodingKeys: String, CodingKey {
        case id, kind
        case certificateFingerprint = "cert"
    }
}

/// What part of a call a record describes: a unary call has one record, a stream an opening and
/// a closing one.
public enum AuditEvent: String, Sendable, Hashable, Codable {
    case call
    case streamOpen = "stream_open"
    case streamClose = "stream_close"
}

/// Which canonical form a record's fields take (see `AuditEntry.canonicalFields`).
///
/// A record names its version in a `"v"` key, the first of its fields; a record without one is
/// version 1, the form written before versions existed. The server writes every new record in
/// `current`; the verifier and the readers accept every version listed here, and a chain may mix
/// them. A later version adds its keys after the earlier ones, in a fixed order, and never changes
/// how an earlier version is written.
public enum AuditRecordVersion: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// No `"v"` key: the fields start with `"time"`.
    case v1 = 1
    /// `"v":2`, then version 1's keys in version 1's order (the principal without `app_id`), then
    /// `app`, `destination` and `rule`.
    case v2 = 2

    /// The version the server writes.
    public static let current = AuditRecordVersion.v2

    public var description: String { String(rawValue) }
}

/// A marketplace partner app acting for the tenant (version 2 on).
public struct AuditApp: Sendable, Hashable, Codable {
    /// The app's id.
    public var id: String
    /// The tenant's installation of the app, when the call came through one.
    public var installation: String?

    public init(id: String, installation: String? = nil) {
        self.id = id
        self.installation = installation
    }
}

/// Where a call reached outside Tradewind, what it did there and what came back (version 2 on).
public struct AuditDestination: Sendable, Hashable, Codable {
    /// The kind of destination: a channel (`google_ads`, `meta_ads`, ...) or `webhook`.
    public var kind: String
    /// The account or endpoint within that kind: a channel account such as `123-456-7890`, or a
    /// webhook endpoint id. `kind:id` is its typed id, as in `resources`.
    public var id: String
    /// What was done there, e.g. `campaigns.mutate` or `webhook.deliver`.
    public var operation: String
    /// What the destination answered; `nil` when no answer came (a timeout, a refused connection).
    public var outcome: AuditDestinationOutcome?

    public init(kind: String, id: String, operation: String, outcome: AuditDestinationOutcome? = nil) {
        self.kind = kind
        self.id = id
        self.operation = operation
        self.outcome = outcome
    }
}

/// A destination's answer in its own terms, never a gRPC status: the HTTP status, the channel's
/// own error code, or both.
public struct AuditDestinationOutcome: Sendable, Hashable, Codable {
    /// The HTTP status the destination answered with.
    public var httpStatus: Int?
    /// The destination's own code, e.g. Google Ads' `QUOTA_ERROR.RESOURCE_EXHAUSTED`.
    public var channelCode: String?

    public init(httpStatus: Int? = nil, channelCode: String? = nil) {
        self.httpStatus = httpStatus
        self.channelCode = channelCode
    }

    enum CodingKeys: String, CodingKey {
        case httpStatus = "http_status"
        case channelCode = "channel_code"
    }
}

/// One audited call, before the log gives it a sequence number and a hash.
///
/// It holds ids and counts only, never personal data values: a data subject appears in
/// `resources` only as a keyed pseudonym (see `AuditPseudonymizer`).
public struct AuditEntry: Sendable, Hashable, Codable {
    public var time: Date
    public var requestID: String
    /// The tenant whose data the call touched; `nil` for calls that never got that far.
    public var tenantID: UUID?
    public var region: String?
    public var principal: AuditPrincipal?
    /// The fully qualified gRPC method, e.g. `tradewind.v1.Contacts/GetContact`.
    public var method: String
    public var event: AuditEvent
    /// Typed ids such as `contact:<pseudonym>`, `api_key:<key id>`, `tenant:<uuid>`.
    public var resources: [String]
    /// The gRPC status code of the outcome (0 is OK).
    public var code: Int
    /// The status code's name in snake case (`ok`, `permission_denied`, ...).
    public var outcome: String
    public var latencyMicroseconds: Int64
    public var peer: String
    public var dataClasses: [AuditDataClass]
    public var rowsRead: Int64
    public var rowsWritten: Int64
    /// Messages received and sent; set on a stream's closing record only.
    public var messagesIn: Int64?
    public var messagesOut: Int64?
    /// The marketplace app acting for the tenant, and its installation. Version 1 records keep
    /// only its id, inside the principal (`principal.app_id`); version 2 gives it a key of its own.
    public var app: AuditApp?
    /// Where the call reached outside Tradewind: a channel account or a webhook endpoint.
    public var destination: AuditDestination?
    /// The automated rule that made the call.
    public var ruleID: String?

    public init(
        time: Date, requestID: String, tenantID: UUID?, region: String?, principal: AuditPrincipal?,
        method: String, event: AuditEvent = .call, resources: [String] = [], code: Int, outcome: String,
        latencyMicroseconds: Int64, peer: String, dataClasses: [AuditDataClass], rowsRead: Int64 = 0,
        rowsWritten: Int64 = 0, messagesIn: Int64? = nil, messagesOut: Int64? = nil, app: AuditApp? = nil,
        destination: AuditDestination? = nil, ruleID: String? = nil
    ) {
        self.time = time
        self.requestID = requestID
        self.tenantID = tenantID
        self.region = region
        self.principal = principal
        self.method = method
        self.event = event
        self.resources = resources
        self.code = code
        self.outcome = outcome
        self.latencyMicroseconds = latencyMicroseconds
        self.peer = peer
        self.dataClasses = dataClasses
        self.rowsRead = rowsRead
        self.rowsWritten = rowsWritten
        self.messagesIn = messagesIn
        self.messagesOut = messagesOut
        self.app = app
        self.destination = destination
        self.ruleID = ruleID
    }

    enum CodingKeys: String, CodingKey {
        case time
        case requestID = "request_id"
        case tenantID = "tenant"
        case region, principal, method, event, resources, code, outcome
        case latencyMicroseconds = "latency_us"
        case peer
        case dataClasses = "data_classes"
        case rowsRead = "rows_read"
        case rowsWritten = "rows_written"
        case messagesIn = "messages_in"
        case messagesOut = "messages_out"
        case app, destination
        case ruleID = "rule"
    }

    /// What version 1 kept of the app: its id, inside the principal.
    private struct Version1Principal: Decodable {
        var appID: String?
        var app: AuditApp? { appID.map { AuditApp(id: $0) } }
        enum CodingKeys: String, CodingKey { case appID = "app_id" }
    }

    private enum VersionKey: String, CodingKey {
        case version = "v"
    }

    /// Decodes a record's fields in any version `AuditRecordVersion` lists (see `AuditRecord`).
    public init(from decoder: any Decoder) throws {
        let version = try Self.version(decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let isV2 = version != .v1
        try self.init(
            time: container.decode(Date.self, forKey: .time),
            requestID: container.decode(String.self, forKey: .requestID),
            tenantID: container.decodeIfPresent(UUID.self, forKey: .tenantID),
            region: container.decodeIfPresent(String.self, forKey: .region),
            principal: container.decodeIfPresent(AuditPrincipal.self, forKey: .principal),
            method: container.decode(String.self, forKey: .method),
            event: container.decode(AuditEvent.self, forKey: .event),
            resources: container.decode([String].self, forKey: .resources),
            code: container.decode(Int.self, forKey: .code),
            outcome: container.decode(String.self, forKey: .outcome),
            latencyMicroseconds: container.decode(Int64.self, forKey: .latencyMicroseconds),
            peer: container.decode(String.self, forKey: .peer),
            dataClasses: container.decode([AuditDataClass].self, forKey: .dataClasses),
            rowsRead: container.decode(Int64.self, forKey: .rowsRead),
            rowsWritten: container.decode(Int64.self, forKey: .rowsWritten),
            messagesIn: container.decodeIfPresent(Int64.self, forKey: .messagesIn),
            messagesOut: container.decodeIfPresent(Int64.self, forKey: .messagesOut),
            app: isV2
                ? container.decodeIfPresent(AuditApp.self, forKey: .app)
                : container.decodeIfPresent(Version1Principal.self, forKey: .principal)?.app,
            destination: isV2 ? container.decodeIfPresent(AuditDestination.self, forKey: .destination) : nil,
            ruleID: isV2 ? container.decodeIfPresent(String.self, forKey: .ruleID) : nil)
    }

    /// The version the fields being decoded declare: 1 without a `"v"` key; an error for a
    /// version this code does not know.
    static func version(_ decoder: any Decoder) throws -> AuditRecordVersion {
        let container = try decoder.container(keyedBy: VersionKey.self)
        guard let number = try container.decodeIfPresent(Int.self, forKey: .version) else { return .v1 }
        guard number != 1, let version = AuditRecordVersion(rawValue: number) else {
            throw DecodingError.dataCorruptedError(
                forKey: .version, in: container, debugDescription: "unknown audit record version \(number)")
        }
        return version
    }

    /// Encodes the entry with the keys of the current version (not canonical: the canonical form is
    /// `canonicalFields`).
    public func encode(to encoder: any Encoder) throws {
        var versioned = encoder.container(keyedBy: VersionKey.self)
        try versioned.encode(AuditRecordVersion.current.rawValue, forKey: .version)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(time, forKey: .time)
        try container.encode(requestID, forKey: .requestID)
        try container.encode(tenantID, forKey: .tenantID)
        try container.encode(region, forKey: .region)
        try container.encode(principal, forKey: .principal)
        try container.encode(method, forKey: .method)
        try container.encode(event, forKey: .event)
        try container.encode(resources, forKey: .resources)
        try container.encode(code, forKey: .code)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(latencyMicroseconds, forKey: .latencyMicroseconds)
        try container.encode(peer, forKey: .peer)
        try container.encode(dataClasses, forKey: .dataClasses)
        try container.encode(rowsRead, forKey: .rowsRead)
        try container.encode(rowsWritten, forKey: .rowsWritten)
        try container.encode(messagesIn, forKey: .messagesIn)
        try container.encode(messagesOut, forKey: .messagesOut)
        try container.encode(app, forKey: .app)
        try container.encode(destination, forKey: .destination)
        try container.encode(ruleID, forKey: .ruleID)
    }

    /// The entry's fields as canonical JSON in the current version (`AuditRecordVersion.current`),
    /// without the opening brace: the log prepends `{"type":"record","seq":N,` when it assigns the
    /// sequence number (see `AuditChain.body`). Every record the server writes goes through here.
    ///
    /// Keys come in a fixed order with no whitespace, and every non-ASCII character is escaped, so
    /// the bytes are the same wherever they are produced and a verifier hashes them as they are.
    public var canonicalFields: String { canonicalFields(version: .current) }

    /// The fields in the canonical form of `version`. Nothing but tests writes version 1 any more:
    /// it has no key for an app's installation, a destination or a rule, so an entry with one of
    /// them cannot be written in it.
    func canonicalFields(version: AuditRecordVersion) -> String {
        var json = CanonicalJSONWriter()
        switch version {
        case .v1:
            precondition(
                app?.installation == nil && destination == nil && ruleID == nil && (app == nil || principal != nil),
                "a version 1 record has no key for an app installation, a destination or a rule")
            json.key("time", first: true)
        case .v2:
            json.key("v", first: true)
            json.integer(Int64(version.rawValue))
            json.key("time")
        }
        json.string(AuditTime.format(time))
        json.key("request_id")
        json.string(requestID)
        json.key("tenant")
        json.optionalString(tenantID?.uuidString.lowercased())
        json.key("region")
        json.optionalString(region)
        json.key("principal")
        if let principal {
            json.raw("{")
            json.key("id", first: true)
            json.string(principal.id)
            json.key("kind")
            json.string(principal.kind)
            if version == .v1 {
                // From version 2 on the app has an object of its own (`app`).
                json.key("app_id")
                json.optionalString(app?.id)
            }
            json.key("cert")
            json.optionalString(principal.certificateFingerprint)
            json.raw("}")
        } else {
            json.raw("null")
        }
        json.key("method")
        json.string(method)
        json.key("event")
        json.string(event.rawValue)
        json.key("resources")
        json.strings(resources)
        json.key("code")
        json.integer(Int64(code))
        json.key("outcome")
        json.string(outcome)
        json.key("latency_us")
        json.integer(latencyMicroseconds)
        json.key("peer")
        json.string(peer)
        json.key("data_classes")
        json.strings(dataClasses.map(\.rawValue))
        json.key("rows_read")
        json.integer(rowsRead)
        json.key("rows_written")
        json.integer(rowsWritten)
        json.key("messages_in")
        json.optionalInteger(messagesIn)
        json.key("messages_out")
        json.optionalInteger(messagesOut)
        if version != .v1 {
            json.key("app")
            if let app {
                json.raw("{")
                json.key("id", first: true)
                json.string(app.id)
                json.key("installation")
                json.optionalString(app.installation)
                json.raw("}")
            } else {
                json.raw("null")
            }
            json.key("destination")
            if let destination {
                json.raw("{")
                json.key("kind", first: true)
                json.string(destination.kind)
                json.key("id")
                json.string(destination.id)
                json.key("operation")
                json.string(destination.operation)
                json.key("outcome")
                if let outcome = destination.outcome {
                    json.raw("{")
                    json.key("http_status", first: true)
                    json.optionalInteger(outcome.httpStatus.map(Int64.init))
                    json.key("channel_code")
                    json.optionalString(outcome.channelCode)
                    json.raw("}")
                } else {
                    json.raw("null")
                }
                json.raw("}")
            } else {
                json.raw("null")
            }
            json.key("rule")
            json.optionalString(ruleID)
        }
        json.raw("}")
        return json.text
    }
}

/// Timestamps in audit lines: RFC 3339, UTC, always six fractional digits.
public enum AuditTime {
    public static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = time_t(micros.floorDivided(by: 1_000_000))
        let fraction = micros - Int64(seconds) * 1_000_000
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), fraction)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.f…]Z` (or another RFC 3339 offset) exactly, to the microsecond.
    public static func parse(_ text: String) -> Date? {
        let utf8 = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= utf8.count else { return nil }
            var value = 0
            for byte in utf8[range] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard utf8.count >= 20, utf8[4] == 0x2D, utf8[7] == 0x2D, utf8[10] == 0x54 || utf8[10] == 0x74,
            utf8[13] == 0x3A, utf8[16] == 0x3A,
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var micros = 0
        if utf8[index] == 0x2E {
            index += 1
            var digits = 0
            while index < utf8.count, utf8[index] >= 0x30, utf8[index] <= 0x39 {
                if digits < 6 { micros = micros * 10 + Int(utf8[index] - 0x30) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 6) { micros *= 10 }
        }
        var offset = 0
        guard index < utf8.count else { return nil }
        if utf8[index] == 0x5A || utf8[index] == 0x7A {
            index += 1
        } else if utf8[index] == 0x2B || utf8[index] == 0x2D, let hours = number((index + 1)..<(index + 3)),
            index + 3 < utf8.count, utf8[index + 3] == 0x3A, let minutes = number((index + 4)..<(index + 6))
        {
            offset = (hours * 60 + minutes) * 60 * (utf8[index] == 0x2D ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == utf8.count else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = Int64(timegm(&parts)) - Int64(offset)
        return Date(timeIntervalSince1970: Double(seconds * 1_000_000 + Int64(micros)) / 1_000_000)
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }
}

/// Writes JSON with a fixed key order chosen by the caller, no whitespace and ASCII-only output.
struct CanonicalJSONWriter {
    private(set) var text = ""

    mutating func raw(_ fragment: String) { text += fragment }

    mutating func key(_ name: String, first: Bool = false) {
        if !first { text += "," }
        string(name)
        text += ":"
    }

    mutating func string(_ value: String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case " "..."~": text.unicodeScalars.append(scalar)
            default:
                // Control and non-ASCII characters as \u escapes (UTF-16 surrogate pairs above the BMP).
                for unit in String(scalar).utf16 { text += String(format: "\\u%04x", unit) }
            }
        }
        text += "\""
    }

    mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { text += "null" }
    }

    mutating func strings(_ values: [String]) {
        text += "["
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            string(value)
        }
        text += "]"
    }

    mutating func integer(_ value: Int64) { text += String(value) }

    mutating func optionalInteger(_ value: Int64?) {
        if let value { integer(value) } else { text += "null" }
    }
}
