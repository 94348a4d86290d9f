import TradewindCore

/// A linked ad account as a connector needs it: who it is on the channel, its currency and time
/// zone (both as the channel reported them at `verify`), and channel-specific settings.
public struct ChannelAccount: Sendable, Hashable {
    public var identity: ChannelAccountIdentity
    /// ISO 4217.
    public var currency: String
    /// IANA name; dates sent to and read from the channel are days in this zone.
    public var timeZone: String
    /// Channel-specific settings, by the keys in `ChannelAccount.Setting`.
    public var settings: [String: String]

    public init(identity: ChannelAccountIdentity, currency: String, timeZone: String, settings: [String: String] = [:])
    {
        self.identity = identity
        self.currency = currency
        self.timeZone = timeZone
        self.settings = settings
    }

    /// The keys of `settings` a connector reads.
    public enum Setting {
        /// Meta: the Facebook Page that ad creatives are published as (`object_story_spec.page_id`).
        public static let metaPageID = "meta.page_id"
        /// TikTok: the identity that ads are published as (`identity_id`), with its type.
        public static let tiktokIdentityID = "tiktok.identity_id"
        /// `CUSTOMIZED_USER` (default), `AUTH_CODE`, `TT_USER` or `BC_AUTH_TT`.
        public static let tiktokIdentityType = "tiktok.identity_type"
        /// Meta: the pixel a sales or leads ad set optimises for (`promoted_object.pixel_id`).
        public static let metaPixelID = "meta.pixel_id"
        /// Amazon Ads: the Amazon DSP advertiser that customer lists belong to
        /// (`targetResource.advertiserId` of `POST /amc/audiences/metadata`).
        public static let amazonDSPAdvertiserID = "amazon.dsp_advertiser_id"
    }
}

/// The handle that finds a published campaign again on its channel: `tw-` and 20 hex digits,
/// derived by the server from the campaign id. Each connector stamps it on every object it
/// creates (see `ChannelMapping.md`, "Reference").
public struct ChannelReference: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    public var description: String { value }

    /// The suffix appended to names where the channel has no field for an external id: ` [tw-…]`
    /// for the campaign, ` [tw-…/g2]` for its third ad group, ` [tw-…/g2a0]` for that group's
    /// first ad. Square brackets are allowed in names on every channel, and the suffix is what
    /// `find` searches for.
    func nameSuffix(group: Int? = nil, ad: Int? = nil) -> String {
        var tag = value
        if let group { tag += "/g\(group)" }
        if let ad { tag += "a\(ad)" }
        return " [\(tag)]"
    }

    /// The stamp inside the brackets.
    var bracketed: String { "[\(value)" }
}

/// One ad channel, spoken in its own REST wire format. The only place a channel's wire format is
/// known: the server sees campaign trees, references and `ChannelError`s.
public protocol ChannelConnector: Sendable {
    var channel: AdChannel { get }

    /// Pure, no I/O: what the wire mapping adds to Core's `CampaignValidation` for this channel
    /// (a country or language with no channel id in the mapping tables, Meta's page id missing).
    /// Field paths as `CampaignValidation`'s under `prefix`; messages name the channel.
    func violations(of tree: CampaignTree, currency: String, prefix: String) -> [FieldViolation]

    /// Like `violations(of:currency:prefix:)`, with what only the linked account can tell (Meta's
    /// page id, TikTok's identity).
    func violations(of tree: CampaignTree, in account: ChannelAccount, prefix: String) -> [FieldViolation]

    /// Reads the account with these credentials: Google `customer` by GAQL, Meta `GET act_<id>`,
    /// TikTok `advertiser/info`, Amazon `GET /v2/profiles/{id}`. Refused credentials throw
    /// `unauthorized`.
    func verify(_ account: ChannelAccountIdentity, session: ChannelSession) async throws(ChannelError)
        -> ChannelAccountProfile

    /// Creates what is missing of the tree, every object stamped with `reference`. With
    /// `lookUpFirst` (after an ambiguous failure) it first finds what exists by reference and
    /// creates only the rest, so nothing is created twice. Returns the channel ids of everything.
    func publish(
        _ tree: CampaignTree, reference: ChannelReference, lookUpFirst: Bool, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> PublishedCampaign

    /// The campaign stamped with `reference`, with its ad groups and ads, or nil.
    func find(_ reference: ChannelReference, in account: ChannelAccount, session: ChannelSession)
        async throws(ChannelError) -> PublishedCampaign?

    /// Active, paused or archived, on the campaign (and whatever level the channel needs).
    func setStatus(
        _ status: CampaignStatus, of campaign: PublishedCampaign, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError)

    func setBudget(
        _ budget: Budget, of campaign: PublishedCampaign, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError)

    /// Sends the tree's current name (stamped with `reference`, so `find` still finds it), end
    /// date and bid strategy to the published campaign, at whatever level the channel keeps each
    /// (campaign, ad groups or both), in the mapping `publish` uses. Idempotent: it always sends
    /// the whole current state, never a difference.
    func updateSettings(
        of tree: CampaignTree, campaign: PublishedCampaign, reference: ChannelReference, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError)

    /// Daily figures by campaign, ad group or ad (each row then names its ad group and ad), for `from`
    /// through `through`, days in the account's time zone, money in micros exactly.
    func dailyMetrics(
        _ level: ChannelMetricLevel, from: CalendarDay, through: CalendarDay, in account: ChannelAccount,
        session: ChannelSession
    ) async throws(ChannelError) -> [ChannelDailyMetric]

    /// Active or paused, on one published ad group (Meta's ad set) only: Google `adGroups:mutate`
    /// `status`, Meta `POST /<ad set id>` `status`, TikTok `adgroup/status/update/`, Amazon
    /// `PUT /sp/adGroups` `state`.
    func setAdGroupStatus(
        _ status: CampaignStatus, adGroupID: String, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError)

    /// Active or paused, on one published ad: Google `adGroupAds:mutate` `status` (the ad's
    /// resource is `{ad group id}~{ad id}`), Meta `POST /<ad id>` `status`, TikTok
    /// `ad/status/update/`, Amazon `PUT /sp/productAds` `state`.
    func setAdStatus(
        _ status: CampaignStatus, adID: String, adGroupID: String, in account: ChannelAccount, session: ChannelSession
    ) async throws(ChannelError)
}

extension ChannelConnector {
    public func violations(of tree: CampaignTree, in account: ChannelAccount, prefix: String) -> [FieldViolation] {
        violations(of: tree, currency: account.currency, prefix: prefix)
    }
}
