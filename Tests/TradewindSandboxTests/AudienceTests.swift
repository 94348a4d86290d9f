import Foundation
import Testing

@testable import TradewindSandbox

/// Customer lists on every emulator, driven over a live HTTP connection: one list per stamp, a
/// member set that `GET /_sandbox/audiences` shows exactly, each channel's batch limit and error
/// body, Google's job state machine, and the Control API's faults on the new paths.
@Suite struct AudienceTests {
    let harness = SandboxHarness().withDefaultAccounts()

    // SHA-256 of ada@example.org, bob@example.org, cy@example.org (printf %s … | sha256sum).
    static let ada = "cfe00dde46ef942601ffafb9e2825e802858b460e586b8305b344c1eb826357d"
    static let bob = "686b5e4cf4f963adf8f51468a48028ef8d15bd02fa335f821279a3d1678c9615"
    static let cy = "cef73ab6ea35cb9e87465dc432aa0ba8c9ea8ae9ff9b32a48d109363c61615bb"

    /// A 64-character lower-case hex string that is not anyone's hash.
    static func filler(_ number: Int) -> String {
        let hex = String(number, radix: 16)
        return String(repeating: "0", count: 64 - hex.count) + hex
    }

    static func hashes(_ answer: Answer, list: String? = nil) -> [String] {
        let lists = answer.json?["audiences"]?.arrayValue ?? []
        let chosen = list.map { id in lists.filter { $0["id"]?.stringValue == id } } ?? lists
        return chosen.flatMap { $0["hashes"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
    }

    // MARK: Meta

    static func metaUsers(_ rows: [[String]]) -> String {
        let payload: JSONValue = [
            "schema": ["EMAIL_SHA256", "PHONE_SHA256"], "data": .array(rows.map { .array($0.map { .string($0) }) }),
        ]
        return "payload=\(escaped(String(decoding: payload.serialized(), as: UTF8.self)))"
    }

    @Test func metaCustomAudienceMembersAreASet() async throws {
        try await harness.run(.live) { client in
            let created = try await client.meta(
                .post, "\(MetaTests.account)/customaudiences",
                form: "name=\(escaped("Buyers [tw-1]"))&subtype=CUSTOM&customer_file_source=USER_PROVIDED_ONLY")
            let id = try #require(created.json?["id"]?.stringValue)
            let listed = try await client.meta(.get, "\(MetaTests.account)/customaudiences?fields=id,name")
            #expect(listed.json?["data"]?.arrayValue?.map { $0["name"] } == ["Buyers [tw-1]"])

            let added = try await client.meta(
                .post, "\(id)/users", form: Self.metaUsers([[Self.ada, ""], [Self.bob, ""], [Self.cy, ""]]))
            #expect(added.status == 200)
            #expect(added.json?["num_received"] == 3 && added.json?["num_invalid_entries"] == 0)
            let removed = try await client.meta(.delete, "\(id)/users", form: Self.metaUsers([[Self.bob, ""]]))
            #expect(removed.json?["num_received"] == 1)
            // Adding a present member and removing an absent one change nothing.
            _ = try await client.meta(.post, "\(id)/users", form: Self.metaUsers([[Self.ada, ""]]))
            _ = try await client.meta(.delete, "\(id)/users", form: Self.metaUsers([[Self.bob, ""]]))
            let held = try await client.control(.get, "audiences?channel=meta&account=101000000000001")
            #expect(Self.hashes(held) == [Self.ada, Self.cy].sorted())

            let invalid = try await client.meta(.post, "\(id)/users", form: Self.metaUsers([["abc", ""], ["", ""]]))
            #expect(invalid.json?["num_invalid_entries"] == 2)
        }
    }

    /// Over the in-process router: a megabyte body parsed by a debug build can outlast the live
    /// client's 20-second read timeout when the machine is busy.
    @Test func metaRefusesTooManyUsersUnknownSchemaAndUnknownAudience() async throws {
        try await harness.run { client in
            let created = try await client.meta(
                .post, "\(MetaTests.account)/customaudiences", form: "name=L&subtype=CUSTOM")
            let id = try #require(created.json?["id"]?.stringValue)
            let rows = (0...10_000).map { [Self.filler($0), ""] }
            let tooMany = try await client.meta(.post, "\(id)/users", form: Self.metaUsers(rows))
            #expect(tooMany.status == 400)
            #expect(tooMany.json?["error"]?["code"] == 100)
            #expect(tooMany.json?["error"]?["fbtrace_id"] != nil)
            let schema: JSONValue = ["schema": ["EMAIL_MD5"], "data": [["x"]]]
            let unknownSchema = try await client.meta(
                .post, "\(id)/users", form: "payload=\(escaped(String(decoding: schema.serialized(), as: UTF8.self)))")
            #expect(unknownSchema.status == 400 && unknownSchema.json?["error"]?["code"] == 100)
            let unknownAudience = try await client.meta(
                .post, "23859999999999999/users", form: Self.metaUsers([[Self.ada, ""]]))
            #expect(unknownAudience.json?["error"]?["error_subcode"] == 33)
            #expect(harness.store.read { $0.audience(.meta, id)?.memberCount } == 0)
        }
    }

    @Test func metaFaultsApplyToTheUsersEdge() async throws {
        try await harness.run(.live) { client in
            let created = try await client.meta(
                .post, "\(MetaTests.account)/customaudiences", form: "name=L&subtype=CUSTOM")
            let id = try #require(created.json?["id"]?.stringValue)
            _ = try await client.control(
                .post, "faults", ["channel": "meta", "kind": "rate_limit", "operation": "customaudience.users.add"])
            let limited = try await client.meta(.post, "\(id)/users", form: Self.metaUsers([[Self.ada, ""]]))
            #expect(limited.status == 400 && limited.json?["error"]?["code"] == 17)
            _ = try await client.control(.post, "faults", ["channel": "meta", "kind": "server_error"])
            let failed = try await client.meta(.delete, "\(id)/users", form: Self.metaUsers([[Self.ada, ""]]))
            #expect(failed.status == 500 && failed.json?["error"]?["is_transient"] == true)
            #expect(harness.store.read { $0.audience(.meta, id)?.memberCount } == 0)
        }
    }

    // MARK: Google

    static func operations(_ kind: String, _ emails: [String]) -> JSONValue {
        ["operations": .array(emails.map { [kind: ["userIdentifiers": [["hashedEmail": .string($0)]]]] })]
    }

    @Test func googleUserListAndJobStateMachine() async throws {
        try await harness.run(.live) { client in
            let create: JSONValue = [
                "operations": [
                    [
                        "create": [
                            "name": "Buyers [tw-1]", "membershipLifeSpan": "10000",
                            "crmBasedUserList": ["uploadKeyType": "CONTACT_INFO"],
                        ]
                    ]
                ]
            ]
            let first = try await client.google("userLists:mutate", create)
            let resource = try #require(first.json?["results"]?.arrayValue?.first?["resourceName"]?.stringValue)
            // The same name again is refused: one list.
            let second = try await client.google("userLists:mutate", create)
            #expect(second.status == 400)
            #expect(
                second.json?["error"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue?.first?["errorCode"]
                    == ["userListError": "NAME_ALREADY_USED"])
            let lists = try await client.google(
                "googleAds:searchStream",
                ["query": "SELECT user_list.id, user_list.name FROM user_list WHERE user_list.name LIKE '%[[]tw-1[]]%'"]
            )
            #expect(lists.json?.arrayValue?.first?["results"]?.arrayValue?.count == 1)

            func job() async throws -> String {
                let job = try await client.google(
                    "offlineUserDataJobs:create",
                    [
                        "job": [
                            "type": "CUSTOMER_MATCH_USER_LIST",
                            "customerMatchUserListMetadata": ["userList": .string(resource)],
                        ]
                    ])
                return try #require(job.json?["resourceName"]?.stringValue)
            }
            func call(_ job: String, _ method: String, _ body: JSONValue) async throws -> Answer {
                try await client.call(
                    .post, "/google-ads/v21/\(job):\(method)", headers: SandboxHarness.Client.googleHeaders, json: body)
            }
            func status() async throws -> [String] {
                let rows = try await client.google(
                    "googleAds:searchStream",
                    [
                        "query":
                            "SELECT offline_user_data_job.id, offline_user_data_job.status FROM offline_user_data_job"
                    ])
                return (rows.json?.arrayValue?.first?["results"]?.arrayValue ?? []).compactMap {
                    $0["offlineUserDataJob"]?["status"]?.stringValue
                }
            }

            let adding = try await job()
            #expect(try await status() == ["PENDING"])
            #expect(
                try await call(adding, "addOperations", Self.operations("create", [Self.ada, Self.bob])).status == 200)
            #expect(try await call(adding, "addOperations", Self.operations("create", [Self.cy])).status == 200)
            // Nothing is on the list before the job runs.
            #expect(Self.hashes(try await client.control(.get, "audiences?channel=google-ads")).isEmpty)
            #expect(try await call(adding, "run", [:]).json?["name"] != nil)
            #expect(try await status() == ["RUNNING"])
            #expect(try await status() == ["SUCCESS"])
            // A job that ran takes no more operations.
            let late = try await call(adding, "addOperations", Self.operations("create", [Self.filler(1)]))
            #expect(late.status == 400)
            #expect(
                late.json?["error"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue?.first?["errorCode"]
                    == ["offlineUserDataJobError": "JOB_ALREADY_STARTED"])

            let removing = try await job()
            _ = try await call(removing, "addOperations", Self.operations("remove", [Self.bob, Self.filler(2)]))
            _ = try await call(removing, "run", [:])
            let held = try await client.control(.get, "audiences?channel=google-ads&account=1234567890")
            #expect(Self.hashes(held) == [Self.ada, Self.cy].sorted())
            #expect(held.json?["jobs"]?.arrayValue?.count == 2)

            // A job the `job_failure` fault hits runs, applies nothing and ends FAILED.
            _ = try await client.control(
                .post, "faults",
                ["channel": "google-ads", "kind": "job_failure", "operation": "offlineUserDataJobs:run"])
            let failing = try await job()
            _ = try await call(failing, "addOperations", Self.operations("remove", [Self.ada]))
            #expect(try await call(failing, "run", [:]).json?["name"] != nil)
            func failingJob() async throws -> JSONValue? {
                let rows = try await client.google(
                    "googleAds:searchStream",
                    [
                        "query": .string(
                            "SELECT offline_user_data_job.status, offline_user_data_job.failure_reason"
                                + " FROM offline_user_data_job WHERE offline_user_data_job.resource_name = '\(failing)'"
                        )
                    ])
                return rows.json?.arrayValue?.first?["results"]?.arrayValue?.first?["offlineUserDataJob"]
            }
            #expect(try await failingJob()?["status"] == "RUNNING")
            let failed = try await failingJob()
            #expect(failed?["status"] == "FAILED" && failed?["failureReason"] == "UNKNOWN")
            let still = try await client.control(.get, "audiences?channel=google-ads&account=1234567890")
            #expect(Self.hashes(still) == [Self.ada, Self.cy].sorted())
        }
    }

    @Test func googleRefusesTooManyIdentifiersAndBadHashes() async throws {
        try await harness.run(.live) { client in
            let list = try await client.google(
                "userLists:mutate",
                ["operations": [["create": ["name": "L", "crmBasedUserList": ["uploadKeyType": "CONTACT_INFO"]]]]])
            let resource = try #require(list.json?["results"]?.arrayValue?.first?["resourceName"]?.stringValue)
            let job = try await client.google(
                "offlineUserDataJobs:create",
                [
                    "job": [
                        "type": "CUSTOMER_MATCH_USER_LIST",
                        "customerMatchUserListMetadata": ["userList": .string(resource)],
                    ]
                ])
            let name = try #require(job.json?["resourceName"]?.stringValue)
            let path = "/google-ads/v21/\(name):addOperations"
            let headers = SandboxHarness.Client.googleHeaders
            // 21 identifiers in one operation (the limit is 20).
            let crowded: JSONValue = [
                "operations": [
                    ["create": ["userIdentifiers": .array((0...20).map { ["hashedEmail": .string(Self.filler($0))] })]]
                ]
            ]
            let many = try await client.call(.post, path, headers: headers, json: crowded)
            #expect(many.status == 400)
            #expect(
                many.json?["error"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue?.first?["errorCode"]
                    == ["offlineUserDataJobError": "TOO_MANY_USER_IDENTIFIERS"])
            // 100,001 identifiers in one request, handed to the emulator as parsed (an 8 MB body takes
            // longer than the test client waits in a debug build).
            let jobID = String(name.split(separator: "/").last ?? "")
            let tooMany = GoogleUserLists(
                customerID: "1234567890",
                context: CallContext(store: harness.store, requestID: "r", injectPartialFailure: false)
            ).run(
                "offlineUserDataJobs:addOperations", jobID: jobID,
                body: Self.operations("create", (0...100_000).map(Self.filler)))
            #expect(tooMany.status == .badRequest)
            let refusal = JSONValue.parse(tooMany.body)
            #expect(
                refusal?["error"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue?.first?["errorCode"]
                    == ["offlineUserDataJobError": "TOO_MANY_USER_IDENTIFIERS"])
            #expect(harness.store.read { $0.audienceBook.googleJobs[jobID]?.operations.count } == 0)
            // With partial failure the good operation is kept and the malformed hash reported.
            var mixed = Self.operations("create", [Self.ada, "not-a-hash"])
            if case .object(var fields) = mixed {
                fields["enablePartialFailure"] = true
                mixed = .object(fields)
            }
            let partial = try await client.call(.post, path, headers: headers, json: mixed)
            #expect(partial.status == 200)
            let errors = partial.json?["partialFailureError"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue
            #expect(errors?.first?["errorCode"] == ["offlineUserDataJobError": "INVALID_SHA256_FORMAT"])
            #expect(errors?.first?["location"]?["fieldPathElements"]?.arrayValue?.first?["index"] == 1)
            #expect(harness.store.read { $0.audienceBook.googleJobs.values.first?.operations.count } == 1)
            // Fault rules reach the job's methods: a throttled call changes nothing, the retry lands.
            _ = try await client.control(
                .post, "faults",
                ["channel": "google-ads", "kind": "rate_limit", "operation": "offlineUserDataJobs:addOperations"])
            let throttled = try await client.call(
                .post, path, headers: headers, json: Self.operations("create", [Self.bob]))
            #expect(throttled.status == 429)
            #expect(
                throttled.json?["error"]?["details"]?.arrayValue?.first?["errors"]?.arrayValue?.first?["errorCode"]
                    == ["quotaError": "RESOURCE_TEMPORARILY_EXHAUSTED"])
            #expect(harness.store.read { $0.audienceBook.googleJobs[jobID]?.operations.count } == 1)
            let retried = try await client.call(
                .post, path, headers: headers, json: Self.operations("create", [Self.bob]))
            #expect(retried.status == 200)
            #expect(harness.store.read { $0.audienceBook.googleJobs[jobID]?.operations.count } == 2)
            // An unknown list cannot get a job.
            let unknown = try await client.google(
                "offlineUserDataJobs:create",
                [
                    "job": [
                        "type": "CUSTOMER_MATCH_USER_LIST",
                        "customerMatchUserListMetadata": ["userList": "customers/1234567890/userLists/1"],
                    ]
                ])
            #expect(unknown.status == 400)
        }
    }

    // MARK: TikTok

    static func mapping(_ action: String, _ audience: String, _ emails: [String]) -> JSONValue {
        [
            "advertiser_ids": [.string(TikTokTests.advertiser)], "action": .string(action),
            "id_schema": ["EMAIL_SHA256"],
            "batch_data": .array(emails.map { [["id": .string($0), "audience_ids": [.string(audience)]]] }),
        ]
    }

    @Test func tiktokSegmentAudienceMembersAreASet() async throws {
        try await harness.run(.live) { client in
            let created = try await client.tiktokPost(
                "segment/audience",
                [
                    "advertiser_id": .string(TikTokTests.advertiser), "custom_audience_name": "Buyers [tw-1]",
                    "action": "create",
                ])
            let id = try #require(created.json?["data"]?["audience_id"]?.stringValue)
            let listed = try await client.tiktokGet(
                "dmp/custom_audience/list", "advertiser_id=\(TikTokTests.advertiser)&page=1&page_size=100")
            #expect(listed.json?["data"]?["list"]?.arrayValue?.map { $0["name"] } == ["Buyers [tw-1]"])
            let added = try await client.tiktokPost(
                "segment/mapping", Self.mapping("add", id, [Self.ada, Self.bob, Self.cy]))
            #expect(added.json?["code"] == 0)
            _ = try await client.tiktokPost("segment/mapping", Self.mapping("delete", id, [Self.bob]))
            _ = try await client.tiktokPost("segment/mapping", Self.mapping("add", id, [Self.ada]))
            let held = try await client.control(.get, "audiences?channel=tiktok&account=\(TikTokTests.advertiser)")
            #expect(Self.hashes(held) == [Self.ada, Self.cy].sorted())

            let unknown = try await client.tiktokPost("segment/mapping", Self.mapping("add", "7301", [Self.ada]))
            #expect(unknown.json?["code"] == 40002)
            _ = try await client.control(
                .post, "faults", ["channel": "tiktok", "kind": "server_error", "operation": "segment/mapping"])
            let failed = try await client.tiktokPost("segment/mapping", Self.mapping("delete", id, [Self.ada]))
            #expect(failed.json?["code"] == 50000)
            #expect(harness.store.read { $0.audience(.tiktok, id)?.emails.count } == 2)
        }
    }

    // MARK: Amazon

    static let audienceMedia = "application/vnd.amcaudiences.v1+json"
    static let dspAdvertiser = "5871234567890123"

    static func records(_ audience: Int64, _ action: String, _ emails: [String]) -> JSONValue {
        [
            "audienceId": .int(audience),
            "records": .array(
                emails.map {
                    [
                        "externalUserId": .string($0), "countryCode": "US", "action": .string(action),
                        "hashedPII": [["email": .string($0)]],
                    ]
                }),
        ]
    }

    @Test func amazonAdvertiserAudienceMembersAreASet() async throws {
        try await harness.run(.live) { client in
            let metadata: JSONValue = [
                "name": "Buyers [tw-1]", "description": "d", "countryCode": "US",
                "targetResource": ["advertiserId": .int(Int64(Self.dspAdvertiser)!)],
                "metadata": ["externalAudienceId": "tw-1", "ttl": 34_300_800],
            ]
            let created = try await client.amazon(.post, "/amc/audiences/metadata", media: Self.audienceMedia, metadata)
            #expect(created.status == 201)
            let id = try #require(created.json?["audienceId"]?.int64Value)
            let read = try await client.call(
                .get, "/amazon-ads/amc/audiences/metadata/\(id)",
                headers: SandboxHarness.Client.amazonHeaders("application/json"))
            #expect(read.json?["metadata"]?["externalAudienceId"] == "tw-1")

            let added = try await client.amazon(
                .post, "/amc/audiences/records", media: Self.audienceMedia,
                Self.records(id, "CREATE", [Self.ada, Self.bob, Self.cy]))
            #expect(added.status == 202)
            let job = try #require(added.json?["jobRequestId"]?.stringValue)
            _ = try await client.amazon(
                .post, "/amc/audiences/records", media: Self.audienceMedia, Self.records(id, "DELETE", [Self.bob]))
            let status = try await client.call(
                .get, "/amazon-ads/amc/audiences/records/\(job)",
                headers: SandboxHarness.Client.amazonHeaders("application/json"))
            #expect(status.json?["status"] == "SUCCEEDED")
            let held = try await client.control(.get, "audiences?channel=amazon-ads&account=\(Self.dspAdvertiser)")
            #expect(Self.hashes(held) == [Self.ada, Self.cy].sorted())

            let unknown = try await client.amazon(
                .post, "/amc/audiences/records", media: Self.audienceMedia, Self.records(1, "CREATE", [Self.ada]))
            #expect(unknown.status == 404)
            let wrongType = try await client.amazon(
                .post, "/amc/audiences/records", media: "application/json", Self.records(id, "CREATE", [Self.ada]))
            #expect(wrongType.status == 415)
            _ = try await client.control(
                .post, "faults",
                [
                    "channel": "amazon-ads", "kind": "rate_limit", "operation": "audiences/records.create",
                    "retry_after_seconds": 4,
                ])
            let limited = try await client.amazon(
                .post, "/amc/audiences/records", media: Self.audienceMedia, Self.records(id, "DELETE", [Self.ada]))
            #expect(limited.status == 429 && limited.headers["retry-after"] == "4")
            #expect(harness.store.read { $0.audience(.amazonAds, String(id))?.emails.count } == 2)

            // A records job the `job_failure` fault hits is accepted, applies nothing and reads FAILED.
            _ = try await client.control(
                .post, "faults",
                ["channel": "amazon-ads", "kind": "job_failure", "operation": "audiences/records.create"])
            let doomed = try await client.amazon(
                .post, "/amc/audiences/records", media: Self.audienceMedia, Self.records(id, "DELETE", [Self.ada]))
            #expect(doomed.status == 202)
            let doomedJob = try #require(doomed.json?["jobRequestId"]?.stringValue)
            let doomedStatus = try await client.call(
                .get, "/amazon-ads/amc/audiences/records/\(doomedJob)",
                headers: SandboxHarness.Client.amazonHeaders("application/json"))
            #expect(doomedStatus.json?["status"] == "FAILED")
            #expect(harness.store.read { $0.audience(.amazonAds, String(id))?.emails.count } == 2)
        }
    }

    /// The batch limits over the in-process router (a megabyte body parsed by a debug build can
    /// outlast the live client's read timeout on a busy machine).
    @Test func tiktokAndAmazonRefuseOversizedBatches() async throws {
        try await harness.run { client in
            let created = try await client.tiktokPost(
                "segment/audience",
                [
                    "advertiser_id": .string(TikTokTests.advertiser), "custom_audience_name": "L",
                    "action": "create",
                ])
            let tiktokID = try #require(created.json?["data"]?["audience_id"]?.stringValue)
            let tooMany = try await client.tiktokPost(
                "segment/mapping", Self.mapping("add", tiktokID, (0...10_000).map(Self.filler)))
            #expect(tooMany.status == 200 && tooMany.json?["code"] == 40002)
            #expect(harness.store.read { $0.audience(.tiktok, tiktokID)?.memberCount } == 0)

            let metadata: JSONValue = [
                "name": "L", "targetResource": ["advertiserId": .int(Int64(Self.dspAdvertiser)!)],
                "metadata": ["externalAudienceId": "tw-2"],
            ]
            let audience = try await client.amazon(
                .post, "/amc/audiences/metadata", media: Self.audienceMedia, metadata)
            let amazonID = try #require(audience.json?["audienceId"]?.int64Value)
            let tooManyRecords = try await client.amazon(
                .post, "/amc/audiences/records", media: Self.audienceMedia,
                Self.records(amazonID, "CREATE", (0...6_000).map(Self.filler)))
            #expect(
                tooManyRecords.status == 400 && tooManyRecords.json?["code"] != nil
                    && tooManyRecords.json?["message"] != nil)
            #expect(harness.store.read { $0.audience(.amazonAds, String(amazonID))?.memberCount } == 0)
        }
    }

    // MARK: Storage

    @Test func aListHoldsAMillionMembers() {
        let store = SandboxStore(seed: 3)
        store.provisionDefaults()
        let id = store.write { world in
            world.insertAudience(.meta, account: "101000000000001", name: "Big", fields: [:]).id
        }
        let clock = ContinuousClock()
        let started = clock.now
        for batch in stride(from: 0, to: 1_000_000, by: 10_000) {
            let members = (batch..<batch + 10_000).map { MemberHashes(email: Self.filler($0)) }
            _ = store.write { $0.changeMembers(.meta, id, members, remove: false) }
        }
        _ = store.write { $0.changeMembers(.meta, id, [MemberHashes(email: Self.filler(7))], remove: true) }
        #expect(store.read { $0.audience(.meta, id)?.emails.count } == 999_999)
        #expect(store.read { $0.audience(.meta, id)?.emails.contains(Self.filler(8)) } == true)
        // A hundred batches into a growing set: linear work, well under a minute even unoptimised.
        #expect(clock.now - started < .seconds(60))
    }

    @Test func listsAndJobsSurviveARestart() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("audiences-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let store = SandboxStore(seed: 3, stateFile: file)
        store.provisionDefaults()
        let id = store.write { world in
            world.insertAudience(.tiktok, account: TikTokTests.advertiser, name: "Kept", fields: [:]).id
        }
        _ = store.write {
            $0.changeMembers(.tiktok, id, [MemberHashes(email: Self.ada, phone: Self.bob)], remove: false)
        }
        store.persist()
        let restarted = SandboxStore(seed: 3, stateFile: file)
        let kept = try #require(restarted.read { $0.audience(.tiktok, id) })
        #expect(kept.emails == [Self.ada] && kept.phones == [Self.bob] && kept.name == "Kept")
        // A state file from before customer lists existed still reads.
        var old = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        old.removeValue(forKey: "audiences")
        try JSONSerialization.data(withJSONObject: old).write(to: file)
        let older = SandboxStore(seed: 3, stateFile: file)
        #expect(older.read { $0.accounts.count } == 4)
        #expect(older.read { $0.audiences(.tiktok) }.isEmpty)
    }
}
