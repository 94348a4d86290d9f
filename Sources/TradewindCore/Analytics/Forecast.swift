import Foundation

/// The trend component of the model.
public enum ForecastTrend: Sendable, Hashable {
    /// Level and seasonality only.
    case none
    /// A straight-line trend, extrapolated forever.
    case additive
    /// A trend that flattens out (factor `phi` per step), the safer choice for long horizons.
    case damped
}

/// Which model was actually fitted: a series too short for the configured one falls back to a simpler one.
public enum ForecastModelKind: Sendable, Hashable {
    /// Simple exponential smoothing (level only): fewer than `HoltWinters.minimumCountForTrend` values,
    /// or too short for seasonality with no trend configured.
    case simple
    /// Holt's linear (or damped) trend without seasonality: fewer than two full seasons.
    case holt
    /// Additive Holt-Winters: level, optional (damped) trend, additive seasonality.
    case holtWinters
}

/// Smoothing parameters, named and defined as in statsmodels' `ExponentialSmoothing`: `alpha` (level),
/// `beta` (trend, applied to level differences: Hyndman's β* ), `gamma` (seasonal) and `phi` (damping).
public struct HoltWintersParameters: Sendable, Hashable {
    public var alpha: Double
    /// 0 when the model has no trend.
    public var beta: Double
    /// 0 when the model has no seasonality.
    public var gamma: Double
    /// 1 unless the trend is damped.
    public var phi: Double

    public init(alpha: Double, beta: Double = 0, gamma: Double = 0, phi: Double = 1) {
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        self.phi = phi
    }
}

/// The states of the recursion at one time: level, trend, and one seasonal term per phase
/// (`seasonals[t % seasonLength]` is the term used for time `t`, counting the first value as time 0).
public struct HoltWintersState: Sendable, Hashable {
    public var level: Double
    public var trend: Double
    public var seasonals: [Double]

    public init(level: Double, trend: Double, seasonals: [Double]) {
        self.level = level
        self.trend = trend
        self.seasonals = seasonals
    }
}

/// How to model a series.
public struct HoltWintersConfiguration: Sendable, Hashable {
    /// Days per season; 7 for a weekly pattern in daily data, 1 for no seasonality.
    public var seasonLength: Int
    public var trend: ForecastTrend
    /// Fixed smoothing parameters instead of fitted ones. `beta` is ignored without a trend, `gamma`
    /// without seasonality, and `phi` unless the trend is damped.
    public var parameters: HoltWintersParameters?

    public init(seasonLength: Int = 7, trend: ForecastTrend = .damped, parameters: HoltWintersParameters? = nil) {
        self.seasonLength = seasonLength
        self.trend = trend
        self.parameters = parameters
    }
}

/// One forecast step with its prediction interval.
public struct ForecastPoint: Sendable, Hashable {
    /// Steps after the last observation: 1 is the day after it.
    public var step: Int
    public var value: Double
    public var lower: Double
    public var upper: Double
}

/// Shared limits and the normal quantile used for intervals.
public enum Forecast {
    /// Longest forecast, in steps: a year and a leap day.
    public static let horizonRange = 1...366
    /// Coverage of prediction intervals: below one half they are not intervals worth showing; at 1 they
    /// are infinite.
    public static let intervalLevelRange = 0.5...0.999

    /// The standard normal quantile Φ⁻¹(p): Acklam's rational approximation (relative error 1.15e-9)
    /// polished by one Halley step on `erfc`, which brings it to about machine precision.
    /// Returns -∞ for p ≤ 0 and +∞ for p ≥ 1.
    public static func normalQuantile(_ p: Double) -> Double {
        guard !p.isNaN else { return .nan }
        guard p > 0 else { return -.infinity }
        guard p < 1 else { return .infinity }
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
            -3.066479806614716e+01, 2.506628277459239e+00,
        ]
        let b = [
            -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
            -1.328068155288572e+01,
        ]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
            4.374664141464968e+00, 2.938163982698783e+00,
        ]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        func tail(_ q: Double) -> Double {
            (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let lowBreak = 0.02425
        var x: Double
        if p < lowBreak {
            x = tail((-2 * log(p)).squareRoot())
        } else if p > 1 - lowBreak {
            x = -tail((-2 * log1p(-p)).squareRoot())
        } else {
            let q = p - 0.5
            let r = q * q
            x =
                (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        }
        let error = 0.5 * erfc(-x / 2.0.squareRoot()) - p
        let u = error * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }

    static func validate(intervalLevel: Double) throws(ValidationFailure) {
        guard intervalLevelRange.contains(intervalLevel) else {
            throw .invalidParameter(field: "interval", reason: "must be in [0.5, 0.999]")
        }
    }
}

/// Additive Holt-Winters exponential smoothing, as statsmodels' `ExponentialSmoothing(trend="add",
/// damped_trend=..., seasonal="add")`, which is the ETS(A,A,A) / ETS(A,Ad,A) model of Hyndman et al.
/// (*Forecasting with Exponential Smoothing*, 2008) in its error-correction form.
///
/// The input is a dense daily series: one value per day in order, with no gaps. Days with no activity
/// must be passed as 0 (for counts and sums that is what they are); the model cannot tell a missing day
/// from the next one. NaN and infinities are refused.
///
/// Fitting is deterministic: the smoothing parameters minimise the sum of squared one-step-ahead
/// errors, found by a coarse grid followed by Nelder-Mead, restarted once from its optimum.
/// Bounds: `alpha`, `beta` in [0, 1], `gamma` in [0, 1 - alpha] (Hyndman's admissible region),
/// `phi` in [0.8, 0.98] (Hyndman's range in R's `forecast::ets`; statsmodels allows up to 0.995 and also
/// caps `beta` at `alpha`, so its optimum can be a little worse).
///
/// Initial states come from the first two seasons ("first two seasons" heuristic, without the
/// decomposition statsmodels runs): with means m₁, m₂ of the two seasons of length m, the trend is
/// (m₂ - m₁) / m, the level before the first value is m₁ less (m + 1) / 2 trend steps (m₁ is the level
/// at the middle of season one), and each phase's seasonal term is the average, over the two seasons,
/// of the value less its season's mean and its trend offset from the season's middle. Without a trend
/// the level is (m₁ + m₂) / 2. A series that is exactly linear trend plus a repeating pattern is thus
/// fitted with zero error.
///
/// Fallbacks: fewer than two full seasons drops seasonality, to Holt's trend model (level and slope of
/// a least-squares line through the first ten values) when a trend is configured and there are at least
/// `minimumCountForTrend` values, and to simple exponential smoothing (initial level: the first value)
/// otherwise. Fewer than three values is an error.
public enum HoltWinters {
    /// Fewest values for a trend model; shorter series get simple exponential smoothing.
    public static let minimumCountForTrend = 10
    public static let seasonLengthRange = 1...366

    public static func fit(_ series: [Double], configuration: HoltWintersConfiguration = .init())
        throws(ValidationFailure) -> HoltWintersModel
    {
        try validate(series: series)
        guard seasonLengthRange.contains(configuration.seasonLength) else {
            throw .invalidParameter(field: "season_length", reason: "must be in [1, 366]")
        }
        if let fixed = configuration.parameters { try validate(fixed) }

        let count = series.count
        let seasonLength = configuration.seasonLength
        let kind: ForecastModelKind
        let trend: ForecastTrend
        if seasonLength >= 2, count >= 2 * seasonLength {
            kind = .holtWinters
            trend = configuration.trend
        } else if configuration.trend != .none, count >= minimumCountForTrend {
            kind = .holt
            trend = configuration.trend
        } else {
            kind = .simple
            trend = .none
        }
        let shape = HoltWintersShape(kind: kind, trend: trend, seasonLength: kind == .holtWinters ? seasonLength : 1)
        let initial = shape.initialState(series)
        let parameters: HoltWintersParameters
        if let fixed = configuration.parameters {
            parameters = shape.restrict(fixed)
        } else {
            parameters = shape.parameters(
                from: optimise(shape.dimensions) {
                    sumOfSquaredErrors(series, HoltWintersRecursion(shape.parameters(from: $0), initial))
                })
        }

        var recursion = HoltWintersRecursion(parameters, initial)
        var fitted = [Double]()
        fitted.reserveCapacity(count)
        var squares = 0.0
        for (time, value) in series.enumerated() {
            let prediction = recursion.prediction(at: time)
            fitted.append(prediction)
            squares += (value - prediction) * (value - prediction)
            recursion.update(at: time, with: value)
        }
        return HoltWintersModel(
            kind: kind, trend: trend, seasonLength: shape.seasonLength, parameters: parameters,
            initialState: initial, finalState: recursion.state, fittedValues: fitted, sigma2: squares / Double(count))
    }

    static func validate(series: [Double]) throws(ValidationFailure) {
        guard series.count >= 3 else {
            throw .invalidParameter(field: "series", reason: "needs at least 3 values, got \(series.count)")
        }
        if let index = series.firstIndex(where: { !$0.isFinite }) {
            throw .invalidParameter(field: "series", reason: "value at index \(index) is not a finite number")
        }
    }

    private static func validate(_ fixed: HoltWintersParameters) throws(ValidationFailure) {
        for (field, value) in [("alpha", fixed.alpha), ("beta", fixed.beta), ("gamma", fixed.gamma)]
        where !(0...1).contains(value) {
            throw .invalidParameter(field: field, reason: "must be in [0, 1]")
        }
        guard fixed.gamma <= 1 - fixed.alpha else {
            throw .invalidParameter(field: "gamma", reason: "must not exceed 1 - alpha")
        }
        guard fixed.phi > 0, fixed.phi <= 1 else {
            throw .invalidParameter(field: "phi", reason: "must be in (0, 1]")
        }
    }

    static func sumOfSquaredErrors(_ series: [Double], _ start: HoltWintersRecursion) -> Double {
        var recursion = start
        var squares = 0.0
        for (time, value) in series.enumerated() {
            let error = value - recursion.prediction(at: time)
            squares += error * error
            recursion.update(at: time, with: value)
        }
        return squares
    }

    /// Minimises `objective` over the unit box [0, 1]^dimensions: the best point of a coarse grid, then
    /// Nelder-Mead (points projected onto the box), restarted once.
    private static func optimise(_ dimensions: Int, _ objective: ([Double]) -> Double) -> [Double] {
        let axis = [0.1, 0.3, 0.5, 0.7, 0.9]
        var best = [Double](repeating: axis[0], count: dimensions)
        var bestValue = Double.infinity
        var point = best
        func search(_ dimension: Int) {
            guard dimension < dimensions else {
                let value = objective(point)
                if value < bestValue { (best, bestValue) = (point, value) }
                return
            }
            for coordinate in axis {
                point[dimension] = coordinate
                search(dimension + 1)
            }
        }
        search(0)
        var result = nelderMead(from: best, objective)
        result = nelderMead(from: result, objective)
        return result
    }

    private static func nelderMead(from start: [Double], _ objective: ([Double]) -> Double) -> [Double] {
        let dimensions = start.count
        let project = { (point: [Double]) in point.map { min(1, max(0, $0)) } }
        var simplex = [start]
        for dimension in 0..<dimensions {
            var vertex = start
            vertex[dimension] += start[dimension] > 0.9 ? -0.1 : 0.1
            simplex.append(vertex)
        }
        var values = simplex.map(objective)
        var evaluations = values.count
        while evaluations < 400 * dimensions {
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            let spread = values[dimensions] - values[0]
            let size = simplex.dropFirst().map { zip($0, simplex[0]).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
            if spread <= 1e-12 * abs(values[0]), size <= 1e-7 { break }

            let centroid = (0..<dimensions).map { index in
                simplex.dropLast().reduce(0) { $0 + $1[index] } / Double(dimensions)
            }
            func along(_ factor: Double) -> [Double] {
                project(zip(centroid, simplex[dimensions]).map { $0 + factor * ($0 - $1) })
            }
            let reflected = along(1)
            let reflectedValue = objective(reflected)
            evaluations += 1
            if reflectedValue < values[0] {
                let expanded = along(2)
                let expandedValue = objective(expanded)
                evaluations += 1
                (simplex[dimensions], values[dimensions]) =
                    expandedValue < reflectedValue ? (expanded, expandedValue) : (reflected, reflectedValue)
            } else if reflectedValue < values[dimensions - 1] {
                (simplex[dimensions], values[dimensions]) = (reflected, reflectedValue)
            } else {
                let outside = reflectedValue < values[dimensions]
                let contracted = along(outside ? 0.5 : -0.5)
                let contractedValue = objective(contracted)
                evaluations += 1
                if contractedValue < (outside ? reflectedValue : values[dimensions]) {
                    (simplex[dimensions], values[dimensions]) = (contracted, contractedValue)
                } else {
                    for index in 1...dimensions {
                        simplex[index] = zip(simplex[0], simplex[index]).map { $0 + 0.5 * ($1 - $0) }
                        values[index] = objective(simplex[index])
                    }
                    evaluations += dimensions
                }
            }
        }
        return simplex[values.indices.min { values[$0] < values[$1] } ?? 0]
    }
}

/// A fitted model: its parameters, states and in-sample one-step predictions. Forecasts come from
/// the final state.
public struct HoltWintersModel: Sendable, Hashable {
    public let kind: ForecastModelKind
    /// The trend actually used (`.none` for simple exponential smoothing).
    public let trend: ForecastTrend
    /// The season length actually used: 1 when the model has no seasonality.
    public let seasonLength: Int
    public let parameters: HoltWintersParameters
    /// States before the first value.
    public let initialState: HoltWintersState
    /// States after the last value.
    public let finalState: HoltWintersState
    /// One-step-ahead predictions, one per input value, each made from the values before it (with the
    /// parameters fitted on the whole series).
    public let fittedValues: [Double]
    /// Variance of the one-step errors: their mean square over the whole series (the maximum-likelihood
    /// estimate, as statsmodels' `ETSModel`).
    public let sigma2: Double

    /// A snake_case name for responses: `holt_winters_additive` (with `_damped` or `_no_trend` for those
    /// trends), `holt_linear`, `holt_damped` or `simple_exponential_smoothing`.
    public var name: String {
        switch (kind, trend) {
        case (.holtWinters, .additive): "holt_winters_additive"
        case (.holtWinters, .damped): "holt_winters_additive_damped"
        case (.holtWinters, .none): "holt_winters_additive_no_trend"
        case (.holt, .damped): "holt_damped"
        case (.holt, _): "holt_linear"
        case (.simple, _): "simple_exponential_smoothing"
        }
    }

    /// Forecasts `horizon` steps after the last value, with intervals covering `intervalLevel` of
    /// normal errors, from the analytical variance of the model's class 1 (Hyndman et al. 2008, ch. 6):
    /// v(h) = σ²(1 + Σⱼ₌₁..ₕ₋₁ cⱼ²), cⱼ = α + αβ(φ + … + φʲ) + γ·[j is a multiple of the season length].
    public func forecast(horizon: Int, intervalLevel: Double = 0.95) throws(ValidationFailure) -> [ForecastPoint] {
        guard Forecast.horizonRange.contains(horizon) else {
            throw .invalidParameter(field: "horizon_days", reason: "must be in [1, 366]")
        }
        try Forecast.validate(intervalLevel: intervalLevel)
        let z = Forecast.normalQuantile(0.5 + intervalLevel / 2)
        let variances = variances(upTo: horizon)
        let last = fittedValues.count - 1
        var damping = 0.0
        var power = 1.0
        return (1...horizon).map { step in
            power *= parameters.phi
            damping += power
            let value =
                finalState.level + damping * finalState.trend + finalState.seasonals[(last + step) % seasonLength]
            let width = z * variances[step - 1].squareRoot()
            return ForecastPoint(step: step, value: value, lower: value - width, upper: value + width)
        }
    }

    /// Forecast error variances for steps 1 through `horizon` (the first is `sigma2`).
    public func variances(upTo horizon: Int) -> [Double] {
        var result = [Double]()
        result.reserveCapacity(max(0, horizon))
        var sum = 1.0
        var damping = 0.0
        var power = 1.0
        for step in 0..<max(0, horizon) {
            result.append(sigma2 * sum)
            let j = step + 1
            power *= parameters.phi
            damping += power
            let seasonal = seasonLength > 1 && j % seasonLength == 0 ? parameters.gamma : 0
            let c = parameters.alpha * (1 + parameters.beta * damping) + seasonal
            sum += c * c
        }
        return result
    }
}

/// Which components a model has, and how the unit box of the optimiser maps to its parameters.
struct HoltWintersShape {
    let kind: ForecastModelKind
    let trend: ForecastTrend
    let seasonLength: Int

    /// Order: alpha, then beta with a trend, gamma with seasonality, phi when damped.
    var dimensions: Int {
        1 + (trend == .none ? 0 : 1) + (kind == .holtWinters ? 1 : 0) + (trend == .damped ? 1 : 0)
    }

    /// Maps a point of the unit box to parameters: gamma is scaled into [0, 1 - alpha], phi into [0.8, 0.98].
    func parameters(from unit: [Double]) -> HoltWintersParameters {
        var rest = unit.makeIterator()
        let alpha = rest.next() ?? 0.5
        let beta = trend == .none ? 0 : rest.next() ?? 0
        let gamma = kind == .holtWinters ? (rest.next() ?? 0) * (1 - alpha) : 0
        let phi = trend == .damped ? 0.8 + 0.18 * (rest.next() ?? 1) : 1
        return HoltWintersParameters(alpha: alpha, beta: beta, gamma: gamma, phi: phi)
    }

    /// Fixed parameters with the components this model lacks switched off.
    func restrict(_ fixed: HoltWintersParameters) -> HoltWintersParameters {
        HoltWintersParameters(
            alpha: fixed.alpha, beta: trend == .none ? 0 : fixed.beta, gamma: kind == .holtWinters ? fixed.gamma : 0,
            phi: trend == .damped ? fixed.phi : 1)
    }

    func initialState(_ series: [Double]) -> HoltWintersState {
        switch kind {
        case .simple:
            return HoltWintersState(level: series[0], trend: 0, seasonals: [0])
        case .holt:
            // Least-squares line through the first values: y ≈ intercept + slope·t, level taken at t = -1.
            let count = min(series.count, HoltWinters.minimumCountForTrend)
            let meanTime = Double(count - 1) / 2
            let meanValue = series[0..<count].reduce(0, +) / Double(count)
            var covariance = 0.0
            var variance = 0.0
            for time in 0..<count {
                covariance += (Double(time) - meanTime) * (series[time] - meanValue)
                variance += (Double(time) - meanTime) * (Double(time) - meanTime)
            }
            let slope = covariance / variance
            return HoltWintersState(level: meanValue - slope * (meanTime + 1), trend: slope, seasonals: [0])
        case .holtWinters:
            let length = seasonLength
            let means = [0, 1].map { season in
                series[(season * length)..<((season + 1) * length)].reduce(0, +) / Double(length)
            }
            let slope = trend == .none ? 0 : (means[1] - means[0]) / Double(length)
            let middle = Double(length - 1) / 2
            let seasonals = (0..<length).map { phase in
                let offset = slope * (Double(phase) - middle)
                return (0..<2).reduce(0.0) { sum, season in
                    sum + series[season * length + phase] - means[season] - offset
                } / 2
            }
            let level = trend == .none ? (means[0] + means[1]) / 2 : means[0] - slope * (middle + 1)
            return HoltWintersState(level: level, trend: slope, seasonals: seasonals)
        }
    }
}

/// The smoothing recursion (statsmodels' form): with the prediction ŷ = ℓ + φb + s for the phase,
/// ℓ' = α(y - s) + (1 - α)(ℓ + φb), b' = β(ℓ' - ℓ) + (1 - β)φb, s' = γ(y - ℓ - φb) + (1 - γ)s.
/// A model without trend keeps b = 0, one without seasonality a single phase with s = 0 and γ = 0.
struct HoltWintersRecursion {
    let parameters: HoltWintersParameters
    var state: HoltWintersState

    init(_ parameters: HoltWintersParameters, _ state: HoltWintersState) {
        self.parameters = parameters
        self.state = state
    }

    func prediction(at time: Int) -> Double {
        state.level + parameters.phi * state.trend + state.seasonals[time % state.seasonals.count]
    }

    mutating func update(at time: Int, with value: Double) {
        let phase = time % state.seasonals.count
        let seasonal = state.seasonals[phase]
        let base = state.level + parameters.phi * state.trend
        let level = parameters.alpha * (value - seasonal) + (1 - parameters.alpha) * base
        state.trend = parameters.beta * (level - state.level) + (1 - parameters.beta) * parameters.phi * state.trend
        state.seasonals[phase] = parameters.gamma * (value - base) + (1 - parameters.gamma) * seasonal
        state.level = level
    }
}
