import Crypto
import Foundation
import TradewindCore

/// Graph API v25.0 conventions: the access token as a bearer header, `appsecret_proof` when the
/// app secret is known (HMAC-SHA256 of the token, hex; developers.facebook.com/docs/graph-api/
/// securing-requests), and errors as `{"error": {message, type, code, error_subcode,
/// is_transient, error_user_msg, fbtrace_id}}` with HTTP 400 even for throttling.
struct MetaDialect: ChannelDialect {
    var channel: AdChannel { .meta }

    func authorize(_ request: inout WireRequest, credentials: ChannelCredentials) throws(ChannelError) {
        guard let token = credentials.accessToken else {
            throw .unauthorized(
                ChannelErrorDetail(
                    channel: channel, code: nil, message: "no access token; re-authorise the meta account"))
        }
        request.setHeader("Authorization", "Bearer \(token)")
        if let secret = credentials.clientSecret {
            let mac = HMAC<SHA256>.authenticationCode(
                for: Data(token.utf8), using: SymmetricKey(data: Data(secret.utf8)))
            request.query.append(("appsecret_proof", mac.map { String(format: "%02x", $0) }.joined()))
        }
    }

    func requestID(of response: WireResponse) -> String? {
        response.json?["error"]?["fbtrace_id"]?.stringValue ?? response.header("x-fb-trace-id")
    }

    func failure(of response: WireResponse, to request: WireRequest) -> ChannelFailure? {
        if response.isSuccess { return nil }
        let error = response.json?["error"]
        let code = error?["code"]?.int64Value
        let subcode = error?["error_subcode"]?.int64Value
        let codeText = code.map { c in subcode.map { "\(c)/\($0)" } ?? "\(c)" } ?? "HTTP \(response.status)"
        let message =
            error?["error_user_msg"]?.stringValue ?? error?["message"]?.stringValue ?? "HTTP \(response.status)"
        let detail = ChannelErrorDetail(
            channel: channel, code: codeText, message: message, requestID: error?["fbtrace_id"]?.stringValue)
        if let code {
            // 4 app, 17 user, 32 page, 613 ad account, 80000-80014 business use case throttling.
            if [4, 17, 32, 613].contains(code) || (80_000...80_014).contains(code) {
                return ChannelFailure(error: .rateLimited(retryAfter: Self.regainAccess(response), detail))
            }
            // 190 expired or invalid token (subcodes 463 expired, 467 invalid, 460 password changed);
            // 102 session invalid. Meta issues no refresh tokens: only a new login helps.
            if code == 190 || code == 102 { return ChannelFailure(error: .unauthorized(detail), tokenExpired: true) }
            if code == 10 || (200...299).contains(code) { return ChannelFailure(error: .unauthorized(detail)) }
            if code == 100 && subcode == 33 { return ChannelFailure(error: .notFound(detail)) }
        }
        if error?["is_transient"]?.boolValue == true || code == 1 || code == 2 {
            return ChannelFailure(error: .transient(detail))
        }
        if response.status == 404 { return ChannelFailure(error: .notFound(detail)) }
        if response.status == 504 {
            return ChannelFailure(error: request.isMutation ? .ambiguous(detail) : .transient(detail))
        }
        if response.status >= 500 { return ChannelFailure(error: .transient(detail)) }
        let blamed = error?["error_data"]?["blame_field_specs"]?[0]?.arrayValue?.compactMap(\.stringValue)
        return ChannelFailure(
            error: .rejected(field: blamed.flatMap { $0.isEmpty ? nil : $0.joined(separator: ".") }, detail))
    }

    /// The longest `estimated_time_to_regain_access` (minutes) in `X-Business-Use-Case-Usage`:
    /// `{"<account id>": [{"type": "ads_management", "call_count": 100, …, "estimated_time_to_regain_access": 5}]}`.
    static func regainAccess(_ response: WireResponse) -> Duration? {
        guard let header = response.header("X-Business-Use-Case-Usage"), let usage = try? JSONValue.parse(header),
            let accounts = usage.objectValue
        else { return nil }
        let minutes = accounts.flatMap { $0.1.arrayValue ?? [] }.compactMap {
            $0["estimated_time_to_regain_access"]?.int64Value
        }.max()
        return minutes.flatMap { $0 > 0 ? .seconds($0 * 60) : nil }
    }
}
