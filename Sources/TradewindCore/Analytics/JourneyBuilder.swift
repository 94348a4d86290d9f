import Foundation

/// A touch or a conversion of one person, as attribution reads events.
public struct JourneyEvent: Sendable, Hashable {
    public var time: Date
    /// The touch's channel; `nil` for a conversion.
    public var channel: String?
    /// A conversion's revenue in micros of the reporting currency (0 when unknown).
    public var revenueMicros: Int64

    public static func touch(_ channel: String, at time: Date) -> JourneyEvent {
        JourneyEvent(time: time, channel: channel, revenueMicros: 0)
    }

    public static func conversion(at time: Date, revenueMicros: Int64) -> JourneyEvent {
        JourneyEvent(time: time, channel: nil, revenueMicros: revenueMicros)
    }
}

/// Journeys cut from people's events, with what could not become one.
public struct JourneySet: Sendable, Hashable {
    public var journeys: [Journey] = []
    /// Conversions in the window with no touch in the lookback before them: no channel earns them.
    public var conversionsWithoutTouches = 0

    public init() {}

    public var convertingJourneys: Int { journeys.reduce(0) { $0 + $1.conversions } }
    public var nullJourneys: Int { journeys.reduce(0) { $0 + $1.nulls } }
}

/// Cuts people's event streams into journeys for attribution.
public enum JourneyBuilder {
    /// Adds one person's journeys to `set`. `events` must be in time order.
    ///
    /// Each conversion in `window` closes a converting journey of the touches since the previous
    /// conversion that lie within `lookback` before it; touches after the person's last conversion
    /// form a journey that did not convert when the last of them lies in `window`. Conversions
    /// outside the window still close their journey, so their touches never leak into the next.
    public static func add(
        _ events: [JourneyEvent], lookback: TimeInterval, window: Range<Date>, to set: inout JourneySet
    ) {
        var touches: [Touch] = []
        for event in events {
            if let channel = event.channel {
                touches.append(Touch(channel: channel, time: event.time))
                continue
            }
            defer { touches.removeAll(keepingCapacity: true) }
            guard window.contains(event.time) else { continue }
            let recent = touches.filter { event.time.timeIntervalSince($0.time) <= lookback }
            if recent.isEmpty {
                set.conversionsWithoutTouches += 1
            } else {
                set.journeys.append(
                    Journey(
                        touches: recent, convertedAt: event.time, conversions: 1, nulls: 0,
                        revenueMicros: event.revenueMicros))
            }
        }
        if let last = touches.last, window.contains(last.time) {
            set.journeys.append(Journey(touches: touches, convertedAt: nil, conversions: 0, nulls: 1))
        }
    }
}
