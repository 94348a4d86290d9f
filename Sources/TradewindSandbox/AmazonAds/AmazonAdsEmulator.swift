import Foundation
import HTTPTypes

/// Amazon Ads API (`https://advertising-api-eu.amazon.com`), served under `/amazon-ads`: profiles (v2),
/// Sponsored Products v3 campaigns, ad groups and product ads (vendor media types, HTTP 207 multi-status),
/// reporting v3 (asynchronous, 425 on a duplicate request), and advertiser audiences (`AmazonAudiences`).
///
/// Headers: `Amazon-Advertising-API-ClientId`, `Amazon-Advertising-API-Scope: {profileId}`,
/// `Authorization: Bearer`. Shapes follow vancodocton/AmazonAdsGenerated (generated from Amazon's
/// SponsoredProducts_prod_3p.json); reporting errors use `{code, detail}`, SP errors `{code, message}`.
struct AmazonAdsEmulator: ChannelEmulator {
    let channel = AdChannel.amazonAds
    let prefix = "amazon-ads"

    func route(_ call: IncomingCall) -> Route? {
        let path = call.path
        let scope = call.header("Amazon-Advertising-API-Scope")
        switch (call.method, path.count, path.first ?? "") {
        case (.get, 2, "v2") where path[1] == "profiles": return Route(operation: "profiles.list", account: nil)
        case (.get, 3, "v2") where path[1] == "profiles": return Route(operation: "profiles.get", account: path[2])
        case (_, 2, "sp"), (_, 3, "sp"):
            guard AmazonEntity(collection: path[1]) != nil else { return nil }
            let verb: String? =
                switch (call.method, path.count == 3 ? path[2] : "") {
                case (.post, ""): "create"
                case (.put, ""): "update"
                case (.post, "list"): "list"
                case (.post, "delete"): "delete"
                default: nil
                }
            return verb.map { Route(operation: "sp/\(path[1])/\($0)", account: scope) }
        case (.post, 2, "reporting") where path[1] == "reports":
            return Route(operation: "reports.create", account: scope)
        case (.get, 3, "reporting") where path[1] == "reports": return Route(operation: "reports.get", account: scope)
        case (.post, 3, "amc") where path[1] == "audiences" && ["metadata", "records"].contains(path[2]):
            return Route(operation: "audiences/\(path[2]).create", account: scope)
        case (.get, 4, "amc") where path[1] == "audiences" && ["metadata", "records"].contains(path[2]):
            return Route(operation: "audiences/\(path[2]).get", account: scope)
        default: return nil
        }
    }

    func requestID(seed: UInt64, number: UInt64) -> String {
        let hex = SeededHash.text(["amazon", String(seed), String(number)], length: 32, alphabet: "0123456789abcdef")
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    func decorate(_ reply: Reply, requestID: String, account: String?) -> Reply {
        reply.adding(header: "x-amz-request-id", requestID).adding(header: "x-amzn-RequestId", requestID)
    }

    func presentedToken(_ call: IncomingCall) -> String? { call.bearerToken }

    static func isReporting(_ call: IncomingCall) -> Bool { call.path.first == "reporting" }

    /// An Amazon error body: `{code, detail}` on reporting paths, `{code, message}` elsewhere.
    static func error(
        _ status: HTTPResponse.Status, _ code: String, _ message: String, reporting: Bool,
        headers: [(String, String)] = []
    )
        -> Reply
    {
        .json(
            status,
            reporting
                ? ["code": .string(code), "detail": .string(message)]
                : ["code": .string(code), "message": .string(message)], headers: headers)
    }

    func refusal(_ refusal: Refusal, call: IncomingCall, requestID: String) -> Reply {
        let reporting = Self.isReporting(call)
        switch refusal {
        case .notFound:
            return Self.error(.notFound, "NOT_FOUND", "Could not find resource for full path", reporting: reporting)
        case .serverError:
            return Self.error(
                .internalServerError, "INTERNAL_ERROR", "Internal server error, please retry.", reporting: reporting)
        case .rateLimited(let seconds):
            return Self.error(
                .tooManyRequests, "THROTTLED", "Request was throttled. Retry after \(seconds) seconds.",
                reporting: reporting,
                headers: [("Retry-After", String(seconds))])
        case .missingToken, .invalidToken:
            return Self.error(
                .unauthorized, "UNAUTHORIZED", "Not authorized to access this advertiser. Invalid access token.",
                reporting: reporting)
        case .expiredToken:
            return Self.error(
                .unauthorized, "UNAUTHORIZED", "Access token has expired. Refresh it with Login with Amazon.",
                reporting: reporting)
        case .unknownAccount(let profile):
            return Self.error(
                .unauthorized, "UNAUTHORIZED", "Not authorized to access scope \(profile)", reporting: reporting)
        }
    }

    func handle(_ call: IncomingCall, route: Route, context: CallContext) async -> Reply {
        let reporting = Self.isReporting(call)
        // The client id must be the one the token was issued to; the scope must name a profile.
        let clientIDs = context.store.read { world in
            Set(world.accounts.filter { $0.channel == .amazonAds }.map(\.credentials.clientID))
        }
        guard let clientID = call.header("Amazon-Advertising-API-ClientId"), clientIDs.contains(clientID) else {
            return Self.error(
                .unauthorized, "UNAUTHORIZED", "Invalid Amazon-Advertising-API-ClientId.", reporting: reporting)
        }
        switch route.operation {
        case "profiles.list", "profiles.get": return AmazonProfiles(context: context).run(route.account)
        case "audiences/metadata.create", "audiences/metadata.get", "audiences/records.create",
            "audiences/records.get":
            // Advertiser audiences belong to a DSP advertiser, not a profile: no scope needed.
            return AmazonAudiences(context: context).run(route.operation, call)
        default: break
        }
        guard let profile = route.account else {
            return Self.error(
                .badRequest, reporting ? "400" : "INVALID_ARGUMENT", "Missing header Amazon-Advertising-API-Scope.",
                reporting: reporting)
        }
        if route.operation.hasPrefix("reports.") {
            let reports = AmazonReports(context: context, profile: profile, call: call)
            return route.operation == "reports.create" ? reports.create() : reports.status(call.path[2])
        }
        let parts = route.operation.split(separator: "/")
        guard let entity = AmazonEntity(collection: String(parts[1])) else {
            return refusal(.notFound, call: call, requestID: context.requestID)
        }
        let mediaType = entity.mediaType
        for header in ["Content-Type", "Accept"] {
            guard let value = call.header(header), value.lowercased().contains(mediaType.lowercased()) else {
                return Self.error(
                    .unsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "\(header) must be \(mediaType).", reporting: false
                )
            }
        }
        guard let body = JSONValue.parse(call.body), body.objectValue != nil else {
            return Self.error(.badRequest, "INVALID_ARGUMENT", "The request body is not valid JSON.", reporting: false)
        }
        let products = AmazonSponsoredProducts(
            context: context, profile: profile, entity: entity,
            representation: (call.header("Prefer") ?? "").contains("return=representation"))
        let reply: Reply
        switch parts[2] {
        case "create": reply = products.create(body)
        case "update": reply = products.update(body)
        case "list": reply = products.list(body)
        default: reply = products.delete(body)
        }
        var typed = reply
        typed.headers = typed.headers.map { $0.0 == "Content-Type" ? ("Content-Type", mediaType) : $0 }
        if products.representation && reply.status.code == 207 {
            typed.headers.append(("Preference-Applied", "return=representation"))
        }
        return typed
    }
}

/// `GET /v2/profiles` and `/v2/profiles/{id}`: one profile per provisioned account.
struct AmazonProfiles {
    let context: CallContext

    static let marketplaces: [String: String] = [
        "US": "ATVPDKIKX0DER", "CA": "A2EUQ1WTGCTBG2", "MX": "A1AM78C64UM0Y8", "BR": "A2Q3Y263D00KWC",
        "UK": "A1F83G8C2ARO7P", "GB": "A1F83G8C2ARO7P", "DE": "A1PA6795UKMFR9", "FR": "A13V1IB3VIYZZH",
        "IT": "APJ6JRA9NG5V4", "ES": "A1RKKUPIHCS9HS", "NL": "A1805IZSGTT6HS", "SE": "A2NODRKZP88ZB9",
        "PL": "A1C3SOZRARQ6R3", "TR": "A33AVAJ2PDY3EV", "AE": "A2VIGQ35RCS4UG", "SA": "A17E79C6D8DWNP",
        "IN": "A21TJRUUN4KGV", "JP": "A1VC38T7YXB528", "AU": "A39IBJ37TRP1C6", "SG": "A19VAU5U5O7RUS",
    ]

    func run(_ id: String?) -> Reply {
        let accounts = context.store.read { world in world.accounts.filter { $0.channel == .amazonAds } }
        if let id {
            guard let account = accounts.first(where: { $0.id == id }) else {
                return AmazonAdsEmulator.error(.notFound, "NOT_FOUND", "Profile \(id) not found.", reporting: false)
            }
            return .json(.ok, Self.json(account))
        }
        return .json(.ok, .array(accounts.map(Self.json)))
    }

    static func json(_ account: SandboxAccount) -> JSONValue {
        [
            "profileId": .int(Int64(account.id) ?? 0), "countryCode": .string(account.countryCode),
            "currencyCode": .string(account.currency), "dailyBudget": 999_999_999.0,
            "timezone": .string(account.timeZone),
            "accountInfo": [
                "marketplaceStringId": .string(marketplaces[account.countryCode] ?? "ATVPDKIKX0DER"),
                "id": .string("A" + String(account.id.suffix(12))), "type": "seller", "name": .string(account.name),
                "validPaymentMethod": true,
            ],
        ]
    }
}

/// Login with Amazon's token endpoint (`https://api.amazon.com/auth/o2/token`), served under `/amazon-auth`.
struct AmazonAuthEmulator: ChannelEmulator {
    let channel = AdChannel.amazonAds
    let prefix = "amazon-auth"

    func route(_ call: IncomingCall) -> Route? {
        guard call.method == .post, call.path == ["auth", "o2", "token"] else { return nil }
        return Route(operation: "auth/o2/token", account: nil, needsAccessToken: false)
    }

    func requestID(seed: UInt64, number: UInt64) -> String { AmazonAdsEmulator().requestID(seed: seed, number: number) }

    func decorate(_ reply: Reply, requestID: String, account: String?) -> Reply {
        reply.adding(header: "x-amzn-RequestId", requestID)
    }

    func presentedToken(_ call: IncomingCall) -> String? { nil }

    func refusal(_ refusal: Refusal, call: IncomingCall, requestID: String) -> Reply {
        switch refusal {
        case .rateLimited(let seconds):
            return .json(
                .tooManyRequests, ["error": "slow_down", "error_description": "Too many requests"],
                headers: [("Retry-After", String(seconds))])
        case .notFound: return .json(.notFound, ["error": "not_found"])
        default:
            return .json(.internalServerError, ["error": "server_error", "error_description": "Internal server error"])
        }
    }

    func handle(_ call: IncomingCall, route: Route, context: CallContext) async -> Reply {
        let form = FormEncoding.decode(call.bodyText)
        guard form["grant_type"] == "refresh_token" else {
            return .json(
                .badRequest,
                [
                    "error": "unsupported_grant_type",
                    "error_description": "The authorization grant type is not supported.",
                ])
        }
        return context.store.write { world -> Reply in
            let accounts = world.accounts.filter {
                $0.channel == .amazonAds && $0.credentials.clientID == form["client_id"]
            }
            guard !accounts.isEmpty, accounts.contains(where: { $0.credentials.clientSecret == form["client_secret"] })
            else {
                return .json(
                    .unauthorized, ["error": "invalid_client", "error_description": "Client authentication failed"])
            }
            guard let account = accounts.first(where: { $0.credentials.refreshToken == form["refresh_token"] }) else {
                return .json(
                    .badRequest,
                    [
                        "error": "invalid_grant",
                        "error_description": "The request has an invalid grant parameter : refresh_token",
                    ])
            }
            let (token, lifetime) = world.issueToken(
                .amazonAds, subject: account.credentials.clientID, defaultLifetime: 3600, prefix: "Atza|")
            return .json(
                .ok,
                [
                    "access_token": .string(token), "refresh_token": .string(account.credentials.refreshToken),
                    "token_type": "bearer", "expires_in": .int(Int64(lifetime ?? 3600)),
                ])
        }
    }
}
