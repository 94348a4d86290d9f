import Foundation

/// TikTok custom audiences through Business API v1.3's Segment API (as segmentio/action-destinations
/// `tiktok-audiences` calls it):
///
/// - `POST segment/audience/` `{advertiser_id, custom_audience_name, action: "create"}` answers
///   `data.audience_id`.
/// - `POST segment/mapping/` `{advertiser_ids, action: "add"|"delete", id_schema, batch_data}` adds
///   or removes members: each `batch_data` row has one entry per `id_schema` key, `{id,
///   audience_ids}` or `{}`; at most 10,000 rows per call; ids are SHA-256 hex.
/// - `GET dmp/custom_audience/list/` (`advertiser_id`, `page`, `page_size` ≤ 100) lists them.
///
/// Refusals come in the envelope with code 40002 (parameter error), as elsewhere.
struct TikTokAudiences {
    let context: CallContext
    let parameters: TikTokParameters
    let advertiser: String
    var requestID: String { context.requestID }

    static let maximumRows = 10_000
    static let maximumNameLength = 128
    static let idSchemas: Set<String> = [
        "EMAIL_SHA256", "PHONE_SHA256", "IDFA_SHA256", "GAID_SHA256", "IDFA_MD5", "GAID_MD5", "FIRST_SHA256",
    ]

    func create() -> Reply {
        guard parameters.string("action") == "create" else {
            return TikTokEmulator.parameterError("action: Must be one of: create.", requestID: requestID)
        }
        guard let name = parameters.string("custom_audience_name"), !name.isEmpty,
            name.count <= Self.maximumNameLength
        else {
            return TikTokEmulator.parameterError(
                "custom_audience_name: Length must be between 1 and \(Self.maximumNameLength).", requestID: requestID)
        }
        let audience = context.store.write { world in
            world.insertAudience(
                .tiktok, account: advertiser, name: name,
                fields: ["name": .string(name), "advertiser_id": .string(advertiser), "audience_type": "Customer File"])
        }
        return TikTokEmulator.ok(["audience_id": .string(audience.id)], requestID: requestID)
    }

    func list() -> Reply {
        let page = Int(parameters.int("page") ?? 1)
        let pageSize = Int(parameters.int("page_size") ?? 10)
        guard page >= 1 else {
            return TikTokEmulator.parameterError("page: Must be greater than or equal to 1.", requestID: requestID)
        }
        guard (1...100).contains(pageSize) else {
            return TikTokEmulator.parameterError(
                "page_size: Must be greater than or equal to 1 and less than or equal to 100.", requestID: requestID)
        }
        let audiences = context.store.read { $0.audiences(.tiktok, account: advertiser) }
        let rows = audiences.dropFirst((page - 1) * pageSize).prefix(pageSize).map { audience -> JSONValue in
            var row = audience.fields
            row["audience_id"] = .string(audience.id)
            row["cover_num"] = .int(Int64(audience.memberCount))
            return .object(row)
        }
        let totalPages = max(1, (audiences.count + pageSize - 1) / pageSize)
        return TikTokEmulator.ok(
            [
                "list": .array(Array(rows)),
                "page_info": [
                    "page": .int(Int64(page)), "page_size": .int(Int64(pageSize)),
                    "total_number": .int(Int64(audiences.count)), "total_page": .int(Int64(totalPages)),
                ],
            ], requestID: requestID)
    }

    func map() -> Reply {
        guard let action = parameters.string("action"), action == "add" || action == "delete" else {
            return TikTokEmulator.parameterError("action: Must be one of: add, delete.", requestID: requestID)
        }
        guard let schema = parameters.json("id_schema")?.arrayValue?.compactMap(\.stringValue), !schema.isEmpty
        else {
            return TikTokEmulator.parameterError("id_schema: Missing data for required field.", requestID: requestID)
        }
        if let unknown = schema.first(where: { !Self.idSchemas.contains($0) }) {
            return TikTokEmulator.parameterError(
                "id_schema: \(unknown) is not one of \(Self.idSchemas.sorted().joined(separator: ", ")).",
                requestID: requestID)
        }
        guard let rows = parameters.json("batch_data")?.arrayValue, !rows.isEmpty else {
            return TikTokEmulator.parameterError("batch_data: Missing data for required field.", requestID: requestID)
        }
        guard rows.count <= Self.maximumRows else {
            return TikTokEmulator.parameterError(
                "batch_data: Length must be between 1 and \(Self.maximumRows).", requestID: requestID)
        }
        // Changes by audience; every entry is checked before anything is applied.
        var changes: [String: [MemberHashes]] = [:]
        for (index, row) in rows.enumerated() {
            guard let entries = row.arrayValue, entries.count == schema.count else {
                return TikTokEmulator.parameterError(
                    "batch_data[\(index)]: Each row must have one entry per id_schema field.", requestID: requestID)
            }
            var byAudience: [String: MemberHashes] = [:]
            for (key, entry) in zip(schema, entries) {
                guard let fields = entry.objectValue else {
                    return TikTokEmulator.parameterError(
                        "batch_data[\(index)]: Entries must be objects.", requestID: requestID)
                }
                if fields.isEmpty { continue }
                guard let id = entry["id"]?.stringValue, MemberHashes.isDigest(id) else {
                    return TikTokEmulator.parameterError(
                        "batch_data[\(index)].id: Must be a SHA256 hash in lower-case hex.", requestID: requestID)
                }
                guard let audiences = entry["audience_ids"]?.arrayValue, !audiences.isEmpty else {
                    return TikTokEmulator.parameterError(
                        "batch_data[\(index)].audience_ids: Missing data for required field.", requestID: requestID)
                }
                for audience in audiences {
                    let audienceID = audience.stringValue ?? audience.int64Value.map(String.init) ?? ""
                    var member = byAudience[audienceID] ?? MemberHashes()
                    if key == "EMAIL_SHA256" { member.email = id }
                    if key == "PHONE_SHA256" { member.phone = id }
                    byAudience[audienceID] = member
                }
            }
            for (audienceID, member) in byAudience { changes[audienceID, default: []].append(member) }
        }
        return context.store.write { world -> Reply in
            for audienceID in changes.keys.sorted() {
                guard let audience = world.audience(.tiktok, audienceID), audience.account == advertiser else {
                    return TikTokEmulator.parameterError(
                        "audience_ids: Custom audience \(audienceID) does not exist under advertiser \(advertiser).",
                        requestID: requestID)
                }
            }
            for (audienceID, members) in changes {
                world.changeMembers(.tiktok, audienceID, members, remove: action == "delete")
            }
            return TikTokEmulator.ok([:], requestID: requestID)
        }
    }
}
