import Foundation

/// A Google Ads mutate call: `{service}:mutate` with `operations[]`, or `googleAds:mutate` with
/// `mutateOperations[]` across resources and temporary (negative) resource names.
///
/// Operations run in order against a draft of the state. Without `partialFailure` the draft is kept only
/// when every operation succeeded (atomic); with it, failed operations are skipped, their results are
/// empty and the errors come back in `partialFailureError`. `validateOnly` never keeps the draft.
struct GoogleAdsMutation {
    let customerID: String
    let context: CallContext

    /// One parsed operation and the field path its errors are reported under.
    struct Operation {
        enum Action {
            case create([String: JSONValue])
            case update([String: JSONValue], mask: [String])
            case remove(String)
        }
        var kind: GoogleResourceKind
        var action: Action
        /// e.g. [operations[0]] or [mutate_operations[0], campaign_operation].
        var prefix: [FieldPathElement]
    }

    enum Outcome {
        case success(resourceName: String, resource: JSONValue)
        case failure([GoogleAdsError])
    }

    func runService(_ kind: GoogleResourceKind, _ body: JSONValue) -> Reply {
        if let unknown = body.objectValue?.keys.first(where: {
            !["operations", "partialFailure", "validateOnly", "responseContentType"].contains($0)
        }) {
            return GoogleAdsStatus.badJSON(
                unknown, "Invalid JSON payload received. Unknown name \"\(unknown)\": Cannot find field.")
        }
        guard let items = body["operations"]?.arrayValue, !items.isEmpty else {
            return requestFailure([
                GoogleAdsError("requestError", "OPERATIONS_REQUIRED", "At least one operation is required.")
            ])
        }
        var operations: [Operation] = []
        for (index, item) in items.enumerated() {
            switch parseOperation(
                item, kind: kind, prefix: [FieldPathElement("operations", index)], jsonPath: "operations[\(index)]")
            {
            case .success(let operation): operations.append(operation)
            case .failure(let reply): return reply.reply
            }
        }
        return execute(operations, body: body, responseKey: "results") { outcomes in
            .array(
                outcomes.map { outcome -> JSONValue in
                    guard case .success(let name, let resource) = outcome else { return [:] }
                    var result: [String: JSONValue] = ["resourceName": .string(name)]
                    if contentType(body) == "MUTABLE_RESOURCE" { result[kind.jsonName] = resource }
                    return .object(result)
                })
        }
    }

    func runMixed(_ body: JSONValue) -> Reply {
        if let unknown = body.objectValue?.keys.first(where: {
            !["mutateOperations", "partialFailure", "validateOnly", "responseContentType"].contains($0)
        }) {
            return GoogleAdsStatus.badJSON(
                unknown, "Invalid JSON payload received. Unknown name \"\(unknown)\": Cannot find field.")
        }
        guard let items = body["mutateOperations"]?.arrayValue, !items.isEmpty else {
            return requestFailure([
                GoogleAdsError("requestError", "OPERATIONS_REQUIRED", "At least one operation is required.")
            ])
        }
        var operations: [Operation] = []
        for (index, item) in items.enumerated() {
            guard let members = item.objectValue, members.count == 1, let (key, inner) = members.first else {
                return GoogleAdsStatus.badJSON(
                    "mutate_operations[\(index)]", "Exactly one operation must be set in mutate_operations[\(index)].")
            }
            guard let kind = GoogleResourceKind.allCases.first(where: { $0.operationKey == key }) else {
                return requestFailure([
                    GoogleAdsError(
                        "mutateError", "MUTATE_NOT_ALLOWED", "The sandbox does not emulate \(key).",
                        path: [FieldPathElement("mutate_operations", index), FieldPathElement(snakeCase(key))])
                ])
            }
            let prefix = [FieldPathElement("mutate_operations", index), FieldPathElement(snakeCase(key))]
            switch parseOperation(
                inner, kind: kind, prefix: prefix, jsonPath: "mutate_operations[\(index)].\(snakeCase(key))")
            {
            case .success(let operation): operations.append(operation)
            case .failure(let reply): return reply.reply
            }
        }
        return execute(operations, body: body, responseKey: "mutateOperationResponses") { outcomes in
            .array(
                zip(operations, outcomes).map { operation, outcome -> JSONValue in
                    guard case .success(let name, let resource) = outcome else { return [:] }
                    var result: [String: JSONValue] = ["resourceName": .string(name)]
                    if contentType(body) == "MUTABLE_RESOURCE" { result[operation.kind.jsonName] = resource }
                    return .object([operation.kind.resultKey: .object(result)])
                })
        }
    }

    private func contentType(_ body: JSONValue) -> String {
        body["responseContentType"]?.stringValue ?? "RESOURCE_NAME_ONLY"
    }

    struct ReplyBox: Error { let reply: Reply }

    private func parseOperation(
        _ item: JSONValue, kind: GoogleResourceKind, prefix: [FieldPathElement], jsonPath: String
    )
        -> Result<Operation, ReplyBox>
    {
        guard let members = item.objectValue else {
            return .failure(
                ReplyBox(
                    reply: GoogleAdsStatus.badJSON(jsonPath, "Invalid value at '\(jsonPath)': expected an object.")))
        }
        for key in members.keys where !["create", "update", "remove", "updateMask"].contains(key) {
            return .failure(
                ReplyBox(
                    reply: GoogleAdsStatus.badJSON(
                        jsonPath,
                        "Invalid JSON payload received. Unknown name \"\(key)\" at '\(jsonPath)': Cannot find field.")))
        }
        let actions = ["create", "update", "remove"].filter { members[$0] != nil }
        guard actions.count == 1, let action = actions.first else {
            return .failure(
                ReplyBox(
                    reply: requestFailure([
                        GoogleAdsError(
                            "mutateError", "MUTATE_NOT_ALLOWED", "Exactly one of create, update or remove must be set.",
                            path: prefix)
                    ])))
        }
        if action == "remove" {
            guard let name = members["remove"]?.stringValue else {
                return .failure(
                    ReplyBox(
                        reply: GoogleAdsStatus.badJSON(
                            "\(jsonPath).remove", "Invalid value at '\(jsonPath).remove' (TYPE_STRING).")))
            }
            return .success(Operation(kind: kind, action: .remove(name), prefix: prefix))
        }
        guard let resource = members[action]?.objectValue else {
            return .failure(
                ReplyBox(
                    reply: GoogleAdsStatus.badJSON(
                        "\(jsonPath).\(action)", "Invalid value at '\(jsonPath).\(action)': expected an object.")))
        }
        if let problem = GoogleResourceJSON.check(resource, kind: kind, jsonPath: "\(jsonPath).\(action)") {
            return .failure(ReplyBox(reply: problem))
        }
        if action == "create" { return .success(Operation(kind: kind, action: .create(resource), prefix: prefix)) }
        let mask = (members["updateMask"]?.stringValue ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        return .success(Operation(kind: kind, action: .update(resource, mask: mask), prefix: prefix))
    }

    /// Runs the operations under the store's lock and renders the response.
    private func execute(
        _ operations: [Operation], body: JSONValue, responseKey: String, results: ([Outcome]) -> JSONValue
    ) -> Reply {
        let partialFailure = body["partialFailure"]?.boolValue ?? false
        let validateOnly = body["validateOnly"]?.boolValue ?? false
        let injected = context.injectPartialFailure
        let customerID = self.customerID
        let outcomes = context.store.write { world -> [Outcome] in
            var draft = world
            var apply = GoogleResourceApplier(customerID: customerID)
            var outcomes: [Outcome] = []
            for (index, operation) in operations.enumerated() {
                if injected && index == 1 {
                    outcomes.append(
                        .failure([
                            GoogleAdsError(
                                "databaseError", "CONCURRENT_MODIFICATION",
                                "Multiple requests were attempting to modify the same resource at once. Retry the request.",
                                path: operation.prefix)
                        ]))
                    continue
                }
                outcomes.append(apply.run(operation, in: &draft))
            }
            let failed = outcomes.contains { if case .failure = $0 { return true } else { return false } }
            if !validateOnly && (partialFailure || !failed) { world = draft }
            return outcomes
        }
        let errors = outcomes.flatMap { outcome -> [GoogleAdsError] in
            if case .failure(let errors) = outcome { return errors }
            return []
        }
        if !partialFailure && !errors.isEmpty { return requestFailure(errors) }
        var response: [String: JSONValue] = [:]
        if !validateOnly { response[responseKey] = results(outcomes) }
        if !errors.isEmpty {
            response["partialFailureError"] = [
                "code": 3, "message": .string(GoogleAdsStatus.partialFailureMessage(errors)),
                "details": [GoogleAdsStatus.failureDetail(errors, requestID: context.requestID)],
            ]
        }
        return .json(.ok, .object(response))
    }

    private func requestFailure(_ errors: [GoogleAdsError]) -> Reply {
        GoogleAdsStatus.failure(
            .badRequest, "INVALID_ARGUMENT", "Request contains an invalid argument.", errors: errors,
            requestID: context.requestID)
    }
}
