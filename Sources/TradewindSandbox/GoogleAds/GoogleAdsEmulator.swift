import Foundation

/// Google Ads API v21 over REST (`https://googleads.googleapis.com`), served under `/google-ads`.
///
/// Paths: `POST /v21/customers/{cid}/googleAds:search|:searchStream|:mutate` and
/// `POST /v21/customers/{cid}/{campaignBudgets|campaigns|adGroups|adGroupAds}:mutate`, and Customer Match
/// (`GoogleUserLists`): `userLists:mutate`, `offlineUserDataJobs:create`,
/// `offlineUserDataJobs/{id}:addOperations|:run`. Headers:
/// `Authorization: Bearer`, `developer-token`, optional `login-customer-id`. JSON is proto3-JSON
/// (lowerCamelCase, int64 as strings, enums by name); errors are google.rpc.Status bodies carrying a
/// `GoogleAdsFailure` (google/ads/googleads/v21/errors/errors.proto).
struct GoogleAdsEmulator: ChannelEmulator {
    let channel = AdChannel.googleAds
    let prefix = "google-ads"
    static let version = "v21"

    func route(_ call: IncomingCall) -> Route? {
        let path = call.path
        guard call.method == .post, path.count >= 4, path[0] == Self.version, path[1] == "customers" else {
            return nil
        }
        // An offline user data job's methods: `customers/{cid}/offlineUserDataJobs/{id}:addOperations|:run`.
        if path.count == 5, path[3] == "offlineUserDataJobs" {
            let parts = path[4].split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].allSatisfy(\.isNumber), ["addOperations", "run"].contains(parts[1])
            else { return nil }
            return Route(operation: "offlineUserDataJobs:\(parts[1])", account: path[2])
        }
        guard path.count == 4 else { return nil }
        let method = path[3]
        let known = [
            "googleAds:search", "googleAds:searchStream", "googleAds:mutate", "campaignBudgets:mutate",
            "campaigns:mutate", "adGroups:mutate", "adGroupAds:mutate", "userLists:mutate",
            "offlineUserDataJobs:create",
        ]
        guard known.contains(method) else { return nil }
        return Route(operation: method, account: path[2])
    }

    /// Google request ids are 22 URL-safe base64 characters.
    func requestID(seed: UInt64, number: UInt64) -> String {
        SeededHash.text(
            ["google", String(seed), String(number)], length: 22,
            alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    }

    func decorate(_ reply: Reply, requestID: String, account: String?) -> Reply {
        reply.adding(header: "request-id", requestID)
    }

    func presentedToken(_ call: IncomingCall) -> String? { call.bearerToken }

    func refusal(_ refusal: Refusal, call: IncomingCall, requestID: String) -> Reply {
        switch refusal {
        case .notFound:
            return GoogleAdsStatus.failure(
                .notFound, "NOT_FOUND", "Method not found.", errors: [], requestID: requestID)
        case .serverError:
            return GoogleAdsStatus.failure(
                .internalServerError, "INTERNAL", "Internal error encountered.",
                errors: [
                    GoogleAdsError(
                        "internalError", "INTERNAL_ERROR",
                        "An internal error has occurred. Retry the request after a short delay.")
                ], requestID: requestID)
        case .rateLimited(let seconds):
            let details: JSONValue = [
                "quotaErrorDetails": [
                    "rateScope": "ACCOUNT", "rateName": "Requests per account",
                    "retryDelay": .string("\(seconds)s"),
                ]
            ]
            return GoogleAdsStatus.failure(
                .tooManyRequests, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).",
                errors: [
                    GoogleAdsError(
                        "quotaError", "RESOURCE_TEMPORARILY_EXHAUSTED",
                        "Too many requests. Retry in \(seconds) seconds.", details: details)
                ], requestID: requestID)
        case .missingToken:
            return GoogleAdsStatus.failure(
                .unauthorized, "UNAUTHENTICATED",
                "Request is missing required authentication credential. Expected OAuth 2 access token, login "
                    + "cookie or other valid authentication credential.", errors: [], requestID: requestID)
        case .invalidToken:
            return GoogleAdsStatus.failure(
                .unauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials.",
                errors: [GoogleAdsError("authenticationError", "OAUTH_TOKEN_INVALID", "Oauth token is invalid.")],
                requestID: requestID)
        case .expiredToken:
            return GoogleAdsStatus.failure(
                .unauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials.",
                errors: [GoogleAdsError("authenticationError", "OAUTH_TOKEN_EXPIRED", "Oauth token has expired.")],
                requestID: requestID)
        case .unknownAccount:
            return Self.permissionDenied(requestID: requestID)
        }
    }

    static func permissionDenied(requestID: String) -> Reply {
        GoogleAdsStatus.failure(
            .forbidden, "PERMISSION_DENIED", "The caller does not have permission",
            errors: [
                GoogleAdsError(
                    "authorizationError", "USER_PERMISSION_DENIED",
                    "User doesn't have permission to access customer. Note: If you're accessing a client "
                        + "customer, the manager's customer id must be set in the 'login-customer-id' header.")
            ], requestID: requestID)
    }

    func handle(_ call: IncomingCall, route: Route, context: CallContext) async -> Reply {
        guard let customerID = route.account else {
            return refusal(.notFound, call: call, requestID: context.requestID)
        }
        // The developer token is checked after the OAuth token, as Google's front end does.
        let developerToken = context.store.read { $0.account(.googleAds, customerID)?.credentials.developerToken }
        guard let sent = call.header("developer-token"), sent == developerToken else {
            return GoogleAdsStatus.failure(
                .unauthorized, "UNAUTHENTICATED", "The developer token is not valid.",
                errors: [
                    GoogleAdsError(
                        "authenticationError", "DEVELOPER_TOKEN_INVALID", "The developer token is not valid.")
                ], requestID: context.requestID)
        }
        if let login = call.header("login-customer-id"), !login.allSatisfy(\.isNumber) || login.isEmpty {
            return GoogleAdsStatus.failure(
                .badRequest, "INVALID_ARGUMENT", "Request contains an invalid argument.",
                errors: [
                    GoogleAdsError(
                        "authenticationError", "CLIENT_CUSTOMER_ID_INVALID",
                        "The login-customer-id header must be digits without hyphens.")
                ], requestID: context.requestID)
        }
        guard let body = JSONValue.parse(call.body.isEmpty ? Data("{}".utf8) : call.body), body.objectValue != nil
        else {
            return GoogleAdsStatus.badJSON("", "Invalid JSON payload received. Unexpected token.")
        }
        switch route.operation {
        case "userLists:mutate", "offlineUserDataJobs:create", "offlineUserDataJobs:addOperations",
            "offlineUserDataJobs:run":
            let job = call.path.count == 5 ? call.path[4].split(separator: ":").first.map(String.init) : nil
            return GoogleUserLists(customerID: customerID, context: context).run(
                route.operation, jobID: job, body: body)
        case "googleAds:search", "googleAds:searchStream":
            if (body["query"]?.stringValue ?? "").contains("offline_user_data_job") {
                GoogleUserLists.advanceJobs(customerID: customerID, store: context.store)
            }
            return GoogleAdsSearch(customerID: customerID, requestID: context.requestID)
                .run(body, stream: route.operation.hasSuffix("Stream"), store: context.store)
        case "googleAds:mutate":
            return GoogleAdsMutation(customerID: customerID, context: context).runMixed(body)
        default:
            let collection = String(route.operation.dropLast(":mutate".count))
            guard let kind = GoogleResourceKind(collection: collection) else {
                return refusal(.notFound, call: call, requestID: context.requestID)
            }
            return GoogleAdsMutation(customerID: customerID, context: context).runService(kind, body)
        }
    }
}
