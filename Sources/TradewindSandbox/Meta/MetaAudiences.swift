import Foundation

/// Graph API custom audiences from a customer file (facebook-python-business-sdk
/// `adobjects/customaudience.py`, `adobjects/helpers/customaudiencemixin.py`).
///
/// - `POST act_{id}/customaudiences` with `name`, `subtype` (CUSTOM for a customer file) and an
///   optional `customer_file_source` answers `{"id"}`.
/// - `GET act_{id}/customaudiences` lists them (`fields`, `limit`, `after`, as other edges).
/// - `POST` / `DELETE {audience_id}/users` with `payload` = `{schema, data}` adds or removes members:
///   `schema` is one key (`EMAIL_SHA256`, `PHONE_SHA256`, with `data` a list of hashes) or a list of
///   keys (`data` a list of rows, `""` for a key a member lacks); at most 10,000 entries per call.
///   The answer counts `num_received` and `num_invalid_entries` (an entry whose values are not
///   SHA-256 hex, or are all empty, is invalid and changes nothing), with `invalid_entry_samples`.
///   `session` `{session_id, batch_seq, last_batch_flag, estimated_num_total}` is optional; its
///   `session_id` is echoed.
struct MetaAudiences {
    let context: CallContext
    let parameters: MetaParameters
    var trace: String { context.requestID }

    static let maximumEntries = 10_000
    static let subtypes: Set<String> = [
        "CUSTOM", "WEBSITE", "APP", "OFFLINE_CONVERSION", "CLAIM", "PARTNER", "MANAGED", "VIDEO", "LOOKALIKE",
        "ENGAGEMENT", "BAG_OF_ACCOUNTS", "STUDY_RULE_AUDIENCE", "FOX",
    ]
    static let fileSources: Set<String> = [
        "USER_PROVIDED_ONLY", "PARTNER_PROVIDED_ONLY", "BOTH_USER_AND_PARTNER_PROVIDED",
    ]
    /// Keys whose values the sandbox keeps: e-mail and phone hashes. Meta's other multi-key keys
    /// (names, dates of birth, ...) are accepted and not stored.
    static let emailKeys: Set<String> = ["EMAIL", "EMAIL_SHA256"]
    static let phoneKeys: Set<String> = ["PHONE", "PHONE_SHA256"]
    static let otherKeys: Set<String> = [
        "EXTERN_ID", "GEN", "DOBY", "DOBM", "DOBD", "LN", "FN", "FI", "CT", "ST", "ZIP", "MADID", "COUNTRY",
    ]

    func run(_ operation: String, account: String?, audience: String) -> Reply {
        switch operation {
        case "customaudiences.create": return create(account: account ?? "")
        case "customaudiences.list": return list(account: account ?? "")
        default: return users(audience, remove: operation.hasSuffix(".remove"))
        }
    }

    private func create(account: String) -> Reply {
        guard let name = parameters.string("name"), !name.isEmpty else {
            return MetaEmulator.invalidParameter("The parameter name is required", traceID: trace)
        }
        guard name.count <= MetaObjects.maxNameLength else {
            return MetaEmulator.invalidParameter("Param name must be at most 400 characters long", traceID: trace)
        }
        guard let subtype = parameters.string("subtype"), Self.subtypes.contains(subtype) else {
            return MetaEmulator.invalidParameter(
                "Param subtype must be one of {\(Self.subtypes.sorted().joined(separator: ", "))}", traceID: trace)
        }
        if let source = parameters.string("customer_file_source"), !Self.fileSources.contains(source) {
            return MetaEmulator.invalidParameter(
                "Param customer_file_source must be one of {\(Self.fileSources.sorted().joined(separator: ", "))}",
                traceID: trace)
        }
        let created = context.store.write { world -> SandboxAudience? in
            guard world.account(.meta, account) != nil else { return nil }
            var fields: [String: JSONValue] = [
                "name": .string(name), "subtype": .string(subtype), "account_id": .string(account),
                "description": .string(parameters.string("description") ?? ""),
            ]
            if let source = parameters.string("customer_file_source") {
                fields["customer_file_source"] = .string(source)
            }
            return world.insertAudience(.meta, account: account, name: name, fields: fields)
        }
        guard let created else { return MetaEmulator.objectNotFound("act_\(account)", traceID: trace) }
        return .json(.ok, ["id": .string(created.id)])
    }

    private func list(account: String) -> Reply {
        let audiences = context.store.read { $0.audiences(.meta, account: account) }
        let wanted =
            parameters.string("fields")?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            ?? ["id"]
        let limit = max(1, Int(parameters.int("limit") ?? 25))
        let offset =
            parameters.string("after").flatMap { Data(base64Encoded: $0) }.flatMap {
                Int(String(decoding: $0, as: UTF8.self))
            } ?? 0
        let page = Array(audiences.dropFirst(offset).prefix(limit))
        let rows = page.map { audience -> JSONValue in
            var all = audience.fields
            all["id"] = .string(audience.id)
            all["approximate_count_lower_bound"] = .int(Int64(audience.memberCount))
            var out: [String: JSONValue] = [:]
            for field in wanted + ["id"] { if let value = all[field] { out[field] = value } }
            return .object(out)
        }
        let after = Data(String(offset + page.count).utf8).base64EncodedString()
        var paging: [String: JSONValue] = [
            "cursors": ["before": .string(Data(String(offset).utf8).base64EncodedString()), "after": .string(after)]
        ]
        if offset + page.count < audiences.count {
            paging["next"] = .string(
                "https://graph.facebook.com/\(MetaEmulator.version)/act_\(account)/customaudiences?limit=\(limit)&after=\(after)"
            )
        }
        return .json(.ok, ["data": .array(rows), "paging": .object(paging)])
    }

    private func users(_ id: String, remove: Bool) -> Reply {
        guard let payload = parameters.json("payload"), payload.objectValue != nil else {
            return MetaEmulator.invalidParameter("The parameter payload is required", traceID: trace)
        }
        let schema: [String]
        let single: Bool
        if let key = payload["schema"]?.stringValue {
            schema = [key]
            single = true
        } else if let keys = payload["schema"]?.arrayValue?.compactMap(\.stringValue), !keys.isEmpty,
            keys.count == payload["schema"]?.arrayValue?.count
        {
            schema = keys
            single = false
        } else {
            return MetaEmulator.invalidParameter("Param payload[schema] must be a string or an array", traceID: trace)
        }
        let known = Self.emailKeys.union(Self.phoneKeys).union(Self.otherKeys)
        let unknown =
            single ? (Self.singleKeyAllowed(schema[0]) ? nil : schema[0]) : schema.first { !known.contains($0) }
        if let unknown {
            return MetaEmulator.invalidParameter(
                "Invalid schema field \(unknown). Supported: \(known.sorted().joined(separator: ", "))", traceID: trace)
        }
        guard let data = payload["data"]?.arrayValue else {
            return MetaEmulator.invalidParameter("Param payload[data] must be an array", traceID: trace)
        }
        guard data.count <= Self.maximumEntries else {
            return MetaEmulator.invalidParameter(
                "Too many entries in payload[data]: \(data.count). At most \(Self.maximumEntries) users can be "
                    + "added or removed per request; split the upload into batches of a session",
                traceID: trace)
        }
        if let session = parameters.json("session") {
            guard session.objectValue != nil, session["session_id"]?.int64Value != nil else {
                return MetaEmulator.invalidParameter(
                    "Param session must be an object with a numeric session_id", traceID: trace)
            }
        }
        var members: [MemberHashes] = []
        var invalid: [JSONValue] = []
        for entry in data {
            let values = single ? [entry] : (entry.arrayValue ?? [])
            guard values.count == schema.count else {
                invalid.append(entry)
                continue
            }
            var member = MemberHashes()
            var usable = true
            var any = false
            for (key, value) in zip(schema, values) {
                guard let text = value.stringValue else {
                    usable = false
                    break
                }
                if text.isEmpty { continue }
                any = true
                guard MemberHashes.isDigest(text) else {
                    usable = false
                    break
                }
                if Self.emailKeys.contains(key) { member.email = text }
                if Self.phoneKeys.contains(key) { member.phone = text }
            }
            if usable && any { members.append(member) } else { invalid.append(entry) }
        }
        let changed = context.store.write { world in
            world.changeMembers(.meta, id, members, remove: remove)
        }
        guard changed != nil else { return MetaEmulator.objectNotFound(id, traceID: trace) }
        let session =
            parameters.json("session")?["session_id"]?.int64Value
            ?? Int64(SeededHash.words(["meta-session", trace])[0] >> 1)
        return .json(
            .ok,
            [
                "audience_id": .string(id), "session_id": .string(String(session)),
                "num_received": .int(Int64(data.count)), "num_invalid_entries": .int(Int64(invalid.count)),
                "invalid_entry_samples": .object(
                    Dictionary(
                        invalid.prefix(5).enumerated().map { (String($0.offset), $0.element) },
                        uniquingKeysWith: { first, _ in first })),
            ])
    }

    /// A one-key schema names a hashed key (`EMAIL_SHA256`, `PHONE_SHA256`).
    static func singleKeyAllowed(_ key: String) -> Bool { key == "EMAIL_SHA256" || key == "PHONE_SHA256" }
}
