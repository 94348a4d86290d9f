import Foundation

/// One touch of a journey: which channel, and when.
public struct Touch: Sendable, Hashable {
    public var channel: String
    public var time: Date

    public init(channel: String, time: Date) {
        self.channel = channel
        self.time = time
    }
}

/// A person's ordered touches up to a conversion (or up to the end of the data, when it did not
/// convert). `conversions` and `nulls` let identical paths be passed once with their counts.
public struct Journey: Sendable, Hashable {
    public var touches: [Touch]
    /// When the journey converted; `nil` for a journey that did not.
    public var convertedAt: Date?
    public var conversions: Int
    public var nulls: Int
    /// Revenue of its conversions, in micros of the reporting currency.
    public var revenueMicros: Int64

    public init(touches: [Touch], convertedAt: Date?, conversions: Int, nulls: Int, revenueMicros: Int64 = 0) {
        self.touches = touches
        self.convertedAt = convertedAt
        self.conversions = conversions
        self.nulls = nulls
        self.revenueMicros = revenueMicros
    }

    /// A path of channel names with counts, for models that ignore time (Markov, Shapley).
    public static func path(_ channels: [String], conversions: Int, nulls: Int, revenueMicros: Int64 = 0) -> Journey {
        let start = Date(timeIntervalSince1970: 0)
        return Journey(
            touches: channels.enumerated().map { Touch(channel: $1, time: start.addingTimeInterval(Double($0))) },
            convertedAt: conversions > 0 ? start.addingTimeInterval(Double(channels.count)) : nil,
            conversions: conversions, nulls: nulls, revenueMicros: revenueMicros)
    }
}

/// The attribution models. Definitions are in `Protos/tradewind/v1/analytics.proto` comments too.
public enum AttributionModel: Sendable, Hashable {
    /// All credit to the first touch.
    case firstTouch
    /// All credit to the last touch.
    case lastTouch
    /// Equal credit to every touch.
    case linear
    /// Credit halves every `halfLife` before the conversion.
    case timeDecay(halfLife: TimeInterval)
    /// 40 % to the first touch, 40 % to the last, 20 % shared by the touches between.
    case positionBased
    /// First-order Markov removal effect, solved exactly from the absorbing chain.
    case markov
    /// Simplified Shapley value (Zhao et al. 2018): each converting journey's credit is shared
    /// equally by the distinct channels it touched.
    case shapley

    public static let defaultHalfLife: TimeInterval = 7 * 86_400
}

/// What one channel is credited with.
public struct ChannelCredit: Sendable, Hashable {
    public var channel: String
    /// Conversions credited (fractions of conversions).
    public var conversions: Double
    /// Revenue credited, in micros, rounded to whole micros.
    public var revenueMicros: Int64
    /// Markov only: how much of the conversion probability disappears without the channel.
    public var removalEffect: Double?
}

/// Multi-touch attribution over journeys: pure, deterministic, exact where the model allows.
public enum Attribution {
    /// Credits per channel (every channel of the input, sorted by name), after dropping touches
    /// older than `lookback` before their journey's conversion.
    public static func credit(
        _ journeys: [Journey], model: AttributionModel, lookback: TimeInterval? = nil
    ) -> [ChannelCredit] {
        let credits = modelCredit(journeys, model: model, lookback: lookback)
        let credited = Set(credits.map(\.channel))
        let missing = Set(journeys.flatMap { $0.touches.map(\.channel) }).subtracting(credited).map {
            ChannelCredit(channel: $0, conversions: 0, revenueMicros: 0, removalEffect: model == .markov ? 0 : nil)
        }
        return (credits + missing).sorted { $0.channel < $1.channel }
    }

    private static func modelCredit(
        _ journeys: [Journey], model: AttributionModel, lookback: TimeInterval?
    ) -> [ChannelCredit] {
        let windowed = journeys.map { journey -> Journey in
            guard let lookback, let converted = journey.convertedAt else { return journey }
            var copy = journey
            copy.touches = journey.touches.filter { converted.timeIntervalSince($0.time) <= lookback }
            return copy
        }
        switch model {
        case .markov:
            return markov(windowed)
        case .shapley:
            return distribute(windowed) { touches, _ in
                let distinct = Array(Set(touches.map(\.channel)))
                return Dictionary(uniqueKeysWithValues: distinct.map { ($0, 1.0 / Double(distinct.count)) })
            }
        case .firstTouch:
            return distribute(windowed) { touches, _ in [touches[0].channel: 1] }
        case .lastTouch:
            return distribute(windowed) { touches, _ in [touches[touches.count - 1].channel: 1] }
        case .linear:
            return distribute(windowed) { touches, _ in
                touches.reduce(into: [:]) { $0[$1.channel, default: 0] += 1.0 / Double(touches.count) }
            }
        case .positionBased:
            return distribute(windowed) { touches, _ in
                var weights = [Double](repeating: 0, count: touches.count)
                switch touches.count {
                case 1: weights[0] = 1
                case 2: weights = [0.5, 0.5]
                default:
                    weights[0] = 0.4
                    weights[touches.count - 1] = 0.4
                    for index in 1..<(touches.count - 1) { weights[index] = 0.2 / Double(touches.count - 2) }
                }
                return zip(touches, weights).reduce(into: [:]) { $0[$1.0.channel, default: 0] += $1.1 }
            }
        case .timeDecay(let halfLife):
            return distribute(windowed) { touches, convertedAt in
                // Age is measured from the conversion (from the last touch if its time is unknown).
                let end = convertedAt ?? touches.map(\.time).max() ?? Date()
                let raw = touches.map { pow(0.5, end.timeIntervalSince($0.time) / halfLife) }
                let total = raw.reduce(0, +)
                return zip(touches, raw).reduce(into: [:]) { $0[$1.0.channel, default: 0] += $1.1 / total }
            }
        }
    }

    /// Shares each converting journey's conversions and revenue by the weights `split` gives its
    /// touches (weights of a journey sum to 1).
    private static func distribute(_ journeys: [Journey], split: ([Touch], Date?) -> [String: Double])
        -> [ChannelCredit]
    {
        var conversions: [String: Double] = [:]
        var revenue: [String: Double] = [:]
        var seen = Set<String>()
        for journey in journeys {
            for touch in journey.touches { seen.insert(touch.channel) }
            guard journey.conversions > 0, !journey.touches.isEmpty else { continue }
            var weights = split(journey.touches, journey.convertedAt)
            let total = weights.values.reduce(0, +)
            if total > 0 { weights = weights.mapValues { $0 / total } }
            for (channel, weight) in weights {
                conversions[channel, default: 0] += weight * Double(journey.conversions)
                revenue[channel, default: 0] += weight * Double(journey.revenueMicros)
            }
        }
        return seen.sorted().map {
            ChannelCredit(
                channel: $0, conversions: conversions[$0] ?? 0,
                revenueMicros: Int64((revenue[$0] ?? 0).rounded()), removalEffect: nil)
        }
    }

    // MARK: Markov

    /// First-order Markov attribution: consecutive repeats collapsed, journeys that did not
    /// convert end in the null state; each channel's removal effect is 1 - P(conversion without
    /// it) / P(conversion), from the absorbing chain's fundamental matrix (a linear solve, no
    /// simulation), and conversions and revenue are shared in proportion to removal effects.
    private static func markov(_ journeys: [Journey]) -> [ChannelCredit] {
        let channels = Array(Set(journeys.flatMap { $0.touches.map(\.channel) })).sorted()
        guard !channels.isEmpty else { return [] }
        let index = Dictionary(uniqueKeysWithValues: channels.enumerated().map { ($1, $0 + 1) })
        // States: 0 = start, 1...n = channels; absorbing: conversion and null.
        let n = channels.count + 1
        var counts = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        var toConversion = [Double](repeating: 0, count: n)
        var toNull = [Double](repeating: 0, count: n)
        var totalConversions = 0.0
        var totalRevenue = 0.0
        for journey in journeys where !journey.touches.isEmpty {
            var path: [Int] = []
            for touch in journey.touches {
                let state = index[touch.channel]!
                if path.last != state { path.append(state) }
            }
            let weight = Double(journey.conversions + journey.nulls)
            guard weight > 0 else { continue }
            var previous = 0
            for state in path {
                counts[previous][state] += weight
                previous = state
            }
            toConversion[previous] += Double(journey.conversions)
            toNull[previous] += Double(journey.nulls)
            totalConversions += Double(journey.conversions)
            totalRevenue += Double(journey.revenueMicros)
        }
        let base = conversionProbability(counts: counts, toConversion: toConversion, toNull: toNull, removed: nil)
        var effects: [Double] = []
        for channel in 1..<n {
            let without = conversionProbability(
                counts: counts, toConversion: toConversion, toNull: toNull, removed: channel)
            effects.append(base > 0 ? max(0, 1 - without / base) : 0)
        }
        let sum = effects.reduce(0, +)
        return channels.enumerated().map { offset, channel in
            let share = sum > 0 ? effects[offset] / sum : 0
            return ChannelCredit(
                channel: channel, conversions: share * totalConversions,
                revenueMicros: Int64((share * totalRevenue).rounded()), removalEffect: effects[offset])
        }
    }

    /// P(reaching conversion from start). With `removed`, every transition into that channel goes
    /// to null instead. Solves (I - Q) x = r, where Q holds transition probabilities among the
    /// transient states and r those into conversion.
    private static func conversionProbability(
        counts: [[Double]], toConversion: [Double], toNull: [Double], removed: Int?
    ) -> Double {
        let n = counts.count
        var matrix = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        var rhs = [Double](repeating: 0, count: n)
        for from in 0..<n {
            matrix[from][from] = 1
            let total = counts[from].reduce(0, +) + toConversion[from] + toNull[from]
            guard total > 0, from != removed else { continue }
            for to in 0..<n where counts[from][to] > 0 && to != removed {
                matrix[from][to] -= counts[from][to] / total
            }
            rhs[from] = toConversion[from] / total
        }
        return solve(matrix, rhs)[0]
    }

    /// Gaussian elimination with partial pivoting; the systems here are tiny and non-singular
    /// (every transient state leaks to an absorbing one).
    static func solve(_ matrix: [[Double]], _ rhs: [Double]) -> [Double] {
        var a = matrix
        var b = rhs
        let n = b.count
        for column in 0..<n {
            let pivot = (column..<n).max { abs(a[$0][column]) < abs(a[$1][column]) } ?? column
            if pivot != column {
                a.swapAt(pivot, column)
                b.swapAt(pivot, column)
            }
            let lead = a[column][column]
            guard abs(lead) > 1e-15 else { continue }
            for row in (column + 1)..<n where a[row][column] != 0 {
                let factor = a[row][column] / lead
                for k in column..<n { a[row][k] -= factor * a[column][k] }
                b[row] -= factor * b[column]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = b[row]
            for k in (row + 1)..<n { sum -= a[row][k] * x[k] }
            x[row] = abs(a[row][row]) > 1e-15 ? sum / a[row][row] : 0
        }
        return x
    }
}
