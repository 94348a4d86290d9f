import Foundation

/// Amazon Ads serves each marketplace from one of three regional hosts, and Login with Amazon
/// has one token host per region (advertising.amazon.com/API/docs/en-us/info/api-overview).
public enum AmazonAdsRegion: String, Sendable, Hashable, CaseIterable {
    case northAmerica = "NA"
    case europe = "EU"
    case farEast = "FE"

    /// The region of a marketplace id; nil for one Tradewind does not know.
    public static func of(marketplaceID: String) -> AmazonAdsRegion? { marketplaces[marketplaceID]?.region }

    /// Marketplace id → (country, region), Amazon's published ids.
    static let marketplaces: [String: (country: String, region: AmazonAdsRegion)] = [
        "ATVPDKIKX0DER": ("US", .northAmerica), "A2EUQ1WTGCTBG2": ("CA", .northAmerica),
        "A1AM78C64UM0Y8": ("MX", .northAmerica), "A2Q3Y263D00KWC": ("BR", .northAmerica),
        "A1F83G8C2ARO7P": ("GB", .europe), "A1PA6795UKMFR9": ("DE", .europe), "A13V1IB3VIYZZH": ("FR", .europe),
        "APJ6JRA9NG5V4": ("IT", .europe), "A1RKKUPIHCS9HS": ("ES", .europe), "A1805IZSGTT6HS": ("NL", .europe),
        "A2NODRKZP88ZB9": ("SE", .europe), "A1C3SOZRARQ6R3": ("PL", .europe), "A33AVAJ2PDY3EV": ("TR", .europe),
        "AMEN7PMS3EDWL": ("BE", .europe), "A2VIGQ35RCS4UG": ("AE", .europe), "A17E79C6D8DWNP": ("SA", .europe),
        "ARBP9OOSHTCHU": ("EG", .europe), "A21TJRUUN4KGV": ("IN", .europe), "A28R8C7NBKEWEA": ("IE", .europe),
        "A1VC38T7YXB528": ("JP", .farEast), "A39IBJ37TRP1C6": ("AU", .farEast), "A19VAU5U5O7RUS": ("SG", .farEast),
    ]
}

/// Base URLs of every host the connectors call: the real APIs by default, one sandbox origin in
/// development and tests. Paths below a base are the channel's own (`/v21/customers/…`,
/// `/v25.0/act_…`, `/open_api/v1.3/…`, `/sp/campaigns`).
public struct ChannelEndpoints: Sendable, Hashable {
    public var googleAds: URL
    /// `POST /token`.
    public var googleOAuth: URL
    /// Graph API; paths start with `/v25.0/`.
    public var meta: URL
    /// Paths start with `/open_api/v1.3/`.
    public var tiktok: URL
    /// Used for every marketplace unless `amazonAdsRegions` names the marketplace's region.
    public var amazonAds: URL
    /// `POST /auth/o2/token`; used unless `amazonAuthRegions` names the region.
    public var amazonAuth: URL
    /// The real regional hosts (empty for a sandbox, which serves every region on one origin).
    public var amazonAdsRegions: [AmazonAdsRegion: URL]
    public var amazonAuthRegions: [AmazonAdsRegion: URL]

    public init(
        googleAds: URL, googleOAuth: URL, meta: URL, tiktok: URL, amazonAds: URL, amazonAuth: URL,
        amazonAdsRegions: [AmazonAdsRegion: URL] = [:], amazonAuthRegions: [AmazonAdsRegion: URL] = [:]
    ) {
        self.googleAds = googleAds
        self.googleOAuth = googleOAuth
        self.meta = meta
        self.tiktok = tiktok
        self.amazonAds = amazonAds
        self.amazonAuth = amazonAuth
        self.amazonAdsRegions = amazonAdsRegions
        self.amazonAuthRegions = amazonAuthRegions
    }

    /// The channels' production hosts; Amazon by the marketplace's region.
    public static let production = ChannelEndpoints(
        googleAds: fixed("https://googleads.googleapis.com"),
        googleOAuth: fixed("https://oauth2.googleapis.com"),
        meta: fixed("https://graph.facebook.com"),
        tiktok: fixed("https://business-api.tiktok.com"),
        amazonAds: fixed("https://advertising-api-eu.amazon.com"),
        amazonAuth: fixed("https://api.amazon.com"),
        amazonAdsRegions: [
            .northAmerica: fixed("https://advertising-api.amazon.com"),
            .europe: fixed("https://advertising-api-eu.amazon.com"),
            .farEast: fixed("https://advertising-api-fe.amazon.com"),
        ],
        amazonAuthRegions: [
            .northAmerica: fixed("https://api.amazon.com"),
            .europe: fixed("https://api.amazon.co.uk"),
            .farEast: fixed("https://api.amazon.co.jp"),
        ])

    /// Every host under one sandbox origin: `base/google-ads`, `base/google-oauth`, `base/meta`,
    /// `base/tiktok`, `base/amazon-ads`, `base/amazon-auth`.
    public static func sandbox(_ base: URL) -> ChannelEndpoints {
        ChannelEndpoints(
            googleAds: base.appendingPathComponent("google-ads"),
            googleOAuth: base.appendingPathComponent("google-oauth"),
            meta: base.appendingPathComponent("meta"),
            tiktok: base.appendingPathComponent("tiktok"),
            amazonAds: base.appendingPathComponent("amazon-ads"),
            amazonAuth: base.appendingPathComponent("amazon-auth"))
    }

    /// The Amazon Ads host for a profile's marketplace.
    public func amazonAds(marketplaceID: String?) -> URL {
        marketplaceID.flatMap(AmazonAdsRegion.of(marketplaceID:)).flatMap { amazonAdsRegions[$0] } ?? amazonAds
    }

    /// The Login with Amazon host for a profile's marketplace.
    public func amazonAuth(marketplaceID: String?) -> URL {
        marketplaceID.flatMap(AmazonAdsRegion.of(marketplaceID:)).flatMap { amazonAuthRegions[$0] } ?? amazonAuth
    }

    private static func fixed(_ text: String) -> URL {
        // The literals above are valid URLs; a failure here is a typo caught by the first test.
        guard let url = URL(string: text) else { preconditionFailure("not a URL: \(text)") }
        return url
    }
}

/// How the connectors reach the channels.
public struct ChannelClientConfiguration: Sendable {
    public var endpoints: ChannelEndpoints
    /// A PEM file of trusted roots (the sandbox's CA), or nil for the system's roots.
    public var trustRootsPEMPath: String?
    public var connectTimeout: Duration
    /// Bounds one exchange from sending to the last byte of the response.
    public var requestTimeout: Duration
    public var maximumConnectionsPerHost: Int
    /// Amazon's asynchronous reports: the first poll's delay, doubled each time up to the maximum,
    /// until the whole wait passes (then `transient`, to be picked up by the next sync).
    public var reportPollInitialDelay: Duration
    public var reportPollMaximumDelay: Duration
    public var reportMaximumWait: Duration

    public init(
        endpoints: ChannelEndpoints = .production, trustRootsPEMPath: String? = nil,
        connectTimeout: Duration = .seconds(5), requestTimeout: Duration = .seconds(30),
        maximumConnectionsPerHost: Int = 8, reportPollInitialDelay: Duration = .seconds(2),
        reportPollMaximumDelay: Duration = .seconds(30), reportMaximumWait: Duration = .seconds(300)
    ) {
        self.endpoints = endpoints
        self.trustRootsPEMPath = trustRootsPEMPath
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maximumConnectionsPerHost = maximumConnectionsPerHost
        self.reportPollInitialDelay = reportPollInitialDelay
        self.reportPollMaximumDelay = reportPollMaximumDelay
        self.reportMaximumWait = reportMaximumWait
    }
}
