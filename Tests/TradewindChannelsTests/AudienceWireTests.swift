import Foundation
import Testing
import TradewindCore

@testable import TradewindChannels

/// Customer-list uploads over the scripted transport: the requests each connector sends match the
/// golden requests in Tests/Fixtures/channels (see each channel's SOURCES.md), and the channels'
/// answers and errors read as the campaign calls read them.
@Suite("Customer lists: golden requests, batching and errors")
struct AudienceWireTests {
    let configuration = ChannelClientConfiguration(endpoints: Sample.sandbox)

    func connector(_ channel: AdChannel, _ transport: ScriptedTransport) throws -> any AudienceConnector {
        try #require(
            ChannelConnectors.make(transport: transport, configuration: configuration)[channel]
                as? any AudienceConnector)
    }

    // Hashes of ada@example.org, bob@example.org, 4915112345678 and +4915112345678 (sha256sum).
    static let ada = "cfe00dde46ef942601ffafb9e2825e802858b460e586b8305b344c1eb826357d"
    static let bob = "686b5e4cf4f963adf8f51468a48028ef8d15bd02fa335f821279a3d1678c9615"
    static let digits = "8efb96404be52f6109b9db0f687274a81e9e3cc23fabd6f0da5d38baa3d2facd"
    static let plus = "536afd523e19dc83fccba822ef5e4ca646111314aaf0aa286667c5bea18dd70b"

    /// Two members: one with an e-mail and a phone hash (phone as `channel` hashes it), one with an
    /// e-mail hash only.
    static func members(_ channel: AdChannel) -> [AudienceMemberHashes] {
        let phone = AudienceNormalisation.of(channel).phoneKeepsPlus ? plus : digits
        return [AudienceMemberHashes(email: ada, phone: phone), AudienceMemberHashes(email: bob)]
    }

    static let amazonAccount = Sample.account(
        .amazonAds, settings: [ChannelAccount.Setting.amazonDSPAdvertiserID: "5871234567890123"])

    func json(_ request: WireRequest) -> JSONValue? {
        if case .json(let value, _) = request.body { return value }
        return nil
    }

    func form(_ request: WireRequest) -> JSONValue? {
        if case .form(let pairs) = request.body { return formObject(pairs) }
        return nil
    }

    // MARK: Golden requests

    @Test("Meta: POST and DELETE /<audience>/users with payload and session, as the golden forms")
    func metaAddRemove() async throws {
        let transport = ScriptedTransport(responses: [
            try Fixture.response("meta", "customaudience-users.response.json"),
            try Fixture.response("meta", "customaudience-users.response.json"),
        ])
        let meta = try connector(.meta, transport)
        let list = AudienceList(externalID: "23851234567890123", name: "Spring buyers [tw-0123456789abcdef0123]")
        let session = ChannelSession(credentials: Sample.metaCredentials)
        let added = try await meta.add(Self.members(.meta), to: list, in: Sample.account(.meta), session: session)
        let removed = try await meta.remove(
            Self.members(.meta), from: list, in: Sample.account(.meta), session: session)
        #expect(added == AudienceUploadResult(received: 2, invalid: 0))
        #expect(removed == AudienceUploadResult(received: 2, invalid: 0))
        let requests = transport.requests
        #expect(requests.map(\.method) == [.post, .delete])
        #expect(requests.allSatisfy { $0.path == "/v25.0/23851234567890123/users" && $0.isMutation })
        #expect(form(requests[0]) == (try Fixture.form("meta", "customaudience-users-add.request.json")))
        #expect(form(requests[1]) == (try Fixture.form("meta", "customaudience-users-remove.request.json")))
    }

    @Test("Google: one offline user data job per call: create, addOperations, run")
    func googleAddRemove() async throws {
        func script() throws -> ScriptedTransport {
            ScriptedTransport(responses: [
                try Fixture.response("google-ads", "offlineUserDataJobs-create.response.json"),
                WireResponse(status: 200, json: "{}"),
                try Fixture.response("google-ads", "offlineUserDataJobs-run.response.json"),
            ])
        }
        let list = AudienceList(externalID: "9876543210", name: "Spring buyers [tw-0123456789abcdef0123]")
        for (operation, fixture) in [("create", "create"), ("remove", "remove")] {
            let transport = try script()
            let google = try connector(.googleAds, transport)
            let session = ChannelSession(credentials: Sample.googleCredentials)
            let result =
                operation == "create"
                ? try await google.add(
                    Self.members(.googleAds), to: list, in: Sample.account(.googleAds), session: session)
                : try await google.remove(
                    Self.members(.googleAds), from: list, in: Sample.account(.googleAds), session: session)
            #expect(
                result
                    == AudienceUploadResult(
                        received: 2, invalid: 0, jobs: ["customers/1234567890/offlineUserDataJobs/21000000001"]))
            let requests = transport.requests
            #expect(
                requests.map(\.path) == [
                    "/v21/customers/1234567890/offlineUserDataJobs:create",
                    "/v21/customers/1234567890/offlineUserDataJobs/21000000001:addOperations",
                    "/v21/customers/1234567890/offlineUserDataJobs/21000000001:run",
                ])
            #expect(json(requests[0]) == (try Fixture.json("google-ads", "offlineUserDataJobs-create.request.json")))
            #expect(
                json(requests[1])
                    == (try Fixture.json("google-ads", "offlineUserDataJobs-addOperations-\(fixture).request.json")))
            #expect(json(requests[2]) == .object([]))
        }
    }

    @Test("TikTok: segment/mapping with action add and delete, as the golden bodies")
    func tiktokAddRemove() async throws {
        let transport = ScriptedTransport(responses: [
            try Fixture.response("tiktok", "segment-mapping.response.json"),
            try Fixture.response("tiktok", "segment-mapping.response.json"),
        ])
        let tiktok = try connector(.tiktok, transport)
        let list = AudienceList(externalID: "7301234567890", name: "Spring buyers [tw-0123456789abcdef0123]")
        let session = ChannelSession(credentials: Sample.tiktokCredentials)
        _ = try await tiktok.add(Self.members(.tiktok), to: list, in: Sample.account(.tiktok), session: session)
        let removed = try await tiktok.remove(
            Self.members(.tiktok), from: list, in: Sample.account(.tiktok), session: session)
        #expect(removed == AudienceUploadResult(received: 2, invalid: 0))
        let requests = transport.requests
        #expect(requests.allSatisfy { $0.path == "/open_api/v1.3/segment/mapping/" && $0.method == .post })
        #expect(json(requests[0]) == (try Fixture.json("tiktok", "segment-mapping-add.request.json")))
        #expect(json(requests[1]) == (try Fixture.json("tiktok", "segment-mapping-delete.request.json")))
    }

    @Test("Amazon: /amc/audiences/records with action CREATE and DELETE, as the golden bodies")
    func amazonAddRemove() async throws {
        let transport = ScriptedTransport(responses: [
            try Fixture.response("amazon-ads", "audiences-records.response.json", status: 202),
            try Fixture.response("amazon-ads", "audiences-records.response.json", status: 202),
        ])
        let amazon = try connector(.amazonAds, transport)
        let list = AudienceList(externalID: "413642381039213536", name: "Spring buyers [tw-0123456789abcdef0123]")
        let session = ChannelSession(credentials: Sample.amazonCredentials)
        _ = try await amazon.add(Self.members(.amazonAds), to: list, in: Self.amazonAccount, session: session)
        _ = try await amazon.remove(Self.members(.amazonAds), from: list, in: Self.amazonAccount, session: session)
        let requests = transport.requests
        #expect(requests.allSatisfy { $0.path == "/amc/audiences/records" && $0.method == .post })
        #expect(requests[0].encodedBody?.contentType == "application/vnd.amcaudiences.v1+json")
        #expect(requests[0].header("Amazon-Advertising-API-Scope") == "3421234567890123")
        #expect(json(requests[0]) == (try Fixture.json("amazon-ads", "audiences-records-create.request.json")))
        #expect(json(requests[1]) == (try Fixture.json("amazon-ads", "audiences-records-delete.request.json")))
        // The audience id goes out as a JSON number, digit for digit.
        #expect(
            requests[0].encodedBody.map { String(decoding: $0.bytes, as: UTF8.self) }?.contains(
                "413642381039213536") == true)
    }

    // MARK: Finding or creating the list

    @Test("ensureList finds the stamped list, else creates it named with the stamp")
    func ensureList() async throws {
        let reference = Sample.reference
        // Meta: found on the list page, nothing created.
        let metaFound = ScriptedTransport(responses: [
            try Fixture.response("meta", "customaudiences-list.response.json")
        ])
        let found = try await connector(.meta, metaFound).ensureList(
            reference: reference, name: "Spring buyers", in: Sample.account(.meta),
            session: ChannelSession(credentials: Sample.metaCredentials))
        #expect(found == AudienceList(externalID: "23851234567890123", name: "Spring buyers [tw-0123456789abcdef0123]"))
        #expect(metaFound.requests.count == 1)
        #expect(metaFound.requests[0].path == "/v25.0/act_1234567890/customaudiences")
        // Meta: not found, created.
        let metaCreated = ScriptedTransport(responses: [
            WireResponse(status: 200, json: #"{"data":[],"paging":{"cursors":{"before":"MA==","after":"MA=="}}}"#),
            WireResponse(status: 200, json: #"{"id":"23859999999999999"}"#),
        ])
        let created = try await connector(.meta, metaCreated).ensureList(
            reference: reference, name: "Spring buyers", in: Sample.account(.meta),
            session: ChannelSession(credentials: Sample.metaCredentials))
        #expect(created.externalID == "23859999999999999")
        #expect(form(metaCreated.requests[1]) == (try Fixture.form("meta", "customaudiences-create.request.json")))

        // Google: the GAQL search finds nothing, userLists:mutate creates it.
        let google = ScriptedTransport(responses: [
            WireResponse(status: 200, json: #"[{"results":[],"fieldMask":"userList.id,userList.name"}]"#),
            try Fixture.response("google-ads", "userLists-mutate.response.json"),
        ])
        let userList = try await connector(.googleAds, google).ensureList(
            reference: reference, name: "Spring buyers", in: Sample.account(.googleAds),
            session: ChannelSession(credentials: Sample.googleCredentials))
        #expect(userList.externalID == "9876543210")
        #expect(
            json(google.requests[0])?["query"]?.stringValue
                == "SELECT user_list.id, user_list.name FROM user_list WHERE user_list.name LIKE '%[[]tw-0123456789abcdef0123[]]%'"
        )
        #expect(google.requests[1].path == "/v21/customers/1234567890/userLists:mutate")
        #expect(json(google.requests[1]) == (try Fixture.json("google-ads", "userLists-mutate.request.json")))

        // TikTok: the list has another audience only, segment/audience creates ours.
        let tiktok = ScriptedTransport(responses: [
            try Fixture.response("tiktok", "custom-audience-list.response.json"),
            try Fixture.response("tiktok", "segment-audience.response.json"),
        ])
        let audience = try await connector(.tiktok, tiktok).ensureList(
            reference: reference, name: "Spring buyers", in: Sample.account(.tiktok),
            session: ChannelSession(credentials: Sample.tiktokCredentials))
        #expect(audience.externalID == "7301234567890")
        #expect(tiktok.requests[0].path == "/open_api/v1.3/dmp/custom_audience/list/")
        #expect(json(tiktok.requests[1]) == (try Fixture.json("tiktok", "segment-audience.request.json")))

        // Amazon: no list known, so it is created for the DSP advertiser.
        let amazon = ScriptedTransport(responses: [
            try Fixture.response("amazon-ads", "audiences-metadata.response.json", status: 201)
        ])
        let advertiserAudience = try await connector(.amazonAds, amazon).ensureList(
            reference: reference, name: "Spring buyers", in: Self.amazonAccount,
            session: ChannelSession(credentials: Sample.amazonCredentials))
        #expect(advertiserAudience.externalID == "413642381039213536")
        #expect(amazon.requests[0].path == "/amc/audiences/metadata")
        #expect(json(amazon.requests[0]) == (try Fixture.json("amazon-ads", "audiences-metadata.request.json")))
    }

    @Test("Amazon: a known list is read back and reused; without a DSP advertiser id nothing is created")
    func amazonExisting() async throws {
        let known = AudienceList(externalID: "413642381039213536", name: "Spring buyers [tw-0123456789abcdef0123]")
        let transport = ScriptedTransport(responses: [
            WireResponse(
                status: 200,
                json:
                    #"{"audienceId":413642381039213536,"name":"Spring buyers [tw-0123456789abcdef0123]","metadata":{"externalAudienceId":"tw-0123456789abcdef0123"}}"#
            )
        ])
        let reused = try await connector(.amazonAds, transport).ensureList(
            reference: Sample.reference, name: "Spring buyers", existing: known, in: Self.amazonAccount,
            session: ChannelSession(credentials: Sample.amazonCredentials))
        #expect(reused == known)
        #expect(transport.requests.map(\.path) == ["/amc/audiences/metadata/413642381039213536"])
        #expect(transport.requests[0].method == .get)

        let none = ScriptedTransport(responses: [])
        await #expect(throws: ChannelError.self) {
            _ = try await connector(.amazonAds, none).ensureList(
                reference: Sample.reference, name: "Spring buyers", in: Sample.account(.amazonAds),
                session: ChannelSession(credentials: Sample.amazonCredentials))
        }
        #expect(none.requests.isEmpty)
    }

    // MARK: Batching and errors

    @Test("Meta: 10,001 members go in two requests of one session, numbered, the last flagged")
    func metaBatches() async throws {
        let transport = ScriptedTransport([
            { _ in .success(WireResponse(status: 200, json: #"{"num_received":10000,"num_invalid_entries":3}"#)) },
            { _ in .success(WireResponse(status: 200, json: #"{"num_received":1,"num_invalid_entries":0}"#)) },
        ])
        let members = (0...10_000).map {
            AudienceMemberHashes(email: AudienceIdentifiers.sha256Hex("member\($0)@example.org"))
        }
        let result = try await connector(.meta, transport).add(
            members, to: AudienceList(externalID: "23851234567890123", name: "x"), in: Sample.account(.meta),
            session: ChannelSession(credentials: Sample.metaCredentials))
        #expect(result == AudienceUploadResult(received: 10_001, invalid: 3))
        let sessions = transport.requests.compactMap { form($0)?["session"] }
        #expect(sessions.count == 2)
        #expect(sessions.map { $0["batch_seq"] } == [.integer(1), .integer(2)])
        #expect(sessions.map { $0["last_batch_flag"] } == [.bool(false), .bool(true)])
        #expect(sessions[0]["session_id"] == sessions[1]["session_id"])
        #expect(sessions.allSatisfy { $0["estimated_num_total"] == .integer(10_001) })
        #expect(form(transport.requests[0])?["payload"]?["data"]?.arrayValue?.count == 10_000)
    }

    @Test("Google: a partial failure counts the refused operations as invalid")
    func googlePartialFailure() async throws {
        let transport = ScriptedTransport(responses: [
            try Fixture.response("google-ads", "offlineUserDataJobs-create.response.json"),
            try Fixture.response("google-ads", "offlineUserDataJobs-addOperations-partial.response.json"),
            try Fixture.response("google-ads", "offlineUserDataJobs-run.response.json"),
        ])
        let result = try await connector(.googleAds, transport).add(
            Self.members(.googleAds), to: AudienceList(externalID: "9876543210", name: "x"),
            in: Sample.account(.googleAds), session: ChannelSession(credentials: Sample.googleCredentials))
        #expect(
            result
                == AudienceUploadResult(
                    received: 1, invalid: 1, jobs: ["customers/1234567890/offlineUserDataJobs/21000000001"]))
        #expect(transport.requests.count == 3)
    }

    @Test("Google and Amazon: where an upload's job stands, asked in each channel's shape")
    func jobStates() async throws {
        let job = "customers/1234567890/offlineUserDataJobs/21000000001"
        func googleRow(_ fields: String) -> WireResponse {
            WireResponse(
                status: 200,
                json: #"[{"results":[{"offlineUserDataJob":{"resourceName":"\#(job)",\#(fields)}}],"requestId":"r"}]"#)
        }
        let google = ScriptedTransport(responses: [
            googleRow(#""status":"RUNNING""#), googleRow(#""status":"SUCCESS""#),
            googleRow(#""status":"FAILED","failureReason":"UNKNOWN""#), WireResponse(status: 200, json: "[]"),
        ])
        let googleConnector = try connector(.googleAds, google)
        let session = ChannelSession(credentials: Sample.googleCredentials)
        var states: [AudienceJobState] = []
        for _ in 0..<4 {
            states.append(try await googleConnector.jobState(job, in: Sample.account(.googleAds), session: session))
        }
        #expect(
            states == [
                .running, .succeeded, .failed(reason: "the job failed: UNKNOWN"),
                .failed(reason: "Google Ads no longer knows the job \(job)"),
            ])
        #expect(google.requests.allSatisfy { $0.path == "/v21/customers/1234567890/googleAds:searchStream" })
        #expect(
            json(google.requests[0])?["query"]?.stringValue
                == "SELECT offline_user_data_job.id, offline_user_data_job.status, offline_user_data_job.failure_reason"
                + " FROM offline_user_data_job WHERE offline_user_data_job.resource_name = '\(job)'")
        // A name that is not one of the customer's jobs is never put into a query.
        let foreign = try await googleConnector.jobState(
            "customers/1234567890/offlineUserDataJobs/1' OR '1'='1", in: Sample.account(.googleAds), session: session)
        #expect(foreign != .succeeded && google.requests.count == 4)

        let amazon = ScriptedTransport(responses: [
            WireResponse(status: 200, json: #"{"jobRequestId":"a1b2-c3","status":"SUCCEEDED"}"#),
            WireResponse(status: 200, json: #"{"jobRequestId":"a1b2-c3","status":"FAILED"}"#),
            WireResponse(status: 200, json: #"{"jobRequestId":"a1b2-c3","status":"PROCESSING"}"#),
        ])
        let amazonConnector = try connector(.amazonAds, amazon)
        let amazonSession = ChannelSession(credentials: Sample.amazonCredentials)
        var amazonStates: [AudienceJobState] = []
        for _ in 0..<3 {
            amazonStates.append(
                try await amazonConnector.jobState("a1b2-c3", in: Self.amazonAccount, session: amazonSession))
        }
        #expect(amazonStates == [.succeeded, .failed(reason: "the job failed"), .running])
        #expect(amazon.requests.allSatisfy { $0.path == "/amc/audiences/records/a1b2-c3" && $0.method == .get })
    }

    @Test("Throttling, expired tokens and job errors read as the campaign calls' ChannelErrors")
    func errors() async throws {
        let list = AudienceList(externalID: "1", name: "x")
        // Meta: the custom-audience throttle (80003) is rate limited with the usage header's hint.
        let meta = ScriptedTransport(responses: [
            WireResponse(
                status: 400,
                headers: [
                    (
                        "X-Business-Use-Case-Usage",
                        #"{"1234567890":[{"type":"custom_audience","call_count":100,"estimated_time_to_regain_access":2}]}"#
                    )
                ],
                json:
                    #"{"error":{"message":"(#80003) There have been too many calls for this ad account.","type":"OAuthException","code":80003,"fbtrace_id":"AbCdEf"}}"#
            )
        ])
        do {
            _ = try await connector(.meta, meta).add(
                Self.members(.meta), to: list, in: Sample.account(.meta),
                session: ChannelSession(credentials: Sample.metaCredentials))
            Issue.record("expected rate limited")
        } catch let error as ChannelError {
            #expect(error.retryAfter == .seconds(120))
            #expect(error.channelCode == "80003")
        }
        // Meta: an expired token asks for a new authorisation.
        let expired = ScriptedTransport(responses: [
            try Fixture.response("meta", "token-expired.error.json", status: 400)
        ])
        do {
            _ = try await connector(.meta, expired).remove(
                Self.members(.meta), from: list, in: Sample.account(.meta),
                session: ChannelSession(credentials: Sample.metaCredentials))
            Issue.record("expected unauthorized")
        } catch let error as ChannelError {
            guard case .unauthorized = error else {
                Issue.record("expected unauthorized, got \(error)")
                return
            }
        }
        // TikTok: 40100 in the envelope is rate limited.
        let tiktok = ScriptedTransport(responses: [try Fixture.response("tiktok", "rate-limited.error.json")])
        do {
            _ = try await connector(.tiktok, tiktok).add(
                Self.members(.tiktok), to: list, in: Sample.account(.tiktok),
                session: ChannelSession(credentials: Sample.tiktokCredentials))
            Issue.record("expected rate limited")
        } catch let error as ChannelError {
            guard case .rateLimited = error else {
                Issue.record("expected rate limited, got \(error)")
                return
            }
        }
        // Amazon: 429 with Retry-After.
        let amazon = ScriptedTransport(responses: [
            try Fixture.response("amazon-ads", "rate-limited.error.json", status: 429, headers: [("Retry-After", "7")])
        ])
        do {
            _ = try await connector(.amazonAds, amazon).add(
                Self.members(.amazonAds), to: list, in: Self.amazonAccount,
                session: ChannelSession(credentials: Sample.amazonCredentials))
            Issue.record("expected rate limited")
        } catch let error as ChannelError {
            #expect(error.retryAfter == .seconds(7))
        }
        // Google: operations on a job that already ran are refused, and nothing is run.
        let google = ScriptedTransport(responses: [
            try Fixture.response("google-ads", "offlineUserDataJobs-create.response.json"),
            WireResponse(
                status: 400,
                json:
                    #"{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.ads.googleads.v21.errors.GoogleAdsFailure","errors":[{"errorCode":{"offlineUserDataJobError":"JOB_ALREADY_STARTED"},"message":"The job has already been run."}],"requestId":"r1"}]}}"#
            ),
        ])
        do {
            _ = try await connector(.googleAds, google).add(
                Self.members(.googleAds), to: list, in: Sample.account(.googleAds),
                session: ChannelSession(credentials: Sample.googleCredentials))
            Issue.record("expected rejected")
        } catch let error as ChannelError {
            #expect(error.channelCode == "offlineUserDataJobError.JOB_ALREADY_STARTED")
            #expect(!error.isRetryable)
        }
        #expect(google.requests.count == 2)
    }
}
