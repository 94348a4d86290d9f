/// The four emulated ad channels, named as the control API and the request log name them.
public enum AdChannel: String, Sendable, Codable, CaseIterable, CodingKeyRepresentable {
    case googleAds = "google-ads"
    case meta
    case tiktok
    case amazonAds = "amazon-ads"
}

/// The levels of the object tree every channel has, under its own names (B1 in the anchors):
/// Google campaign budget / campaign / ad group / ad group ad, Meta campaign / ad set / ad creative / ad,
/// TikTok campaign / ad group / ad, Amazon campaign / ad group / product ad.
public enum ObjectLevel: String, Sendable, Codable {
    case budget
    case campaign
    case adGroup = "ad_group"
    case creative
    case ad
    /// Google's campaign criteria: the places and languages a Search campaign targets.
    case criterion
}
