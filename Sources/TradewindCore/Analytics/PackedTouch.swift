/// How a journey stores one touchpoint or conversion in a single `int8` (`journeys.touches`):
///
///     milliseconds since 1970 × 128  +  64 for a click  +  the channel's stored code (0: a conversion)
///
/// Six bits of channel code leave room for 63 channels; a new one takes the next free
/// `Channel.storedCode`, so stored journeys never change meaning. Sorting packed values sorts by
/// time, and within a millisecond puts a conversion (code 0) first.
public enum PackedTouch {
    /// Codes 1...63 name channels.
    public static let maxChannelCode = 63
    static let clickFlag: Int64 = 64
    static let timeScale: Int64 = 128

    public static func touch(milliseconds: Int64, click: Bool, channel: Channel) -> Int64 {
        milliseconds * timeScale + (click ? clickFlag : 0) + Int64(channel.storedCode)
    }

    public static func conversion(milliseconds: Int64) -> Int64 { milliseconds * timeScale }

    /// The smallest packed value at `milliseconds`: packed values from it on happened at or after it.
    public static func start(milliseconds: Int64) -> Int64 { milliseconds * timeScale }

    public static func milliseconds(_ packed: Int64) -> Int64 { packed >> 7 }
    public static func isClick(_ packed: Int64) -> Bool { packed & clickFlag != 0 }
    public static func isConversion(_ packed: Int64) -> Bool { packed & Int64(maxChannelCode) == 0 }
    /// The channel of a touchpoint; nil for a conversion (or a code no channel has).
    public static func channel(_ packed: Int64) -> Channel? { Channel(storedCode: Int(packed & Int64(maxChannelCode))) }
}
