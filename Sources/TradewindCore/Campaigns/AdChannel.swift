/// The ad channels Tradewind publishes campaigns to. A fifth channel is a new case here, its
/// connector in `TradewindChannels` and one migration that widens the stored code's check.
public enum AdChannel: String, CaseIterable, Sendable, Hashable, Codable {
    case googleAds = "google_ads"
    case meta
    case tiktok
    case amazonAds = "amazon_ads"

    /// The code stored in `channel` columns. Pinned, and equal to the touchpoint channel's code,
    /// so that a campaign's spend and its touchpoints join on one number.
    public var storedCode: Int { touchpointChannel.storedCode }

    public init?(storedCode: Int) {
        guard let channel = Self.allCases.first(where: { $0.storedCode == storedCode }) else { return nil }
        self = channel
    }

    /// The channel touchpoints from this channel's ads carry.
    public var touchpointChannel: Channel {
        switch self {
        case .googleAds: .googleAds
        case .meta: .meta
        case .tiktok: .tiktok
        case .amazonAds: .amazonAds
        }
    }

    /// The rules this channel imposes on what it is sent.
    public var rules: ChannelRules { ChannelRules.of(self) }
}
