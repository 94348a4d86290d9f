/// How long each ad channel lets a field of copy be, counted the way that channel counts.
///
/// Fields are `headline`, `description`, `body` and `call_to_action`, channels `google_ads`,
/// `meta`, `tiktok` and `amazon_ads`. Each channel's fields go by that channel's own names: Meta's
/// primary text is the `body`, its link description the `description`; TikTok's only text, which
/// it calls the ad description, is the `description`. A field a channel does not take as free text
/// (every channel's call to action is picked from a fixed list) has no limit.
///
/// Two ways of counting, chosen per channel from what the channel says:
/// - Google Ads and TikTok count width: a double-width character (Chinese, Japanese, Korean,
///   full-width forms) counts 2, anything else 1, per grapheme cluster, so an accent written as a
///   combining mark adds nothing and an emoji sequence counts once, as the double-width symbol it
///   is displayed as.
/// - Where a channel does not say how it counts (Meta, Amazon), each Unicode code point counts 1.
///   That is the stricter reading: a combining accent or an emoji sequence is more than one code
///   point, so a text that passes here is not refused by the channel for its length.
///
/// Sources are given next to each figure; "unverified" marks one whose primary source could not be
/// read, with where the figure comes from.
public enum ChannelTextLimits {
    public enum Counting: String, Sendable, Hashable {
        /// Per grapheme cluster: 2 for a double-width one, 1 otherwise.
        case displayWidth = "display_width"
        /// Per Unicode code point: 1 each.
        case codePoints = "code_points"
    }

    /// One field's limits on one channel.
    private struct FieldLimit {
        /// The longest text the channel accepts; longer is refused.
        let maximum: Int
        /// The longest text the channel shows without truncating it, where that is less.
        let recommended: Int?
    }

    /// A field longer than its channel allows or shows.
    public struct Overrun: Sendable, Hashable {
        public enum Consequence: String, Sendable, Hashable {
            /// Over the maximum: the channel refuses the text.
            case refused
            /// Over the recommended length only: the channel cuts the text off where it shows it.
            case truncated
        }

        public let field: String
        /// The field's length, counted the channel's way.
        public let length: Int
        /// The limit it is over.
        public let limit: Int
        public let consequence: Consequence
    }

    /// How `channel` counts; nil for a channel Tradewind does not know.
    public static func counting(channel: String) -> Counting? {
        switch channel {
        case "google_ads", "tiktok": .displayWidth
        case "meta", "amazon_ads": .codePoints
        default: nil
        }
    }

    /// The most `channel` accepts in `field`, counted by `length(of:channel:)`; nil when the channel
    /// takes no free text there. `market` (ISO 3166-1, `JP`) matters where a channel has a
    /// market's own limit.
    public static func limit(channel: String, field: String, market: String? = nil) -> Int? {
        if channel == "amazon_ads", field == "headline", market?.uppercased() == "JP" { return amazonJapanHeadline }
        return limits[channel]?[field]?.maximum
    }

    /// The most `channel` shows in `field` before cutting it off, where that is less than the limit.
    public static func recommendedLength(channel: String, field: String) -> Int? {
        limits[channel]?[field]?.recommended
    }

    /// The length of `text` as `channel` counts it; code points for a channel it does not know.
    public static func length(of text: String, channel: String) -> Int {
        switch counting(channel: channel) ?? .codePoints {
        case .codePoints:
            text.unicodeScalars.count
        case .displayWidth:
            text.reduce(0) { $0 + (isDoubleWidth($1) ? 2 : 1) }
        }
    }

    /// The fields of `fields` (field name to text) that `channel` would refuse or cut off, in field
    /// name order.
    public static func fieldsOverLimit(_ fields: [String: String], channel: String, market: String? = nil)
        -> [Overrun]
    {
        fields.keys.sorted().compactMap { field in
            let length = length(of: fields[field]!, channel: channel)
            if let maximum = limit(channel: channel, field: field, market: market), length > maximum {
                return Overrun(field: field, length: length, limit: maximum, consequence: .refused)
            }
            if let recommended = recommendedLength(channel: channel, field: field), length > recommended {
                return Overrun(field: field, length: length, limit: recommended, consequence: .truncated)
            }
            return nil
        }
    }

    private static let limits: [String: [String: FieldLimit]] = [
        // Responsive search ads. "The headline fields for responsive search ads support up to 30
        // characters. The description fields support up to 90 characters each … Every character in
        // a double width language like Korean, Japanese, or Chinese counts as 2 characters."
        // (support.google.com/google-ads/answer/7684791; unverified: that page could not be read
        // here, the sentence is as quoted by a public repository). Verified: the Performance Max
        // specs (support.google.com/google-ads/answer/17091269) give headlines "30 characters max"
        // and descriptions "90 characters maximum" and note that "the length limits are the same
        // across all languages"; Google's Japanese asset specs (answer/13676244?hl=ja) give
        // headlines as "半角 30 文字(全角 15 文字)" and descriptions as "半角 90 文字(全角 45 文字)";
        // the Google Ads API calls the limit a "maximum display width" (DemandGenMultiAssetAdInfo).
        // The call to action is "automated by default, or select from a list" (answer/17091269).
        "google_ads": [
            "headline": FieldLimit(maximum: 30, recommended: nil),
            "description": FieldLimit(maximum: 90, recommended: nil),
        ],
        // Recommended lengths: "125 characters for the Primary Text field, 40 characters for the
        // Headline field and 25 characters for the Description field" (Meta's ads guide as quoted
        // by third-party guides; unverified: Meta's own page could not be read here). Maximums
        // (unverified): 2,200 for the primary text and 255 for the headline are the figures
        // Tradewind's campaign rules already use (`ChannelRules.meta`); 255 for the description is
        // a third-party figure (socialrails.com). Third-party guides disagree on all three. The
        // call to action is a type from Meta's list (`link_data.call_to_action`, Marketing API).
        "meta": [
            "body": FieldLimit(maximum: 2_200, recommended: 125),
            "headline": FieldLimit(maximum: 255, recommended: 40),
            "description": FieldLimit(maximum: 255, recommended: 25),
        ],
        // "For descriptions, we support 1-100 Latin alphabet characters and 1-50 Asian characters
        // … Punctuation marks and spaces count as characters", and no emoji (TikTok Ads Manager
        // help, "Global App Bundle image ad specifications", ads.tiktok.com/help/article/
        // image-ads-specification, July 2025). The 1 to 100 characters of in-feed ad text is also
        // what `ChannelRules.tiktok` uses; that Asian characters count double there too, and which
        // characters TikTok calls Asian, are unverified: this counts the double-width ones. No
        // headline; the call to action is picked from a list.
        "tiktok": [
            "description": FieldLimit(maximum: 100, recommended: nil)
        ],
        // Sponsored Brands: "The headline text. Maximum length of the string is 50 characters
        // for all marketplaces other than Japan, which has a maximum length of 35 characters."
        // (Amazon Ads API, Sponsored Brands v4, `BrandVideoCreative.headline`, read in the models
        // generated from Amazon's OpenAPI definition; unverified on advertising.amazon.com). How
        // Amazon counts characters is unverified. Sponsored Products carry no copy.
        "amazon_ads": [
            "headline": FieldLimit(maximum: 50, recommended: nil)
        ],
    ]

    private static let amazonJapanHeadline = 35

    /// A character displayed double-width: East Asian Wide or Fullwidth in UAX #11. Emoji are
    /// recognised by their presentation (Emoji_Presentation, or a U+FE0F variation selector),
    /// which is how UAX #11 gives them their width.
    static func isDoubleWidth(_ character: Character) -> Bool {
        guard let first = character.unicodeScalars.first else { return false }
        if first.properties.isEmojiPresentation || character.unicodeScalars.contains("\u{FE0F}") { return true }
        return doubleWidthRanges.contains { $0.contains(first.value) }
    }

    /// The East Asian Wide and Fullwidth blocks (Unicode's EastAsianWidth.txt, by block). Half-width
    /// katakana and Hangul (U+FF61 to U+FFDC) are not among them: they count 1.
    private static let doubleWidthRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F,  // Hangul Jamo initial consonants
        0x2E80...0x303E,  // CJK and Kangxi radicals, ideographic description, CJK symbols and punctuation
        0x3041...0x33FF,  // kana, Bopomofo, Hangul compatibility Jamo, Kanbun, enclosed CJK, CJK compatibility
        0x3400...0x4DBF,  // CJK Unified Ideographs Extension A
        0x4E00...0x9FFF,  // CJK Unified Ideographs
        0xA000...0xA4CF,  // Yi
        0xA960...0xA97F,  // Hangul Jamo Extended-A
        0xAC00...0xD7A3,  // Hangul syllables
        0xF900...0xFAFF,  // CJK Compatibility Ideographs
        0xFE10...0xFE19,  // vertical forms
        0xFE30...0xFE6F,  // CJK compatibility forms, small form variants
        0xFF00...0xFF60,  // full-width ASCII and brackets
        0xFFE0...0xFFE6,  // full-width signs (￥, ￠)
        0x16FE0...0x18CFF,  // ideographic symbols, Tangut, Khitan
        0x1AFF0...0x1B2FF,  // kana supplements, Nushu
        0x1F200...0x1F2FF,  // enclosed ideographic supplement
        0x20000...0x3FFFD,  // CJK Unified Ideographs Extensions B onwards
    ]
}
