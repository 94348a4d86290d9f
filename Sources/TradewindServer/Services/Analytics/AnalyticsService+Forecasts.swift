import Foundation
import GRPCCore
import TradewindCore
import TradewindProto
import TradewindStore

/// KPI forecasts and anomalies over a daily series.
extension AnalyticsService {
    func forecastKPI(request: Tradewind_V1_ForecastKPIRequest, context: ServerContext) async throws
        -> Tradewind_V1_ForecastKPIResponse
    {
        var collector = ViolationCollector()
        let horizon = request.horizonDays == 0 ? 28 : Int(request.horizonDays)
        collector.require(Forecast.horizonRange.contains(horizon), "horizon_days", "must be 1 to 366")
        let level = request.interval == 0 ? 0.95 : request.interval
        collector.require(Forecast.intervalLevelRange.contains(level), "interval", "must be 0.5 to 0.999")
        let (days, values) = try await series(request.series, collector: &collector)

        let model = try Self.domain { try HoltWinters.fit(values) }
        let forecast = try Self.domain { try model.forecast(horizon: horizon, intervalLevel: level) }
        let spread = Forecast.normalQuantile(0.5 + level / 2) * model.sigma2.squareRoot()
        var response = Tradewind_V1_ForecastKPIResponse()
        response.model = model.name
        response.history = zip(days, values).enumerated().map { index, pair in
            let expected = model.fittedValues.indices.contains(index) ? model.fittedValues[index] : pair.1
            return Self.point(
                pair.0, value: pair.1, expected: expected, lower: expected - spread, upper: expected + spread)
        }
        let last = days.last ?? CalendarDay(daysSinceEpoch: 0)
        response.forecast = forecast.map {
            Self.point(
                last.adding(days: Int64($0.step)), value: $0.value, expected: $0.value, lower: $0.lower, upper: $0.upper
            )
        }
        return response
    }

    func detectAnomalies(request: Tradewind_V1_DetectAnomaliesRequest, context: ServerContext) async throws
        -> Tradewind_V1_DetectAnomaliesResponse
    {
        var collector = ViolationCollector()
        let level = request.interval == 0 ? 0.99 : request.interval
        collector.require(Forecast.intervalLevelRange.contains(level), "interval", "must be 0.5 to 0.999")
        let (days, values) = try await series(request.series, collector: &collector)

        var configuration = AnomalyConfiguration()
        configuration.intervalLevel = level
        let report = try Self.domain { try AnomalyDetector.detect(values, configuration: configuration) }
        var response = Tradewind_V1_DetectAnomaliesResponse()
        response.model = report.model.name
        var byIndex: [Int: AnomalyPoint] = [:]
        for point in report.points { byIndex[point.index] = point }
        response.points = days.enumerated().map { index, day in
            guard let point = byIndex[index] else {
                return Self.point(
                    day, value: values[index], expected: values[index], lower: values[index], upper: values[index])
            }
            return Self.point(day, value: point.value, expected: point.expected, lower: point.lower, upper: point.upper)
        }
        response.anomalies = report.anomalies.map { point in
            var anomaly = Tradewind_V1_Anomaly()
            anomaly.point = Self.point(
                days[point.index], value: point.value, expected: point.expected, lower: point.lower, upper: point.upper)
            anomaly.score = point.score
            return anomaly
        }
        return response
    }

    /// Validates a series selector (adding to `collector`'s violations) and reads its daily values.
    private func series(_ series: Tradewind_V1_KPISeries, collector: inout ViolationCollector) async throws
        -> ([CalendarDay], [Double])
    {
        if !series.hasRange { collector.add("series.range", "is required") }
        let range = Self.range(series.range, field: "series.range", into: &collector)
        if let range { collector.require(range.dayCount >= 3, "series.range", "must span at least 3 days") }
        let value = Self.metric(series.metric)
        if value == nil {
            collector.add(
                "series.metric", series.metric == .unspecified ? "is required" : "is not a known metric")
        }
        let channels = Self.channels(series.channels, field: "series.channels", into: &collector)
        let countries = Self.countries(series.countries, field: "series.countries", into: &collector)
        try collector.throwIfAny()
        guard let range, let value else { throw RPCError(code: .invalidArgument, message: "invalid request") }
        let rollups = try await read { tx, _ in
            try await AnalyticsRepository.rollups(
                range: range, byChannel: false, byCampaign: false, byCountry: false, channels: channels,
                countries: countries, campaignIDs: [], in: tx)
        }.1
        return (range.days, KPIReport.dailySeries(rollups, range: range, value: value))
    }

    static func metric(_ metric: Tradewind_V1_KPIMetric) -> (@Sendable (KPITotals) -> Double)? {
        switch metric {
        case .spend: { Double($0.spendMicros) / 1_000_000 }
        case .impressions: { Double($0.impressions) }
        case .clicks: { Double($0.clicks) }
        case .conversions: { Double($0.conversions) }
        case .revenue: { Double($0.revenueMicros) / 1_000_000 }
        case .ctr: { $0.ctr ?? 0 }
        case .cvr: { $0.cvr ?? 0 }
        case .roas: { $0.roas ?? 0 }
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    static func point(_ day: CalendarDay, value: Double, expected: Double, lower: Double, upper: Double)
        -> Tradewind_V1_SeriesPoint
    {
        var proto = Tradewind_V1_SeriesPoint()
        proto.day = day.description
        proto.value = value
        proto.expected = expected
        proto.lower = lower
        proto.upper = upper
        return proto
    }
}
