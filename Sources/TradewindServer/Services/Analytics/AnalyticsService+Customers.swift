import Foundation
import GRPCCore
import TradewindCore
import TradewindProto
import TradewindStore

/// RFM segments and basket association rules.
extension AnalyticsService {
    func getRFM(request: Tradewind_V1_GetRFMRequest, context: ServerContext) async throws
        -> Tradewind_V1_GetRFMResponse
    {
        var collector = ViolationCollector()
        let range = Self.range(request.range, field: "range", into: &collector)
        collector.require((0...1000).contains(request.pageSize), "page_size", "must be 0 to 1000")
        try collector.throwIfAny()
        guard let range else { throw RPCError(code: .invalidArgument, message: "invalid request") }

        let maxEvents = limits.analyticsMaxEvents
        let (tenant, (orders, asOf)) = try await read { tx, tenant in
            let zone = Self.timeZone(of: tenant)
            let span = range.instants(in: zone)
            let to = span.upperBound
            let orders = try await AnalyticsRepository.orders(
                from: span.lowerBound, to: to, maxEvents: maxEvents, in: tx)
            return (orders, to)
        }
        let result = try Self.domain {
            try RFM.analyze(
                orders.map { RFMOrder(customer: $0.person, time: $0.time, valueMicros: $0.valueMicros) }, asOf: asOf)
        }
        var response = Tradewind_V1_GetRFMResponse()
        response.reportingCurrency = tenant.settings.reportingCurrency
        response.segments = result.segments.filter { $0.customers > 0 }.sorted {
            ($1.customers, $0.segment.rawValue) < ($0.customers, $1.segment.rawValue)
        }.map { summary in
            var proto = Tradewind_V1_RFMSegment()
            proto.segment = Self.segmentName(summary.segment)
            proto.customers = Int64(summary.customers)
            proto.share = summary.share
            proto.meanRecencyDays = summary.averageRecencyDays
            proto.meanFrequency = summary.averageFrequency
            proto.monetaryMicros = summary.monetaryMicros
            return proto
        }
        response.customers = result.customers.sorted {
            ($1.monetaryMicros, $0.customer) < ($0.monetaryMicros, $1.customer)
        }.prefix(Int(request.pageSize)).map { customer in
            var proto = Tradewind_V1_RFMCustomer()
            proto.person = customer.customer
            proto.recencyDays = Int32(clamping: customer.recencyDays)
            proto.frequency = Int64(customer.frequency)
            proto.monetaryMicros = customer.monetaryMicros
            proto.recencyScore = Int32(customer.recencyScore)
            proto.frequencyScore = Int32(customer.frequencyScore)
            proto.monetaryScore = Int32(customer.monetaryScore)
            proto.segment = Self.segmentName(customer.segment)
            return proto
        }
        return response
    }

    func getAssociationRules(request: Tradewind_V1_GetAssociationRulesRequest, context: ServerContext) async throws
        -> Tradewind_V1_GetAssociationRulesResponse
    {
        var collector = ViolationCollector()
        let range = Self.range(request.range, field: "range", into: &collector)
        let minSupport = request.minSupport == 0 ? 0.01 : request.minSupport
        collector.require(minSupport > 0 && minSupport <= 1, "min_support", "must be in (0, 1]")
        let minConfidence = request.minConfidence == 0 ? 0.5 : request.minConfidence
        collector.require((0...1).contains(minConfidence), "min_confidence", "must be in [0, 1]")
        collector.require(request.minLift.isFinite && request.minLift >= 0, "min_lift", "must be 0 or more")
        let maxItems = request.maxItems == 0 ? 4 : Int(request.maxItems)
        collector.require((2...10).contains(maxItems), "max_items", "must be 2 to 10")
        let top = request.top == 0 ? 100 : Int(request.top)
        collector.require((1...10_000).contains(top), "top", "must be 1 to 10,000")
        try collector.throwIfAny()
        guard let range else { throw RPCError(code: .invalidArgument, message: "invalid request") }

        let (maxEvents, minLift) = (limits.analyticsMaxEvents, request.minLift)
        let baskets = try await read { tx, tenant in
            let zone = Self.timeZone(of: tenant)
            let span = range.instants(in: zone)
            return try await AnalyticsRepository.baskets(
                from: span.lowerBound, to: span.upperBound, maxEvents: maxEvents,
                in: tx)
        }.1
        let result = try Self.domain {
            try AssociationRules.rules(
                baskets, minSupport: minSupport, maxLen: maxItems, minConfidence: minConfidence,
                minLift: minLift > 0 ? minLift : nil, maxRules: top)
        }
        var response = Tradewind_V1_GetAssociationRulesResponse()
        response.baskets = Int64(result.transactions)
        response.rulesFound = Int64(result.totalRules)
        response.rules = result.rules.map { rule in
            var proto = Tradewind_V1_AssociationRule()
            proto.antecedents = rule.antecedents
            proto.consequents = rule.consequents
            proto.antecedentSupport = rule.antecedentSupport
            proto.consequentSupport = rule.consequentSupport
            proto.support = rule.support
            proto.confidence = rule.confidence
            proto.lift = rule.lift
            proto.leverage = rule.leverage
            proto.conviction = rule.conviction
            return proto
        }
        return response
    }

    /// `champions`, `at_risk`, `cant_lose_them` ...: the segment's name as an API value.
    static func segmentName(_ segment: RFMSegment) -> String {
        segment.rawValue.lowercased().replacingOccurrences(of: "'", with: "").replacingOccurrences(of: " ", with: "_")
    }
}
