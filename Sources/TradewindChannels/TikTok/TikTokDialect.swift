import Foundation
import TradewindCore

/// TikTok Business API v1.3 conventions: the `Access-Token` header, and every answer an envelope
/// `{code, message, request_id, data}` whose `code` is 0 on success. Errors arrive with HTTP 200
/// and a non-zero `code` (codes from tiktok-business-api-sdk `python_sdk/.../tiktok_code.py`).
struct TikTokDialect: ChannelDialect {
    var channel: AdChannel { .tiktok }

    func authorize(_ request: inout WireRequest, credentials: ChannelCredentials) throws(ChannelError) {
        guard let token = credentials.accessToken else {
            throw .unauthorized(
                ChannelErrorDetail(
                    channel: channel, code: nil, message: "no access token; re-authorise the tiktok account"))
        }
        request.setHeader("Access-Token", token)
    }

    /// The envelope without its `data`: a report page's rows are decoded once, by the connector.
    private struct Envelope: Decodable {
        var code: JSONValue?
        var message: JSONValue?
        var requestID: JSONValue?

        enum CodingKeys: String, CodingKey {
            case code, message
            case requestID = "request_id"
        }
    }

    private func envelope(_ response: WireResponse) -> Envelope? {
        try? JSONDecoder().decode(Envelope.self, from: Data(response.body))
    }

    func requestID(of response: WireResponse) -> String? {
        envelope(response)?.requestID?.stringValue ?? response.header("X-Tt-Logid")
    }

    func failure(of response: WireResponse, to request: WireRequest) -> ChannelFailure? {
        let body = envelope(response)
        let requestID = body?.requestID?.stringValue ?? response.header("X-Tt-Logid")
        guard response.isSuccess else {
            let detail = ChannelErrorDetail(
                channel: channel, code: "HTTP \(response.status)",
                message: body?.message?.stringValue ?? "HTTP \(response.status)",
                requestID: requestID)
            if response.status == 429 { return ChannelFailure(error: .rateLimited(retryAfter: nil, detail)) }
            if response.status == 401 { return ChannelFailure(error: .unauthorized(detail), tokenExpired: true) }
            if response.status == 504 {
                return ChannelFailure(error: request.isMutation ? .ambiguous(detail) : .transient(detail))
            }
            if response.status >= 500 { return ChannelFailure(error: .transient(detail)) }
            return ChannelFailure(error: .rejected(field: nil, detail))
        }
        guard let code = body?.code?.int64Value else {
            return ChannelFailure(
                error: .transient(
                    ChannelErrorDetail(
                        channel: channel, code: nil, message: "no response envelope", requestID: requestID)))
        }
        if code == 0 { return nil }
        let detail = ChannelErrorDetail(
            channel: channel, code: String(code), message: body?.message?.stringValue ?? "code \(code)",
            requestID: requestID)
        switch code {
        case 40100, 40132:
            return ChannelFailure(error: .rateLimited(retryAfter: nil, detail))
        case 40102, 40104, 40105:
            // ACCESS_TOKEN_EXPIRE, empty or INVALID_ACCESS_TOKEN: TikTok's advertiser tokens cannot be
            // refreshed by the Marketing API; the advertiser must authorise again.
            return ChannelFailure(error: .unauthorized(detail), tokenExpired: true)
        case 40001:
            return ChannelFailure(error: .unauthorized(detail))
        case 50000, 50002, 40202:
            // SYS_ERROR, SYS_TIMEOUT and WRITE_CONFLICT are worth retrying.
            return ChannelFailure(error: .transient(detail))
        default:
            return ChannelFailure(error: .rejected(field: nil, detail))
        }
    }
}
