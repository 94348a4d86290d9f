import Foundation
import Testing
import TradewindCore

@Suite("Response curves")
struct ResponseCurveTests {
    /// Days whose revenue is exactly `curve` at the spend, rounded to whole micros.
    static func days(_ curve: ResponseCurve, spends: [Int64]) -> [ResponseCurveObservation] {
        spends.map {
            ResponseCurveObservation(
                spendMicros: $0, revenueMicros: Int64(curve.revenue(atSpend: Double($0)).rounded()))
        }
    }

    /// 30 days spending 200, 300, ..., 3 100 units of currency.
    static let spends = (0..<30).map { Int64(200 + 100 * $0) * 1_000_000 }

    static func relativeError(_ actual: Double, _ expected: Double) -> Double {
        abs(actual - expected) / abs(expected)
    }

    @Test("a Hill curve is recovered from days generated exactly from it")
    func recoversHill() throws {
        // Shape 1.6 and half-saturation 1 234 units sit between grid points, so only the
        // refinement can find them. Rounding revenue to micros perturbs it by 5e-10 of its size,
        // which moves the least-squares parameters by about as much; 1e-4 leaves room for the
        // golden-section tolerance.
        let truth = ResponseCurve.hill(maxRevenue: 5_000e6, halfSaturationSpend: 1_234e6, shape: 1.6)
        let fit = try ResponseCurveFit(channel: "meta", observations: Self.days(truth, spends: Self.spends))
        guard case .hill(let maxRevenue, let half, let shape) = fit.curve else {
            Issue.record("expected a Hill curve, got \(fit.curve)")
            return
        }
        #expect(Self.relativeError(maxRevenue, 5_000e6) < 1e-4, "\(maxRevenue)")
        #expect(Self.relativeError(half, 1_234e6) < 1e-4, "\(half)")
        #expect(abs(shape - 1.6) < 1e-4, "\(shape)")
        #expect(fit.rSquared > 0.999_999)
        #expect(fit.residualSigmaMicros < 5, "\(fit.residualSigmaMicros)")
        #expect(fit.days == 30)
        #expect(fit.observedSpendMicros == 200_000_000...3_100_000_000)
        // Mean of 200...3 100 step 100 is 1 650 units.
        #expect(fit.meanSpendMicros == 1_650_000_000)
        #expect(!fit.isWeak)
        #expect(fit.bootstrapCurves.count == 200)
    }

    @Test("a log curve is recovered, and the automatic choice picks it over Hill")
    func recoversLog() throws {
        let truth = ResponseCurve.logarithmic(scale: 800e6, spendScale: 300e6)
        let fit = try ResponseCurveFit(channel: "search", observations: Self.days(truth, spends: Self.spends))
        guard case .logarithmic(let scale, let spendScale) = fit.curve else {
            Issue.record("expected a log curve, got \(fit.curve)")
            return
        }
        #expect(Self.relativeError(scale, 800e6) < 1e-4, "\(scale)")
        #expect(Self.relativeError(spendScale, 300e6) < 1e-4, "\(spendScale)")
        let forced = try ResponseCurveFit(
            channel: "search", observations: Self.days(truth, spends: Self.spends),
            options: ResponseCurveOptions(model: .hill))
        guard case .hill = forced.curve else {
            Issue.record("model .hill must fit a Hill curve")
            return
        }
        #expect(forced.residualSigmaMicros > fit.residualSigmaMicros)
    }

    @Test("too few days, constant spend or no spend fall back to the average ROAS with a warning")
    func weakFits() throws {
        // 3 days of 1, 2 and 3 units returning 2, 5 and 5: ROAS 12 / 6 = 2.
        let short = try ResponseCurveFit(
            channel: "tv",
            observations: [
                .init(spendMicros: 1_000_000, revenueMicros: 2_000_000),
                .init(spendMicros: 2_000_000, revenueMicros: 5_000_000),
                .init(spendMicros: 3_000_000, revenueMicros: 5_000_000),
            ])
        #expect(short.curve == .linear(roas: 2))
        #expect(short.warning?.contains("only 3 days") == true)
        #expect(short.isWeak)
        // Fitted values 2, 4, 6 against 2, 5, 5: residuals 0, 1, -1; mean revenue 4, so
        // R² = 1 - 2 / (4 + 1 + 1) = 2/3 and sigma = sqrt(2 / (3 - 1)) = 1 unit.
        #expect(abs(short.rSquared - 2.0 / 3) < 1e-12)
        #expect(abs(short.residualSigmaMicros - 1_000_000) < 1e-6)

        let flat = try ResponseCurveFit(
            channel: "radio",
            observations: (0..<20).map { .init(spendMicros: 1_000_000, revenueMicros: Int64(3_000_000 + $0 % 2)) })
        #expect(flat.warning?.contains("hardly varies") == true)
        // 20 days of 1 unit, revenue 3 units plus 10 odd micros: ROAS 3.0000005.
        #expect(flat.curve == .linear(roas: 60_000_010.0 / 20_000_000))

        let idle = try ResponseCurveFit(
            channel: "print",
            observations: [.init(spendMicros: 0, revenueMicros: 7), .init(spendMicros: 0, revenueMicros: 9)])
        #expect(idle.curve == .linear(roas: 0))
        #expect(idle.warning?.contains("no spend") == true)
        #expect(idle.predict(spendMicros: 1_000_000).revenueMicros == 0)
    }

    @Test("predictions: Hill values, marginal ROAS, extrapolation, and percentile intervals")
    func predictions() {
        // At the half-saturation spend u = 1: revenue β / 2 and marginal β·k·u / (s·(1 + u)²) =
        // 2 000·2 / (1 000·4) = 1.
        let fit = ResponseCurveFit(
            channel: "social", curve: .hill(maxRevenue: 2_000e6, halfSaturationSpend: 1_000e6, shape: 2),
            observedSpendMicros: 500_000_000...1_500_000_000, meanSpendMicros: 1_000_000_000,
            bootstrapCurves: (1...5).map { .linear(roas: Double($0) / 2) })
        let middle = fit.predict(spendMicros: 1_000_000_000, intervalLevel: 0.5)
        #expect(middle.revenueMicros == 1_000_000_000)
        #expect(abs(middle.marginalROAS - 1) < 1e-12)
        #expect(middle.roas == 1)
        #expect(!middle.isExtrapolated)
        // Refits predict 0.5, 1, 1.5, 2 and 2.5 units times 1 000; the 25th and 75th percentiles
        // are the 2nd and 4th: 1 000 and 2 000 units.
        #expect(middle.lowerRevenueMicros == 1_000_000_000)
        #expect(middle.upperRevenueMicros == 2_000_000_000)
        // At 80 % the 10th percentile lies 0.4 of the way from 500 to 1 000 units: 700. The
        // interval is widened to hold the prediction if need be; here it already does.
        #expect(fit.predict(spendMicros: 1_000_000_000).lowerRevenueMicros == 700_000_000)
        #expect(fit.predict(spendMicros: 2_000_000_000).isExtrapolated)
        #expect(fit.predict(spendMicros: 400_000_000).isExtrapolated)
        let zero = fit.predict(spendMicros: 0)
        #expect(zero.revenueMicros == 0 && zero.roas == 0 && zero.marginalROAS == 0)
    }

    @Test("log and linear curves evaluate by hand")
    func curveValues() {
        // 1 000 · ln(1 + 300 / 100) = 1 000 · ln 4; marginal 1 000 / (100 + 300) = 2.5.
        let log = ResponseCurve.logarithmic(scale: 1_000, spendScale: 100)
        #expect(abs(log.revenue(atSpend: 300) - 1_000 * Foundation.log(4.0)) < 1e-9)
        #expect(abs(log.marginalROAS(atSpend: 300) - 2.5) < 1e-12)
        #expect(ResponseCurve.linear(roas: 1.5).revenue(atSpend: 10) == 15)
        // Shape below 1 is steepest at zero; shape 1 starts at β / K.
        #expect(
            ResponseCurve.hill(maxRevenue: 10, halfSaturationSpend: 5, shape: 0.5).marginalROAS(atSpend: 0) == .infinity
        )
        #expect(ResponseCurve.hill(maxRevenue: 10, halfSaturationSpend: 5, shape: 1).marginalROAS(atSpend: 0) == 2)
    }

    @Test("noisy days: the interval brackets the prediction and the truth, and the fit is deterministic")
    func bootstrap() throws {
        let truth = ResponseCurve.hill(maxRevenue: 5_000e6, halfSaturationSpend: 1_000e6, shape: 1.2)
        // Deterministic noise of up to ±5 %.
        var state: UInt64 = 42
        let noisy = Self.spends.map { spend -> ResponseCurveObservation in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = Double(state >> 11) / Double(1 << 53) * 0.1 - 0.05
            return ResponseCurveObservation(
                spendMicros: spend,
                revenueMicros: Int64((truth.revenue(atSpend: Double(spend)) * (1 + noise)).rounded()))
        }
        let fit = try ResponseCurveFit(channel: "meta", observations: noisy)
        let again = try ResponseCurveFit(channel: "meta", observations: noisy)
        #expect(fit == again)
        let reseeded = try ResponseCurveFit(
            channel: "meta", observations: noisy, options: ResponseCurveOptions(seed: 7))
        #expect(reseeded.curve == fit.curve)
        #expect(reseeded.bootstrapCurves != fit.bootstrapCurves)
        let renamed = try ResponseCurveFit(channel: "google", observations: noisy)
        #expect(renamed.bootstrapCurves != fit.bootstrapCurves)

        let prediction = fit.predict(spendMicros: 1_500_000_000, intervalLevel: 0.9)
        let expected = truth.revenue(atSpend: 1_500_000_000)
        #expect(prediction.lowerRevenueMicros < prediction.revenueMicros)
        #expect(prediction.revenueMicros < prediction.upperRevenueMicros)
        // The interval is the curve's uncertainty from 21 noisy days: the truth may fall outside a
        // 90 % interval for one noise draw, but not outside a 99 % one.
        let wide = fit.predict(spendMicros: 1_500_000_000, intervalLevel: 0.99)
        #expect(Double(wide.lowerRevenueMicros) < expected && expected < Double(wide.upperRevenueMicros))
        #expect(fit.rSquared > 0.9 && fit.rSquared < 1)
        let narrow = fit.predict(spendMicros: 1_500_000_000, intervalLevel: 0.5)
        #expect(
            narrow.upperRevenueMicros - narrow.lowerRevenueMicros < prediction.upperRevenueMicros
                - prediction.lowerRevenueMicros)

        let none = try ResponseCurveFit(
            channel: "meta", observations: noisy, options: ResponseCurveOptions(bootstrapSamples: 0))
        let point = none.predict(spendMicros: 1_500_000_000)
        #expect(point.lowerRevenueMicros == point.revenueMicros && point.upperRevenueMicros == point.revenueMicros)
    }

    @Test("invalid input names its field")
    func invalid() {
        let good = Self.days(.linear(roas: 2), spends: Self.spends)
        #expect(throws: ValidationFailure.invalidParameter(field: "observations", reason: "must not be empty")) {
            try ResponseCurveFit(channel: "x", observations: [])
        }
        func field(_ observations: [ResponseCurveObservation], _ options: ResponseCurveOptions = .init()) -> String? {
            do {
                _ = try ResponseCurveFit(channel: "x", observations: observations, options: options)
                return nil
            } catch {
                return error.field
            }
        }
        var negative = good
        negative[1].spendMicros = -1
        #expect(field(negative) == "observations[1].spend_micros")
        var huge = good
        huge[2].revenueMicros = BudgetAllocation.maximumSpendMicros + 1
        #expect(field(huge) == "observations[2].revenue_micros")
        #expect(field(good, ResponseCurveOptions(minimumDays: 4)) == "min_days")
        #expect(field(good, ResponseCurveOptions(bootstrapSamples: -1)) == "bootstrap_samples")
        #expect(field(good, ResponseCurveOptions(bootstrapSamples: 10_001)) == "bootstrap_samples")
        #expect(field(good) == nil)
    }
}
