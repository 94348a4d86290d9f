import Foundation
import TradewindCore

/// Amazon Ads advertiser audiences (the AMC / Amazon DSP "Advertiser audiences" API, guide
/// advertising.amazon.com/API/docs/en-us/guides/amazon-marketing-cloud/audiences/advertiser-audiences;
/// request shapes as in segmentio/action-destinations `amazon-amc/index.ts` and `function.ts`).
///
/// `POST /amc/audiences/metadata` (`Content-Type: application/vnd.amcaudiences.v1+json`) creates
/// the audience for the account's DSP advertiser (`targetResource.advertiserId`, a number) with
/// `metadata.externalAudienceId` = the reference and answers `{audienceId, externalAudienceId}`;
/// `GET /amc/audiences/metadata/{audienceId}` reads one back. Amazon offers no search by name or
/// external id, so a list is found again only through `existing`; a create whose answer was lost
/// leaves an empty audience behind. `POST /amc/audiences/records` `{audienceId, records: [{
/// externalUserId, countryCode, action: "CREATE"|"DELETE", hashedPII: [{email, phone}]}]}` adds
/// and removes members asynchronously and answers `{jobRequestId}`; Amazon's guidance is 6,000
/// records per request. `GET /amc/audiences/records/{jobRequestId}` tells where the job stands:
/// `status` SUCCEEDED or FAILED once done (these two values, and any other meaning "not yet", are
/// the sandbox's reading, unverified against a stored source).
extension AmazonAdsConnector: AudienceConnector {
    static let membersPerRequest = 6_000
    static let audiencesType = "application/vnd.amcaudiences.v1+json"
    /// Amazon's longest time-to-live (13 months), so members stay until removed.
    static let audienceTTLSeconds: Int64 = 34_300_800

    var maximumMembersPerRequest: Int { Self.membersPerRequest }

    func ensureList(
        reference: ChannelReference, name: String, existing: AudienceList?, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> AudienceList {
        let identity = account.identity
        let caller = caller(identity.marketplaceID)
        if let existing {
            do {
                let body = try await caller.callJSON(
                    "audiences/metadata:get",
                    request(.get, "/amc/audiences/metadata/\(existing.externalID)", identity, isMutation: false),
                    session: session)
                if body["metadata"]?["externalAudienceId"]?.stringValue == reference.value {
                    return AudienceList(
                        externalID: existing.externalID, name: body["name"]?.stringValue ?? existing.name)
                }
            } catch .notFound {
                // Gone from the channel: make it again below.
            }
        }
        guard let advertiserID = account.settings[ChannelAccount.Setting.amazonDSPAdvertiserID] else {
            throw .rejected(
                field: "channel_account",
                ChannelErrorDetail(
                    channel: channel, code: nil,
                    message: "amazon_ads audiences belong to a DSP advertiser; the account has no DSP advertiser id"))
        }
        let stamped = name + reference.nameSuffix()
        var create = request(
            .post, "/amc/audiences/metadata", identity,
            body: AmazonAdsWire.audienceMetadataBody(
                name: stamped, reference: reference, advertiserID: advertiserID,
                countryCode: country(identity)),
            contentType: Self.audiencesType, isMutation: true)
        create.setHeader("Accept", "application/json")
        let body = try await caller.callJSON("audiences/metadata:create", create, session: session)
        guard let id = body["audienceId"]?.numericText else { throw malformedAudienceResponse("audienceId") }
        return AudienceList(externalID: id, name: stamped)
    }

    func add(
        _ members: [AudienceMemberHashes], to list: AudienceList, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) -> AudienceUploadResult {
        try await records(members, list, action: "CREATE", account, session)
    }

    func remove(
        _ members: [AudienceMemberHashes], from list: AudienceList, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> AudienceUploadResult {
        try await records(members, list, action: "DELETE", account, session)
    }

    private func records(
        _ members: [AudienceMemberHashes], _ list: AudienceList, action: String, _ account: ChannelAccount,
        _ session: ChannelSession
    ) async throws(ChannelError) -> AudienceUploadResult {
        let identity = account.identity
        let caller = caller(identity.marketplaceID)
        var result = AudienceUploadResult.none
        for batch in batches(members) {
            var upload = request(
                .post, "/amc/audiences/records", identity,
                body: AmazonAdsWire.audienceRecordsBody(
                    batch, audienceID: list.externalID, action: action, countryCode: country(identity)),
                contentType: Self.audiencesType, isMutation: true)
            upload.setHeader("Accept", "application/json")
            let body = try await caller.callJSON("audiences/records:\(action.lowercased())", upload, session: session)
            guard let job = body["jobRequestId"]?.stringValue else { throw malformedAudienceResponse("jobRequestId") }
            result = result + AudienceUploadResult(received: batch.count, invalid: 0, jobs: [job])
        }
        return result
    }

    func jobState(_ job: String, in account: ChannelAccount, session: ChannelSession) async throws(ChannelError)
        -> AudienceJobState
    {
        let identity = account.identity
        guard !job.isEmpty, job.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            return .failed(reason: "not an Amazon records job id: \(job)")
        }
        let body: JSONValue
        do {
            body = try await caller(identity.marketplaceID).callJSON(
                "audiences/records:get", request(.get, "/amc/audiences/records/\(job)", identity, isMutation: false),
                session: session)
        } catch .notFound {
            return .failed(reason: "Amazon Ads no longer knows the job \(job)")
        }
        switch body["status"]?.stringValue {
        case "SUCCEEDED": return .succeeded
        case "FAILED": return .failed(reason: "the job failed")
        default: return .running
        }
    }

    /// The country the data was collected for: the profile's marketplace, else none (Amazon then
    /// defaults to the DSP advertiser's marketplace).
    private func country(_ identity: ChannelAccountIdentity) -> String? {
        identity.marketplaceID.flatMap { AmazonAdsRegion.marketplaces[$0]?.country }
    }
}

extension AmazonAdsWire {
    /// `POST /amc/audiences/metadata`. `advertiserId` is a JSON number (Amazon's ids exceed 2^53,
    /// so it is written from its digits, never through a Double).
    static func audienceMetadataBody(
        name: String, reference: ChannelReference, advertiserID: String, countryCode: String?
    ) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("name", .string(name)), ("description", .string("Tradewind customer list")),
            ("targetResource", .object([("advertiserId", number(advertiserID))])),
            (
                "metadata",
                .object([
                    ("externalAudienceId", .string(reference.value)),
                    ("ttl", .integer(AmazonAdsConnector.audienceTTLSeconds)),
                ])
            ),
        ]
        if let countryCode { fields.append(("countryCode", .string(countryCode))) }
        return .object(fields)
    }

    /// `POST /amc/audiences/records`. A member's `externalUserId` is its e-mail hash, else its phone
    /// hash: stable across uploads, and within Amazon's `[0-9a-zA-Z-_]{1,128}`.
    static func audienceRecordsBody<Members: Collection<AudienceMemberHashes>>(
        _ members: Members, audienceID: String, action: String, countryCode: String?
    ) -> JSONValue {
        let records = members.map { member -> JSONValue in
            var hashed: [(String, JSONValue)] = []
            if let email = member.email { hashed.append(("email", .string(email))) }
            if let phone = member.phone { hashed.append(("phone", .string(phone))) }
            var record: [(String, JSONValue)] = [("externalUserId", .string(member.email ?? member.phone ?? ""))]
            if let countryCode { record.append(("countryCode", .string(countryCode))) }
            record.append(("action", .string(action)))
            record.append(("hashedPII", .array([.object(hashed)])))
            return .object(record)
        }
        return .object([("audienceId", number(audienceID)), ("records", .array(records))])
    }

    /// A decimal id as a JSON number, exactly.
    static func number(_ digits: String) -> JSONValue {
        Decimal(string: digits).map { .number($0) } ?? .string(digits)
    }
}
