import Foundation

/// A tenant's ad account on a channel, as the channel names it: Google customer id (ten digits),
/// Meta `act_<id>`, TikTok advertiser id, Amazon profile id with its marketplace.
public struct ChannelAccountIdentity: Sendable, Hashable, Codable {
    public var channel: AdChannel
    public var externalID: String
    /// Amazon only: the marketplace the profile advertises in (`A1PA6795UKMFR9` is Germany).
    public var marketplaceID: String?

    public init(channel: AdChannel, externalID: String, marketplaceID: String? = nil) {
        self.channel = channel
        self.externalID = externalID
        self.marketplaceID = marketplaceID
    }

    /// The identity in the channel's canonical spelling (Google's hyphens dropped), or the
    /// violations that make it unusable.
    public static func parse(
        channel: AdChannel, externalID raw: String, marketplaceID: String?, prefix: String
    ) -> Result<ChannelAccountIdentity, ValidationFailure> {
        var collector = ViolationCollector()
        var externalID = raw
        let field = "\(prefix).external_id"
        switch channel {
        case .googleAds:
            externalID = raw.replacingOccurrences(of: "-", with: "")
            collector.require(
                externalID.utf8.count == 10 && isDigits(externalID), field,
                "google_ads customer ids are ten digits, such as 123-456-7890")
        case .meta:
            collector.require(
                raw.hasPrefix("act_") && (1...20).contains(raw.utf8.count - 4) && isDigits(raw.dropFirst(4)), field,
                "meta ad accounts are act_ followed by digits, such as act_1234567890")
        case .tiktok:
            collector.require(
                (1...20).contains(raw.utf8.count) && isDigits(raw), field, "tiktok advertiser ids are digits")
        case .amazonAds:
            collector.require(
                (1...20).contains(raw.utf8.count) && isDigits(raw), field, "amazon_ads profile ids are digits")
        }
        let marketplaceField = "\(prefix).marketplace_id"
        if channel == .amazonAds {
            if let marketplace = marketplaceID {
                collector.require(
                    isMarketplaceID(marketplace), marketplaceField,
                    "must be an Amazon marketplace id such as A1PA6795UKMFR9")
            } else {
                collector.add(marketplaceField, "amazon_ads needs the profile's marketplace")
            }
        } else if marketplaceID != nil {
            collector.add(marketplaceField, "\(channel.rawValue) takes no marketplace")
        }
        do {
            try collector.throwIfAny()
        } catch {
            return .failure(error)
        }
        return .success(ChannelAccountIdentity(channel: channel, externalID: externalID, marketplaceID: marketplaceID))
    }

    static func isDigits<S: StringProtocol>(_ text: S) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    static func isMarketplaceID(_ text: String) -> Bool {
        (10...14).contains(text.utf8.count) && text.hasPrefix("A")
            && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) }
    }
}

/// What the channel says about an account when it is linked.
public struct ChannelAccountProfile: Sendable, Hashable, Codable {
    public var name: String
    /// ISO 4217, as the channel reports it.
    public var currency: String
    /// IANA time zone, as the channel reports it.
    public var timeZone: String

    public init(name: String, currency: String, timeZone: String) {
        self.name = name
        self.currency = currency
        self.timeZone = timeZone
    }
}

/// Secrets that let Tradewind act on a channel account. Never returned, logged or audited: they
/// are sealed (`CredentialSealer`) before they are stored, and their description hides them.
public struct ChannelCredentials: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    /// OAuth refresh token (Google, Amazon; TikTok where issued).
    public var refreshToken: String?
    /// The current access token and when it stops working.
    public var accessToken: String?
    public var accessTokenExpiresAt: Date?
    /// The OAuth client (Google) or Login with Amazon client that the refresh token belongs to.
    public var clientID: String?
    public var clientSecret: String?
    /// Google Ads only.
    public var developerToken: String?
    public var loginCustomerID: String?

    public init(
        refreshToken: String? = nil, accessToken: String? = nil, accessTokenExpiresAt: Date? = nil,
        clientID: String? = nil, clientSecret: String? = nil, developerToken: String? = nil,
        loginCustomerID: String? = nil
    ) {
        self.refreshToken = refreshToken
        self.accessToken = accessToken
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.developerToken = developerToken
        self.loginCustomerID = loginCustomerID
    }

    public var description: String { "ChannelCredentials(redacted)" }
    public var debugDescription: String { description }

    /// The violations that make these credentials unusable on `channel`, under `prefix`.
    public func violations(for channel: AdChannel, prefix: String) -> [FieldViolation] {
        var collector = ViolationCollector()
        func need(_ value: String?, _ name: String) {
            if let value {
                collector.require(
                    FieldFormats.isPrintableText(value, maxLength: 4_096) && !value.contains(" "), "\(prefix).\(name)",
                    "must be 1 to 4096 printable characters without spaces")
            } else {
                collector.add("\(prefix).\(name)", "\(channel.rawValue) needs it")
            }
        }
        func optional(_ value: String?, _ name: String) {
            if value != nil { need(value, name) }
        }
        func notTaken(_ value: String?, _ name: String) {
            if value != nil { collector.add("\(prefix).\(name)", "\(channel.rawValue) takes no \(name)") }
        }
        switch channel {
        case .googleAds:
            need(refreshToken, "refresh_token")
            need(clientID, "client_id")
            need(clientSecret, "client_secret")
            need(developerToken, "developer_token")
            optional(accessToken, "access_token")
            if let login = loginCustomerID {
                let digits = login.replacingOccurrences(of: "-", with: "")
                collector.require(
                    digits.utf8.count == 10 && ChannelAccountIdentity.isDigits(digits), "\(prefix).login_customer_id",
                    "must be the manager account's ten-digit customer id")
            }
        case .meta:
            need(accessToken, "access_token")
            optional(clientID, "client_id")
            optional(clientSecret, "client_secret")
            notTaken(refreshToken, "refresh_token")
            notTaken(developerToken, "developer_token")
            notTaken(loginCustomerID, "login_customer_id")
        case .tiktok:
            need(accessToken, "access_token")
            optional(refreshToken, "refresh_token")
            optional(clientID, "client_id")
            optional(clientSecret, "client_secret")
            notTaken(developerToken, "developer_token")
            notTaken(loginCustomerID, "login_customer_id")
        case .amazonAds:
            need(refreshToken, "refresh_token")
            need(clientID, "client_id")
            need(clientSecret, "client_secret")
            optional(accessToken, "access_token")
            notTaken(developerToken, "developer_token")
            notTaken(loginCustomerID, "login_customer_id")
        }
        return collector.violations
    }
}
