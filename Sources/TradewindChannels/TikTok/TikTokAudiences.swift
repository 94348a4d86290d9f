import TradewindCore

/// TikTok custom audiences through the Segment API of Business API v1.3 (as used by
/// segmentio/action-destinations `tiktok-audiences/api/index.ts` and `functions.ts`).
///
/// `POST segment/audience/` `{advertiser_id, custom_audience_name, action: "create"}` creates the
/// audience (answer `data.audience_id`), named with the reference suffix; `GET
/// dmp/custom_audience/list/` (`advertiser_id`, `page`, `page_size` ≤ 100; `data.list[]` of
/// `{audience_id, name}`, `data.page_info.total_page`) finds it. `POST segment/mapping/`
/// `{advertiser_ids, action: "add"|"delete", id_schema: ["EMAIL_SHA256","PHONE_SHA256"],
/// batch_data: [[{id, audience_ids}, {id, audience_ids}], …]}` adds and removes members, one row
/// per member in `id_schema` order, `{}` where a member has no such identifier. Errors come in the
/// usual envelope (`TikTokDialect`).
extension TikTokConnector: AudienceConnector {
    static let membersPerRequest = 10_000
    static let audienceSchema = ["EMAIL_SHA256", "PHONE_SHA256"]

    var maximumMembersPerRequest: Int { Self.membersPerRequest }

    func ensureList(
        reference: ChannelReference, name: String, existing: AudienceList?, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> AudienceList {
        let advertiserID = account.identity.externalID
        var page = 1
        while true {
            let body = try await caller.callJSON(
                "dmp:custom_audience:list",
                WireRequest(
                    .get, base: endpoints.tiktok, path: TikTokWire.path("dmp/custom_audience/list/"),
                    query: [("advertiser_id", advertiserID), ("page", String(page)), ("page_size", "100")],
                    isMutation: false),
                session: session)
            for audience in body["data"]?["list"]?.arrayValue ?? [] {
                guard let id = audience["audience_id"]?.numericText, let found = audience["name"]?.stringValue,
                    ReferenceNames.isCampaign(found, reference: reference)
                else { continue }
                return AudienceList(externalID: id, name: found)
            }
            if Int64(page) >= body["data"]?["page_info"]?["total_page"]?.int64Value ?? 1 { break }
            page += 1
        }
        let stamped = name + reference.nameSuffix()
        let data = try await create(
            "segment:audience:create", "segment/audience/",
            .object([
                ("advertiser_id", .string(advertiserID)), ("custom_audience_name", .string(stamped)),
                ("action", .string("create")),
            ]), session)
        guard let id = data["audience_id"]?.numericText else { throw malformedAudienceResponse("audience_id") }
        return AudienceList(externalID: id, name: stamped)
    }

    func add(
        _ members: [AudienceMemberHashes], to list: AudienceList, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) -> AudienceUploadResult {
        try await map(members, list, action: "add", account, session)
    }

    func remove(
        _ members: [AudienceMemberHashes], from list: AudienceList, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> AudienceUploadResult {
        try await map(members, list, action: "delete", account, session)
    }

    private func map(
        _ members: [AudienceMemberHashes], _ list: AudienceList, action: String, _ account: ChannelAccount,
        _ session: ChannelSession
    ) async throws(ChannelError) -> AudienceUploadResult {
        var result = AudienceUploadResult.none
        for batch in batches(members) {
            _ = try await create(
                "segment:mapping:\(action)", "segment/mapping/",
                TikTokWire.mappingBody(
                    batch, audienceID: list.externalID, action: action, advertiserID: account.identity.externalID),
                session)
            result = result + AudienceUploadResult(received: batch.count, invalid: 0)
        }
        return result
    }
}

extension TikTokWire {
    /// `POST segment/mapping/`.
    static func mappingBody<Members: Collection<AudienceMemberHashes>>(
        _ members: Members, audienceID: String, action: String, advertiserID: String
    ) -> JSONValue {
        let audiences = JSONValue.array([.string(audienceID)])
        func entry(_ hash: String?) -> JSONValue {
            guard let hash else { return .object([]) }
            return .object([("id", .string(hash)), ("audience_ids", audiences)])
        }
        return .object([
            ("advertiser_ids", .array([.string(advertiserID)])), ("action", .string(action)),
            ("id_schema", .array(TikTokConnector.audienceSchema.map { .string($0) })),
            ("batch_data", .array(members.map { .array([entry($0.email), entry($0.phone)]) })),
        ])
    }
}
