import Foundation
import HTTPTypes

/// Meta's Graph API v25.0 for the Marketing API (`https://graph.facebook.com`), served under `/meta`.
///
/// Paths: `GET /v25.0/act_{id}`, `POST|GET /v25.0/act_{id}/{campaigns|adsets|ads}`,
/// `GET /v25.0/{campaign_id}/{adsets|ads}`, `GET /v25.0/{adset_id}/ads`,
/// `POST /v25.0/act_{id}/adcreatives`, `GET /v25.0/act_{id}/insights`, `GET|POST|DELETE /v25.0/{object_id}`,
/// `POST|GET /v25.0/act_{id}/customaudiences` and `POST|DELETE /v25.0/{audience_id}/users` (`MetaAudiences`).
/// Parameters come as query, form or JSON body; the token as `Authorization: Bearer` or `access_token`.
/// Errors are HTTP 400 (500 for transient server errors) with
/// `{"error":{message,type,code,error_subcode,error_user_title,error_user_msg,fbtrace_id}}`.
struct MetaEmulator: ChannelEmulator {
    let channel = AdChannel.meta
    let prefix = "meta"
    static let version = "v25.0"

    func route(_ call: IncomingCall) -> Route? {
        let path = call.path
        guard path.first == Self.version, path.count >= 2 else { return nil }
        let node = path[1]
        if node.hasPrefix("act_") {
            let account = String(node.dropFirst(4))
            guard account.allSatisfy(\.isNumber), !account.isEmpty else { return nil }
            if path.count == 2, call.method == .get { return Route(operation: "adaccount.get", account: account) }
            guard path.count == 3 else { return nil }
            switch (call.method, path[2]) {
            case (.post, "campaigns"), (.post, "adsets"), (.post, "ads"), (.post, "adcreatives"):
                return Route(operation: "\(path[2]).create", account: account)
            case (.get, "campaigns"), (.get, "adsets"), (.get, "ads"), (.get, "adcreatives"):
                return Route(operation: "\(path[2]).list", account: account)
            case (.get, "insights"): return Route(operation: "insights.get", account: account)
            case (.post, "customaudiences"): return Route(operation: "customaudiences.create", account: account)
            case (.get, "customaudiences"): return Route(operation: "customaudiences.list", account: account)
            default: return nil
            }
        }
        guard node.allSatisfy(\.isNumber) else { return nil }
        // A custom audience's members (`POST` adds, `DELETE` removes).
        if path.count == 3, path[2] == "users" {
            switch call.method {
            case .post: return Route(operation: "customaudience.users.add", account: nil)
            case .delete: return Route(operation: "customaudience.users.remove", account: nil)
            default: return nil
            }
        }
        // An object's edges: a campaign's ad sets and ads, an ad set's ads.
        if path.count == 3, call.method == .get, ["adsets", "ads"].contains(path[2]) {
            return Route(operation: "edge.\(path[2])", account: nil)
        }
        guard path.count == 2 else { return nil }
        switch call.method {
        case .get: return Route(operation: "object.get", account: nil)
        case .post: return Route(operation: "object.update", account: nil)
        case .delete: return Route(operation: "object.delete", account: nil)
        default: return nil
        }
    }

    func requestID(seed: UInt64, number: UInt64) -> String {
        SeededHash.text(
            ["meta", String(seed), String(number)], length: 23,
            alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    }

    func decorate(_ reply: Reply, requestID: String, account: String?) -> Reply {
        var reply = reply.adding(header: "x-fb-trace-id", requestID).adding(header: "x-fb-request-id", requestID)
        if !reply.headers.contains(where: { $0.0 == "X-Business-Use-Case-Usage" }), let account {
            reply = reply.adding(header: "X-Business-Use-Case-Usage", Self.usage(account: account, regainMinutes: 0))
        }
        return reply.adding(header: "X-App-Usage", #"{"call_count":1,"total_cputime":1,"total_time":1}"#)
    }

    /// The `X-Business-Use-Case-Usage` header: percentages per business use case of the ad account.
    static func usage(account: String, regainMinutes: Int) -> String {
        let percent = regainMinutes > 0 ? 100 : 1
        return #"{"\#(account)":[{"type":"ads_management","call_count":\#(percent),"total_cputime":\#(percent),"#
            + #""total_time":\#(percent),"estimated_time_to_regain_access":\#(regainMinutes),"ads_api_access_tier":"standard_access"}]}"#
    }

    func presentedToken(_ call: IncomingCall) -> String? {
        call.bearerToken ?? call.query["access_token"] ?? MetaParameters(call).string("access_token")
    }

    func refusal(_ refusal: Refusal, call: IncomingCall, requestID: String) -> Reply {
        switch refusal {
        case .notFound:
            return Self.error(
                .badRequest, code: 100, subcode: 33, type: "GraphMethodException",
                "Unsupported \(call.method == .get ? "get" : "post") request. Please read the Graph API documentation at "
                    + "https://developers.facebook.com/docs/graph-api", traceID: requestID)
        case .serverError:
            return Self.error(
                .internalServerError, code: 2, type: "OAuthException",
                "An unexpected error has occurred. Please retry your request later.", traceID: requestID,
                extra: ["is_transient": true])
        case .rateLimited(let seconds):
            let account = Route.metaAccount(call)
            let minutes = max(1, (seconds + 59) / 60)
            let reply =
                account != nil
                ? Self.error(
                    .badRequest, code: 80004, subcode: 2_446_079, type: "OAuthException",
                    "(#80004) There have been too many calls to this ad-account. Wait a bit and try again. For more info, "
                        + "please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting#ads-management.",
                    traceID: requestID)
                : Self.error(
                    .badRequest, code: 17, subcode: 2_446_079, type: "OAuthException",
                    "(#17) User request limit reached",
                    traceID: requestID, extra: ["is_transient": true])
            return reply.adding(
                header: "X-Business-Use-Case-Usage", Self.usage(account: account ?? "0", regainMinutes: minutes))
        case .missingToken:
            return Self.error(
                .badRequest, code: 104, type: "OAuthException", "An access token is required to request this resource.",
                traceID: requestID)
        case .invalidToken:
            return Self.error(
                .badRequest, code: 190, type: "OAuthException",
                "Invalid OAuth access token - Cannot parse access token",
                traceID: requestID)
        case .expiredToken:
            return Self.error(
                .badRequest, code: 190, subcode: 463, type: "OAuthException",
                "Error validating access token: Session has expired. The current time is \(Int(Date().timeIntervalSince1970)).",
                traceID: requestID)
        case .unknownAccount(let account):
            return Self.objectNotFound("act_\(account)", traceID: requestID)
        }
    }

    static func error(
        _ status: HTTPResponse.Status, code: Int, subcode: Int? = nil, type: String = "OAuthException",
        _ message: String,
        title: String? = nil, userMessage: String? = nil, traceID: String, extra: [String: JSONValue] = [:]
    ) -> Reply {
        var error: [String: JSONValue] = [
            "message": .string(message), "type": .string(type), "code": .int(Int64(code)),
            "fbtrace_id": .string(traceID),
        ]
        if let subcode { error["error_subcode"] = .int(Int64(subcode)) }
        if let title { error["error_user_title"] = .string(title) }
        if let userMessage { error["error_user_msg"] = .string(userMessage) }
        error.merge(extra) { _, new in new }
        return .json(status, ["error": .object(error)], headers: [("WWW-Authenticate", "OAuth \"Facebook Platform\"")])
    }

    static func invalidParameter(
        _ message: String, title: String? = nil, userMessage: String? = nil, subcode: Int? = nil, traceID: String
    ) -> Reply {
        error(
            .badRequest, code: 100, subcode: subcode, "(#100) \(message)", title: title, userMessage: userMessage,
            traceID: traceID)
    }

    static func objectNotFound(_ id: String, traceID: String) -> Reply {
        error(
            .badRequest, code: 100, subcode: 33, type: "GraphMethodException",
            "Unsupported get request. Object with ID '\(id)' does not exist, cannot be loaded due to missing permissions, "
                + "or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
            traceID: traceID)
    }

    func handle(_ call: IncomingCall, route: Route, context: CallContext) async -> Reply {
        let parameters = MetaParameters(call)
        let objects = MetaObjects(context: context, parameters: parameters)
        switch route.operation {
        case "adaccount.get": return objects.account(route.account ?? "")
        case "insights.get":
            return MetaInsights(context: context, parameters: parameters).run(account: route.account ?? "")
        case "object.get": return objects.get(call.path[1])
        case "object.update": return objects.update(call.path[1])
        case "object.delete": return objects.delete(call.path[1])
        case "edge.adsets", "edge.ads": return objects.edge(call.path[2], of: call.path[1])
        case "customaudiences.create", "customaudiences.list", "customaudience.users.add",
            "customaudience.users.remove":
            return MetaAudiences(context: context, parameters: parameters).run(
                route.operation, account: route.account, audience: call.path[1])
        default:
            let parts = route.operation.split(separator: ".")
            let edge = String(parts[0])
            return parts[1] == "create"
                ? objects.create(edge, account: route.account ?? "") : objects.list(edge, account: route.account ?? "")
        }
    }
}

extension Route {
    /// The ad account a Graph call names in its path, if any.
    static func metaAccount(_ call: IncomingCall) -> String? {
        guard call.path.count >= 2, call.path[1].hasPrefix("act_") else { return nil }
        return String(call.path[1].dropFirst(4))
    }
}

/// Graph API parameters from the query string and a form or JSON body; form values holding JSON
/// (targeting, special_ad_categories, filtering) are read as JSON, as the Graph API reads them.
struct MetaParameters: Sendable {
    let values: [String: JSONValue]

    init(_ call: IncomingCall) {
        var values: [String: JSONValue] = call.query.mapValues { .string($0) }
        if call.contentType.contains("application/json"), let body = JSONValue.parse(call.body)?.objectValue {
            values.merge(body) { _, new in new }
        } else if !call.body.isEmpty {
            values.merge(FormEncoding.decode(call.bodyText).mapValues { .string($0) }) { _, new in new }
        }
        self.values = values
    }

    func string(_ name: String) -> String? {
        switch values[name] {
        case .string(let text): return text
        case .int(let number): return String(number)
        default: return nil
        }
    }

    /// A parameter that is JSON: sent as JSON, or as JSON text in a form or query value.
    func json(_ name: String) -> JSONValue? {
        guard let value = values[name] else { return nil }
        if case .string(let text) = value, let first = text.first, first == "[" || first == "{" {
            return JSONValue.parse(text)
        }
        return value
    }

    func int(_ name: String) -> Int64? { values[name]?.int64Value }

    func has(_ name: String) -> Bool { values[name] != nil }
}
