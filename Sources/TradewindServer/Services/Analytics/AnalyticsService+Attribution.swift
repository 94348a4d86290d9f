import Foundation
import GRPCCore
import TradewindCore
import TradewindProto
import TradewindStore

/// Multi-touch attribution over the journeys ingestion keeps.
extension AnalyticsService {
    func attribute(request: Tradewind_V1_AttributeRequest, context: ServerContext) async throws
        -> Tradewind_V1_AttributeResponse
    {
        var collector = ViolationCollector()
        let range = Self.range(request.range, field: "range", into: &collector)
        var models: [(Tradewind_V1_AttributionModel, TradewindCore.AttributionModel)] = []
        let lookbackDays = request.lookbackDays == 0 ? 30 : Int(request.lookbackDays)
        collector.require((1...365).contains(lookbackDays), "lookback_days", "must be 1 to 365")
        let halfLifeDays = request.halfLifeDays == 0 ? 7 : request.halfLifeDays
        collector.require(
            halfLifeDays.isFinite && (0.1...365).contains(halfLifeDays), "half_life_days", "must be 0.1 to 365")
        let wanted = request.models.isEmpty ? Self.allModels : request.models
        for (index, model) in wanted.enumerated() {
            guard let domain = Self.model(model, halfLife: halfLifeDays * 86_400) else {
                collector.add("models[\(index)]", "is not a known attribution model")
                continue
            }
            if models.contains(where: { $0.0 == model }) {
                collector.add("models[\(index)]", "is repeated")
            } else {
                models.append((model, domain))
            }
        }
        try collector.throwIfAny()
        guard let range else { throw RPCError(code: .invalidArgument, message: "invalid request") }

        let lookback = TimeInterval(lookbackDays) * 86_400
        let (clicksOnly, maxEvents) = (request.clicksOnly, limits.analyticsMaxEvents)
        let (tenant, journeys) = try await read { tx, tenant in
            let zone = Self.timeZone(of: tenant)
            let span = range.instants(in: zone)
            return try await JourneyRepository.journeys(
                from: span.lowerBound, to: span.upperBound, lookback: lookback,
                clicksOnly: clicksOnly, maxEvents: maxEvents, in: tx)
        }
        var response = Tradewind_V1_AttributeResponse()
        response.reportingCurrency = tenant.settings.reportingCurrency
        response.convertingJourneys = Int64(journeys.convertingJourneys)
        response.nullJourneys = Int64(journeys.nullJourneys)
        response.conversionsWithoutTouches = Int64(journeys.conversionsWithoutTouches)
        let encoded = EncodedJourneys(journeys.journeys, lookback: lookback)
        response.models = models.map { proto, model in
            var result = Tradewind_V1_ModelCredits()
            result.model = proto
            result.credits = Attribution.credit(encoded, model: model).map { credit in
                var entry = Tradewind_V1_ChannelCredit()
                entry.channel = credit.channel
                entry.conversions = credit.conversions
                entry.revenueMicros = credit.revenueMicros
                if let effect = credit.removalEffect { entry.removalEffect = effect }
                return entry
            }
            return result
        }
        return response
    }

    static let allModels: [Tradewind_V1_AttributionModel] = [
        .firstTouch, .lastTouch, .linear, .timeDecay, .positionBased, .markov, .shapley,
    ]

    static func model(_ model: Tradewind_V1_AttributionModel, halfLife: TimeInterval) -> TradewindCore.AttributionModel?
    {
        switch model {
        case .firstTouch: .firstTouch
        case .lastTouch: .lastTouch
        case .linear: .linear
        case .timeDecay: .timeDecay(halfLife: halfLife)
        case .positionBased: .positionBased
        case .markov: .markov
        case .shapley: .shapley
        case .unspecified, .UNRECOGNIZED: nil
        }
    }
}
