import Foundation
import GRPCCore
import TradewindCore
import TradewindProto
import TradewindStore

/// Budget allocation and what-if simulation over fitted response curves.
extension AnalyticsService {
    func allocateBudget(request: Tradewind_V1_AllocateBudgetRequest, context: ServerContext) async throws
        -> Tradewind_V1_AllocateBudgetResponse
    {
        var collector = ViolationCollector()
        let range = Self.budgetRange(request.range, into: &collector)
        switch request.goal {
        case .totalBudgetMicros(let budget):
            collector.require(budget > 0, "total_budget_micros", "must be positive")
        case .roasTarget(let target):
            collector.require(target.isFinite && target > 0, "roas_target", "must be positive")
        case nil:
            collector.add("goal", "set total_budget_micros or roas_target")
        }
        var bounds: [String: (min: Int64, max: Int64)] = [:]
        for (index, bound) in request.bounds.enumerated() {
            guard let channel = ProtoMapping.channel(bound.channel) else {
                collector.add("bounds[\(index)].channel", "is not a known channel")
                continue
            }
            collector.require(
                bounds[channel.rawValue] == nil, "bounds[\(index)].channel", "is repeated")
            collector.require(bound.minSpendMicros >= 0, "bounds[\(index)].min_spend_micros", "must not be negative")
            collector.require(bound.maxSpendMicros >= 0, "bounds[\(index)].max_spend_micros", "must not be negative")
            collector.require(
                bound.maxSpendMicros == 0 || bound.maxSpendMicros >= bound.minSpendMicros,
                "bounds[\(index)].max_spend_micros", "must not be below min_spend_micros")
            bounds[channel.rawValue] = (bound.minSpendMicros, bound.maxSpendMicros)
        }
        try collector.throwIfAny()
        guard let range else { throw RPCError(code: .invalidArgument, message: "invalid request") }

        let (tenant, fits) = try await responseCurves(range)
        for channel in bounds.keys where !fits.contains(where: { $0.channel == channel }) {
            throw ValidationFailure(field: "bounds", "\(channel) had no spend in the range")
        }
        var limits: [String: BudgetBounds] = [:]
        for fit in fits {
            let fallback = BudgetAllocation.defaultBounds(for: fit)
            let asked = bounds[fit.channel]
            limits[fit.channel] = BudgetBounds(
                minMicros: asked?.min ?? fallback.minMicros,
                maxMicros: (asked?.max ?? 0) > 0 ? asked!.max : max(fallback.maxMicros, asked?.min ?? 0))
        }
        var response = Tradewind_V1_AllocateBudgetResponse()
        response.reportingCurrency = tenant.settings.reportingCurrency
        response.fits = fits.map(Self.proto)
        let current = try Self.domain { try BudgetAllocation.whatIf(fits, changes: [:]) }
        response.current = Self.plan(current.channels.map { ($0.channel, $0.current) }, totals: current.current)
        switch request.goal {
        case .totalBudgetMicros(let budget):
            let plan = try Self.domain {
                try BudgetAllocation.optimize(fits, totalBudgetMicros: budget, bounds: limits)
            }
            response.recommended = Self.plan(plan.channels.map { ($0.channel, $0.prediction) }, totals: plan.totals)
        case .roasTarget(let target):
            switch try Self.domain({ try BudgetAllocation.budget(forROAS: target, fits, bounds: limits) }) {
            case .reachable(let plan):
                response.recommended = Self.plan(
                    plan.channels.map { ($0.channel, $0.prediction) }, totals: plan.totals)
            case .unreachable:
                response.roasTargetUnreachable = true
            }
        case nil:
            break
        }
        return response
    }

    func simulateBudget(request: Tradewind_V1_SimulateBudgetRequest, context: ServerContext) async throws
        -> Tradewind_V1_SimulateBudgetResponse
    {
        var collector = ViolationCollector()
        let range = Self.budgetRange(request.range, into: &collector)
        var changes: [String: BudgetSpendChange] = [:]
        for (index, change) in request.changes.enumerated() {
            guard let channel = ProtoMapping.channel(change.channel) else {
                collector.add("changes[\(index)].channel", "is not a known channel")
                continue
            }
            collector.require(changes[channel.rawValue] == nil, "changes[\(index)].channel", "is repeated")
            switch change.change {
            case .multiplier(let multiplier):
                collector.require(
                    multiplier.isFinite && (0...10).contains(multiplier), "changes[\(index)].multiplier",
                    "must be 0 to 10")
                changes[channel.rawValue] = .relative(multiplier: multiplier)
            case .spendMicros(let spend):
                collector.require(spend >= 0, "changes[\(index)].spend_micros", "must not be negative")
                changes[channel.rawValue] = .absolute(spendMicros: spend)
            case nil:
                collector.add("changes[\(index)].change", "set multiplier or spend_micros")
            }
        }
        try collector.throwIfAny()
        guard let range else { throw RPCError(code: .invalidArgument, message: "invalid request") }

        let (tenant, fits) = try await responseCurves(range)
        for channel in changes.keys where !fits.contains(where: { $0.channel == channel }) {
            throw ValidationFailure(field: "changes", "\(channel) had no spend in the range")
        }
        let result = try Self.domain { try BudgetAllocation.whatIf(fits, changes: changes) }
        var response = Tradewind_V1_SimulateBudgetResponse()
        response.reportingCurrency = tenant.settings.reportingCurrency
        response.fits = fits.map(Self.proto)
        response.current = Self.plan(result.channels.map { ($0.channel, $0.current) }, totals: result.current)
        response.simulated = Self.plan(result.channels.map { ($0.channel, $0.proposed) }, totals: result.proposed)
        response.revenueDeltaMicros = result.deltaRevenueMicros
        response.spendDeltaMicros = result.proposed.spendMicros - result.current.spendMicros
        return response
    }

    /// Fits a response curve for every channel with spend in `range`: daily spend against the
    /// revenue of conversions that came from the channel's sessions (last click), days without
    /// either counted as zero.
    private func responseCurves(_ range: DayRange) async throws -> (Tenant, [TradewindCore.ResponseCurveFit]) {
        let (tenant, rollups) = try await read { tx, _ in
            try await AnalyticsRepository.rollups(
                range: range, byChannel: true, byCampaign: false, byCountry: false, channels: [], countries: [],
                campaignIDs: [], in: tx)
        }
        var byChannel: [String: [CalendarDay: KPITotals]] = [:]
        for rollup in rollups where !rollup.channel.isEmpty {
            byChannel[rollup.channel, default: [:]][rollup.day, default: KPITotals()] += rollup.totals
        }
        let spending = byChannel.filter { $0.value.values.contains { $0.spendMicros > 0 } }
        guard !spending.isEmpty else {
            throw RPCError(code: .failedPrecondition, message: "range: no channel had spend in it")
        }
        let days = range.days
        let fits = try spending.keys.sorted().map { channel in
            let totals = spending[channel] ?? [:]
            let observations = days.map { day in
                ResponseCurveObservation(
                    spendMicros: totals[day]?.spendMicros ?? 0, revenueMicros: totals[day]?.revenueMicros ?? 0)
            }
            return try Self.domain { try TradewindCore.ResponseCurveFit(channel: channel, observations: observations) }
        }
        return (tenant, fits)
    }

    static func budgetRange(_ range: Tradewind_V1_DayRange, into collector: inout ViolationCollector) -> DayRange? {
        let parsed = Self.range(range, field: "range", into: &collector)
        if let parsed, parsed.dayCount < 14 { collector.add("range", "must span at least 14 days") }
        return parsed
    }

    static func proto(_ fit: TradewindCore.ResponseCurveFit) -> Tradewind_V1_ResponseCurveFit {
        var proto = Tradewind_V1_ResponseCurveFit()
        proto.channel = ProtoMapping.channel(named: fit.channel)
        switch fit.curve {
        case .hill: proto.model = "hill"
        case .logarithmic: proto.model = "log"
        case .linear: proto.model = "linear"
        }
        proto.rSquared = fit.rSquared
        proto.days = Int32(fit.days)
        proto.warning = fit.warning ?? ""
        return proto
    }

    static func plan(_ channels: [(String, ResponseCurvePrediction)], totals: BudgetTotals) -> Tradewind_V1_BudgetPlan {
        var proto = Tradewind_V1_BudgetPlan()
        proto.channels = channels.map { channel, prediction in
            var entry = Tradewind_V1_ChannelPlan()
            entry.channel = ProtoMapping.channel(named: channel)
            entry.spendMicros = prediction.spendMicros
            entry.predictedRevenueMicros = prediction.revenueMicros
            entry.revenueLowerMicros = prediction.lowerRevenueMicros
            entry.revenueUpperMicros = prediction.upperRevenueMicros
            entry.marginalRoas = prediction.marginalROAS
            entry.extrapolated = prediction.isExtrapolated
            return entry
        }
        proto.spendMicros = totals.spendMicros
        proto.predictedRevenueMicros = totals.revenueMicros
        proto.revenueLowerMicros = totals.lowerRevenueMicros
        proto.revenueUpperMicros = totals.upperRevenueMicros
        if totals.spendMicros > 0 { proto.roas = totals.roas }
        return proto
    }
}
