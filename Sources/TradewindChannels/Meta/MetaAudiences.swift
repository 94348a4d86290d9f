import Crypto
import Foundation
import TradewindCore

/// Meta custom audiences from a customer file (Marketing API v25.0; facebook-python-business-sdk
/// `adobjects/customaudience.py` and `adobjects/helpers/customaudiencemixin.py`).
///
/// `POST act_<id>/customaudiences` creates the audience (`subtype=CUSTOM`,
/// `customer_file_source=USER_PROVIDED_ONLY`), named with the reference suffix; `GET
/// act_<id>/customaudiences?fields=id,name` finds it. Members go in with `POST /<audience_id>/users`
/// and out with `DELETE /<audience_id>/users`, both form-encoded with `payload` =
/// `{"schema":["EMAIL_SHA256","PHONE_SHA256"],"data":[[email, phone], …]}` (an empty string where a
/// member has no such identifier) and `session` = `{session_id, batch_seq, last_batch_flag,
/// estimated_num_total}`. At most 10,000 rows per request; the answer counts `num_received` and
/// `num_invalid_entries`. The DELETE carries its form in the body, as Meta's `curl -X DELETE
/// --data-urlencode payload=…` example does, not in the query string (where the SDK puts DELETE
/// parameters): 10,000 rows are about 1.4 MB.
extension MetaConnector: AudienceConnector {
    static let membersPerRequest = 10_000
    static let audienceSchema = ["EMAIL_SHA256", "PHONE_SHA256"]

    var maximumMembersPerRequest: Int { Self.membersPerRequest }

    func ensureList(
        reference: ChannelReference, name: String, existing: AudienceList?, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> AudienceList {
        let edge = "\(account.identity.externalID)/customaudiences"
        for audience in try await list("customaudiences:list", edge, fields: "id,name", session) {
            guard let id = audience["id"]?.stringValue, let found = audience["name"]?.stringValue,
                ReferenceNames.isCampaign(found, reference: reference)
            else { continue }
            return AudienceList(externalID: id, name: found)
        }
        let stamped = name + reference.nameSuffix()
        let body = try await caller.callJSON(
            "customaudiences:create",
            WireRequest(
                .post, base: endpoints.meta, path: MetaWire.path(edge),
                body: .form(MetaWire.customAudienceForm(name: stamped)), isMutation: true),
            session: session)
        guard let id = body["id"]?.stringValue else { throw malformedAudienceResponse("id") }
        return AudienceList(externalID: id, name: stamped)
    }

    func add(
        _ members: [AudienceMemberHashes], to list: AudienceList, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) -> AudienceUploadResult {
        try await upload(members, list, method: .post, operation: "customaudience.users:add", session)
    }

    func remove(
        _ members: [AudienceMemberHashes], from list: AudienceList, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> AudienceUploadResult {
        try await upload(members, list, method: .delete, operation: "customaudience.users:remove", session)
    }

    private func upload(
        _ members: [AudienceMemberHashes], _ list: AudienceList, method: WireRequest.Method, operation: String,
        _ session: ChannelSession
    ) async throws(ChannelError) -> AudienceUploadResult {
        let batches = batches(members)
        let total = batches.reduce(0) { $0 + $1.count }
        let sessionID = MetaWire.uploadSessionID(
            list: list.externalID, method: method.rawValue, members: batches.joined())
        var result = AudienceUploadResult.none
        for (index, batch) in batches.enumerated() {
            let body = try await caller.callJSON(
                operation,
                WireRequest(
                    method, base: endpoints.meta, path: MetaWire.path("\(list.externalID)/users"),
                    body: .form(
                        MetaWire.usersForm(
                            batch, sessionID: sessionID, sequence: index + 1, last: index == batches.count - 1,
                            total: total)), isMutation: true),
                session: session)
            guard let received = body["num_received"]?.int64Value else {
                throw malformedAudienceResponse("num_received")
            }
            let invalid = body["num_invalid_entries"]?.int64Value ?? 0
            result = result + AudienceUploadResult(received: Int(received), invalid: Int(invalid))
        }
        return result
    }
}

extension MetaWire {
    /// `POST act_<id>/customaudiences`: a customer-file audience of users' own data.
    static func customAudienceForm(name: String) -> [(String, String)] {
        [
            ("name", name), ("subtype", "CUSTOM"), ("description", "Tradewind customer list"),
            ("customer_file_source", "USER_PROVIDED_ONLY"),
        ]
    }

    /// The `payload` and `session` of `POST|DELETE /<audience_id>/users`, JSON text in a form.
    static func usersForm<Members: Collection<AudienceMemberHashes>>(
        _ members: Members, sessionID: Int64, sequence: Int, last: Bool, total: Int
    ) -> [(String, String)] {
        let rows = members.map { member in
            JSONValue.array([.string(member.email ?? ""), .string(member.phone ?? "")])
        }
        let payload = JSONValue.object([
            ("schema", .array(MetaConnector.audienceSchema.map { .string($0) })), ("data", .array(rows)),
        ])
        let session = JSONValue.object([
            ("session_id", .integer(sessionID)), ("batch_seq", .integer(sequence)), ("last_batch_flag", .bool(last)),
            ("estimated_num_total", .integer(total)),
        ])
        return [("payload", payload.serialized), ("session", session.serialized)]
    }

    /// A positive 63-bit session id derived from the list, the method and the members, so a retried
    /// upload names the same session and a removal never reuses an addition's.
    static func uploadSessionID<Members: Sequence<AudienceMemberHashes>>(
        list: String, method: String, members: Members
    ) -> Int64 {
        var hasher = SHA256()
        hasher.update(data: Data(list.utf8))
        hasher.update(data: Data(method.utf8))
        for member in members {
            hasher.update(data: Data((member.email ?? "-").utf8))
            hasher.update(data: Data((member.phone ?? "-").utf8))
        }
        let bytes = Array(hasher.finalize())
        let value = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } & 0x7fff_ffff_ffff_ffff
        return Int64(value == 0 ? 1 : value)
    }
}
