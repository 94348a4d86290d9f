import Foundation
import TradewindCore

/// Google Ads REST conventions (googleapis `google/ads/googleads/v21`): OAuth bearer token plus
/// `developer-token` and `login-customer-id` headers; failures as a `google.rpc.Status` JSON body
/// whose `details` carry a `GoogleAdsFailure` (`errors[].errorCode`, `location.fieldPathElements`,
/// `details.quotaErrorDetails.retryDelay`, `requestId`).
struct GoogleAdsDialect: ChannelDialect {
    let tokenEndpoint: URL
    var channel: AdChannel { .googleAds }

    func authorize(_ request: inout WireRequest, credentials: ChannelCredentials) throws(ChannelError) {
        guard let token = credentials.accessToken, let developerToken = credentials.developerToken else {
            throw .unauthorized(
                ChannelErrorDetail(
                    channel: channel, code: nil,
                    message: "an access token and a developer token are needed; re-authorise the google_ads account"))
        }
        request.setHeader("Authorization", "Bearer \(token)")
        request.setHeader("developer-token", developerToken)
        if let login = credentials.loginCustomerID {
            request.setHeader("login-customer-id", login.replacingOccurrences(of: "-", with: ""))
        }
    }

    func refreshRequest(credentials: ChannelCredentials) -> WireRequest? {
        guard let refreshToken = credentials.refreshToken, let clientID = credentials.clientID,
            let clientSecret = credentials.clientSecret
        else { return nil }
        var request = WireRequest(
            .post, base: tokenEndpoint, path: "/token",
            body: .form([
                ("grant_type", "refresh_token"), ("client_id", clientID), ("client_secret", clientSecret),
                ("refresh_token", refreshToken),
            ]), isMutation: false)
        request.isAuthenticated = false
        return request
    }

    func parseRefresh(_ response: WireResponse) -> Result<RefreshedToken, ChannelError> { parseOAuthToken(response) }

    func requestID(of response: WireResponse) -> String? {
        if let id = response.header("request-id") { return id }
        return GoogleAdsFailure(response.json)?.requestID
    }

    func failure(of response: WireResponse, to request: WireRequest) -> ChannelFailure? {
        if response.isSuccess {
            // searchStream answers 200 with an array whose last element may be an error. Only the
            // `error` members are decoded: building the whole answer as a `JSONValue` took 2.6 s
            // for one 6 MB report, against 0.05 s for this.
            guard let stream = try? JSONDecoder().decode([StreamElement].self, from: Data(response.body)),
                let error = stream.lazy.compactMap(\.error).first
            else { return nil }
            return classify(status: error["code"]?.int64Value.map(Int.init) ?? 500, body: error, request)
        }
        return classify(status: response.status, body: response.json, request)
    }

    /// One element of a searchStream answer, as far as failures go.
    private struct StreamElement: Decodable {
        var error: JSONValue?
    }

    private func classify(status: Int, body: JSONValue?, _ request: WireRequest) -> ChannelFailure {
        let failure = GoogleAdsFailure(body)
        let first = failure?.errors.first
        let detail = ChannelErrorDetail(
            channel: channel, code: first?.code ?? failure?.status ?? "HTTP \(status)",
            message: first?.message ?? failure?.message ?? "HTTP \(status)", requestID: failure?.requestID)
        let codes = failure?.errors.map(\.code) ?? []
        if status == 429 || failure?.status == "RESOURCE_EXHAUSTED"
            || codes.contains(where: { $0.hasPrefix("quotaError.") })
        {
            return ChannelFailure(
                error: .rateLimited(retryAfter: failure?.errors.compactMap(\.retryDelay).first, detail))
        }
        if status == 401 || failure?.status == "UNAUTHENTICATED" {
            let expired =
                codes.isEmpty || codes.contains("authenticationError.OAUTH_TOKEN_EXPIRED")
                || codes.contains("authenticationError.OAUTH_TOKEN_INVALID")
            return ChannelFailure(error: .unauthorized(detail), tokenExpired: expired)
        }
        if codes.contains(where: { $0.hasPrefix("authenticationError.") || $0.hasPrefix("authorizationError.") })
            || status == 403
        {
            return ChannelFailure(error: .unauthorized(detail))
        }
        if status == 404 || failure?.status == "NOT_FOUND" { return ChannelFailure(error: .notFound(detail)) }
        if status == 504 || failure?.status == "DEADLINE_EXCEEDED" {
            return ChannelFailure(error: request.isMutation ? .ambiguous(detail) : .transient(detail))
        }
        if status >= 500 || codes.contains("internalError.TRANSIENT_ERROR") {
            return ChannelFailure(error: .transient(detail))
        }
        return ChannelFailure(error: .rejected(field: first?.fieldPath, detail))
    }
}

/// The parts of a Google Ads error body Tradewind reads.
struct GoogleAdsFailure: Sendable, Hashable {
    struct Error: Sendable, Hashable {
        /// `category.REASON`, e.g. `quotaError.RESOURCE_EXHAUSTED`.
        var code: String
        var message: String
        /// `mutate_operations[1].campaign_operation.create.name`, from `location.fieldPathElements`.
        var fieldPath: String?
        /// The operation the error belongs to (the first path element's index).
        var operationIndex: Int?
        var retryDelay: Duration?
    }

    var status: String?
    var message: String?
    var errors: [Error]
    var requestID: String?

    /// Reads `{"error": {code, message, status, details: [GoogleAdsFailure]}}`, or a bare
    /// `google.rpc.Status` (a mutate response's `partialFailureError`).
    init?(_ body: JSONValue?) {
        guard let body else { return nil }
        let status = body["error"] ?? body
        guard status["message"] != nil || status["details"] != nil else { return nil }
        self.status = status["status"]?.stringValue
        self.message = status["message"]?.stringValue
        var errors: [Error] = []
        var requestID: String?
        for detail in status["details"]?.arrayValue ?? [] {
            guard detail["@type"]?.stringValue?.hasSuffix(".errors.GoogleAdsFailure") == true else { continue }
            requestID = requestID ?? detail["requestId"]?.stringValue
            for error in detail["errors"]?.arrayValue ?? [] {
                errors.append(Self.error(error))
            }
        }
        self.errors = errors
        self.requestID = requestID
    }

    private static func error(_ error: JSONValue) -> Error {
        var code = "unknown"
        if let (category, value) = error["errorCode"]?.objectValue?.first {
            code = "\(category).\(value.stringValue ?? value.numericText ?? "")"
        }
        var path: [String] = []
        var index: Int?
        for element in error["location"]?["fieldPathElements"]?.arrayValue ?? [] {
            guard let name = element["fieldName"]?.stringValue else { continue }
            if let i = element["index"]?.int64Value {
                path.append("\(name)[\(i)]")
                if index == nil { index = Int(i) }
            } else {
                path.append(name)
            }
        }
        let delay = error["details"]?["quotaErrorDetails"]?["retryDelay"]?.stringValue.flatMap(protobufDuration)
        return Error(
            code: code, message: error["message"]?.stringValue ?? code,
            fieldPath: path.isEmpty ? nil : path.joined(separator: "."), operationIndex: index, retryDelay: delay)
    }

    /// A `google.protobuf.Duration` in JSON: `"30s"`, `"1.5s"`.
    static func protobufDuration(_ text: String) -> Duration? {
        guard text.hasSuffix("s"), let nanos = WireMoney.scaled(String(text.dropLast()), places: 9) else { return nil }
        return .nanoseconds(nanos)
    }
}
