import Foundation
import Testing

@testable import TradewindCore

/// Values that are stored keep their meaning: codes are pinned by hand here, so reordering or
/// inserting a case, or renumbering one, fails this test instead of re-attributing stored journeys.
@Suite("Stored codes")
struct StoredCodesTests {
    /// The codes stored journeys carry today. Append a new channel with the next free code; never
    /// change or reuse a line.
    static let pinned: [String: Int] = [
        "google_ads": 1, "meta": 2, "tiktok": 3, "amazon_ads": 4, "email": 5, "organic": 6,
    ]

    @Test("every channel has its pinned code, codes are unique and fit the packing")
    func channelCodesArePinned() {
        #expect(Dictionary(uniqueKeysWithValues: Channel.allCases.map { ($0.rawValue, $0.storedCode) }) == Self.pinned)
        #expect(Set(Channel.allCases.map(\.storedCode)).count == Channel.allCases.count)
        #expect(Channel.allCases.allSatisfy { (1...PackedTouch.maxChannelCode).contains($0.storedCode) })
        for channel in Channel.allCases { #expect(Channel(storedCode: channel.storedCode) == channel) }
        #expect(Channel(storedCode: 0) == nil && Channel(storedCode: 7) == nil && Channel(storedCode: 64) == nil)
    }

    @Test("the packing has room for at least 60 channels")
    func roomForSixtyChannels() {
        #expect(PackedTouch.maxChannelCode >= 60)
        // The highest code, clicked, at a time far in the future, still reads back as itself.
        let milliseconds: Int64 = 4_102_444_800_000  // 2100-01-01
        let packed = milliseconds * 128 + 64 + Int64(PackedTouch.maxChannelCode)
        #expect(PackedTouch.milliseconds(packed) == milliseconds && PackedTouch.isClick(packed))
        #expect(!PackedTouch.isConversion(packed))
    }

    @Test("a packed touch reads back as what was packed; packed values sort by time, a conversion first")
    func packingRoundTrips() {
        let milliseconds: Int64 = 1_764_892_800_123
        for channel in Channel.allCases {
            for click in [false, true] {
                let packed = PackedTouch.touch(milliseconds: milliseconds, click: click, channel: channel)
                #expect(PackedTouch.milliseconds(packed) == milliseconds)
                #expect(PackedTouch.isClick(packed) == click)
                #expect(PackedTouch.channel(packed) == channel && !PackedTouch.isConversion(packed))
            }
        }
        let conversion = PackedTouch.conversion(milliseconds: milliseconds)
        #expect(PackedTouch.isConversion(conversion) && PackedTouch.channel(conversion) == nil)
        #expect(conversion < PackedTouch.touch(milliseconds: milliseconds, click: false, channel: .googleAds))
        #expect(
            PackedTouch.touch(milliseconds: milliseconds, click: true, channel: .organic)
                < PackedTouch.conversion(milliseconds: milliseconds + 1))
        #expect(PackedTouch.start(milliseconds: milliseconds) == conversion)
    }
}
