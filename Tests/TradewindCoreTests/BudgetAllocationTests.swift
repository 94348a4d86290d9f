import Foundation
import Testing
import TradewindCore

@Suite("Budget allocation")
struct BudgetAllocationTests {
    static let unit: Int64 = 1_000_000

    static func fit(
        _ channel: String, _ curve: ResponseCurve, observed: ClosedRange<Int64> = 0...10_000 * unit,
        mean: Int64 = 1_000 * unit
    ) -> ResponseCurveFit {
        ResponseCurveFit(channel: channel, curve: curve, observedSpendMicros: observed, meanSpendMicros: mean)
    }

    static func spends(_ plan: BudgetPlan) -> [Int64] {
        plan.channels.map(\.prediction.spendMicros)
    }

    /// The field named by the error `body` throws; nil when it throws none.
    static func field(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as ValidationFailure {
            return error.field
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test("two identical channels split an odd budget evenly, to the micro")
    func identical() throws {
        let curve = ResponseCurve.hill(maxRevenue: 5_000e6, halfSaturationSpend: 1_000e6, shape: 0.8)
        let plan = try BudgetAllocation.optimize(
            [Self.fit("a", curve), Self.fit("b", curve)], totalBudgetMicros: 2_000_000_001)
        let spends = Self.spends(plan)
        #expect(spends.reduce(0, +) == 2_000_000_001)
        #expect(abs(spends[0] - spends[1]) <= 1, "\(spends)")
        #expect(plan.totals.spendMicros == 2_000_000_001)
        #expect(plan.totals.revenueMicros == plan.channels.map(\.prediction.revenueMicros).reduce(0, +))
        let marginals = plan.channels.map(\.prediction.marginalROAS)
        #expect(abs(marginals[0] - marginals[1]) < 1e-9)
    }

    @Test("two log channels meet at equal marginal ROAS; bounds bind exactly")
    func logChannels() throws {
        // Marginal ROAS a / (c + s). Equal margins with s1 + s2 = B: (c + s) / a = t for both, so
        // t = (B + c1 + c2) / (a1 + a2) = (4 000 + 1 000 + 1 000) / 3 000 = 2, s1 = 2 000·2 - 1 000
        // = 3 000 units and s2 = 1 000·2 - 1 000 = 1 000 units; both margins 0.5.
        let fits = [
            Self.fit("search", .logarithmic(scale: 2_000e6, spendScale: 1_000e6)),
            Self.fit("social", .logarithmic(scale: 1_000e6, spendScale: 1_000e6)),
        ]
        let free = try BudgetAllocation.optimize(fits, totalBudgetMicros: 4_000 * Self.unit)
        let spends = Self.spends(free)
        #expect(abs(spends[0] - 3_000 * Self.unit) <= 2, "\(spends)")
        #expect(spends.reduce(0, +) == 4_000 * Self.unit)
        for channel in free.channels { #expect(abs(channel.prediction.marginalROAS - 0.5) < 1e-9) }
        // Revenue 2 000 ln 4 + 1 000 ln 2 units = 3 465.7359 units.
        let revenue = 2_000e6 * log(4.0) + 1_000e6 * log(2.0)
        #expect(abs(Double(free.totals.revenueMicros) - revenue) <= 4)
        #expect(abs(free.totals.roas - revenue / 4_000e6) < 1e-9)

        // Search capped at 2 000 units: it takes the cap, social the rest.
        let capped = try BudgetAllocation.optimize(
            fits, totalBudgetMicros: 4_000 * Self.unit,
            bounds: ["search": BudgetBounds(minMicros: 0, maxMicros: 2_000 * Self.unit)])
        #expect(Self.spends(capped) == [2_000 * Self.unit, 2_000 * Self.unit])
        #expect(capped.channels[0].bounds.maxMicros == 2_000 * Self.unit)
        // Social at least 1 500 units: more than its 1 000 free share.
        let floored = try BudgetAllocation.optimize(
            fits, totalBudgetMicros: 4_000 * Self.unit,
            bounds: ["social": BudgetBounds(minMicros: 1_500 * Self.unit, maxMicros: 4_000 * Self.unit)])
        #expect(Self.spends(floored) == [2_500 * Self.unit, 1_500 * Self.unit])
        // The whole budget at the sum of the maxima, nothing at zero.
        let full = try BudgetAllocation.optimize(
            fits, totalBudgetMicros: 5 * Self.unit,
            bounds: [
                "search": .init(minMicros: 0, maxMicros: 2 * Self.unit),
                "social": .init(minMicros: 0, maxMicros: 3 * Self.unit),
            ])
        #expect(Self.spends(full) == [2 * Self.unit, 3 * Self.unit])
        #expect(Self.spends(try BudgetAllocation.optimize(fits, totalBudgetMicros: 0)) == [0, 0])
    }

    @Test("default bounds are 0 to three times the highest observed spend")
    func defaultBounds() throws {
        let fit = Self.fit("a", .linear(roas: 2), observed: 10 * Self.unit...50 * Self.unit)
        #expect(BudgetAllocation.defaultBounds(for: fit) == BudgetBounds(minMicros: 0, maxMicros: 150 * Self.unit))
        // A linear channel fills to its bound before a worse one gets anything.
        let plan = try BudgetAllocation.optimize(
            [fit, Self.fit("b", .linear(roas: 1), observed: 0...100 * Self.unit)], totalBudgetMicros: 200 * Self.unit)
        #expect(Self.spends(plan) == [150 * Self.unit, 50 * Self.unit])
        // 150·2 + 50·1 = 350 units.
        #expect(plan.totals.revenueMicros == 350 * Self.unit)
        #expect(plan.totals.roas == 1.75)
    }

    @Test("the split sums to the budget to the micro and beats every coarser split")
    func exactAndOptimal() throws {
        let fits = [
            Self.fit("a", .hill(maxRevenue: 3_000e6, halfSaturationSpend: 700e6, shape: 0.9)),
            Self.fit("b", .logarithmic(scale: 900e6, spendScale: 400e6)),
            Self.fit("c", .hill(maxRevenue: 6_000e6, halfSaturationSpend: 2_500e6, shape: 1)),
        ]
        for budget: Int64 in [1, 999_999_999, 1_234_567_891, 5_000_000_003] {
            let plan = try BudgetAllocation.optimize(fits, totalBudgetMicros: budget)
            let spends = Self.spends(plan)
            #expect(spends.reduce(0, +) == budget, "\(budget)")
            #expect(spends.allSatisfy { $0 >= 0 })
            // Brute force over splits on a 2 % grid: none beats the plan by more than rounding.
            let value = zip(fits, spends).map { $0.curve.revenue(atSpend: Double($1)) }.reduce(0, +)
            for i in 0...50 {
                for j in 0...(50 - i) {
                    let split = [i, j, 50 - i - j].map { Double(budget) * Double($0) / 50 }
                    let other = zip(fits, split).map { $0.curve.revenue(atSpend: $1) }.reduce(0, +)
                    #expect(other <= value + 1e-3, "\(budget): \(split) beats \(spends)")
                }
            }
        }
    }

    @Test("an S-curve channel gets a useful share or none, not a sliver on its rising stretch")
    func sCurve() throws {
        // Hill shape 3 has its inflection at K·(2/4)^(1/3) = 0.794 K; with linear ROAS 1 next to
        // it, the best split either skips it or spends past the inflection.
        let fits = [
            Self.fit("s", .hill(maxRevenue: 4_000e6, halfSaturationSpend: 1_000e6, shape: 3)),
            Self.fit("flat", .linear(roas: 1)),
        ]
        for budget in [200 * Self.unit, 1_500 * Self.unit, 3_000 * Self.unit] {
            let plan = try BudgetAllocation.optimize(fits, totalBudgetMicros: budget)
            let spends = Self.spends(plan)
            #expect(spends.reduce(0, +) == budget)
            let value = zip(fits, spends).map { $0.curve.revenue(atSpend: Double($1)) }.reduce(0, +)
            let best = (0...1_000).map { step -> Double in
                let s = Double(budget) * Double(step) / 1_000
                return fits[0].curve.revenue(atSpend: s) + Double(budget) - s
            }.max()!
            #expect(value >= best - 1e-3 * Double(budget), "\(budget): \(spends)")
        }
    }

    @Test("ROAS target on a log curve matches the hand solution")
    func roasTarget() throws {
        // ROAS(B) = a·ln(1 + B / c) / B with a = c = 1 000 units. For the target 1 / (e - 1),
        // a·ln(1 + B / c) = B / (e - 1) holds at B = c·(e - 1) = 1 718.281828 units. Revenue is
        // rounded to micros, which moves the boundary by about 2 micros.
        let fits = [Self.fit("search", .logarithmic(scale: 1_000e6, spendScale: 1_000e6))]
        let wide = ["search": BudgetBounds(minMicros: 0, maxMicros: 10_000 * Self.unit)]
        let answer = 1_000e6 * (M_E - 1)
        guard case .reachable(let plan) = try BudgetAllocation.budget(forROAS: 1 / (M_E - 1), fits, bounds: wide) else {
            Issue.record("target should be reachable")
            return
        }
        #expect(abs(Double(plan.totals.spendMicros) - answer) <= 5, "\(plan.totals.spendMicros)")
        #expect(plan.totals.roas >= 1 / (M_E - 1))

        // With search capped at 1 000 units the cap is the answer: ROAS there is ln 2 = 0.69.
        let capped = ["search": BudgetBounds(minMicros: 0, maxMicros: 1_000 * Self.unit)]
        guard case .reachable(let cappedPlan) = try BudgetAllocation.budget(forROAS: 0.5, fits, bounds: capped) else {
            Issue.record("target should be reachable at the cap")
            return
        }
        #expect(cappedPlan.totals.spendMicros == 1_000 * Self.unit)

        // The first micro returns a / c = 1: a target of 2 is out of reach.
        guard case .unreachable(let best, _) = try BudgetAllocation.budget(forROAS: 2, fits, bounds: wide) else {
            Issue.record("target 2 should be unreachable")
            return
        }
        #expect(abs(best - 1) < 1e-3)
        // A minimum of 5 000 units makes ln 6 / 5 = 0.358 the best; 0.5 is unreachable.
        let floor = ["search": BudgetBounds(minMicros: 5_000 * Self.unit, maxMicros: 10_000 * Self.unit)]
        guard
            case .unreachable(let atMinimum, let minimumPlan) = try BudgetAllocation.budget(
                forROAS: 0.5, fits, bounds: floor)
        else {
            Issue.record("target 0.5 should be unreachable above 5 000 units")
            return
        }
        #expect(abs(atMinimum - log(6.0) / 5) < 1e-9)
        // Revenue rounded to micros makes ROAS a little ragged: the best may be a few micros up.
        #expect(abs(minimumPlan.totals.spendMicros - 5_000 * Self.unit) <= 10)
    }

    @Test("what-if +20 % social and -10 % search predicts the curve values and the deltas")
    func whatIf() throws {
        let social = ResponseCurve.hill(maxRevenue: 2_000e6, halfSaturationSpend: 1_000e6, shape: 2)
        let search = ResponseCurve.logarithmic(scale: 1_000e6, spendScale: 500e6)
        let fits = [
            Self.fit("social", social, observed: 500 * Self.unit...1_100 * Self.unit, mean: 1_000 * Self.unit),
            Self.fit("search", search, observed: 1_000 * Self.unit...3_000 * Self.unit, mean: 2_000 * Self.unit),
            Self.fit("tv", .linear(roas: 1.5), observed: 100 * Self.unit...100 * Self.unit, mean: 100 * Self.unit),
        ]
        let result = try BudgetAllocation.whatIf(
            fits, changes: ["social": .relative(multiplier: 1.2), "search": .relative(multiplier: 0.9)])
        let micros = { (value: Double) in Int64(value.rounded()) }
        // Social: 1 000 → 1 200 units, revenue 2 000·u/(1 + u) with u = 1.44: 1 000 → 1 180.33 units.
        // Search: 2 000 → 1 800 units, revenue 1 000·ln(1 + s / 500): ln 5 → ln 4.6 thousand units.
        let expectedCurrent = [micros(1_000e6), micros(1_000e6 * log(5.0)), 150 * Self.unit]
        let expectedProposed = [micros(2_000e6 * 1.44 / 2.44), micros(1_000e6 * log(4.6)), 150 * Self.unit]
        #expect(result.channels.map(\.current.revenueMicros) == expectedCurrent)
        #expect(result.channels.map(\.proposed.revenueMicros) == expectedProposed)
        #expect(result.channels.map(\.proposed.spendMicros) == [1_200, 1_800, 100].map { $0 * Self.unit })
        #expect(result.channels.map(\.proposed.isExtrapolated) == [true, false, false])
        #expect(result.channels.map(\.deltaRevenueMicros) == zip(expectedProposed, expectedCurrent).map { $0 - $1 })
        #expect(result.current.spendMicros == 3_100 * Self.unit)
        #expect(result.proposed.spendMicros == 3_100 * Self.unit)
        #expect(result.proposed.revenueMicros == expectedProposed.reduce(0, +))
        #expect(result.deltaRevenueMicros == expectedProposed.reduce(0, +) - expectedCurrent.reduce(0, +))
        #expect(abs(result.proposed.roas - Double(expectedProposed.reduce(0, +)) / 3_100e6) < 1e-12)
        // Without refits every interval is the point.
        #expect(result.lowerDeltaRevenueMicros == result.deltaRevenueMicros)

        let absolute = try BudgetAllocation.whatIf(fits, changes: ["tv": .absolute(spendMicros: 0)])
        #expect(absolute.channels[2].proposed.revenueMicros == 0)
        #expect(absolute.deltaRevenueMicros == -150 * Self.unit)
    }

    @Test("fitted channels: intervals bracket the totals, and runs are deterministic")
    func fittedEndToEnd() throws {
        var state: UInt64 = 7
        func noisy(_ curve: ResponseCurve, _ scale: Int64) -> [ResponseCurveObservation] {
            (0..<60).map { day in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let noise = Double(state >> 11) / Double(1 << 53) * 0.2 - 0.1
                let spend = scale * Int64(50 + (day * 37) % 100)
                return .init(
                    spendMicros: spend,
                    revenueMicros: Int64((curve.revenue(atSpend: Double(spend)) * (1 + noise)).rounded()))
            }
        }
        let fits = [
            try ResponseCurveFit(
                channel: "meta",
                observations: noisy(
                    .hill(maxRevenue: 9_000e6, halfSaturationSpend: 1_200e6, shape: 1.3), 10 * Self.unit)),
            try ResponseCurveFit(
                channel: "google", observations: noisy(.logarithmic(scale: 1_500e6, spendScale: 800e6), 15 * Self.unit)),
        ]
        let plan = try BudgetAllocation.optimize(fits, totalBudgetMicros: 2_000 * Self.unit)
        #expect(plan == (try BudgetAllocation.optimize(fits, totalBudgetMicros: 2_000 * Self.unit)))
        #expect(plan.totals.lowerRevenueMicros < plan.totals.revenueMicros)
        #expect(plan.totals.revenueMicros < plan.totals.upperRevenueMicros)
        #expect(plan.totals.lowerROAS < plan.totals.roas && plan.totals.roas < plan.totals.upperROAS)
        let changed = try BudgetAllocation.whatIf(fits, changes: ["meta": .relative(multiplier: 1.2)])
        #expect(changed.lowerDeltaRevenueMicros < changed.deltaRevenueMicros)
        #expect(changed.deltaRevenueMicros < changed.upperDeltaRevenueMicros)
        #expect(changed.channels[1].deltaRevenueMicros == 0)
    }

    @Test("invalid parameters name their field")
    func invalid() {
        let fits = [Self.fit("a", .linear(roas: 1)), Self.fit("b", .linear(roas: 2))]
        let budget = 100 * Self.unit
        #expect(Self.field { _ = try BudgetAllocation.optimize([], totalBudgetMicros: 1) } == "channels")
        #expect(
            Self.field { _ = try BudgetAllocation.optimize([fits[0], fits[0]], totalBudgetMicros: 1) } == "channels")
        #expect(Self.field { _ = try BudgetAllocation.optimize(fits, totalBudgetMicros: -1) } == "total_budget_micros")
        // Default maxima are 3 × 10 000 units each.
        #expect(
            Self.field { _ = try BudgetAllocation.optimize(fits, totalBudgetMicros: 60_001 * Self.unit) }
                == "total_budget_micros")
        #expect(
            Self.field {
                _ = try BudgetAllocation.optimize(
                    fits, totalBudgetMicros: budget, bounds: ["zz": .init(minMicros: 0, maxMicros: 1)])
            } == "bounds[zz]")
        #expect(
            Self.field {
                _ = try BudgetAllocation.optimize(
                    fits, totalBudgetMicros: budget, bounds: ["a": .init(minMicros: -1, maxMicros: 1)])
            } == "bounds[a].min_micros")
        #expect(
            Self.field {
                _ = try BudgetAllocation.optimize(
                    fits, totalBudgetMicros: budget, bounds: ["b": .init(minMicros: 5, maxMicros: 4)])
            } == "bounds[b].max_micros")
        #expect(
            Self.field { _ = try BudgetAllocation.optimize(fits, totalBudgetMicros: budget, intervalLevel: 1) }
                == "interval_level")
        #expect(Self.field { _ = try BudgetAllocation.budget(forROAS: 0, fits) } == "roas_target")
        #expect(Self.field { _ = try BudgetAllocation.budget(forROAS: .nan, fits) } == "roas_target")
        #expect(
            Self.field { _ = try BudgetAllocation.whatIf(fits, changes: ["c": .relative(multiplier: 2)]) }
                == "changes[c]")
        #expect(
            Self.field { _ = try BudgetAllocation.whatIf(fits, changes: ["a": .relative(multiplier: -0.1)]) }
                == "changes[a].multiplier")
        #expect(
            Self.field { _ = try BudgetAllocation.whatIf(fits, changes: ["b": .absolute(spendMicros: -5)]) }
                == "changes[b].spend_micros")
        #expect(Self.field { _ = try BudgetAllocation.optimize(fits, totalBudgetMicros: budget) } == nil)
    }
}
