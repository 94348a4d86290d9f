import TradewindCore

/// Google Ads Customer Match over REST v21 (googleapis `google/ads/googleads/v21/services/
/// {user_list_service,offline_user_data_job_service}.proto`, `resources/{user_list,
/// offline_user_data_job}.proto`; googleads/google-ads-python `examples/remarketing/
/// add_customer_match_user_list.py`).
///
/// `POST customers/{cid}/userLists:mutate` creates a CRM-based list (`uploadKeyType` CONTACT_INFO,
/// `membershipLifeSpan` 10000 = no expiry) named with the reference suffix; GAQL on `user_list`
/// finds it. Every `add` or `remove` is one offline user data job of type
/// CUSTOMER_MATCH_USER_LIST: `offlineUserDataJobs:create` → `{job}:addOperations` (batches of
/// `create` or `remove` operations, each a member's `userIdentifiers` `hashedEmail` /
/// `hashedPhoneNumber`, with `enablePartialFailure`) → `{job}:run`. A job takes operations only
/// while PENDING; after `run` it is RUNNING, then SUCCESS or FAILED, so a new call makes a new
/// job, and the change holds only once GAQL on `offline_user_data_job` reads SUCCESS (the
/// library's `add_customer_match_user_list.py` checks it the same way). At most 100,000
/// identifiers per `addOperations` request (`TOO_MANY_USER_IDENTIFIERS`); Google recommends about
/// 10,000.
extension GoogleAdsConnector: AudienceConnector {
    /// Two identifiers per member: 10,000 identifiers per request, as Google recommends.
    static let membersPerRequest = 5_000

    var maximumMembersPerRequest: Int { Self.membersPerRequest }

    func ensureList(
        reference: ChannelReference, name: String, existing: AudienceList?, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> AudienceList {
        let customerID = account.identity.externalID
        let rows = try await caller.callJSON(
            "googleAds:searchStream",
            WireRequest(
                .post, base: endpoints.googleAds,
                path: GoogleAdsWire.customerPath(customerID) + "/googleAds:searchStream",
                body: .json(GoogleAdsWire.searchBody(GoogleAdsWire.userListByReferenceQuery(reference))),
                isMutation: false),
            session: session)
        for row in GoogleAdsWire.rows(rows) {
            guard let id = row["userList"]?["id"]?.numericText, let found = row["userList"]?["name"]?.stringValue,
                ReferenceNames.isCampaign(found, reference: reference)
            else { continue }
            return AudienceList(externalID: id, name: found)
        }
        let stamped = name + reference.nameSuffix()
        let response = try await caller.callJSON(
            "userLists:mutate",
            WireRequest(
                .post, base: endpoints.googleAds, path: GoogleAdsWire.customerPath(customerID) + "/userLists:mutate",
                body: .json(GoogleAdsWire.userListCreateBody(name: stamped)), isMutation: true),
            session: session)
        guard let resource = response["results"]?[0]?["resourceName"]?.stringValue,
            let id = resource.split(separator: "/").last, !id.isEmpty
        else { throw malformedAudienceResponse("results[0].resourceName") }
        return AudienceList(externalID: String(id), name: stamped)
    }

    func add(
        _ members: [AudienceMemberHashes], to list: AudienceList, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError) -> AudienceUploadResult {
        try await runJob(members, list, operation: "create", account, session)
    }

    func remove(
        _ members: [AudienceMemberHashes], from list: AudienceList, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> AudienceUploadResult {
        try await runJob(members, list, operation: "remove", account, session)
    }

    private func runJob(
        _ members: [AudienceMemberHashes], _ list: AudienceList, operation: String, _ account: ChannelAccount,
        _ session: ChannelSession
    ) async throws(ChannelError) -> AudienceUploadResult {
        let batches = batches(members)
        guard !batches.isEmpty else { return .none }
        let customerID = account.identity.externalID
        let created = try await caller.callJSON(
            "offlineUserDataJobs:create",
            WireRequest(
                .post, base: endpoints.googleAds,
                path: GoogleAdsWire.customerPath(customerID) + "/offlineUserDataJobs:create",
                body: .json(GoogleAdsWire.userDataJobCreateBody(customerID: customerID, userListID: list.externalID)),
                isMutation: true),
            session: session)
        guard let job = created["resourceName"]?.stringValue, job.hasPrefix("customers/\(customerID)/") else {
            throw malformedAudienceResponse("resourceName")
        }
        var result = AudienceUploadResult.none
        for batch in batches {
            let answer = try await caller.callJSON(
                "offlineUserDataJobs:addOperations",
                WireRequest(
                    .post, base: endpoints.googleAds, path: "/\(GoogleAdsWire.version)/\(job):addOperations",
                    body: .json(GoogleAdsWire.addOperationsBody(batch, operation: operation)), isMutation: true),
                session: session)
            // Partial failure names each refused operation by its index.
            let refused = Set(
                GoogleAdsFailure(answer["partialFailureError"]).map { $0.errors.compactMap(\.operationIndex) } ?? [])
            result = result + AudienceUploadResult(received: batch.count - refused.count, invalid: refused.count)
        }
        _ = try await caller.callJSON(
            "offlineUserDataJobs:run",
            WireRequest(
                .post, base: endpoints.googleAds, path: "/\(GoogleAdsWire.version)/\(job):run",
                body: .json(.object([])), isMutation: true),
            session: session)
        result.jobs = [job]
        return result
    }

    func jobState(_ job: String, in account: ChannelAccount, session: ChannelSession) async throws(ChannelError)
        -> AudienceJobState
    {
        let customerID = account.identity.externalID
        guard GoogleAdsWire.isUserDataJob(job, of: customerID) else {
            return .failed(reason: "not an offline user data job of customer \(customerID): \(job)")
        }
        let rows = try await caller.callJSON(
            "googleAds:searchStream",
            WireRequest(
                .post, base: endpoints.googleAds,
                path: GoogleAdsWire.customerPath(customerID) + "/googleAds:searchStream",
                body: .json(GoogleAdsWire.searchBody(GoogleAdsWire.userDataJobQuery(job))), isMutation: false),
            session: session)
        guard let found = GoogleAdsWire.rows(rows).first?["offlineUserDataJob"] else {
            return .failed(reason: "Google Ads no longer knows the job \(job)")
        }
        switch found["status"]?.stringValue {
        case "SUCCESS": return .succeeded
        case "FAILED": return .failed(reason: "the job failed: " + (found["failureReason"]?.stringValue ?? "UNKNOWN"))
        default: return .running
        }
    }
}

extension GoogleAdsWire {
    /// `customers/{cid}/offlineUserDataJobs/{id}`, digits only: safe inside a GAQL string.
    static func isUserDataJob(_ job: String, of customerID: String) -> Bool {
        let prefix = "customers/\(customerID)/offlineUserDataJobs/"
        let id = job.dropFirst(prefix.count)
        return job.hasPrefix(prefix) && !id.isEmpty && id.allSatisfy { $0.isASCII && $0.isNumber }
    }

    static func userDataJobQuery(_ job: String) -> String {
        "SELECT offline_user_data_job.id, offline_user_data_job.status, offline_user_data_job.failure_reason"
            + " FROM offline_user_data_job WHERE offline_user_data_job.resource_name = '\(job)'"
    }

    static func userListByReferenceQuery(_ reference: ChannelReference) -> String {
        "SELECT user_list.id, user_list.name FROM user_list WHERE user_list.name LIKE '%"
            + likeEscaped(reference.bracketed + "]") + "%'"
    }

    /// `userLists:mutate` creating a Customer Match list of contact information.
    static func userListCreateBody(name: String) -> JSONValue {
        .object([
            (
                "operations",
                .array([
                    .object([
                        (
                            "create",
                            .object([
                                ("name", .string(name)), ("description", .string("Tradewind customer list")),
                                ("membershipStatus", .string("OPEN")), ("membershipLifeSpan", .string("10000")),
                                (
                                    "crmBasedUserList",
                                    .object([
                                        ("uploadKeyType", .string("CONTACT_INFO")),
                                        ("dataSourceType", .string("FIRST_PARTY")),
                                    ])
                                ),
                            ])
                        )
                    ])
                ])
            )
        ])
    }

    /// `offlineUserDataJobs:create` for a Customer Match list. The consent is the job's (Google's
    /// EU user consent policy): Tradewind uploads only members whose consent it holds.
    static func userDataJobCreateBody(customerID: String, userListID: String) -> JSONValue {
        .object([
            (
                "job",
                .object([
                    ("type", .string("CUSTOMER_MATCH_USER_LIST")),
                    (
                        "customerMatchUserListMetadata",
                        .object([
                            ("userList", .string("customers/\(customerID)/userLists/\(userListID)")),
                            (
                                "consent",
                                .object([
                                    ("adUserData", .string("GRANTED")), ("adPersonalization", .string("GRANTED")),
                                ])
                            ),
                        ])
                    ),
                ])
            )
        ])
    }

    /// `{job}:addOperations` with one `create` or `remove` operation per member.
    static func addOperationsBody<Members: Collection<AudienceMemberHashes>>(_ members: Members, operation: String)
        -> JSONValue
    {
        let operations = members.map { member -> JSONValue in
            var identifiers: [JSONValue] = []
            if let email = member.email { identifiers.append(.object([("hashedEmail", .string(email))])) }
            if let phone = member.phone { identifiers.append(.object([("hashedPhoneNumber", .string(phone))])) }
            return .object([(operation, .object([("userIdentifiers", .array(identifiers))]))])
        }
        return .object([("enablePartialFailure", .bool(true)), ("operations", .array(operations))])
    }
}
