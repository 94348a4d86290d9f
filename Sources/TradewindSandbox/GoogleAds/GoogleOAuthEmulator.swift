import Foundation

/// Google's OAuth 2.0 token endpoint (`https://oauth2.googleapis.com/token`), served under
/// `/google-oauth`: `POST /token` with a form body `grant_type=refresh_token`, `refresh_token`,
/// `client_id`, `client_secret` → `{access_token, expires_in, scope, token_type}`; RFC 6749 errors
/// (`invalid_grant`, `invalid_client`, `unsupported_grant_type`) as Google words them.
struct GoogleOAuthEmulator: ChannelEmulator {
    let channel = AdChannel.googleAds
    let prefix = "google-oauth"

    func route(_ call: IncomingCall) -> Route? {
        guard call.method == .post, call.path == ["token"] else { return nil }
        return Route(operation: "oauth/token", account: nil, needsAccessToken: false)
    }

    func requestID(seed: UInt64, number: UInt64) -> String {
        GoogleAdsEmulator().requestID(seed: seed, number: number)
    }

    func decorate(_ reply: Reply, requestID: String, account: String?) -> Reply {
        reply.adding(header: "Cache-Control", "no-cache, no-store, max-age=0, must-revalidate")
    }

    func presentedToken(_ call: IncomingCall) -> String? { nil }

    func refusal(_ refusal: Refusal, call: IncomingCall, requestID: String) -> Reply {
        switch refusal {
        case .notFound: return .json(.notFound, ["error": "not_found"])
        case .rateLimited(let seconds):
            return .json(
                .tooManyRequests, ["error": "rate_limit_exceeded"], headers: [("Retry-After", String(seconds))])
        default:
            return .json(.internalServerError, ["error": "internal_failure", "error_description": "Backend Error"])
        }
    }

    func handle(_ call: IncomingCall, route: Route, context: CallContext) async -> Reply {
        let form = FormEncoding.decode(call.bodyText)
        guard form["grant_type"] == "refresh_token" else {
            return .json(
                .badRequest,
                [
                    "error": "unsupported_grant_type",
                    "error_description": "Invalid grant_type: \(form["grant_type"] ?? "")",
                ])
        }
        return context.store.write { world -> Reply in
            let clients = world.accounts.filter { $0.channel == .googleAds }
            guard let clientID = form["client_id"], clients.contains(where: { $0.credentials.clientID == clientID })
            else {
                return .json(
                    .unauthorized, ["error": "invalid_client", "error_description": "The OAuth client was not found."])
            }
            guard
                clients.contains(where: {
                    $0.credentials.clientID == clientID && $0.credentials.clientSecret == form["client_secret"]
                })
            else {
                return .json(.unauthorized, ["error": "invalid_client", "error_description": "Unauthorized"])
            }
            guard
                clients.contains(where: {
                    $0.credentials.clientID == clientID && $0.credentials.refreshToken == form["refresh_token"]
                })
            else {
                return .json(.badRequest, ["error": "invalid_grant", "error_description": "Bad Request"])
            }
            let (token, lifetime) = world.issueToken(
                .googleAds, subject: clientID, defaultLifetime: 3599, prefix: "ya29.")
            return .json(
                .ok,
                [
                    "access_token": .string(token), "expires_in": .int(Int64(lifetime ?? 3599)),
                    "scope": "https://www.googleapis.com/auth/adwords", "token_type": "Bearer",
                ])
        }
    }
}
