/// The ad channels and owned channels a touchpoint can come from.
public enum Channel: String, CaseIterable, Sendable, Hashable, Codable {
    case googleAds = "google_ads"
    case meta
    case tiktok
    case amazonAds = "amazon_ads"
    case email
    case organic

    /// The number stored journeys use for the channel (`PackedTouch`). Pinned: never renumber or
    /// reuse a code, whatever the order of the cases; a new channel takes the next free one
    /// (at most `PackedTouch.maxChannelCode`), together with the migration that adds it to the
    /// `events.channel` check.
    public var storedCode: Int {
        switch self {
        case .googleAds: 1
        case .meta: 2
        case .tiktok: 3
        case .amazonAds: 4
        case .email: 5
        case .organic: 6
        }
    }

    public init?(storedCode: Int) {
        guard Self.byStoredCode.indices.contains(storedCode), let channel = Self.byStoredCode[storedCode] else {
            return nil
        }
        self = channel
    }

    /// Indexed by code: unpacking journeys looks a channel up for every touch.
    private static let byStoredCode: [Channel?] = (0...PackedTouch.maxChannelCode).map { code in
        allCases.first { $0.storedCode == code }
    }
}

/// Whether an ad was seen or clicked.
public enum TouchpointType: String, CaseIterable, Sendable, Hashable, Codable {
    case impression
    case click
}
