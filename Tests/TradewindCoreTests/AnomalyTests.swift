import Foundation
import Testing
import TradewindCore

@Suite("Anomaly")
struct AnomalyTests {
    static let pattern: [Double] = [12, 7, 9, 10, 6, 15, 11]

    /// Twelve weeks of 100 + 3·pattern + a deterministic wiggle 4·sin(1.3t).
    static let noisy: [Double] = (0..<84).map { (time: Int) -> Double in
        let wiggle: Double = 4 * sin(Double(time) * 1.3)
        return 100 + 3 * pattern[time % 7] + wiggle
    }

    @Test("a spike on a pure weekly pattern: exact expected value, the next day untouched (robust)")
    func spikeOnPattern() throws {
        // Eight weeks of the pattern, +70 on day 30 (phase 2, normally 9). Fixed α = 0.2, γ = 0.1, no
        // trend. The first pass flags day 30; the refit on the cleaned series (the pure pattern) fits
        // exactly, so σ falls to its floor 1e-9 · mean|y| = 1e-9 · (560 + 70) / 56 = 1.125e-8, the range
        // of day 30 is 9 ± z·σ, its score 70 / 1.125e-8, and day 31 expects its usual 10.
        var series = (0..<56).map { Self.pattern[$0 % 7] }
        series[30] += 70
        let configuration = AnomalyConfiguration(
            model: .init(trend: .none, parameters: .init(alpha: 0.2, gamma: 0.1)))
        let report = try AnomalyDetector.detect(series, configuration: configuration)
        #expect(report.warmUp == 14)
        #expect(report.points.map(\.index) == Array(14..<56))
        #expect(report.anomalies.map(\.index) == [30])
        let spike = try #require(report.anomalies.first)
        #expect(spike.value == 79)
        #expect(abs(spike.expected - 9) < 1e-12)
        #expect(spike.lower < 9 && spike.upper > 9 && spike.upper - spike.lower < 1e-7)
        #expect(abs(spike.score / (70 / 1.125e-8) - 1) < 1e-6)
        let next = try #require(report.points.first { $0.index == 31 })
        #expect(!next.isAnomaly)
        #expect(abs(next.expected - 10) < 1e-12)
        #expect(report.points.filter { $0.index != 30 }.allSatisfy { abs($0.score) < 1e-3 })
    }

    @Test("without robust updates the spike drags the next day's expectation: 10 + α·70 = 24")
    func spikeWithoutRobustness() throws {
        // Day 30's error of 70 raises the level by α·70 = 14; day 31 (phase 3) has an untouched seasonal
        // term, so it expects 10 + 14.
        var series = (0..<56).map { Self.pattern[$0 % 7] }
        series[30] += 70
        let configuration = AnomalyConfiguration(
            model: .init(trend: .none, parameters: .init(alpha: 0.2, gamma: 0.1)), robust: false)
        let report = try AnomalyDetector.detect(series, configuration: configuration)
        #expect(report.anomalies.map(\.index) == [30])
        let next = try #require(report.points.first { $0.index == 31 })
        #expect(abs(next.expected - 24) < 1e-12)
        #expect(next.score < 0)
    }

    @Test("a planted spike in a noisy series is found with a sensible range; the day after is not flagged")
    func spikeInNoise() throws {
        var series = Self.noisy
        series[50] += 40
        let report = try AnomalyDetector.detect(series)
        #expect(report.model.kind == .holtWinters)
        #expect(report.anomalies.map(\.index) == [50])
        let spike = try #require(report.anomalies.first)
        // The range brackets what the day would have been without the spike, and excludes the spike.
        #expect(spike.lower < Self.noisy[50] && Self.noisy[50] < spike.upper)
        #expect(spike.value > spike.upper)
        #expect(spike.score > 10)
        #expect(abs(spike.score - (spike.value - spike.expected) / report.model.sigma2.squareRoot()) < 1e-9)
        let z = Forecast.normalQuantile(0.995)
        #expect(abs((spike.upper - spike.expected) - z * report.model.sigma2.squareRoot()) < 1e-9)
        let next = try #require(report.points.first { $0.index == 51 })
        #expect(!next.isAnomaly)
        #expect(abs(next.score) < 1)
    }

    @Test("a drop is flagged with a negative score")
    func drop() throws {
        var series = Self.noisy
        series[60] -= 30
        let report = try AnomalyDetector.detect(series)
        #expect(report.anomalies.map(\.index) == [60])
        #expect(report.anomalies.allSatisfy { $0.score < -5 && $0.value < $0.lower })
    }

    @Test("edge cases: an all-zero series, a short series on the fallback model")
    func edgeCases() throws {
        // All zeros: σ = 0 and the floor is 0 too; nothing deviates, scores are 0.
        let zeros = try AnomalyDetector.detect(Array(repeating: 0, count: 16))
        #expect(zeros.anomalies.isEmpty)
        #expect(zeros.points.count == 2)
        #expect(zeros.points.allSatisfy { $0.score == 0 && $0.lower == 0 && $0.upper == 0 })

        // Eight days: simple exponential smoothing, warm-up two values; the jump to 30 stands out.
        let short = try AnomalyDetector.detect([5, 6, 5, 6, 5, 30, 5, 6])
        #expect(short.model.kind == .simple)
        #expect(short.warmUp == 2)
        #expect(short.points.map(\.index) == Array(2..<8))
        #expect(short.anomalies.map(\.index) == [5])
    }

    @Test("invalid parameters are refused, naming the field")
    func invalidParameters() {
        let level = ValidationFailure.invalidParameter(field: "interval", reason: "must be in [0.5, 0.999]")
        #expect(throws: level) { try AnomalyDetector.detect(Self.noisy, configuration: .init(intervalLevel: 1.0)) }
        let nan = ValidationFailure.invalidParameter(field: "series", reason: "value at index 1 is not a finite number")
        #expect(throws: nan) { try AnomalyDetector.detect([1, .nan, 3, 4]) }
        let empty = ValidationFailure.invalidParameter(field: "series", reason: "needs at least 3 values, got 0")
        #expect(throws: empty) { try AnomalyDetector.detect([]) }
        let season = ValidationFailure.invalidParameter(field: "season_length", reason: "must be in [1, 366]")
        #expect(throws: season) {
            try AnomalyDetector.detect(Self.noisy, configuration: .init(model: .init(seasonLength: 400)))
        }
    }
}
