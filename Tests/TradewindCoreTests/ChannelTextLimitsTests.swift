import Testing

@testable import TradewindCore

/// Each channel's limits per field, and text counted the way that channel counts it.
@Suite("Channel text limits")
struct ChannelTextLimitsTests {
    @Test("the limits per channel and field; a call to action picked from a list has none")
    func limits() {
        #expect(ChannelTextLimits.limit(channel: "google_ads", field: "headline") == 30)
        #expect(ChannelTextLimits.limit(channel: "google_ads", field: "description") == 90)
        #expect(ChannelTextLimits.limit(channel: "google_ads", field: "body") == nil)
        #expect(ChannelTextLimits.limit(channel: "meta", field: "body") == 2_200)
        #expect(ChannelTextLimits.recommendedLength(channel: "meta", field: "body") == 125)
        #expect(ChannelTextLimits.recommendedLength(channel: "meta", field: "headline") == 40)
        #expect(ChannelTextLimits.recommendedLength(channel: "meta", field: "description") == 25)
        #expect(ChannelTextLimits.limit(channel: "tiktok", field: "description") == 100)
        #expect(ChannelTextLimits.limit(channel: "tiktok", field: "headline") == nil)
        #expect(ChannelTextLimits.limit(channel: "amazon_ads", field: "headline") == 50)
        #expect(ChannelTextLimits.limit(channel: "amazon_ads", field: "headline", market: "JP") == 35)
        for channel in ["google_ads", "meta", "tiktok", "amazon_ads"] {
            #expect(ChannelTextLimits.limit(channel: channel, field: "call_to_action") == nil)
        }
        #expect(ChannelTextLimits.limit(channel: "myspace", field: "headline") == nil)
    }

    @Test("ASCII counts one per character on every channel")
    func ascii() {
        for channel in ["google_ads", "meta", "tiktok", "amazon_ads", "unknown"] {
            #expect(ChannelTextLimits.length(of: "Free shipping today", channel: channel) == 19)
        }
    }

    @Test("Google and TikTok count double-width characters twice; Meta and Amazon do not")
    func doubleWidth() {
        // 15 ideographs fill a 30-character Google headline: 半角 30 文字(全角 15 文字).
        let fifteen = String(repeating: "限", count: 15)
        #expect(ChannelTextLimits.length(of: fifteen, channel: "google_ads") == 30)
        #expect(ChannelTextLimits.fieldsOverLimit(["headline": fifteen], channel: "google_ads") == [])
        #expect(
            ChannelTextLimits.fieldsOverLimit(["headline": fifteen + "。"], channel: "google_ads")
                == [.init(field: "headline", length: 32, limit: 30, consequence: .refused)])
        #expect(ChannelTextLimits.length(of: "セール 50% OFF", channel: "google_ads") == 6 + 8)
        #expect(ChannelTextLimits.length(of: "한국어 광고", channel: "tiktok") == 10 + 1)
        #expect(ChannelTextLimits.length(of: "全角ＡＢＣ", channel: "google_ads") == 10)
        #expect(ChannelTextLimits.length(of: fifteen, channel: "meta") == 15)
        #expect(ChannelTextLimits.length(of: fifteen, channel: "amazon_ads") == 15)
        // Half-width katakana are single width.
        #expect(ChannelTextLimits.length(of: "ｾｰﾙ", channel: "google_ads") == 3)
        // Arabic, Thai and Cyrillic are single width.
        #expect(ChannelTextLimits.length(of: "خصم كبير", channel: "google_ads") == 8)
        #expect(ChannelTextLimits.length(of: "ลดราคา", channel: "google_ads") == 6)
    }

    @Test("emoji: one double-width symbol on Google and TikTok, each code point on Meta and Amazon")
    func emoji() {
        let thumbs = "👍🏽"  // thumbs up with a skin tone: 2 code points
        let family = "👨‍👩‍👧"  // man, ZWJ, woman, ZWJ, girl: 5 code points
        let heart = "❤️"  // heart and U+FE0F: 2 code points
        #expect(ChannelTextLimits.length(of: thumbs, channel: "google_ads") == 2)
        #expect(ChannelTextLimits.length(of: family, channel: "google_ads") == 2)
        #expect(ChannelTextLimits.length(of: heart, channel: "tiktok") == 2)
        #expect(ChannelTextLimits.length(of: thumbs, channel: "meta") == 2)
        #expect(ChannelTextLimits.length(of: family, channel: "meta") == 5)
        #expect(ChannelTextLimits.length(of: family, channel: "amazon_ads") == 5)
    }

    @Test("combining marks add nothing to a display width, and count as code points elsewhere")
    func combiningMarks() {
        let composed = "Café"
        let decomposed = "Cafe\u{301}"
        #expect(ChannelTextLimits.length(of: composed, channel: "google_ads") == 4)
        #expect(ChannelTextLimits.length(of: decomposed, channel: "google_ads") == 4)
        #expect(ChannelTextLimits.length(of: composed, channel: "meta") == 4)
        #expect(ChannelTextLimits.length(of: decomposed, channel: "meta") == 5)
        // Arabic with vowel marks: the marks ride on their letters.
        #expect(ChannelTextLimits.length(of: "اشترِ", channel: "google_ads") == 4)
        #expect(ChannelTextLimits.length(of: "اشترِ", channel: "amazon_ads") == 5)
    }

    @Test("the fields over their limits: refused over the maximum, truncated over the recommendation")
    func overruns() {
        let fields = [
            "body": String(repeating: "a", count: 126), "headline": String(repeating: "b", count: 256),
            "description": "short", "call_to_action": "SHOP_NOW",
        ]
        #expect(
            ChannelTextLimits.fieldsOverLimit(fields, channel: "meta") == [
                .init(field: "body", length: 126, limit: 125, consequence: .truncated),
                .init(field: "headline", length: 256, limit: 255, consequence: .refused),
            ])
        let headline = String(repeating: "x", count: 40)
        #expect(ChannelTextLimits.fieldsOverLimit(["headline": headline], channel: "amazon_ads") == [])
        #expect(
            ChannelTextLimits.fieldsOverLimit(["headline": headline], channel: "amazon_ads", market: "JP")
                == [.init(field: "headline", length: 40, limit: 35, consequence: .refused)])
        #expect(
            ChannelTextLimits.fieldsOverLimit(["description": String(repeating: "广", count: 51)], channel: "tiktok")
                == [.init(field: "description", length: 102, limit: 100, consequence: .refused)])
    }
}
