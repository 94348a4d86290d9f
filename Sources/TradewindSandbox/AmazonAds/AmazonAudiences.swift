import Foundation
import HTTPTypes

/// Amazon Ads advertiser audiences (AMC / Amazon DSP), `Content-Type: application/vnd.amcaudiences.v1+json`
/// (advertising.amazon.com/API/docs/en-us/guides/amazon-marketing-cloud/audiences/advertiser-audiences):
///
/// - `POST /amc/audiences/metadata` `{name, description, countryCode, targetResource: {advertiserId |
///   connectionId}, metadata: {externalAudienceId, ttl}}` answers 201 `{audienceId, externalAudienceId}`.
/// - `GET /amc/audiences/metadata/{audienceId}` reads one back.
/// - `POST /amc/audiences/records` `{audienceId, records: [{externalUserId, countryCode, action:
///   CREATE|DELETE, hashedPII: [{email, phone, …}]}]}` answers 202 `{jobRequestId}`; the records are
///   applied at once and `GET /amc/audiences/records/{jobRequestId}` reports the job SUCCEEDED (under
///   the `job_failure` fault nothing is applied and the job reads FAILED). Amazon's
///   guidance is 6,000 records per request; the sandbox refuses more. Records whose hashes are not
///   SHA-256 hex are counted invalid and change nothing.
///
/// The audience belongs to the DSP advertiser (or connection) named in `targetResource`; the Control
/// API lists it under that id.
struct AmazonAudiences {
    let context: CallContext
    static let mediaType = "application/vnd.amcaudiences.v1+json"
    static let maximumRecords = 6_000
    static let maximumTTL: Int64 = 34_300_800
    static let countries: Set<String> = [
        "AE", "AU", "BE", "BR", "CA", "DE", "EG", "ES", "FR", "GB", "IN", "IT", "JP", "MX", "NL", "PL", "SA", "SE",
        "SG", "TR", "US",
    ]
    /// `hashedPII` keys.
    static let piiKeys: Set<String> = ["email", "phone", "city", "state", "postal", "firstname", "lastname", "address"]

    private func error(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Reply {
        AmazonAdsEmulator.error(status, code, message, reporting: false)
    }

    func run(_ operation: String, _ call: IncomingCall) -> Reply {
        if call.method == .post {
            guard (call.header("Content-Type") ?? "").lowercased().contains(Self.mediaType) else {
                return error(.unsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be \(Self.mediaType).")
            }
        }
        switch operation {
        case "audiences/metadata.create": return create(call.body)
        case "audiences/metadata.get": return get(call.path[3])
        case "audiences/records.create": return records(call.body)
        default: return job(call.path[3])
        }
    }

    private func create(_ data: Data) -> Reply {
        guard let body = JSONValue.parse(data), body.objectValue != nil else {
            return error(.badRequest, "BAD_REQUEST", "The request body is not valid JSON.")
        }
        guard let name = body["name"]?.stringValue, (1...128).contains(name.count) else {
            return error(.badRequest, "BAD_REQUEST", "name is required and must be 1 to 128 characters.")
        }
        let target = body["targetResource"]
        guard
            let owner = target?["advertiserId"]?.int64Value.map(String.init) ?? target?["connectionId"]?.stringValue
        else {
            return error(
                .badRequest, "BAD_REQUEST", "targetResource must name an advertiserId (number) or a connectionId.")
        }
        guard let external = body["metadata"]?["externalAudienceId"]?.stringValue, !external.isEmpty else {
            return error(.badRequest, "BAD_REQUEST", "metadata.externalAudienceId is required.")
        }
        if let ttl = body["metadata"]?["ttl"] {
            guard let seconds = ttl.int64Value, (0...Self.maximumTTL).contains(seconds) else {
                return error(.badRequest, "BAD_REQUEST", "metadata.ttl must be 0 to \(Self.maximumTTL) seconds.")
            }
        }
        if let country = body["countryCode"] {
            guard let code = country.stringValue, Self.countries.contains(code) else {
                return error(.badRequest, "BAD_REQUEST", "countryCode must be a supported ISO 3166 alpha-2 code.")
            }
        }
        var fields = body.objectValue ?? [:]
        fields["description"] = fields["description"] ?? ""
        let audience = context.store.write { world in
            world.insertAudience(.amazonAds, account: owner, name: name, fields: fields)
        }
        return .json(
            .created, ["audienceId": .int(Int64(audience.id) ?? 0), "externalAudienceId": .string(external)])
    }

    private func get(_ id: String) -> Reply {
        guard let audience = context.store.read({ $0.audience(.amazonAds, id) }) else {
            return error(.notFound, "NOT_FOUND", "Audience \(id) was not found.")
        }
        var fields = audience.fields
        fields["audienceId"] = .int(Int64(audience.id) ?? 0)
        return .json(.ok, .object(fields))
    }

    private func records(_ data: Data) -> Reply {
        guard let body = JSONValue.parse(data), body.objectValue != nil else {
            return error(.badRequest, "BAD_REQUEST", "The request body is not valid JSON.")
        }
        guard let audienceID = body["audienceId"]?.int64Value.map(String.init) else {
            return error(.badRequest, "BAD_REQUEST", "audienceId (number) is required.")
        }
        guard let records = body["records"]?.arrayValue, !records.isEmpty else {
            return error(.badRequest, "BAD_REQUEST", "records must hold at least one record.")
        }
        guard records.count <= Self.maximumRecords else {
            return error(
                .badRequest, "BAD_REQUEST",
                "Too many records: \(records.count). Send at most \(Self.maximumRecords) records per request.")
        }
        var creates: [MemberHashes] = []
        var deletes: [MemberHashes] = []
        var invalid = 0
        for (index, record) in records.enumerated() {
            guard let external = record["externalUserId"]?.stringValue, Self.isExternalUserID(external) else {
                return error(
                    .badRequest, "BAD_REQUEST",
                    "records[\(index)].externalUserId must match [0-9a-zA-Z\\-\\_]{1,128}.")
            }
            guard let action = record["action"]?.stringValue, action == "CREATE" || action == "DELETE" else {
                return error(.badRequest, "BAD_REQUEST", "records[\(index)].action must be CREATE or DELETE.")
            }
            guard let pii = record["hashedPII"]?.arrayValue, (1...100).contains(pii.count) else {
                return error(.badRequest, "BAD_REQUEST", "records[\(index)].hashedPII must hold 1 to 100 entries.")
            }
            var member = MemberHashes()
            var usable = true
            for entry in pii {
                for (key, value) in entry.objectValue ?? [:] {
                    guard Self.piiKeys.contains(key), let hash = value.stringValue, MemberHashes.isDigest(hash) else {
                        usable = false
                        continue
                    }
                    if key == "email" { member.email = hash }
                    if key == "phone" { member.phone = hash }
                }
            }
            guard usable, member.email != nil || member.phone != nil else {
                invalid += 1
                continue
            }
            if action == "CREATE" { creates.append(member) } else { deletes.append(member) }
        }
        let fails = context.injectJobFailure
        let job = context.store.write { world -> AmazonAudienceJob? in
            guard world.audience(.amazonAds, audienceID) != nil else { return nil }
            if !fails {
                world.changeMembers(.amazonAds, audienceID, creates, remove: false)
                world.changeMembers(.amazonAds, audienceID, deletes, remove: true)
            }
            let job = AmazonAudienceJob(
                id: UUID().uuidString.lowercased(), audienceID: audienceID, received: records.count, invalid: invalid,
                status: fails ? "FAILED" : "SUCCEEDED")
            world.withAudiences { $0.amazonJobs[job.id] = job }
            return job
        }
        guard let job else { return error(.notFound, "NOT_FOUND", "Audience \(audienceID) was not found.") }
        return .json(.accepted, ["jobRequestId": .string(job.id)])
    }

    private func job(_ id: String) -> Reply {
        guard let job = context.store.read({ $0.audienceBook.amazonJobs[id] }) else {
            return error(.notFound, "NOT_FOUND", "Job \(id) was not found.")
        }
        return .json(
            .ok,
            [
                "jobRequestId": .string(job.id), "audienceId": .int(Int64(job.audienceID) ?? 0),
                "status": .string(job.status), "receivedRecords": .int(Int64(job.received)),
                "invalidRecords": .int(Int64(job.invalid)),
            ])
    }

    static func isExternalUserID(_ text: String) -> Bool {
        (1...128).contains(text.utf8.count)
            && text.utf8.allSatisfy {
                (0x30...0x39).contains($0) || (0x41...0x5a).contains($0) || (0x61...0x7a).contains($0) || $0 == 0x2d
                    || $0 == 0x5f
            }
    }
}
