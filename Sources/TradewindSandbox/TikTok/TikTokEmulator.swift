import Foundation
import HTTPTypes

/// TikTok API for Business v1.3 (`https://business-api.tiktok.com`), served under `/tiktok`.
///
/// Every answer is HTTP 200 with the envelope `{code, message, request_id, data}`; failures are told
/// by `code` (tiktok-business-api-sdk `tiktok_code.py`): 40001 permission, 40002 parameter, 40100 too
/// frequent, 40102 token expired, 40104 empty token, 40105 invalid token, 50000 system error, 20001
/// partial success. The token goes in the `Access-Token` header. Custom audiences: `TikTokAudiences`.
struct TikTokEmulator: ChannelEmulator {
    let channel = AdChannel.tiktok
    let prefix = "tiktok"
    static let base = ["open_api", "v1.3"]

    static let operations: [String: HTTPRequest.Method] = [
        "advertiser/info": .get, "campaign/create": .post, "campaign/get": .get, "campaign/update": .post,
        "campaign/status/update": .post, "adgroup/create": .post, "adgroup/get": .get, "adgroup/update": .post,
        "adgroup/status/update": .post, "ad/create": .post, "ad/get": .get, "ad/status/update": .post,
        "report/integrated/get": .get,
        "oauth2/access_token": .post, "segment/audience": .post, "segment/mapping": .post,
        "dmp/custom_audience/list": .get,
    ]

    func route(_ call: IncomingCall) -> Route? {
        guard call.path.count >= 3, Array(call.path.prefix(2)) == Self.base else { return nil }
        let operation = call.path.dropFirst(2).joined(separator: "/")
        guard let method = Self.operations[operation], method == call.method else { return nil }
        if operation == "oauth2/access_token" {
            return Route(operation: operation, account: nil, needsAccessToken: false)
        }
        let parameters = TikTokParameters(call)
        let account =
            parameters.string("advertiser_id") ?? parameters.json("advertiser_ids")?.arrayValue?.first?.stringValue
        return Route(operation: operation, account: account)
    }

    func requestID(seed: UInt64, number: UInt64) -> String {
        "20" + SeededHash.text(["tiktok", String(seed), String(number)], length: 32, alphabet: "0123456789ABCDEF")
    }

    func decorate(_ reply: Reply, requestID: String, account: String?) -> Reply {
        reply.adding(header: "X-Tt-Logid", requestID)
    }

    func presentedToken(_ call: IncomingCall) -> String? { call.header("Access-Token") }

    func refusal(_ refusal: Refusal, call: IncomingCall, requestID: String) -> Reply {
        switch refusal {
        case .notFound: return Self.envelope(40006, "The API path or version is not supported.", requestID: requestID)
        case .serverError: return Self.envelope(50000, "System error. Please retry later.", requestID: requestID)
        case .rateLimited:
            return Self.envelope(40100, "Too many requests. Please retry in some time.", requestID: requestID)
        case .missingToken:
            return Self.envelope(40104, "Access token is null, please check your access token.", requestID: requestID)
        case .invalidToken:
            return Self.envelope(40105, "Access token is incorrect or has been revoked.", requestID: requestID)
        case .expiredToken:
            return Self.envelope(
                40102, "Access token has expired. Please ask the advertiser to authorize your app again.",
                requestID: requestID)
        case .unknownAccount(let account):
            return Self.envelope(
                40001, "No permission to operate advertiser \(account). Please check whether it has been authorized.",
                requestID: requestID)
        }
    }

    static func envelope(_ code: Int, _ message: String, data: JSONValue = [:], requestID: String) -> Reply {
        .json(
            .ok,
            ["code": .int(Int64(code)), "message": .string(message), "request_id": .string(requestID), "data": data])
    }

    static func ok(_ data: JSONValue, requestID: String) -> Reply {
        envelope(0, "OK", data: data, requestID: requestID)
    }

    static func parameterError(_ message: String, requestID: String) -> Reply {
        envelope(40002, message, requestID: requestID)
    }

    func handle(_ call: IncomingCall, route: Route, context: CallContext) async -> Reply {
        let parameters = TikTokParameters(call)
        if route.operation == "oauth2/access_token" {
            return TikTokAuth(context: context).exchange(parameters)
        }
        guard let advertiser = route.account else {
            return Self.parameterError("advertiser_id: Missing data for required field.", requestID: context.requestID)
        }
        let objects = TikTokObjects(context: context, parameters: parameters, advertiser: advertiser)
        switch route.operation {
        case "advertiser/info": return objects.advertiserInfo()
        case "campaign/create": return objects.create(.campaign)
        case "adgroup/create": return objects.create(.adGroup)
        case "ad/create": return objects.createAds()
        case "campaign/get": return objects.list(.campaign)
        case "adgroup/get": return objects.list(.adGroup)
        case "ad/get": return objects.list(.ad)
        case "campaign/update": return objects.update(.campaign)
        case "adgroup/update": return objects.update(.adGroup)
        case "campaign/status/update": return objects.updateStatus(.campaign)
        case "adgroup/status/update": return objects.updateStatus(.adGroup)
        case "ad/status/update": return objects.updateStatus(.ad)
        case "segment/audience", "segment/mapping", "dmp/custom_audience/list":
            let audiences = TikTokAudiences(context: context, parameters: parameters, advertiser: advertiser)
            switch route.operation {
            case "segment/audience": return audiences.create()
            case "segment/mapping": return audiences.map()
            default: return audiences.list()
            }
        default: return TikTokReport(context: context, parameters: parameters, advertiser: advertiser).run()
        }
    }
}

/// TikTok parameters: GET calls send them in the query (lists and objects as JSON text), POST calls as a
/// JSON body.
struct TikTokParameters: Sendable {
    let values: [String: JSONValue]

    init(_ call: IncomingCall) {
        var values: [String: JSONValue] = call.query.mapValues { .string($0) }
        if let body = JSONValue.parse(call.body)?.objectValue { values.merge(body) { _, new in new } }
        self.values = values
    }

    func string(_ name: String) -> String? {
        switch values[name] {
        case .string(let text): return text
        case .int(let number): return String(number)
        default: return nil
        }
    }

    func json(_ name: String) -> JSONValue? {
        guard let value = values[name] else { return nil }
        if case .string(let text) = value, let first = text.first, first == "[" || first == "{" {
            return JSONValue.parse(text)
        }
        return value
    }

    func double(_ name: String) -> Double? { values[name]?.doubleValue }
    func int(_ name: String) -> Int64? { values[name]?.int64Value }
}

/// TikTok's token endpoint. The SDK documents only `POST /oauth2/access_token/` (auth code → long-term
/// advertiser token); advertiser tokens have no refresh, so an expired token (40102) means the
/// advertiser must authorise the app again. The account's `refresh_token` credential is its auth code.
struct TikTokAuth {
    let context: CallContext

    func exchange(_ parameters: TikTokParameters) -> Reply {
        context.store.write { world -> Reply in
            let accounts = world.accounts.filter {
                $0.channel == .tiktok && $0.credentials.clientID == parameters.string("app_id")
            }
            guard !accounts.isEmpty,
                accounts.contains(where: { $0.credentials.clientSecret == parameters.string("secret") })
            else {
                return TikTokEmulator.envelope(40001, "App id or secret is invalid.", requestID: context.requestID)
            }
            let granted = accounts.filter { $0.credentials.refreshToken == parameters.string("auth_code") }
            guard !granted.isEmpty else {
                return TikTokEmulator.envelope(
                    40110, "Auth code is invalid or has expired.", requestID: context.requestID)
            }
            let (token, _) = world.issueToken(
                .tiktok, subject: granted[0].credentials.clientID, defaultLifetime: nil, prefix: "")
            return TikTokEmulator.ok(
                [
                    "access_token": .string(token), "advertiser_ids": .array(granted.map { .string($0.id) }),
                    "scope": [4, 5, 6, 7, 8],
                ], requestID: context.requestID)
        }
    }
}
