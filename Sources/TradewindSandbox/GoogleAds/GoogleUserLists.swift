import Foundation

/// Customer Match on Google Ads API v21 (googleapis `google/ads/googleads/v21/services/
/// {user_list_service,offline_user_data_job_service}.proto`, `errors/{offline_user_data_job_error,
/// user_list_error}.proto`):
///
/// - `POST customers/{cid}/userLists:mutate`: `create` operations of CRM-based lists
///   (`crmBasedUserList.uploadKeyType` CONTACT_INFO); names are unique per customer.
/// - `POST customers/{cid}/offlineUserDataJobs:create`: a CUSTOMER_MATCH_USER_LIST job for one of the
///   customer's lists, PENDING.
/// - `POST customers/{cid}/offlineUserDataJobs/{id}:addOperations`: `create` / `remove` operations of
///   `userIdentifiers` (`hashedEmail`, `hashedPhoneNumber`: SHA-256, hex), at most 20 identifiers per
///   operation and 100,000 per request (TOO_MANY_USER_IDENTIFIERS); only while PENDING
///   (JOB_ALREADY_STARTED afterwards). With `enablePartialFailure` the valid operations are kept and the
///   others reported in `partialFailureError`; without it one bad operation refuses the request.
/// - `POST customers/{cid}/offlineUserDataJobs/{id}:run`: applies the operations in order and answers
///   a long-running operation; the job is RUNNING, and SUCCESS from the second read of its status.
///   Under the `job_failure` fault it applies nothing and ends FAILED (`failureReason` UNKNOWN:
///   Google's reasons are all about store sales transactions, none about customer lists).
/// - GAQL `FROM user_list` and `FROM offline_user_data_job`.
struct GoogleUserLists {
    let customerID: String
    let context: CallContext
    var requestID: String { context.requestID }

    static let maximumIdentifiersPerRequest = 100_000
    static let maximumIdentifiersPerOperation = 20
    static let uploadKeyTypes: Set<String> = ["CONTACT_INFO", "CRM_ID", "MOBILE_ADVERTISING_ID"]

    func run(_ operation: String, jobID: String?, body: JSONValue) -> Reply {
        switch operation {
        case "userLists:mutate": return mutateUserLists(body)
        case "offlineUserDataJobs:create": return createJob(body)
        case "offlineUserDataJobs:addOperations": return addOperations(jobID ?? "", body)
        default: return runJob(jobID ?? "")
        }
    }

    private func invalid(_ errors: [GoogleAdsError]) -> Reply {
        GoogleAdsStatus.failure(
            .badRequest, "INVALID_ARGUMENT", "Request contains an invalid argument.", errors: errors,
            requestID: requestID)
    }

    // MARK: User lists

    private func mutateUserLists(_ body: JSONValue) -> Reply {
        for key in (body.objectValue ?? [:]).keys
        where !["operations", "partialFailure", "validateOnly", "responseContentType"].contains(key) {
            return GoogleResourceJSON.unknownName(key, at: "")
        }
        guard let operations = body["operations"]?.arrayValue, !operations.isEmpty else {
            return invalid([
                GoogleAdsError(
                    "requestError", "OPERATIONS_REQUIRED", "At least one operation is required.",
                    path: [FieldPathElement("operations")])
            ])
        }
        var creates: [(name: String, fields: [String: JSONValue])] = []
        for (index, operation) in operations.enumerated() {
            let at = [FieldPathElement("operations", index), FieldPathElement("create")]
            guard let create = operation["create"]?.objectValue else {
                return invalid([
                    GoogleAdsError(
                        "mutateError", "MUTATE_NOT_ALLOWED", "The sandbox creates user lists only.",
                        path: [FieldPathElement("operations", index)])
                ])
            }
            guard let name = create["name"]?.stringValue, !name.isEmpty else {
                return invalid([
                    GoogleAdsError(
                        "fieldError", "REQUIRED", "The required field was not present.",
                        path: at + [FieldPathElement("name")])
                ])
            }
            guard let crm = create["crmBasedUserList"]?.objectValue,
                let keyType = crm["uploadKeyType"]?.stringValue, Self.uploadKeyTypes.contains(keyType)
            else {
                return invalid([
                    GoogleAdsError(
                        "userListError", "INVALID_USER_LIST_TYPE",
                        "The sandbox serves CRM-based user lists with an upload key type.",
                        path: at + [FieldPathElement("crm_based_user_list")])
                ])
            }
            if let span = create["membershipLifeSpan"], let days = span.int64Value,
                !(0...540).contains(days) && days != 10_000
            {
                return invalid([
                    GoogleAdsError(
                        "userListError", "INVALID_MEMBERSHIP_LIFE_SPAN",
                        "Membership life span must be 0 to 540 days, or 10000 for no expiration.",
                        path: at + [FieldPathElement("membership_life_span")])
                ])
            }
            var fields: [String: JSONValue] = [
                "name": .string(name), "description": create["description"] ?? "",
                "membershipStatus": create["membershipStatus"] ?? "OPEN",
                "membershipLifeSpan": .string(String(create["membershipLifeSpan"]?.int64Value ?? 10_000)),
                "type": "CRM_BASED",
                "crmBasedUserList": .object([
                    "uploadKeyType": .string(keyType),
                    "dataSourceType": crm["dataSourceType"] ?? "FIRST_PARTY",
                ]),
            ]
            fields["sizeForSearch"] = "0"
            creates.append((name, fields))
        }
        return context.store.write { world -> Reply in
            var taken = Set(world.audiences(.googleAds, account: customerID).map(\.name))
            for (index, create) in creates.enumerated() {
                guard taken.insert(create.name).inserted else {
                    return invalid([
                        GoogleAdsError(
                            "userListError", "NAME_ALREADY_USED", "Name is already being used for another user list.",
                            trigger: GoogleAdsError.trigger(create.name),
                            path: [
                                FieldPathElement("operations", index), FieldPathElement("create"),
                                FieldPathElement("name"),
                            ])
                    ])
                }
            }
            if body["validateOnly"]?.boolValue == true { return .json(.ok, ["results": []]) }
            var results: [JSONValue] = []
            for create in creates {
                let list = world.insertAudience(
                    .googleAds, account: customerID, name: create.name, fields: create.fields)
                results.append(["resourceName": .string("customers/\(customerID)/userLists/\(list.id)")])
            }
            return .json(.ok, ["results": .array(results)])
        }
    }

    // MARK: Jobs

    private func createJob(_ body: JSONValue) -> Reply {
        for key in (body.objectValue ?? [:]).keys
        where !["job", "validateOnly", "enableMatchRateRangePreview"].contains(key) {
            return GoogleResourceJSON.unknownName(key, at: "")
        }
        guard let job = body["job"]?.objectValue else {
            return invalid([
                GoogleAdsError(
                    "fieldError", "REQUIRED", "The required field was not present.", path: [FieldPathElement("job")])
            ])
        }
        guard job["type"]?.stringValue == "CUSTOMER_MATCH_USER_LIST" else {
            return invalid([
                GoogleAdsError(
                    "offlineUserDataJobError", "INVALID_USER_LIST_TYPE",
                    "The sandbox serves CUSTOMER_MATCH_USER_LIST jobs only.",
                    path: [FieldPathElement("job"), FieldPathElement("type")])
            ])
        }
        let userList = job["customerMatchUserListMetadata"]?["userList"]?.stringValue ?? ""
        let prefix = "customers/\(customerID)/userLists/"
        let listID = userList.hasPrefix(prefix) ? String(userList.dropFirst(prefix.count)) : ""
        return context.store.write { world -> Reply in
            guard let list = world.audience(.googleAds, listID), list.account == customerID else {
                return invalid([
                    GoogleAdsError(
                        "offlineUserDataJobError", "INVALID_USER_LIST_ID",
                        "The user list ID provided for the job is invalid.",
                        trigger: GoogleAdsError.trigger(userList),
                        path: [
                            FieldPathElement("job"), FieldPathElement("customer_match_user_list_metadata"),
                            FieldPathElement("user_list"),
                        ])
                ])
            }
            if body["validateOnly"]?.boolValue == true { return .json(.ok, [:]) }
            let id = world.newObjectID(.googleAds)
            world.withAudiences {
                $0.googleJobs[id] = GoogleUserDataJob(
                    id: id, customerID: customerID, userListID: list.id, status: "PENDING")
            }
            return .json(.ok, ["resourceName": .string("customers/\(customerID)/offlineUserDataJobs/\(id)")])
        }
    }

    private func addOperations(_ jobID: String, _ body: JSONValue) -> Reply {
        for key in (body.objectValue ?? [:]).keys
        where !["resourceName", "operations", "enablePartialFailure", "enableWarnings", "validateOnly"].contains(key) {
            return GoogleResourceJSON.unknownName(key, at: "")
        }
        guard let operations = body["operations"]?.arrayValue, !operations.isEmpty else {
            return invalid([
                GoogleAdsError(
                    "requestError", "OPERATIONS_REQUIRED", "At least one operation is required.",
                    path: [FieldPathElement("operations")])
            ])
        }
        let identifiers = operations.reduce(0) { total, operation in
            total + (((operation["create"] ?? operation["remove"])?["userIdentifiers"]?.arrayValue?.count) ?? 0)
        }
        guard identifiers <= Self.maximumIdentifiersPerRequest else {
            return invalid([
                GoogleAdsError(
                    "offlineUserDataJobError", "TOO_MANY_USER_IDENTIFIERS",
                    "Maximum number of user identifiers allowed per request is 100,000 and per operation is 20.",
                    path: [FieldPathElement("operations")])
            ])
        }
        var accepted: [MemberChange] = []
        var errors: [GoogleAdsError] = []
        for (index, operation) in operations.enumerated() {
            switch Self.change(operation, index: index) {
            case .success(let change): accepted.append(change)
            case .failure(let error): errors.append(error)
            }
        }
        let partial = body["enablePartialFailure"]?.boolValue == true
        if !errors.isEmpty && !partial { return invalid(errors) }
        return context.store.write { world -> Reply in
            guard let job = world.audienceBook.googleJobs[jobID], job.customerID == customerID else {
                return invalid([
                    GoogleAdsError(
                        "mutateError", "RESOURCE_NOT_FOUND", "The resource was not found.",
                        trigger: GoogleAdsError.trigger("customers/\(customerID)/offlineUserDataJobs/\(jobID)"),
                        path: [FieldPathElement("resource_name")])
                ])
            }
            guard job.status == "PENDING" else {
                return invalid([
                    GoogleAdsError(
                        "offlineUserDataJobError", "JOB_ALREADY_STARTED",
                        "The job has already been run; operations can be added to a PENDING job only.",
                        path: [FieldPathElement("resource_name")])
                ])
            }
            if body["validateOnly"]?.boolValue != true {
                world.withAudiences { $0.googleJobs[jobID]?.operations.append(contentsOf: accepted) }
            }
            guard !errors.isEmpty else { return .json(.ok, [:]) }
            return .json(
                .ok,
                [
                    "partialFailureError": [
                        "code": 3, "message": .string(GoogleAdsStatus.partialFailureMessage(errors)),
                        "details": [GoogleAdsStatus.failureDetail(errors, requestID: requestID)],
                    ]
                ])
        }
    }

    /// One operation's member change, or why it is refused.
    static func change(_ operation: JSONValue, index: Int) -> Result<MemberChange, GoogleAdsError> {
        let kind = operation["create"] != nil ? "create" : operation["remove"] != nil ? "remove" : nil
        guard let kind, let data = operation[kind] else {
            return .failure(
                GoogleAdsError(
                    "fieldError", "REQUIRED", "An operation must set create or remove.",
                    path: [FieldPathElement("operations", index)]))
        }
        let at = [FieldPathElement("operations", index), FieldPathElement(kind)]
        guard let identifiers = data["userIdentifiers"]?.arrayValue, !identifiers.isEmpty else {
            return .failure(
                GoogleAdsError(
                    "offlineUserDataJobError", "MISSING_USER_IDENTIFIER", "User identifier is required.",
                    path: at + [FieldPathElement("user_identifiers")]))
        }
        guard identifiers.count <= maximumIdentifiersPerOperation else {
            return .failure(
                GoogleAdsError(
                    "offlineUserDataJobError", "TOO_MANY_USER_IDENTIFIERS",
                    "Maximum number of user identifiers allowed per request is 100,000 and per operation is 20.",
                    path: at + [FieldPathElement("user_identifiers")]))
        }
        var member = MemberHashes()
        for (position, identifier) in identifiers.enumerated() {
            let place = at + [FieldPathElement("user_identifiers", position)]
            if let email = identifier["hashedEmail"]?.stringValue {
                guard MemberHashes.isDigest(email.lowercased()) else {
                    return .failure(sha256Error(place, "hashed_email"))
                }
                member.email = email.lowercased()
            } else if let phone = identifier["hashedPhoneNumber"]?.stringValue {
                guard MemberHashes.isDigest(phone.lowercased()) else {
                    return .failure(sha256Error(place, "hashed_phone_number"))
                }
                member.phone = phone.lowercased()
            } else {
                return .failure(
                    GoogleAdsError(
                        "offlineUserDataJobError", "INCOMPATIBLE_UPLOAD_KEY_TYPE",
                        "The sandbox's contact-info lists take hashedEmail and hashedPhoneNumber.", path: place))
            }
        }
        return .success(MemberChange(remove: kind == "remove", member: member))
    }

    private static func sha256Error(_ place: [FieldPathElement], _ field: String) -> GoogleAdsError {
        GoogleAdsError(
            "offlineUserDataJobError", "INVALID_SHA256_FORMAT", "The SHA256 encoded value is malformed.",
            path: place + [FieldPathElement(field)])
    }

    private func runJob(_ jobID: String) -> Reply {
        context.store.write { world -> Reply in
            guard let job = world.audienceBook.googleJobs[jobID], job.customerID == customerID else {
                return invalid([
                    GoogleAdsError(
                        "mutateError", "RESOURCE_NOT_FOUND", "The resource was not found.",
                        trigger: GoogleAdsError.trigger("customers/\(customerID)/offlineUserDataJobs/\(jobID)"),
                        path: [FieldPathElement("resource_name")])
                ])
            }
            guard job.status == "PENDING" else {
                return invalid([
                    GoogleAdsError(
                        "offlineUserDataJobError", "JOB_ALREADY_STARTED", "The job has already been run.",
                        path: [FieldPathElement("resource_name")])
                ])
            }
            let fails = context.injectJobFailure
            world.withAudiences { book in
                book.googleJobs[jobID]?.fails = fails
                let key = AudienceBook.key(.googleAds, job.userListID)
                guard !fails, var list = book.lists.removeValue(forKey: key) else {
                    book.googleJobs[jobID]?.status = "RUNNING"
                    book.googleJobs[jobID]?.operations = []
                    return
                }
                for change in job.operations { list.apply(change.member, remove: change.remove) }
                list.fields["sizeForSearch"] = .string(String(list.memberCount))
                book.lists[key] = list
                book.googleJobs[jobID]?.status = "RUNNING"
                book.googleJobs[jobID]?.operations = []
                book.googleJobs[jobID]?.statusReads = 0
            }
            return .json(
                .ok,
                [
                    "name": .string("customers/\(customerID)/operations/\(jobID)"),
                    "metadata": [
                        "@type": "type.googleapis.com/google.ads.googleads.v21.resources.OfflineUserDataJobMetadata"
                    ],
                ])
        }
    }

    // MARK: Search

    /// Moves RUNNING jobs on: the first read of a job's status after `:run` finds it RUNNING, the
    /// next SUCCESS (FAILED for a job the `job_failure` fault hit).
    static func advanceJobs(customerID: String, store: SandboxStore) {
        let running = store.read { world in
            world.audienceBook.googleJobs.values.contains { $0.customerID == customerID && $0.status == "RUNNING" }
        }
        guard running else { return }
        store.write { world in
            world.withAudiences { book in
                for (id, job) in book.googleJobs where job.customerID == customerID && job.status == "RUNNING" {
                    if job.statusReads >= 1 { book.googleJobs[id]?.status = job.fails ? "FAILED" : "SUCCESS" }
                    book.googleJobs[id]?.statusReads += 1
                }
            }
        }
    }

    /// The rows of `FROM user_list` or `FROM offline_user_data_job`, as proto3-JSON fields; nil for
    /// other resources.
    static func records(_ resource: String, customerID: String, world: World) -> [[String: JSONValue]]? {
        switch resource {
        case "user_list":
            return world.audiences(.googleAds, account: customerID).map { list in
                var fields = list.fields
                fields["id"] = .string(list.id)
                fields["name"] = .string(list.name)
                fields["resourceName"] = .string("customers/\(customerID)/userLists/\(list.id)")
                fields["sizeForSearch"] = .string(String(list.memberCount))
                fields["sizeForDisplay"] = .string(String(list.memberCount))
                return fields
            }
        case "offline_user_data_job":
            return world.audienceBook.googleJobs.values.filter { $0.customerID == customerID }.sorted {
                $0.id.count != $1.id.count ? $0.id.count < $1.id.count : $0.id < $1.id
            }.map { job in
                [
                    "id": .string(job.id),
                    "resourceName": .string("customers/\(customerID)/offlineUserDataJobs/\(job.id)"),
                    "status": .string(job.status), "type": "CUSTOMER_MATCH_USER_LIST",
                    "failureReason": job.status == "FAILED" ? "UNKNOWN" : "UNSPECIFIED",
                    "customerMatchUserListMetadata": [
                        "userList": .string("customers/\(customerID)/userLists/\(job.userListID)")
                    ],
                ]
            }
        default:
            return nil
        }
    }
}
