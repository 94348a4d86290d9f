/// An advertiser account on one channel, provisioned through the control API or the seed, with the
/// credentials the sandbox accepts for it.
public struct SandboxAccount: Codable, Sendable, Equatable {
    public var channel: AdChannel
    /// Google customer id (digits), Meta ad account id (digits, without `act_`), TikTok advertiser id,
    /// Amazon profile id.
    public var id: String
    public var name: String
    public var currency: String
    /// IANA time zone, e.g. "Europe/Berlin".
    public var timeZone: String
    /// ISO country, used by Amazon profiles (countryCode, marketplace).
    public var countryCode: String
    public var credentials: AccountCredentials

    public var currencyInfo: Currency { Currency(currency) }
}

/// What a connector needs to authenticate against one account; all of it is valid in the sandbox.
public struct AccountCredentials: Codable, Sendable, Equatable {
    /// OAuth client id (Google), app id (Meta, TikTok), LWA client id (Amazon).
    public var clientID: String
    public var clientSecret: String
    /// Google and Amazon refresh tokens; TikTok's auth code stands in for it (see TikTokAuthEmulator).
    public var refreshToken: String
    /// Google's `developer-token` header.
    public var developerToken: String
    /// A ready access token: Meta's long-lived user/system-user token, TikTok's long-term advertiser
    /// token; for Google and Amazon an initial short-lived token so a test can skip the token call.
    public var accessToken: String

    static func defaults(channel: AdChannel, account: String) -> AccountCredentials {
        let stem = "\(channel.rawValue)-\(account)"
        return AccountCredentials(
            clientID: "sandbox-\(channel.rawValue)-client",
            clientSecret: "sandbox-\(channel.rawValue)-secret",
            refreshToken: "sandbox-refresh-\(stem)",
            developerToken: "sandbox-developer-token",
            accessToken: "sandbox-access-\(stem)"
        )
    }
}
