import Foundation

/// How little and how much one channel may be given per day, in micros (both inclusive).
public struct BudgetBounds: Sendable, Hashable {
    public var minMicros: Int64
    public var maxMicros: Int64

    public init(minMicros: Int64, maxMicros: Int64) {
        self.minMicros = minMicros
        self.maxMicros = maxMicros
    }
}

/// Totals over every channel of a split.
public struct BudgetTotals: Sendable, Hashable {
    public var spendMicros: Int64
    /// The sum of the channels' rounded predictions.
    public var revenueMicros: Int64
    /// Bootstrap interval of the total: refit `i` of every channel is summed (channels are
    /// refitted independently), then the percentiles are taken.
    public var lowerRevenueMicros: Int64
    public var upperRevenueMicros: Int64
    /// Revenue over spend (0 at zero spend), with the interval's ends over the same spend.
    public var roas: Double
    public var lowerROAS: Double
    public var upperROAS: Double
}

/// One channel's share of a recommended split.
public struct BudgetChannelPlan: Sendable, Hashable {
    public var channel: String
    public var bounds: BudgetBounds
    public var prediction: ResponseCurvePrediction
}

/// A split of a daily budget over channels, in the order the fits were given.
public struct BudgetPlan: Sendable, Hashable {
    public var channels: [BudgetChannelPlan]
    public var totals: BudgetTotals
}

/// The answer to "how much can we spend and still make this ROAS".
public enum BudgetTargetResult: Sendable, Hashable {
    /// The largest budget found whose best split makes the target; `plan.totals.spendMicros` is it.
    case reachable(BudgetPlan)
    /// No budget within the bounds makes the target; the best ROAS found, and its plan.
    case unreachable(bestROAS: Double, plan: BudgetPlan)
}

/// A user's change to one channel's daily spend.
public enum BudgetSpendChange: Sendable, Hashable {
    /// A multiple of the current spend: 1.2 for "+20 %", 0.9 for "-10 %".
    case relative(multiplier: Double)
    /// A new daily spend.
    case absolute(spendMicros: Int64)
}

/// One channel of a what-if: its current and proposed spend, and the change in revenue.
public struct BudgetWhatIfChannel: Sendable, Hashable {
    public var channel: String
    public var current: ResponseCurvePrediction
    public var proposed: ResponseCurvePrediction
    public var deltaRevenueMicros: Int64
    /// Interval of the change from paired refits (the same refit at both spends), so it is
    /// narrower than the difference of the two intervals.
    public var lowerDeltaRevenueMicros: Int64
    public var upperDeltaRevenueMicros: Int64
}

/// A what-if: the proposed split against the current one.
public struct BudgetWhatIf: Sendable, Hashable {
    public var channels: [BudgetWhatIfChannel]
    public var current: BudgetTotals
    public var proposed: BudgetTotals
    public var deltaRevenueMicros: Int64
    public var lowerDeltaRevenueMicros: Int64
    public var upperDeltaRevenueMicros: Int64
}

/// Budget recommendations and what-ifs over fitted response curves (one fit per channel).
///
/// A split maximises total predicted revenue by water-filling: for a price `λ` on spend each
/// channel takes the spend in its bounds that maximises `revenue(s) - λ·s`, and `λ` is bisected
/// until the spends add up to the budget. On concave curves (logarithmic, linear, Hill with shape
/// ≤ 1) that is the optimum, with equal marginal ROAS for channels off their bounds; on S-shaped
/// Hill curves it is the optimum of their concave envelope, so at most one channel may be left
/// inside its rising stretch. Spends are whole micros that respect the bounds and add up to the
/// budget exactly; the last micros go to the channels still short of their best response.
public enum BudgetAllocation {
    public static let defaultIntervalLevel = 0.8
    /// The default upper bound is this multiple of the highest daily spend the channel was fitted
    /// on: far enough to explore, near enough that the curve is not pure extrapolation.
    public static let defaultMaximumSpendMultiple: Int64 = 3
    /// The largest daily spend or revenue accepted (a billion units of currency): every sum over
    /// channels stays exact in a `Double` and within `Int64`.
    public static let maximumSpendMicros: Int64 = 1_000_000_000_000_000
    public static let maximumChannels = 1_000

    /// Minimum 0; maximum `defaultMaximumSpendMultiple` times the highest observed daily spend.
    public static func defaultBounds(for fit: ResponseCurveFit) -> BudgetBounds {
        let upper = fit.observedSpendMicros.upperBound
        let multiple = upper.multipliedReportingOverflow(by: defaultMaximumSpendMultiple)
        return BudgetBounds(
            minMicros: 0,
            maxMicros: multiple.overflow ? maximumSpendMicros : min(maximumSpendMicros, multiple.partialValue))
    }

    /// The split of `totalBudgetMicros` (per day) that maximises predicted revenue. `bounds`
    /// overrides `defaultBounds(for:)` per channel name.
    public static func optimize(
        _ fits: [ResponseCurveFit], totalBudgetMicros: Int64, bounds: [String: BudgetBounds] = [:],
        intervalLevel: Double = defaultIntervalLevel
    ) throws(ValidationFailure) -> BudgetPlan {
        let limits = try validate(fits, bounds: bounds, intervalLevel: intervalLevel)
        let lowest = limits.map(\.minMicros).reduce(0, +)
        let highest = limits.map(\.maxMicros).reduce(0, +)
        guard (lowest...highest).contains(totalBudgetMicros) else {
            throw .invalidParameter(
                field: "total_budget_micros", reason: "must be between \(lowest) and \(highest), the sums of the bounds"
            )
        }
        let spends = allocate(fits.map(\.curve), limits, budget: totalBudgetMicros)
        return plan(fits, limits, spends, intervalLevel: intervalLevel)
    }

    /// The largest daily budget, within the bounds, whose best split still makes `roasTarget`.
    ///
    /// ROAS usually falls as the budget grows, but minimum bounds and S-shaped curves can make it
    /// rise first; so budgets across the range are tried (32 evenly spaced, and halvings down to
    /// 2⁻⁴⁰ of the range above the minimum), and the boundary after the largest one that makes
    /// the target is found by bisection to the micro.
    public static func budget(
        forROAS roasTarget: Double, _ fits: [ResponseCurveFit], bounds: [String: BudgetBounds] = [:],
        intervalLevel: Double = defaultIntervalLevel
    ) throws(ValidationFailure) -> BudgetTargetResult {
        guard roasTarget.isFinite, roasTarget > 0 else {
            throw .invalidParameter(field: "roas_target", reason: "must be a positive number")
        }
        let limits = try validate(fits, bounds: bounds, intervalLevel: intervalLevel)
        let curves = fits.map(\.curve)
        let lowest = limits.map(\.minMicros).reduce(0, +)
        let highest = limits.map(\.maxMicros).reduce(0, +)
        let range = Double(highest - lowest)
        func roas(_ budget: Int64) -> Double {
            guard budget > 0 else { return 0 }
            let spends = allocate(curves, limits, budget: budget)
            let revenue = zip(curves, spends).map { ResponseCurveFit.micros($0.revenue(atSpend: Double($1))) }
            return Double(revenue.reduce(0, +)) / Double(budget)
        }
        var candidates: Set<Int64> = [lowest, highest]
        for step in 1..<32 { candidates.insert(lowest + Int64((range * Double(step) / 32).rounded())) }
        for halving in 6...40 { candidates.insert(lowest + max(1, Int64(range / pow(2, Double(halving))))) }
        let budgets = candidates.filter { $0 <= highest }.sorted()
        let values = budgets.map(roas)
        guard let reached = values.lastIndex(where: { $0 >= roasTarget }) else {
            let best = values.indices.max { values[$0] < values[$1] }!
            return .unreachable(
                bestROAS: values[best],
                plan: plan(fits, limits, allocate(curves, limits, budget: budgets[best]), intervalLevel: intervalLevel))
        }
        var good = budgets[reached]
        if reached + 1 < budgets.count {
            var bad = budgets[reached + 1]
            while bad - good > 1 {
                let middle = good + (bad - good) / 2
                if roas(middle) >= roasTarget { good = middle } else { bad = middle }
            }
        }
        return .reachable(plan(fits, limits, allocate(curves, limits, budget: good), intervalLevel: intervalLevel))
    }

    /// Predicted revenue and ROAS of the current split (each channel's average daily spend over
    /// the fitted window) and of the split after `changes` (by channel name; channels without a
    /// change keep their current spend).
    public static func whatIf(
        _ fits: [ResponseCurveFit], changes: [String: BudgetSpendChange], intervalLevel: Double = defaultIntervalLevel
    ) throws(ValidationFailure) -> BudgetWhatIf {
        _ = try validate(fits, bounds: [:], intervalLevel: intervalLevel)
        let names = Set(fits.map(\.channel))
        for name in changes.keys.sorted() where !names.contains(name) {
            throw .invalidParameter(field: "changes[\(name)]", reason: "no such channel")
        }
        let current = fits.map(\.meanSpendMicros)
        var proposed = current
        for (index, fit) in fits.enumerated() {
            switch changes[fit.channel] {
            case nil:
                continue
            case .relative(let multiplier):
                let spend = Double(current[index]) * multiplier
                guard multiplier.isFinite, multiplier >= 0, spend <= Double(maximumSpendMicros) else {
                    throw .invalidParameter(
                        field: "changes[\(fit.channel)].multiplier",
                        reason: "must be at least 0 and keep the spend within \(maximumSpendMicros) micros")
                }
                proposed[index] = ResponseCurveFit.micros(spend)
            case .absolute(let spend):
                guard (0...maximumSpendMicros).contains(spend) else {
                    throw .invalidParameter(
                        field: "changes[\(fit.channel)].spend_micros", reason: "must be in 0...\(maximumSpendMicros)")
                }
                proposed[index] = spend
            }
        }
        let before = fits.enumerated().map { $1.predict(spendMicros: current[$0], intervalLevel: intervalLevel) }
        let after = fits.enumerated().map { $1.predict(spendMicros: proposed[$0], intervalLevel: intervalLevel) }
        let refits = fits.map(\.bootstrapCurves.count).min() ?? 0
        func deltas(_ index: Int) -> [Double] {
            let curves = fits[index].bootstrapCurves
            return (0..<refits).map {
                curves[$0].revenue(atSpend: Double(proposed[index]))
                    - curves[$0].revenue(atSpend: Double(current[index]))
            }
        }
        let channels = fits.indices.map { index in
            let delta = after[index].revenueMicros - before[index].revenueMicros
            let (lower, upper) = ResponseCurveFit.interval(deltas(index), level: intervalLevel, around: Double(delta))
            return BudgetWhatIfChannel(
                channel: fits[index].channel, current: before[index], proposed: after[index],
                deltaRevenueMicros: delta, lowerDeltaRevenueMicros: ResponseCurveFit.micros(lower),
                upperDeltaRevenueMicros: ResponseCurveFit.micros(upper))
        }
        let totalDeltas = fits.indices.map(deltas).reduce(into: [Double](repeating: 0, count: refits)) { sums, next in
            for index in sums.indices { sums[index] += next[index] }
        }
        let currentTotals = totals(fits, current, before, intervalLevel: intervalLevel)
        let proposedTotals = totals(fits, proposed, after, intervalLevel: intervalLevel)
        let delta = proposedTotals.revenueMicros - currentTotals.revenueMicros
        let (lower, upper) = ResponseCurveFit.interval(totalDeltas, level: intervalLevel, around: Double(delta))
        return BudgetWhatIf(
            channels: channels, current: currentTotals, proposed: proposedTotals, deltaRevenueMicros: delta,
            lowerDeltaRevenueMicros: ResponseCurveFit.micros(lower),
            upperDeltaRevenueMicros: ResponseCurveFit.micros(upper))
    }

    // MARK: Validation

    /// Checks the common parameters and returns every channel's bounds, in the fits' order.
    private static func validate(
        _ fits: [ResponseCurveFit], bounds: [String: BudgetBounds], intervalLevel: Double
    ) throws(ValidationFailure) -> [BudgetBounds] {
        guard !fits.isEmpty, fits.count <= maximumChannels else {
            throw .invalidParameter(field: "channels", reason: "must hold 1...\(maximumChannels) channels")
        }
        var seen = Set<String>()
        for fit in fits where !seen.insert(fit.channel).inserted {
            throw .invalidParameter(field: "channels", reason: "channel '\(fit.channel)' appears twice")
        }
        for name in bounds.keys.sorted() where !seen.contains(name) {
            throw .invalidParameter(field: "bounds[\(name)]", reason: "no such channel")
        }
        guard intervalLevel > 0, intervalLevel < 1 else {
            throw .invalidParameter(field: "interval_level", reason: "must be in (0, 1)")
        }
        var limits: [BudgetBounds] = []
        for fit in fits {
            let limit = bounds[fit.channel] ?? defaultBounds(for: fit)
            guard (0...maximumSpendMicros).contains(limit.minMicros) else {
                throw .invalidParameter(
                    field: "bounds[\(fit.channel)].min_micros", reason: "must be in 0...\(maximumSpendMicros)")
            }
            guard (limit.minMicros...maximumSpendMicros).contains(limit.maxMicros) else {
                throw .invalidParameter(
                    field: "bounds[\(fit.channel)].max_micros",
                    reason: "must be in min_micros...\(maximumSpendMicros)")
            }
            limits.append(limit)
        }
        return limits
    }

    // MARK: Water-filling

    /// Whole-micro spends within `limits` adding up to `budget` (which lies between the sums of
    /// the bounds).
    ///
    /// Water-filling can leave an S-curve channel partway up its rising stretch, where it earns
    /// less than its concave envelope promised; such a channel is also tried at its lower bound
    /// and at the spend it was heading for, the others refilled, and the best of these is kept.
    static func allocate(_ curves: [ResponseCurve], _ limits: [BudgetBounds], budget: Int64) -> [Int64] {
        let (spends, reach) = waterFill(curves, limits, budget: budget)
        func revenue(_ spends: [Int64]) -> Double {
            zip(curves, spends).reduce(0) { $0 + $1.0.revenue(atSpend: Double($1.1)) }
        }
        var best = (spends: spends, revenue: revenue(spends))
        for index in curves.indices
        where reach[index] - spends[index] > 1 && curves[index].inflectionSpend > Double(spends[index]) {
            let others = limits.indices.filter { $0 != index }
            let room = budget - others.map { limits[$0].minMicros }.reduce(0, +)
            for fixed in [limits[index].minMicros, min(reach[index], room)] where fixed != spends[index] {
                var pinned = limits
                pinned[index] = BudgetBounds(minMicros: fixed, maxMicros: fixed)
                guard (pinned.map(\.minMicros).reduce(0, +)...pinned.map(\.maxMicros).reduce(0, +)).contains(budget)
                else { continue }
                let candidate = waterFill(curves, pinned, budget: budget).spends
                let value = revenue(candidate)
                if value > best.revenue { best = (candidate, value) }
            }
        }
        return best.spends
    }

    /// Water-filling proper: the spends, and each channel's best response just below the final
    /// price (where it was heading; above its spend only for channels given the last micros).
    private static func waterFill(_ curves: [ResponseCurve], _ limits: [BudgetBounds], budget: Int64)
        -> (spends: [Int64], reach: [Int64])
    {
        let lower = limits.map(\.minMicros)
        let upper = limits.map(\.maxMicros)
        if budget <= lower.reduce(0, +) { return (lower, lower) }
        if budget >= upper.reduce(0, +) { return (upper, upper) }
        let target = Double(budget)
        func spends(_ price: Double) -> [Double] {
            curves.indices.map {
                bestResponse(curves[$0], price: price, lower: Double(lower[$0]), upper: Double(upper[$0]))
            }
        }
        // Spends fall as the price rises: find prices either side of the budget, then bisect.
        var high = 1.0
        var highTotal = spends(high).reduce(0, +)
        while highTotal > target, high < 1e30 {
            high *= 4
            highTotal = spends(high).reduce(0, +)
        }
        var low = 0.0
        var lowTotal = spends(low).reduce(0, +)
        for _ in 0..<200 where lowTotal - highTotal >= 0.5 {
            let middle = (low + high) / 2
            guard middle > low, middle < high else { break }
            let total = spends(middle).reduce(0, +)
            if total > target {
                (low, lowTotal) = (middle, total)
            } else {
                (high, highTotal) = (middle, total)
            }
        }
        var result = spends(high).enumerated().map { min(upper[$0], max(lower[$0], Int64($1.rounded(.down)))) }
        let reach = spends(low).enumerated().map { min(upper[$0], max(lower[$0], Int64($1.rounded(.up)))) }
        // The micros left go first to channels short of their spend at the lower price (rounding,
        // or a jump across an S-curve's rising stretch), then anywhere there is room.
        for caps in [zip(reach, result).map { max(0, $0 - $1) }, zip(upper, result).map { $0 - $1 }] {
            let gap = budget - result.reduce(0, +)
            guard gap > 0 else { break }
            for (index, extra) in apportion(gap, caps: caps).enumerated() { result[index] += extra }
        }
        return (result, reach)
    }

    /// The spend in [lower, upper] maximising `revenue(s) - price·s`: the bounds, or where the
    /// falling stretch of the marginal ROAS crosses the price.
    static func bestResponse(_ curve: ResponseCurve, price: Double, lower: Double, upper: Double) -> Double {
        guard upper > lower else { return lower }
        if case .linear(let roas) = curve { return roas > price ? upper : lower }
        let start = max(lower, curve.inflectionSpend)
        var candidates = [lower]
        if start >= upper {
            candidates.append(upper)
        } else if curve.marginalROAS(atSpend: start) <= price {
            candidates.append(start)
        } else if curve.marginalROAS(atSpend: upper) >= price {
            candidates.append(upper)
        } else {
            var a = start
            var b = upper
            while b - a > 1e-3 {
                let middle = (a + b) / 2
                guard middle > a, middle < b else { break }
                if curve.marginalROAS(atSpend: middle) > price { a = middle } else { b = middle }
            }
            candidates.append((a + b) / 2)
        }
        var best = candidates[0]
        for spend in candidates.dropFirst()
        where curve.revenue(atSpend: spend) - price * spend > curve.revenue(atSpend: best) - price * best {
            best = spend
        }
        return best
    }

    /// Splits `amount` in proportion to `caps`, none above its cap: whole micros by largest
    /// remainder, ties to the earlier channel.
    static func apportion(_ amount: Int64, caps: [Int64]) -> [Int64] {
        let capacity = caps.reduce(0, +)
        guard amount < capacity else { return caps }
        let shares = caps.map { Double(amount) * Double($0) / Double(capacity) }
        var given = zip(caps, shares).map { min($0, Int64($1.rounded(.down))) }
        var left = amount - given.reduce(0, +)
        let order = caps.indices.sorted {
            let (a, b) = (shares[$0] - shares[$0].rounded(.down), shares[$1] - shares[$1].rounded(.down))
            return a != b ? a > b : $0 < $1
        }
        for index in order where left > 0 {
            let extra = min(left, caps[index] - given[index])
            given[index] += extra
            left -= extra
        }
        return given
    }

    // MARK: Reporting

    private static func plan(
        _ fits: [ResponseCurveFit], _ limits: [BudgetBounds], _ spends: [Int64], intervalLevel: Double
    ) -> BudgetPlan {
        let predictions = fits.indices.map { fits[$0].predict(spendMicros: spends[$0], intervalLevel: intervalLevel) }
        let channels = fits.indices.map {
            BudgetChannelPlan(channel: fits[$0].channel, bounds: limits[$0], prediction: predictions[$0])
        }
        return BudgetPlan(channels: channels, totals: totals(fits, spends, predictions, intervalLevel: intervalLevel))
    }

    private static func totals(
        _ fits: [ResponseCurveFit], _ spends: [Int64], _ predictions: [ResponseCurvePrediction], intervalLevel: Double
    ) -> BudgetTotals {
        let spend = spends.reduce(0, +)
        let revenue = predictions.map(\.revenueMicros).reduce(0, +)
        let refits = fits.map(\.bootstrapCurves.count).min() ?? 0
        let samples = (0..<refits).map { refit in
            fits.indices.reduce(0.0) { $0 + fits[$1].bootstrapCurves[refit].revenue(atSpend: Double(spends[$1])) }
        }
        let (lower, upper) = ResponseCurveFit.interval(samples, level: intervalLevel, around: Double(revenue))
        let perSpend = { (value: Double) in spend > 0 ? value / Double(spend) : 0 }
        return BudgetTotals(
            spendMicros: spend, revenueMicros: revenue, lowerRevenueMicros: ResponseCurveFit.micros(lower),
            upperRevenueMicros: ResponseCurveFit.micros(upper), roas: perSpend(Double(revenue)),
            lowerROAS: perSpend(lower), upperROAS: perSpend(upper))
    }
}
