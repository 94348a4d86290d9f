import Foundation

/// One day of one channel: its spend and the revenue attribution credited to it, in micros.
public struct ResponseCurveObservation: Sendable, Hashable {
    public var spendMicros: Int64
    public var revenueMicros: Int64

    public init(spendMicros: Int64, revenueMicros: Int64) {
        self.spendMicros = spendMicros
        self.revenueMicros = revenueMicros
    }
}

/// A channel's expected daily revenue as a function of its daily spend, both in micros.
public enum ResponseCurve: Sendable, Hashable {
    /// Hill saturation, as in Robyn and Meridian: `maxRevenue · sᵏ / (sᵏ + halfSaturationSpendᵏ)`
    /// with `k = shape`. Shape above 1 gives an S-curve: spend has to build up before it pays.
    case hill(maxRevenue: Double, halfSaturationSpend: Double, shape: Double)
    /// Diminishing returns without a ceiling: `scale · ln(1 + s / spendScale)`.
    case logarithmic(scale: Double, spendScale: Double)
    /// Constant return on spend: the fallback when the data cannot show saturation.
    case linear(roas: Double)

    public func revenue(atSpend spend: Double) -> Double {
        guard spend > 0 else { return 0 }
        switch self {
        case .hill(let maxRevenue, let halfSaturation, let shape):
            let u = pow(spend / halfSaturation, shape)
            return maxRevenue * u / (1 + u)
        case .logarithmic(let scale, let spendScale):
            return scale * log1p(spend / spendScale)
        case .linear(let roas):
            return roas * spend
        }
    }

    /// Revenue of the next unit of spend: the derivative of the curve.
    public func marginalROAS(atSpend spend: Double) -> Double {
        switch self {
        case .hill(let maxRevenue, let halfSaturation, let shape):
            guard spend > 0 else {
                if shape < 1 { return .infinity }
                return shape == 1 ? maxRevenue / halfSaturation : 0
            }
            let u = pow(spend / halfSaturation, shape)
            return maxRevenue * shape * u / (spend * (1 + u) * (1 + u))
        case .logarithmic(let scale, let spendScale):
            return scale / (spendScale + max(0, spend))
        case .linear(let roas):
            return roas
        }
    }

    /// Where the marginal return stops rising and starts falling; 0 for curves concave from the
    /// start. Only a Hill curve with shape above 1 has a rising stretch.
    var inflectionSpend: Double {
        guard case .hill(_, let halfSaturation, let shape) = self, shape > 1 else { return 0 }
        return halfSaturation * pow((shape - 1) / (shape + 1), 1 / shape)
    }
}

/// How to fit, with defaults chosen for daily data over a quarter or so.
public struct ResponseCurveOptions: Sendable, Hashable {
    /// Which curve family to fit.
    public enum Model: Sendable, Hashable {
        /// Both, keeping the one with the lower residual sigma (residual sum of squares over
        /// days minus parameters), so Hill's extra shape parameter has to earn its place.
        case automatic
        case hill
        case logarithmic
    }

    public var model: Model
    /// Fewer days than this fall back to a linear curve (`min_days`, at least 5).
    public var minimumDays: Int
    /// Residual-bootstrap refits behind the intervals (`bootstrap_samples`, 0...10 000; 0 gives
    /// no intervals).
    public var bootstrapSamples: Int
    /// Seeds the bootstrap; mixed with the channel name so a channel's intervals do not depend on
    /// which other channels are fitted.
    public var seed: UInt64

    public static let defaultMinimumDays = 14
    public static let defaultBootstrapSamples = 200
    public static let defaultSeed: UInt64 = 0x7472_6164_6577_696E

    public init(
        model: Model = .automatic, minimumDays: Int = defaultMinimumDays,
        bootstrapSamples: Int = defaultBootstrapSamples, seed: UInt64 = defaultSeed
    ) {
        self.model = model
        self.minimumDays = minimumDays
        self.bootstrapSamples = bootstrapSamples
        self.seed = seed
    }
}

/// Predicted daily revenue of a channel at one spend.
public struct ResponseCurvePrediction: Sendable, Hashable {
    public var spendMicros: Int64
    public var revenueMicros: Int64
    /// Bootstrap percentile interval of the expected revenue (the curve's uncertainty, not one
    /// day's noise), widened if need be to contain `revenueMicros`.
    public var lowerRevenueMicros: Int64
    public var upperRevenueMicros: Int64
    /// Revenue over spend; 0 at zero spend.
    public var roas: Double
    public var marginalROAS: Double
    /// The spend lies outside the range of daily spends the curve was fitted on.
    public var isExtrapolated: Bool
}

/// A response curve fitted to one channel's days, with its fit statistics and bootstrap refits.
///
/// Hill curves are fitted by least squares with the scale solved in closed form for each
/// (half-saturation, shape): a log-spaced grid of half-saturation spends from 1 % to 10× the
/// highest observed spend, shapes 0.5...3 in steps of 0.25, then golden-section refinement of
/// both. Logarithmic curves likewise over spend scales from 1 % to 100× the highest spend.
/// Bootstrap refits resample residuals with a seeded SplitMix64, keep the fitted Hill shape and
/// refit the other two parameters (cheaper; slightly understates shape uncertainty).
public struct ResponseCurveFit: Sendable, Hashable {
    public let channel: String
    public let curve: ResponseCurve
    /// 1 - residual / total sum of squares; can be negative for the linear fallback.
    public let rSquared: Double
    /// sqrt(residual sum of squares / (days - parameters)), in revenue micros.
    public let residualSigmaMicros: Double
    public let days: Int
    public let observedSpendMicros: ClosedRange<Int64>
    /// Average daily spend over the window: the "current" split of a what-if.
    public let meanSpendMicros: Int64
    /// Set when the fit is weak and a linear curve at the average ROAS was used instead.
    public let warning: String?
    public let bootstrapCurves: [ResponseCurve]

    public var isWeak: Bool { warning != nil }

    /// Spend must vary at least this much (standard deviation over mean) to show saturation.
    public static let minimumSpendVariation = 0.05

    /// A curve fitted elsewhere (or stored): no statistics, since no data was fitted here.
    public init(
        channel: String, curve: ResponseCurve, observedSpendMicros: ClosedRange<Int64>, meanSpendMicros: Int64,
        bootstrapCurves: [ResponseCurve] = []
    ) {
        self.channel = channel
        self.curve = curve
        self.rSquared = 0
        self.residualSigmaMicros = 0
        self.days = 0
        self.observedSpendMicros = observedSpendMicros
        self.meanSpendMicros = meanSpendMicros
        self.warning = nil
        self.bootstrapCurves = bootstrapCurves
    }

    /// Fits `observations` (one per day). Field names in errors are relative to the channel.
    public init(
        channel: String, observations: [ResponseCurveObservation], options: ResponseCurveOptions = .init()
    ) throws(ValidationFailure) {
        guard !observations.isEmpty else {
            throw .invalidParameter(field: "observations", reason: "must not be empty")
        }
        for (index, day) in observations.enumerated() {
            if day.spendMicros < 0 || day.spendMicros > BudgetAllocation.maximumSpendMicros {
                throw .invalidParameter(
                    field: "observations[\(index)].spend_micros",
                    reason: "must be in 0...\(BudgetAllocation.maximumSpendMicros)")
            }
            if day.revenueMicros < 0 || day.revenueMicros > BudgetAllocation.maximumSpendMicros {
                throw .invalidParameter(
                    field: "observations[\(index)].revenue_micros",
                    reason: "must be in 0...\(BudgetAllocation.maximumSpendMicros)")
            }
        }
        guard options.minimumDays >= 5 else {
            throw .invalidParameter(field: "min_days", reason: "must be at least 5")
        }
        guard (0...10_000).contains(options.bootstrapSamples) else {
            throw .invalidParameter(field: "bootstrap_samples", reason: "must be in 0...10000")
        }

        let spends = observations.map(\.spendMicros)
        let days = observations.count
        let spendTotal = spends.reduce(0, +)
        self.channel = channel
        self.days = days
        self.observedSpendMicros = spends.min()!...spends.max()!
        self.meanSpendMicros = (spendTotal + Int64(days / 2)) / Int64(days)

        let data = Data(observations)
        var random = SplitMix64(seed: options.seed ^ Self.fnv1a(channel))
        let mean = Double(spendTotal) / Double(days)
        let variation =
            mean > 0 ? sqrt(data.spend.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(days)) / mean : 0
        let weakness: String? =
            if spendTotal == 0 {
                "no spend in the window; predicting no revenue from spend"
            } else if days < options.minimumDays {
                "only \(days) days of data (fewer than \(options.minimumDays)); using the average ROAS as a linear curve"
            } else if variation < Self.minimumSpendVariation {
                "spend hardly varies (coefficient of variation \(String(format: "%.3f", variation)) below "
                    + "\(Self.minimumSpendVariation)); saturation cannot be identified, using the average ROAS "
                    + "as a linear curve"
            } else {
                nil
            }
        self.warning = weakness

        let fitted: Fitted
        if weakness != nil {
            fitted = Fitted.linear(data, bootstrap: options.bootstrapSamples, random: &random)
        } else {
            switch options.model {
            case .hill:
                fitted = Fitted.hill(data, bootstrap: options.bootstrapSamples, random: &random)
            case .logarithmic:
                fitted = Fitted.logarithmic(data, bootstrap: options.bootstrapSamples, random: &random)
            case .automatic:
                // Choose without refits, then refit only the chosen family.
                let hill = Fitted.hill(data, bootstrap: 0, random: &random)
                let log = Fitted.logarithmic(data, bootstrap: 0, random: &random)
                fitted =
                    hill.sigma(data) < log.sigma(data)
                    ? Fitted.hill(data, bootstrap: options.bootstrapSamples, random: &random)
                    : Fitted.logarithmic(data, bootstrap: options.bootstrapSamples, random: &random)
            }
        }
        self.curve = fitted.curve
        self.bootstrapCurves = fitted.bootstrap
        let sse = fitted.sse(data)
        let sst = data.revenueSumOfSquaresAboutMean
        self.rSquared = sst > 0 ? 1 - sse / sst : (sse == 0 ? 1 : 0)
        self.residualSigmaMicros = fitted.sigma(data)
    }

    /// Predicted revenue at `spendMicros`, with the central `intervalLevel` bootstrap interval
    /// (percentiles interpolated linearly between order statistics).
    public func predict(spendMicros: Int64, intervalLevel: Double = BudgetAllocation.defaultIntervalLevel)
        -> ResponseCurvePrediction
    {
        let spend = Double(spendMicros)
        let revenue = curve.revenue(atSpend: spend)
        let samples = bootstrapCurves.map { $0.revenue(atSpend: spend) }
        let (lower, upper) = Self.interval(samples, level: intervalLevel, around: revenue)
        return ResponseCurvePrediction(
            spendMicros: spendMicros, revenueMicros: Self.micros(revenue), lowerRevenueMicros: Self.micros(lower),
            upperRevenueMicros: Self.micros(upper), roas: spendMicros > 0 ? revenue / spend : 0,
            marginalROAS: curve.marginalROAS(atSpend: spend),
            isExtrapolated: !observedSpendMicros.contains(spendMicros))
    }

    /// The central `level` percentile interval of `samples`, widened to contain `point`; just
    /// `point` when there are no samples.
    static func interval(_ samples: [Double], level: Double, around point: Double) -> (Double, Double) {
        guard !samples.isEmpty else { return (point, point) }
        let sorted = samples.sorted()
        func quantile(_ q: Double) -> Double {
            let position = Double(sorted.count - 1) * q
            let below = Int(position.rounded(.down))
            let above = min(below + 1, sorted.count - 1)
            return sorted[below] + (position - Double(below)) * (sorted[above] - sorted[below])
        }
        return (min(point, quantile((1 - level) / 2)), max(point, quantile((1 + level) / 2)))
    }

    static func micros(_ value: Double) -> Int64 {
        Int64(value.rounded())
    }

    /// FNV-1a of the UTF-8 bytes: a stable hash (Swift's `Hasher` is seeded per process).
    static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}

extension ResponseCurveFit {
    /// The days, scaled so the highest spend and revenue are 1: keeps the search ranges and the
    /// arithmetic independent of the currency.
    fileprivate struct Data {
        var spend: [Double]
        var x: [Double]
        var y: [Double]
        var spendScale: Double
        var revenueScale: Double

        init(_ observations: [ResponseCurveObservation]) {
            spend = observations.map { Double($0.spendMicros) }
            let revenue = observations.map { Double($0.revenueMicros) }
            spendScale = max(1, spend.max() ?? 1)
            revenueScale = max(1, revenue.max() ?? 1)
            x = spend.map { [spendScale] in $0 / spendScale }
            y = revenue.map { [revenueScale] in $0 / revenueScale }
        }

        /// In micros squared.
        var revenueSumOfSquaresAboutMean: Double {
            let mean = y.reduce(0, +) / Double(y.count)
            return y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } * revenueScale * revenueScale
        }
    }

    /// A fitted curve in micros, how many parameters it spent, and its bootstrap refits.
    fileprivate struct Fitted {
        var curve: ResponseCurve
        var parameters: Int
        var bootstrap: [ResponseCurve]

        func sse(_ data: Data) -> Double {
            var total = 0.0
            for (spend, y) in zip(data.spend, data.y) {
                let residual = y * data.revenueScale - curve.revenue(atSpend: spend)
                total += residual * residual
            }
            return total
        }

        func sigma(_ data: Data) -> Double {
            sqrt(sse(data) / Double(max(1, data.x.count - parameters)))
        }

        /// Average ROAS, total revenue over total spend; refits keep that estimator.
        static func linear(_ data: Data, bootstrap: Int, random: inout SplitMix64) -> Fitted {
            let spendTotal = data.x.reduce(0, +)
            let roas = { (y: [Double]) in spendTotal > 0 ? y.reduce(0, +) / spendTotal : 0 }
            let scale = data.revenueScale / data.spendScale
            let fitted = roas(data.y)
            let refits = resample(data, fitted: data.x.map { fitted * $0 }, count: bootstrap, random: &random).map {
                ResponseCurve.linear(roas: roas($0) * scale)
            }
            return Fitted(curve: .linear(roas: fitted * scale), parameters: 1, bootstrap: refits)
        }

        static let hillShapes = Array(stride(from: 0.5, through: 3.0, by: 0.25))
        static let hillRange = (log(0.01), log(10.0))
        static let logRange = (log(0.01), log(100.0))

        static func hill(_ data: Data, bootstrap: Int, random: inout SplitMix64) -> Fitted {
            func profile(shape: Double) -> (logHalf: Double, beta: Double, sse: Double) {
                let xk = data.x.map { pow($0, shape) }
                let best = minimize(hillRange.0, hillRange.1, gridPoints: 41) {
                    solveScale(data.y, basis: hillBasis(xk, half: exp($0), shape: shape)).sse
                }
                let solved = solveScale(data.y, basis: hillBasis(xk, half: exp(best.x), shape: shape))
                return (best.x, solved.beta, solved.sse)
            }
            let shapes = hillShapes
            let coarse = shapes.map { profile(shape: $0).sse }
            let at = coarse.indices.min { coarse[$0] < coarse[$1] }!
            let shape = minimize(
                shapes[max(0, at - 1)], shapes[min(shapes.count - 1, at + 1)], gridPoints: 3
            ) { profile(shape: $0).sse }.x
            let best = profile(shape: shape)
            func curve(logHalf: Double, beta: Double) -> ResponseCurve {
                .hill(
                    maxRevenue: beta * data.revenueScale, halfSaturationSpend: exp(logHalf) * data.spendScale,
                    shape: shape)
            }

            let xk = data.x.map { pow($0, shape) }
            let fittedValues = hillBasis(xk, half: exp(best.logHalf), shape: shape).map { $0 * best.beta }
            let window = (max(hillRange.0, best.logHalf - log(10.0)), min(hillRange.1, best.logHalf + log(10.0)))
            let refits = resample(data, fitted: fittedValues, count: bootstrap, random: &random).map { y in
                let logHalf = minimize(window.0, window.1, gridPoints: 11, iterations: 30) {
                    solveScale(y, basis: hillBasis(xk, half: exp($0), shape: shape)).sse
                }.x
                return curve(
                    logHalf: logHalf, beta: solveScale(y, basis: hillBasis(xk, half: exp(logHalf), shape: shape)).beta)
            }
            return Fitted(curve: curve(logHalf: best.logHalf, beta: best.beta), parameters: 3, bootstrap: refits)
        }

        static func logarithmic(_ data: Data, bootstrap: Int, random: inout SplitMix64) -> Fitted {
            func fit(_ y: [Double], range: (Double, Double), gridPoints: Int, iterations: Int) -> (
                logScale: Double, beta: Double
            ) {
                let logScale = minimize(range.0, range.1, gridPoints: gridPoints, iterations: iterations) {
                    solveScale(y, basis: logBasis(data.x, spendScale: exp($0))).sse
                }.x
                return (logScale, solveScale(y, basis: logBasis(data.x, spendScale: exp(logScale))).beta)
            }
            func curve(_ solved: (logScale: Double, beta: Double)) -> ResponseCurve {
                .logarithmic(scale: solved.beta * data.revenueScale, spendScale: exp(solved.logScale) * data.spendScale)
            }
            let best = fit(data.y, range: logRange, gridPoints: 61, iterations: 40)
            let fittedValues = logBasis(data.x, spendScale: exp(best.logScale)).map { $0 * best.beta }
            let window = (max(logRange.0, best.logScale - log(10.0)), min(logRange.1, best.logScale + log(10.0)))
            let refits = resample(data, fitted: fittedValues, count: bootstrap, random: &random).map {
                curve(fit($0, range: window, gridPoints: 11, iterations: 30))
            }
            return Fitted(curve: curve(best), parameters: 2, bootstrap: refits)
        }

        static func hillBasis(_ xk: [Double], half: Double, shape: Double) -> [Double] {
            let halfK = pow(half, shape)
            return xk.map { $0 / ($0 + halfK) }
        }

        static func logBasis(_ x: [Double], spendScale: Double) -> [Double] {
            x.map { log1p($0 / spendScale) }
        }

        /// Least squares of `y ≈ beta · basis` with beta ≥ 0, in closed form.
        static func solveScale(_ y: [Double], basis: [Double]) -> (beta: Double, sse: Double) {
            var cross = 0.0
            var square = 0.0
            for (b, value) in zip(basis, y) {
                cross += b * value
                square += b * b
            }
            let beta = square > 0 ? max(0, cross / square) : 0
            var sse = 0.0
            for (b, value) in zip(basis, y) {
                let residual = value - beta * b
                sse += residual * residual
            }
            return (beta, sse)
        }

        /// Residual bootstrap: fitted values plus residuals drawn with replacement.
        static func resample(_ data: Data, fitted: [Double], count: Int, random: inout SplitMix64) -> [[Double]] {
            let residuals = zip(data.y, fitted).map { $0 - $1 }
            return (0..<count).map { _ in
                fitted.map { $0 + residuals[random.index(below: residuals.count)] }
            }
        }

        /// The best of `gridPoints` evenly spaced points of [lower, upper], then golden-section
        /// search between its neighbours. Finds the global minimum when `f` has one minimum
        /// between neighbouring grid points.
        static func minimize(
            _ lower: Double, _ upper: Double, gridPoints: Int, iterations: Int = 40, _ f: (Double) -> Double
        ) -> (x: Double, value: Double) {
            let step = (upper - lower) / Double(gridPoints - 1)
            let grid = (0..<gridPoints).map { lower + Double($0) * step }
            let values = grid.map(f)
            let at = values.indices.min { values[$0] < values[$1] }!
            var best = (x: grid[at], value: values[at])
            var a = grid[max(0, at - 1)]
            var b = grid[min(gridPoints - 1, at + 1)]
            let ratio = (sqrt(5.0) - 1) / 2
            var c = b - ratio * (b - a)
            var d = a + ratio * (b - a)
            var fc = f(c)
            var fd = f(d)
            for _ in 0..<iterations {
                if fc < fd {
                    (b, d, fd) = (d, c, fc)
                    c = b - ratio * (b - a)
                    fc = f(c)
                } else {
                    (a, c, fc) = (c, d, fd)
                    d = a + ratio * (b - a)
                    fd = f(d)
                }
            }
            if fc < best.value { best = (c, fc) }
            if fd < best.value { best = (d, fd) }
            return best
        }
    }
}
