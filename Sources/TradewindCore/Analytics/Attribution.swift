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

/// Journeys with channels as small integers, in flat arrays: every model runs on this, so a
/// million journeys cost one pass of string hashing (here) instead of one per model.
public struct EncodedJourneys: Sendable {
    /// Channel names, sorted; a code is an index into it.
    public private(set) var channels: [String] = []
    /// Every kept touch's channel code and time (seconds since 1970), journey after journey.
    public private(set) var codes: [Int32] = []
    public private(set) var times: [Double] = []
    /// Journey `i`'s touches are `starts[i]..<starts[i + 1]`.
    public private(set) var starts: [Int] = [0]
    /// Conversion time of each journey; NaN when it did not convert.
    public private(set) var convertedAt: [Double] = []
    public private(set) var conversions: [Int] = []
    public private(set) var nulls: [Int] = []
    public private(set) var revenueMicros: [Int64] = []

    public var count: Int { conversions.count }

    /// Encodes `journeys`, dropping touches older than `lookback` before their conversion.
    public init(_ journeys: [Journey], lookback: TimeInterval? = nil) {
        var index: [String: Int32] = [:]
        var names: [String] = []
        var lastName: String?
        var lastCode: Int32 = 0
        let touchCount = journeys.reduce(0) { $0 + $1.touches.count }
        codes.reserveCapacity(touchCount)
        times.reserveCapacity(touchCount)
        starts.reserveCapacity(journeys.count + 1)
        for journey in journeys {
            let converted = journey.convertedAt?.timeIntervalSince1970
            for touch in journey.touches {
                // Consecutive touches are often the same channel: skip the hash for them.
                if touch.channel != lastName {
                    // Few channels (the usual case): comparing short strings beats hashing them.
                    if names.count <= 16, let found = names.firstIndex(of: touch.channel) {
                        lastCode = Int32(found)
                    } else if let code = index[touch.channel] {
                        lastCode = code
                    } else {
                        lastCode = Int32(names.count)
                        index[touch.channel] = lastCode
                        names.append(touch.channel)
                    }
                    lastName = touch.channel
                }
                // A touch outside the lookback earns nothing, but its channel is still listed.
                let time = touch.time.timeIntervalSince1970
                if let lookback, let converted, converted - time > lookback { continue }
                codes.append(lastCode)
                times.append(time)
            }
            starts.append(codes.count)
            convertedAt.append(converted ?? .nan)
            conversions.append(journey.conversions)
            nulls.append(journey.nulls)
            revenueMicros.append(journey.revenueMicros)
        }
        // Codes in name order, so every result lists channels sorted.
        let order = names.indices.sorted { names[$0] < names[$1] }
        var renumber = [Int32](repeating: 0, count: names.count)
        for (new, old) in order.enumerated() { renumber[old] = Int32(new) }
        channels = order.map { names[$0] }
        for position in codes.indices { codes[position] = renumber[Int(codes[position])] }
    }

    /// Journey `i`'s touches as positions into `codes` and `times`.
    func touches(of journey: Int) -> Range<Int> { starts[journey]..<starts[journey + 1] }
}

/// Multi-touch attribution over journeys: pure, deterministic, exact where the model allows.
public enum Attribution {
    /// Credits per channel (every channel of the input, sorted by name), after dropping touches
    /// older than `lookback` before their journey's conversion.
    public static func credit(
        _ journeys: [Journey], model: AttributionModel, lookback: TimeInterval? = nil
    ) -> [ChannelCredit] {
        credit(EncodedJourneys(journeys, lookback: lookback), model: model)
    }

    /// Credits per channel of already encoded journeys (encode once to run several models).
    public static func credit(_ journeys: EncodedJourneys, model: AttributionModel) -> [ChannelCredit] {
        switch model {
        case .markov: return markov(journeys)
        case .shapley:
            return distribute(journeys) { touches, _, weights in
                // Each distinct channel once, equally.
                var distinct = 0
                for position in touches where weights[Int(journeys.codes[position])] == 0 {
                    weights[Int(journeys.codes[position])] = 1
                    distinct += 1
                }
                return Double(distinct)
            }
        case .firstTouch:
            return distribute(journeys) { touches, _, weights in
                weights[Int(journeys.codes[touches.lowerBound])] = 1
                return 1
            }
        case .lastTouch:
            return distribute(journeys) { touches, _, weights in
                weights[Int(journeys.codes[touches.upperBound - 1])] = 1
                return 1
            }
        case .linear:
            return distribute(journeys) { touches, _, weights in
                for position in touches { weights[Int(journeys.codes[position])] += 1 }
                return Double(touches.count)
            }
        case .positionBased:
            return distribute(journeys) { touches, _, weights in
                let first = touches.lowerBound
                let last = touches.upperBound - 1
                switch touches.count {
                case 1: weights[Int(journeys.codes[first])] += 1
                case 2:
                    weights[Int(journeys.codes[first])] += 0.5
                    weights[Int(journeys.codes[last])] += 0.5
                default:
                    weights[Int(journeys.codes[first])] += 0.4
                    weights[Int(journeys.codes[last])] += 0.4
                    let middle = 0.2 / Double(touches.count - 2)
                    for position in (first + 1)..<last { weights[Int(journeys.codes[position])] += middle }
                }
                return 1
            }
        case .timeDecay(let halfLife):
            return distribute(journeys) { touches, convertedAt, weights in
                // Age is measured from the conversion (from the last touch if its time is unknown).
                let end = convertedAt.isNaN ? journeys.times[touches].max() ?? 0 : convertedAt
                var total = 0.0
                for position in touches {
                    let weight = pow(0.5, (end - journeys.times[position]) / halfLife)
                    weights[Int(journeys.codes[position])] += weight
                    total += weight
                }
                return total
            }
        }
    }

    /// Shares each converting journey's conversions and revenue by the weights `split` adds to
    /// `weights` (indexed by channel code) for its touches; `split` returns their total.
    private static func distribute(
        _ journeys: EncodedJourneys, split: (Range<Int>, Double, inout [Double]) -> Double
    ) -> [ChannelCredit] {
        let channelCount = journeys.channels.count
        var conversions = [Double](repeating: 0, count: channelCount)
        var revenue = [Double](repeating: 0, count: channelCount)
        var weights = [Double](repeating: 0, count: channelCount)
        for journey in 0..<journeys.count where journeys.conversions[journey] > 0 {
            let touches = journeys.touches(of: journey)
            guard !touches.isEmpty else { continue }
            let total = split(touches, journeys.convertedAt[journey], &weights)
            let count = Double(journeys.conversions[journey])
            let value = Double(journeys.revenueMicros[journey])
            // Only the channels this journey touched carry weight; reset them for the next.
            for position in touches {
                let code = Int(journeys.codes[position])
                let weight = weights[code]
                guard weight != 0 else { continue }
                let share = total > 0 ? weight / total : 0
                conversions[code] += share * count
                revenue[code] += share * value
                weights[code] = 0
            }
        }
        return journeys.channels.indices.map {
            ChannelCredit(
                channel: journeys.channels[$0], conversions: conversions[$0],
                revenueMicros: Int64(revenue[$0].rounded()), removalEffect: nil)
        }
    }

    // MARK: Markov

    /// First-order Markov attribution: consecutive repeats collapsed, journeys that did not
    /// convert end in the null state; each channel's removal effect is 1 - P(conversion without
    /// it) / P(conversion), from the absorbing chain's fundamental matrix (a linear solve, no
    /// simulation), and conversions and revenue are shared in proportion to removal effects.
    private static func markov(_ journeys: EncodedJourneys) -> [ChannelCredit] {
        let channelCount = journeys.channels.count
        guard channelCount > 0 else { return [] }
        // States: 0 = start, 1...n = channels; absorbing: conversion and null.
        let n = channelCount + 1
        var flat = [Double](repeating: 0, count: n * n)
        var toConversion = [Double](repeating: 0, count: n)
        var toNull = [Double](repeating: 0, count: n)
        var totalConversions = 0.0
        var totalRevenue = 0.0
        for journey in 0..<journeys.count {
            let touches = journeys.touches(of: journey)
            let weight = Double(journeys.conversions[journey] + journeys.nulls[journey])
            guard !touches.isEmpty, weight > 0 else { continue }
            var previous = 0
            for position in touches {
                let state = Int(journeys.codes[position]) + 1
                if state == previous { continue }
                flat[previous * n + state] += weight
                previous = state
            }
            toConversion[previous] += Double(journeys.conversions[journey])
            toNull[previous] += Double(journeys.nulls[journey])
            totalConversions += Double(journeys.conversions[journey])
            totalRevenue += Double(journeys.revenueMicros[journey])
        }
        let counts = (0..<n).map { Array(flat[($0 * n)..<($0 * n + n)]) }
        let base = conversionProbability(counts: counts, toConversion: toConversion, toNull: toNull, removed: nil)
        var effects: [Double] = []
        for channel in 1..<n {
            let without = conversionProbability(
                counts: counts, toConversion: toConversion, toNull: toNull, removed: channel)
            effects.append(base > 0 ? max(0, 1 - without / base) : 0)
        }
        let sum = effects.reduce(0, +)
        return journeys.channels.enumerated().map { offset, channel in
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
