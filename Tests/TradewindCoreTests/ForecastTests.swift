import Foundation
import Testing
import TradewindCore

@Suite("Forecast")
struct ForecastTests {
    /// A weekly pattern with mean 10.
    static let pattern: [Double] = [12, 7, 9, 10, 6, 15, 11]

    /// Nine weeks of 100 + t/2 + a weekly pattern + a deterministic wiggle 4·sin(1.3t): the series the
    /// statsmodels vectors below were computed on.
    static let wiggly: [Double] = (0..<63).map { time in
        let weekly: [Double] = [10, -5, 3, 0, -8, 12, -12]
        return 100 + 0.5 * Double(time) + weekly[time % 7] + 4 * sin(Double(time) * 1.3)
    }

    static func expectClose(_ actual: [Double], _ expected: [Double], _ tolerance: Double, _ note: String) {
        #expect(actual.count == expected.count, "\(note): \(actual.count) values, expected \(expected.count)")
        for (index, (got, want)) in zip(actual, expected).enumerated() {
            #expect(abs(got - want) <= tolerance, "\(note)[\(index)]: \(got) != \(want)")
        }
    }

    static func field(of error: ValidationFailure) -> String { error.field }

    @Test("normal quantiles match published values to 1e-9, in the centre and in both tails")
    func normalQuantiles() {
        let known: [(Double, Double)] = [
            (0.5, 0), (0.975, 1.959963984540054), (0.025, -1.959963984540054), (0.995, 2.5758293035489004),
            (0.9995, 3.2905267314919255), (0.001, -3.090232306167813), (0.8, 0.8416212335729143),
            (1e-10, -6.361340902404056), (0.02425, -1.972961051311885),
        ]
        for (p, quantile) in known {
            #expect(abs(Forecast.normalQuantile(p) - quantile) < 1e-9, "Φ⁻¹(\(p)) = \(Forecast.normalQuantile(p))")
        }
        #expect(abs(Forecast.normalQuantile(0.975) - 1.959963985) < 1e-6)
        #expect(Forecast.normalQuantile(0) == -.infinity)
        #expect(Forecast.normalQuantile(1) == .infinity)
    }

    @Test("a pure weekly pattern is repeated exactly, with zero-width intervals")
    func pureWeeklyPattern() throws {
        // Eight weeks of the pattern: the first-two-seasons initialisation recovers level 10 and the
        // pattern's deviations exactly, so every one-step error is 0 whatever the parameters, σ² = 0, and
        // (56 being a multiple of 7) step h forecasts pattern[(h - 1) % 7].
        let series = (0..<56).map { Self.pattern[$0 % 7] }
        let model = try HoltWinters.fit(series)
        #expect(model.kind == .holtWinters)
        #expect(model.seasonLength == 7)
        #expect(model.sigma2 < 1e-20)
        let forecast = try model.forecast(horizon: 21)
        Self.expectClose(forecast.map(\.value), (0..<21).map { Self.pattern[$0 % 7] }, 1e-9, "values")
        Self.expectClose(forecast.map { $0.upper - $0.lower }, Array(repeating: 0, count: 21), 1e-9, "widths")
        #expect(forecast.map(\.step) == Array(1...21))
    }

    @Test("a linear trend plus a weekly pattern is recovered and extrapolated")
    func trendAndSeason() throws {
        // y = 20 + 2t + (pattern - 10) over five weeks (t = 0...34). The initialisation gives slope 2 and
        // the pattern exactly, so the fit is exact and step h forecasts 20 + 2(34 + h) + (pattern - 10) at
        // phase (34 + h) % 7 = (h - 1) % 7, e.g. 92 for h = 1 (t = 35, a phase-0 day: 20 + 70 + 2).
        let series = (0..<35).map { (time: Int) -> Double in 10 + 2 * Double(time) + Self.pattern[time % 7] }
        let model = try HoltWinters.fit(series, configuration: .init(trend: .additive))
        #expect(abs(model.initialState.trend - 2) < 1e-12)
        #expect(abs(model.initialState.level - 18) < 1e-12, "level at t = -1: 20 - 2")
        Self.expectClose(model.initialState.seasonals, Self.pattern.map { $0 - 10 }, 1e-12, "seasonals")
        #expect(model.sigma2 < 1e-20)
        let forecast = try model.forecast(horizon: 10)
        #expect(abs(forecast[0].value - 92) < 1e-9)
        let expected = (1...10).map { (h: Int) -> Double in 78 + 2 * Double(h) + Self.pattern[(h - 1) % 7] }
        Self.expectClose(forecast.map(\.value), expected, 1e-9, "trend forecast")
    }

    /// statsmodels 0.15 on `wiggly`, fixed smoothing parameters, the same initial states (passed with
    /// `initialization_method="known"`): ETSModel(error="add", trend="add", seasonal="add",
    /// seasonal_periods=7) with smoothing_level 0.3, smoothing_trend 0.03 (= αβ* for our β* = 0.1),
    /// smoothing_seasonal 0.2, then `get_prediction(start=63, end=76)`. holtwinters.ExponentialSmoothing
    /// with smoothing_trend 0.1 gives the same fitted values and forecasts except at h = 7 and 14, where it
    /// takes the seasonal term from one season too early; ETSModel and Hyndman's formula use the latest.
    @Test("fixed parameters reproduce statsmodels' forecasts and variances (ETS(A,A,A) and ETS(A,Ad,A))")
    func statsmodelsVectors() throws {
        let fixed = HoltWintersParameters(alpha: 0.3, beta: 0.1, gamma: 0.2, phi: 0.9)
        let additive = try HoltWinters.fit(Self.wiggly, configuration: .init(trend: .additive, parameters: fixed))
        // Initial states computed in Python with the same first-two-seasons formulas.
        #expect(abs(additive.initialState.level - 100.73078326805899) < 1e-9)
        #expect(abs(additive.initialState.trend - 0.35251876524196135) < 1e-12)
        Self.expectClose(
            additive.initialState.seasonals,
            [
                10.071079013050895, -5.148173044226693, 2.234880333673133, -0.6598722520883555, -7.770558155506736,
                12.8160357429169, -11.54339163781911,
            ], 1e-9, "initial seasonals")
        #expect(additive.parameters == HoltWintersParameters(alpha: 0.3, beta: 0.1, gamma: 0.2, phi: 1))
        #expect(abs(additive.sigma2 - 13.653203457650) < 1e-9)
        let points = try additive.forecast(horizon: 14)
        Self.expectClose(
            points.map(\.value),
            [
                139.874316300, 125.113030548, 133.928845177, 131.630798923, 123.712067537, 143.597284686,
                120.023672933, 142.456972882, 127.695687130, 136.511501759, 134.213455505, 126.294724119,
                146.179941268, 122.606329515,
            ], 1e-6, "ETS(A,A,A) mean")
        Self.expectClose(
            additive.variances(upTo: 14),
            [
                13.653203458, 15.140037314, 16.909492482, 18.986144728, 21.394569818, 24.159343518, 27.305041595,
                34.187621458, 38.168895586, 42.604821390, 47.519974634, 52.938931087, 58.886266513, 65.386556679,
            ], 1e-6, "ETS(A,A,A) variance")
        Self.expectClose(
            points.map(\.lower),
            [
                132.632202047, 117.486771315, 125.869247231, 123.090629537, 114.646398288, 133.963639308,
                109.782032787, 130.997027856, 115.586837448, 123.718352540, 120.702496038, 112.034193842,
                131.139689677, 106.757677683,
            ], 1e-6, "ETS(A,A,A) 95% lower")

        let damped = try HoltWinters.fit(Self.wiggly, configuration: .init(trend: .damped, parameters: fixed))
        #expect(abs(damped.sigma2 - 14.095128450902) < 1e-9)
        Self.expectClose(
            try damped.forecast(horizon: 14).map(\.value),
            [
                139.039169201, 124.023606387, 132.573823882, 130.001666805, 121.804153809, 141.406428281,
                117.542833233, 139.511207383, 124.448440751, 132.956174809, 130.345782640, 122.113858060,
                141.685162107, 117.793693676,
            ], 1e-6, "ETS(A,Ad,A) mean")
        Self.expectClose(
            damped.variances(upTo: 14),
            [
                14.095128451, 15.602306441, 17.341810064, 19.304639142, 21.479989361, 23.855946476, 26.420013470,
                32.208901481, 35.111239387, 38.164157840, 41.355854699, 44.675089412, 48.111244400, 51.654357960,
            ], 1e-6, "ETS(A,Ad,A) variance")
    }

    @Test("intervals widen with the horizon; v(1) is σ² exactly and v(h) follows Hyndman's closed form")
    func intervalWidening() throws {
        let fixed = HoltWintersParameters(alpha: 0.3, beta: 0.1, gamma: 0.2)
        let model = try HoltWinters.fit(Self.wiggly, configuration: .init(trend: .additive, parameters: fixed))
        let variances = model.variances(upTo: 30)
        #expect(variances[0] == model.sigma2)
        // ETS(A,A,A), Hyndman et al. (2008) table 6.1, with β = αβ* = 0.03 and k = ⌊(h - 1)/7⌋:
        // v(h) = σ²[1 + (h-1){α² + αβh + β²h(2h-1)/6} + γk{2α + γ + βm(k+1)}]. E.g. h = 8: k = 1,
        // 1 + 7(0.09 + 0.072 + 0.018) + 0.2(0.6 + 0.2 + 0.42) = 2.504.
        let (alpha, beta, gamma, m) = (0.3, 0.03, 0.2, 7.0)
        for h in 1...30 {
            let step = Double(h)
            let k = Double((h - 1) / 7)
            let factor =
                1 + (step - 1) * (alpha * alpha + alpha * beta * step + beta * beta * step * (2 * step - 1) / 6)
                + gamma * k * (2 * alpha + gamma + beta * m * (k + 1))
            #expect(abs(variances[h - 1] - model.sigma2 * factor) < 1e-9 * variances[h - 1], "h = \(h)")
        }
        #expect(abs(variances[7] / model.sigma2 - 2.504) < 1e-12)
        let points = try model.forecast(horizon: 30, intervalLevel: 0.9)
        let z = Forecast.normalQuantile(0.95)
        for (point, variance) in zip(points, variances) {
            #expect(abs((point.upper - point.value) - z * variance.squareRoot()) < 1e-9)
            #expect(abs((point.value - point.lower) - z * variance.squareRoot()) < 1e-9)
        }
        let widths = points.map { $0.upper - $0.lower }
        #expect(zip(widths, widths.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test("fitted parameters beat statsmodels' own optimum on the same series and initial states")
    func fittedParameters() throws {
        // statsmodels' ExponentialSmoothing(trend="add", seasonal="add", initialization_method="known")
        // .fit() on `wiggly` reaches SSE 590.0021490084 (α = β = 0.0838, γ = 0; it caps β at α).
        let model = try HoltWinters.fit(Self.wiggly, configuration: .init(trend: .additive))
        let sse = model.sigma2 * Double(Self.wiggly.count)
        #expect(sse <= 590.0021490084 + 1e-6, "SSE \(sse)")
        let p = model.parameters
        #expect((0...1).contains(p.alpha) && (0...1).contains(p.beta) && p.gamma >= 0 && p.gamma <= 1 - p.alpha)
        #expect(p.phi == 1)
        // No neighbouring fixed parameters do better.
        for delta in [-0.02, 0.02] {
            let neighbour = HoltWintersParameters(
                alpha: min(1, max(0, p.alpha + delta)), beta: p.beta, gamma: max(0, min(1 - p.alpha - delta, p.gamma)))
            let other = try HoltWinters.fit(
                Self.wiggly, configuration: .init(trend: .additive, parameters: neighbour))
            #expect(other.sigma2 >= model.sigma2 - 1e-12)
        }
        #expect(try HoltWinters.fit(Self.wiggly, configuration: .init(trend: .additive)) == model, "deterministic")

        let damped = try HoltWinters.fit(Self.wiggly)
        #expect(damped.parameters.phi >= 0.8 && damped.parameters.phi <= 0.98)
        #expect(damped.name == "holt_winters_additive_damped" && model.name == "holt_winters_additive")
    }

    @Test("short series fall back: simple smoothing below 10 values, Holt below two seasons")
    func shortSeriesFallback() throws {
        // Simple exponential smoothing, α = 0.5, on [4, 6, 8]: level 4 → predictions 4, 4, 5 (errors
        // 0, 2, 3) → final level 6.5, σ² = 13/3; v(h) = σ²(1 + (h - 1)α²), so v(3) = 13/3 · 1.5 = 6.5.
        let simple = try HoltWinters.fit([4, 6, 8], configuration: .init(parameters: .init(alpha: 0.5)))
        #expect(simple.kind == .simple && simple.name == "simple_exponential_smoothing")
        #expect(simple.seasonLength == 1 && simple.trend == .none)
        #expect(simple.fittedValues == [4, 4, 5])
        #expect(abs(simple.sigma2 - 13.0 / 3) < 1e-12)
        let points = try simple.forecast(horizon: 3)
        #expect(points.map(\.value) == [6.5, 6.5, 6.5])
        #expect(abs(simple.variances(upTo: 3)[2] - 6.5) < 1e-12)
        #expect(abs(points[0].upper - (6.5 + 1.959963984540054 * (13.0 / 3).squareRoot())) < 1e-9)

        // Twelve days of 3 + 2t: too short for a weekly season, long enough for Holt, whose least-squares
        // start is exact, so step h forecasts 3 + 2(11 + h) = 25 + 2h.
        let line = (0..<12).map { 3 + 2 * Double($0) }
        let holt = try HoltWinters.fit(line, configuration: .init(trend: .additive))
        #expect(holt.kind == .holt && holt.name == "holt_linear")
        #expect(holt.seasonLength == 1)
        Self.expectClose(try holt.forecast(horizon: 5).map(\.value), [27, 29, 31, 33, 35], 1e-9, "holt")

        #expect(try HoltWinters.fit(Array(line.prefix(9))).kind == .simple)
        #expect(try HoltWinters.fit(Array(line.prefix(13)), configuration: .init(trend: .none)).kind == .simple)
        #expect(try HoltWinters.fit(line + line, configuration: .init(seasonLength: 1)).kind == .holt)
        #expect(try HoltWinters.fit(Array(line.prefix(3))).kind == .simple)
    }

    static func expectRefused(_ field: String, _ body: () throws(ValidationFailure) -> Void) {
        do throws(ValidationFailure) {
            try body()
            Issue.record("expected an error naming \(field)")
        } catch {
            #expect(Self.field(of: error) == field)
        }
    }

    @Test("invalid parameters are refused, naming the field")
    func invalidParameters() throws {
        let model = try HoltWinters.fit(Self.wiggly)
        Self.expectRefused("interval") { () throws(ValidationFailure) in
            _ = try model.forecast(horizon: 7, intervalLevel: 1.0)
        }
        Self.expectRefused("interval") { () throws(ValidationFailure) in
            _ = try model.forecast(horizon: 7, intervalLevel: 0.4)
        }
        Self.expectRefused("horizon_days") { () throws(ValidationFailure) in _ = try model.forecast(horizon: 0) }
        Self.expectRefused("horizon_days") { () throws(ValidationFailure) in _ = try model.forecast(horizon: 367) }
        Self.expectRefused("series") { () throws(ValidationFailure) in _ = try HoltWinters.fit([1, .infinity, 3]) }
        Self.expectRefused("series") { () throws(ValidationFailure) in _ = try HoltWinters.fit([1, 2]) }
        Self.expectRefused("series") { () throws(ValidationFailure) in _ = try HoltWinters.fit([]) }
        Self.expectRefused("season_length") { () throws(ValidationFailure) in
            _ = try HoltWinters.fit([1, 2, 3], configuration: .init(seasonLength: 0))
        }
        Self.expectRefused("alpha") { () throws(ValidationFailure) in
            _ = try HoltWinters.fit([1, 2, 3], configuration: .init(parameters: .init(alpha: 1.5)))
        }
        Self.expectRefused("gamma") { () throws(ValidationFailure) in
            _ = try HoltWinters.fit([1, 2, 3], configuration: .init(parameters: .init(alpha: 0.8, gamma: 0.3)))
        }
        Self.expectRefused("phi") { () throws(ValidationFailure) in
            _ = try HoltWinters.fit([1, 2, 3], configuration: .init(parameters: .init(alpha: 0.5, phi: 0)))
        }
        let nan = ValidationFailure.invalidParameter(field: "series", reason: "value at index 2 is not a finite number")
        #expect(throws: nan) { try HoltWinters.fit([1, 2, .nan, 4]) }
    }
}
