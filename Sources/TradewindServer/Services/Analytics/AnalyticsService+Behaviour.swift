import Foundation
import GRPCCore
import TradewindCore
import TradewindProto
import TradewindStore

/// Funnels, retention and paths over the tenant's events.
extension AnalyticsService {
    func getFunnel(request: Tradewind_V1_GetFunnelRequest, context: ServerContext) async throws
        -> Tradewind_V1_GetFunnelResponse
    {
        var collector = ViolationCollector()
        let range = Self.range(request.range, field: "range", into: &collector)
        var steps: [FunnelStep] = []
        for (index, step) in request.steps.enumerated() {
            collector.require(!step.events.isEmpty, "steps[\(index)].events", "must name at least one event")
            for (position, name) in step.events.enumerated() {
                collector.require(
                    FieldFormats.isPrintableText(name, maxLength: 600), "steps[\(index)].events[\(position)]",
                    "must be 1-600 printable characters")
            }
            steps.append(FunnelStep(anyOf: step.events))
        }
        let order: FunnelOrder
        switch request.order {
        case .unspecified, .ordered: order = .ordered
        case .strict: order = .strict
        case .any: order = .unordered
        case .UNRECOGNIZED:
            order = .ordered
            collector.add("order", "is not a known funnel order")
        }
        let window = request.windowSeconds == 0 ? 14 * 86_400 : TimeInterval(request.windowSeconds)
        let breakdown = request.breakdownProperty
        if !breakdown.isEmpty {
            collector.require(
                Self.breakdownProperties.contains(breakdown), "breakdown_property",
                "must be one of \(Self.breakdownProperties.sorted().joined(separator: ", "))")
        }
        try collector.throwIfAny()
        guard let range else { throw RPCError(code: .invalidArgument, message: "invalid request") }

        // Strict order needs every event between the steps; the other orders only the steps'.
        let names = order == .strict ? [] : Array(Set(steps.flatMap(\.names)))
        let maxEvents = limits.analyticsMaxEvents
        // Entering the funnel must happen in the range; the later steps may follow within the window
        // after it, so events up to a window past the range are read, and entries after it dropped.
        let entryOnly = Set(steps[0].names).subtracting(steps.dropFirst().flatMap(\.names))
        let events = try await read { tx, tenant in
            let zone = Self.timeZone(of: tenant)
            let to = range.instants(in: zone).upperBound
            let read = try await AnalyticsRepository.behaviorEvents(
                from: range.from.start(in: zone), to: to.addingTimeInterval(window), names: names,
                maxEvents: maxEvents, in: tx)
            return read.filter { $0.time < to || !entryOnly.contains($0.name) }
        }.1
        let results = try Self.domain {
            if breakdown.isEmpty {
                [try Funnel.compute(events, steps: steps, order: order, conversionWindow: window)]
            } else {
                try Funnel.compute(
                    events, steps: steps, order: order, conversionWindow: window,
                    breakdown: FunnelBreakdown(property: breakdown, attribution: .step(Int(request.breakdownStep))))
            }
        }
        var response = Tradewind_V1_GetFunnelResponse()
        response.funnels = results.map { result in
            var funnel = Tradewind_V1_FunnelResult()
            funnel.breakdownValue = result.breakdownValue ?? ""
            funnel.steps = result.steps.map { step in
                var proto = Tradewind_V1_FunnelStepResult()
                proto.people = Int64(step.people)
                proto.conversionFromStart = step.conversionFromFirst
                proto.conversionFromPrevious = step.conversionFromPrevious
                proto.dropped = Int64(step.droppedOff)
                if let median = step.medianSecondsFromPrevious { proto.medianSecondsFromPrevious = median }
                if let mean = step.averageSecondsFromPrevious { proto.meanSecondsFromPrevious = mean }
                return proto
            }
            return funnel
        }
        return response
    }

    func getRetention(request: Tradewind_V1_GetRetentionRequest, context: ServerContext) async throws
        -> Tradewind_V1_GetRetentionResponse
    {
        var collector = ViolationCollector()
        let range = Self.range(request.range, field: "range", into: &collector)
        let granularity = Self.granularity(request.granularity, field: "granularity", default: .week, into: &collector)
        let period: RetentionPeriod
        switch granularity {
        case .day: period = .day
        case .month: period = .month
        default: period = .week
        }
        for (field, name) in [("start_event", request.startEvent), ("return_event", request.returnEvent)] {
            collector.require(
                FieldFormats.isPrintableText(name, maxLength: 600), field,
                name.isEmpty ? "is required" : "must be 1-600 printable characters")
        }
        collector.require(
            (1...Retention.maxHorizon).contains(Int(request.horizon)), "horizon", "must be 1 to \(Retention.maxHorizon)"
        )
        try collector.throwIfAny()
        guard let range else { throw RPCError(code: .invalidArgument, message: "invalid request") }

        let (start, back, horizon) = (request.startEvent, request.returnEvent, Int(request.horizon))
        let maxEvents = limits.analyticsMaxEvents
        let (tenant, events) = try await read { tx, tenant in
            let zone = Self.timeZone(of: tenant)
            let span = range.instants(in: zone)
            // Returns are read up to now: a cohort of the range's last period can come back later.
            return try await AnalyticsRepository.behaviorEvents(
                from: span.lowerBound, to: Date(), names: Array(Set([start, back])), maxEvents: maxEvents,
                in: tx)
        }
        let zone = Self.timeZone(of: tenant)
        let lastCohortEnd = range.instants(in: zone).upperBound
        // A person's cohort is their first start event; only those whose first falls in the range count.
        var firstStart: [String: Date] = [:]
        for event in events where event.name == start && firstStart[event.person] == nil {
            firstStart[event.person] = event.time
        }
        let kept = events.filter { event in
            guard let first = firstStart[event.person] else { return false }
            return first < lastCohortEnd
        }
        let cohorts = try Self.domain {
            try Retention.cohorts(
                kept, startEvent: start, returnEvent: back, period: period, horizon: horizon, timeZone: zone,
                observationEnd: Date())
        }
        var response = Tradewind_V1_GetRetentionResponse()
        response.cohorts = cohorts.map { cohort in
            var proto = Tradewind_V1_RetentionCohort()
            proto.cohortStart = cohort.start
            proto.people = Int64(cohort.size)
            proto.returned = cohort.returning.map(Int64.init)
            proto.fraction = cohort.fractions
            return proto
        }
        return response
    }

    func getPaths(request: Tradewind_V1_GetPathsRequest, context: ServerContext) async throws
        -> Tradewind_V1_GetPathsResponse
    {
        var collector = ViolationCollector()
        let range = Self.range(request.range, field: "range", into: &collector)
        let depth = request.depth == 0 ? 1 : Int(request.depth)
        collector.require((1...Paths.maxDepth).contains(depth), "depth", "must be 1 to \(Paths.maxDepth)")
        let top = request.top == 0 ? 10 : Int(request.top)
        collector.require((1...Paths.maxTopN).contains(top), "top", "must be 1 to \(Paths.maxTopN)")
        if !request.anchorEvent.isEmpty {
            collector.require(
                FieldFormats.isPrintableText(request.anchorEvent, maxLength: 600), "anchor_event",
                "must be 1-600 printable characters")
        }
        try collector.throwIfAny()
        guard let range else { throw RPCError(code: .invalidArgument, message: "invalid request") }

        let maxEvents = limits.analyticsMaxEvents
        let events = try await read { tx, tenant in
            let zone = Self.timeZone(of: tenant)
            let span = range.instants(in: zone)
            return try await AnalyticsRepository.behaviorEvents(
                from: span.lowerBound, to: span.upperBound, names: [],
                maxEvents: maxEvents, in: tx)
        }.1
        let (anchor, collapse) = (request.anchorEvent, request.collapseRepeats)
        var response = Tradewind_V1_GetPathsResponse()
        try Self.domain {
            if !anchor.isEmpty {
                let around = try Paths.around(
                    events, anchor: anchor, depth: depth, topN: top, collapseRepeats: collapse)
                response.next = around.next.map { Self.proto($0.steps, count: $0.occurrences, people: $0.persons) }
                response.previous = around.previous.map {
                    Self.proto($0.steps, count: $0.occurrences, people: $0.persons)
                }
            }
            response.transitions = try Paths.topTransitions(events, topN: top, collapseRepeats: collapse).map {
                Self.proto([$0.from, $0.to], count: $0.occurrences, people: $0.persons)
            }
        }
        return response
    }

    static let breakdownProperties: Set<String> = ["channel", "campaign_id", "country"]

    static func proto(_ steps: [String], count: Int, people: Int) -> Tradewind_V1_PathSequence {
        var proto = Tradewind_V1_PathSequence()
        proto.steps = steps
        proto.count = Int64(count)
        proto.people = Int64(people)
        return proto
    }
}
