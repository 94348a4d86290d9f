import Foundation

/// How to scan a KPI series for anomalies.
public struct AnomalyConfiguration: Sendable, Hashable {
    public var model: HoltWintersConfiguration
    /// Coverage of the expected range. 0.99 by default: at 0.95 a perfectly normal series would flag
    /// one day in twenty.
    public var intervalLevel: Double
    /// Keeps a flagged value out of the model: the state is updated with the expected value instead,
    /// and the parameters and σ are refitted on the series with flagged values replaced, so one spike
    /// neither shifts the following days' expectations nor widens every range.
    public var robust: Bool

    public init(model: HoltWintersConfiguration = .init(), intervalLevel: Double = 0.99, robust: Bool = true) {
        self.model = model
        self.intervalLevel = intervalLevel
        self.robust = robust
    }
}

/// One value compared with what the model expected of it.
public struct AnomalyPoint: Sendable, Hashable {
    /// Position in the input series.
    public var index: Int
    public var value: Double
    /// One-step-ahead prediction from the values before this one.
    public var expected: Double
    public var lower: Double
    public var upper: Double
    /// (value - expected) / σ: how many standard deviations of the one-step error the value is off,
    /// negative below expectation.
    public var score: Double
    /// Whether the value lies outside [lower, upper].
    public var isAnomaly: Bool
}

/// The outcome of a scan: every judged point's expected range, and the anomalous ones among them.
public struct AnomalyReport: Sendable, Hashable {
    /// The model the final pass used.
    public var model: HoltWintersModel
    /// Values before this index only initialise the model and are not judged: two seasons (two values
    /// for a model without seasonality).
    public var warmUp: Int
    /// One point per value from `warmUp` on.
    public var points: [AnomalyPoint]
    public var anomalies: [AnomalyPoint]
}

/// Seasonality-aware anomaly detection: a value outside its one-step-ahead prediction interval is an
/// anomaly. Expectations are in-sample one-step predictions: the smoothing parameters are fitted on the
/// whole series (see `HoltWinters`), then the recursion runs forward so that each expectation depends
/// only on the values before it.
///
/// With `robust` (the default) the scan runs twice: the first pass, with parameters fitted on the raw
/// series, flags anomalies; the flagged values are replaced by their expected values and the model is
/// refitted on that cleaned series; the second pass, with the refitted model, judges the raw values and
/// gives the result. In both passes a flagged value updates the state as if it had been the expected
/// value, so a spike does not drag the next days' expectations along.
///
/// σ is the model's one-step error standard deviation, but at least 1e-9 times the mean absolute value
/// of the series, so that a series the model fits exactly does not flag rounding noise.
public enum AnomalyDetector {
    public static func detect(_ series: [Double], configuration: AnomalyConfiguration = .init())
        throws(ValidationFailure) -> AnomalyReport
    {
        try Forecast.validate(intervalLevel: configuration.intervalLevel)
        let z = Forecast.normalQuantile(0.5 + configuration.intervalLevel / 2)
        let floor = 1e-9 * series.reduce(0) { $0 + abs($1) } / Double(max(series.count, 1))
        let first = try HoltWinters.fit(series, configuration: configuration.model)
        let report = scan(series, first, z: z, floor: floor, robust: configuration.robust)
        guard configuration.robust, !report.anomalies.isEmpty else { return report }

        var cleaned = series
        for anomaly in report.anomalies { cleaned[anomaly.index] = anomaly.expected }
        let refitted = try HoltWinters.fit(cleaned, configuration: configuration.model)
        return scan(series, refitted, z: z, floor: floor, robust: true)
    }

    private static func scan(_ series: [Double], _ model: HoltWintersModel, z: Double, floor: Double, robust: Bool)
        -> AnomalyReport
    {
        let sigma = max(model.sigma2.squareRoot(), floor)
        let warmUp = min(2 * model.seasonLength, series.count)
        var recursion = HoltWintersRecursion(model.parameters, model.initialState)
        var points = [AnomalyPoint]()
        points.reserveCapacity(series.count - warmUp)
        for (index, value) in series.enumerated() {
            let expected = recursion.prediction(at: index)
            let lower = expected - z * sigma
            let upper = expected + z * sigma
            let isAnomaly = index >= warmUp && (value < lower || value > upper)
            if index >= warmUp {
                let score = sigma > 0 ? (value - expected) / sigma : 0
                points.append(
                    AnomalyPoint(
                        index: index, value: value, expected: expected, lower: lower, upper: upper, score: score,
                        isAnomaly: isAnomaly))
            }
            recursion.update(at: index, with: robust && isAnomaly ? expected : value)
        }
        return AnomalyReport(model: model, warmUp: warmUp, points: points, anomalies: points.filter(\.isAnomaly))
    }
}
