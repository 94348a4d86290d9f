import Foundation
import TradewindCore

/// Amazon Ads API conventions: `Authorization: Bearer` from Login with Amazon,
/// `Amazon-Advertising-API-ClientId`, and the profile in `Amazon-Advertising-API-Scope` (added per
/// request). Sponsored Products v3 answers writes with 207 and per-item results; errors are
/// `{"code", "message"|"details"}` with 401 UNAUTHORIZED, 429 THROTTLED (`Retry-After` seconds).
struct AmazonAdsDialect: ChannelDialect {
    let tokenEndpoint: URL
    var channel: AdChannel { .amazonAds }

    func authorize(_ request: inout WireRequest, credentials: ChannelCredentials) throws(ChannelError) {
        guard let token = credentials.accessToken, let clientID = credentials.clientID else {
            throw .unauthorized(
                ChannelErrorDetail(
                    channel: channel, code: nil,
                    message: "no access token or client id; re-authorise the amazon_ads account"))
        }
        request.setHeader("Authorization", "Bearer \(token)")
        request.setHeader("Amazon-Advertising-API-ClientId", clientID)
    }

    func refreshRequest(credentials: ChannelCredentials) -> WireRequest? {
        guard let refreshToken = credentials.refreshToken, let clientID = credentials.clientID,
            let clientSecret = credentials.clientSecret
        else { return nil }
        var request = WireRequest(
            .post, base: tokenEndpoint, path: "/auth/o2/token",
            body: .form([
                ("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", clientID),
                ("client_secret", clientSecret),
            ]), isMutation: false)
        request.isAuthenticated = false
        return request
    }

    func parseRefresh(_ response: WireResponse) -> Result<RefreshedToken, ChannelError> { parseOAuthToken(response) }

    func requestID(of response: WireResponse) -> String? {
        response.header("x-amz-request-id") ?? response.header("x-amzn-RequestId")
            ?? response.json?["requestId"]?.stringValue
    }

    func failure(of response: WireResponse, to request: WireRequest) -> ChannelFailure? {
        // 2xx includes 207 multi-status (items read by the connector); 425 names the report that
        // already exists for the same request, which the connector reuses.
        if response.isSuccess || response.status == 425 { return nil }
        let body = response.json
        let code = body?["code"]?.stringValue ?? body?["code"]?.numericText ?? "HTTP \(response.status)"
        let message =
            body?["message"]?.stringValue ?? body?["details"]?.stringValue ?? body?["detail"]?.stringValue
            ?? "HTTP \(response.status)"
        let detail = ChannelErrorDetail(
            channel: channel, code: code, message: message, requestID: requestID(of: response))
        switch response.status {
        case 429:
            let delay = response.header("Retry-After").flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }.map {
                Duration.seconds($0)
            }
            return ChannelFailure(error: .rateLimited(retryAfter: delay, detail))
        case 401: return ChannelFailure(error: .unauthorized(detail), tokenExpired: true)
        case 403: return ChannelFailure(error: .unauthorized(detail))
        case 404: return ChannelFailure(error: .notFound(detail))
        case 504: return ChannelFailure(error: request.isMutation ? .ambiguous(detail) : .transient(detail))
        case 500...: return ChannelFailure(error: .transient(detail))
        default: return ChannelFailure(error: .rejected(field: nil, detail))
        }
    }
}
