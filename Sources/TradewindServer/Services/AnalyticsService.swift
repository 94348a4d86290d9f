import Foundation
import GRPCCore
import TradewindCore
import TradewindProto
import TradewindStore

/// `tradewind.v1.Analytics`: computations over the calling tenant's events in its home region.
/// Handlers validate, read what the computation needs in one read transaction, then run the pure
/// computation from `TradewindCore` outside it.
struct AnalyticsService: Tradewind_V1_Analytics.SimpleServiceProtocol {
    let store: TenantStore
    let limits: ServerConfiguration.Limits

    // MARK: KPIs

    func getKPIs(request: Tradewind_V1_GetKPIsRequest, context: ServerContext) async throws
        -> Tradewind_V1_GetKPIsResponse
    {
        var collector = ViolationCollector()
        let range = Self.range(request.range, field: "range", into: &collector)
        let granularity = Self.granularity(request.granularity, field: "granularity", default: .all, into: &collector)
        var dimensions = Set<Tradewind_V1_KPIDimension>()
        for (index, dimension) in request.groupBy.enumerated() {
            switch dimension {
            case .channel, .campaign, .country:
                if !dimensions.insert(dimension).inserted { collector.add("group_by[\(index)]", "is repeated") }
            default:
                collector.add("group_by[\(index)]", "must be CHANNEL, CAMPAIGN or COUNTRY")
            }
        }
        let channels = Self.channels(request.channels, field: "channels", into: &collector)
        let countries = Self.countries(request.countries, field: "countries", into: &collector)
        for (index, campaign) in request.campaignIds.enumerated() {
            collector.require(
                FieldFormats.isPrintableText(campaign, maxLength: 100), "campaign_ids[\(index)]",
                "must be 1-100 printable characters")
        }
        try collector.throwIfAny()
        guard let range, let granularity else { throw RPCError(code: .invalidArgument, message: "invalid request") }

        let grouping = KPIReport.Grouping(
            granularity: granularity, byChannel: dimensions.contains(.channel),
            byCampaign: dimensions.contains(.campaign), byCountry: dimensions.contains(.country))
        let campaigns = request.campaignIds
        let (tenant, rollups) = try await read { tx, tenant in
            try await AnalyticsRepository.rollups(
                range: range, byChannel: grouping.byChannel, byCampaign: grouping.byCampaign,
                byCountry: grouping.byCountry, channels: channels, countries: countries, campaignIDs: campaigns,
                in: tx)
        }
        let report = KPIReport.rows(rollups, grouping: grouping, range: range)
        var response = Tradewind_V1_GetKPIsResponse()
        response.reportingCurrency = tenant.settings.reportingCurrency
        response.rows = report.rows.map { Self.proto($0) }
        response.total = Self.proto(
            KPIRow(periodStart: range.from, channel: nil, campaignID: nil, country: nil, totals: report.total))
        return response
    }

    func getCohortLTV(request: Tradewind_V1_GetCohortLTVRequest, context: ServerContext) async throws
        -> Tradewind_V1_GetCohortLTVResponse
    {
        var collector = ViolationCollector()
        let range = Self.range(request.range, field: "range", into: &collector)
        let granularity = Self.granularity(request.granularity, field: "granularity", default: .month, into: &collector)
        if granularity == .day || granularity == .all { collector.add("granularity", "must be WEEK or MONTH") }
        let horizon = request.horizon == 0 ? 12 : Int(request.horizon)
        collector.require((1...36).contains(horizon), "horizon", "must be 1 to 36")
        try collector.throwIfAny()
        guard let range, let granularity else { throw RPCError(code: .invalidArgument, message: "invalid request") }

        let (tenant, result) = try await read { tx, tenant in
            let today = CalendarDay(Date(), in: Self.timeZone(of: tenant))
            let data = try await AnalyticsRepository.cohortRevenue(firstDays: range, through: today, in: tx)
            return KPIReport.cohortLTV(
                people: data.people, revenue: data.revenue, granularity: granularity, horizon: horizon, through: today)
        }
        var response = Tradewind_V1_GetCohortLTVResponse()
        response.reportingCurrency = tenant.settings.reportingCurrency
        response.cohorts = result.map { cohort in
            var proto = Tradewind_V1_CohortLTV()
            proto.cohortStart = cohort.cohortStart.description
            proto.people = cohort.people
            proto.ltvMicros = cohort.ltvMicros
            proto.revenueMicros = cohort.revenueMicros
            return proto
        }
        return response
    }

    // MARK: Attribution

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

    // MARK: Behaviour

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

    // MARK: Customers and baskets

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

    // MARK: Forecasts and anomalies

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

    // MARK: Budget

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

    // MARK: Reading

    /// Runs `body` in one read-only snapshot transaction of the calling tenant, bounded by the
    /// call's budget under the analytics time limit (its policy's); a range holding more events
    /// than the limit is `RESOURCE_EXHAUSTED`.
    private func read<Result: Sendable>(
        _ body: @Sendable @escaping (TenantTransaction, Tenant) async throws -> Result
    ) async throws -> (Tenant, Result) {
        let call = try CallContext.tenantCall()
        let tenant = call.tenant
        do {
            // One snapshot for every statement of a read (journeys and their pending deltas must
            // agree), and nothing written.
            let result = try await store.read(for: call, snapshot: true) { tx in
                try await AnalyticsRepository.prepare(tx)
                return try await body(tx, tenant)
            }
            return (tenant, result)
        } catch let exceeded as AnalyticsLimitExceeded {
            throw RPCError(
                code: .resourceExhausted,
                message: "range: holds more than \(exceeded.limit) events; ask for a shorter range")
        }
    }

    // MARK: Mapping

    static let allModels: [Tradewind_V1_AttributionModel] = [
        .firstTouch, .lastTouch, .linear, .timeDecay, .positionBased, .markov, .shapley,
    ]
    static let breakdownProperties: Set<String> = ["channel", "campaign_id", "country"]

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

    /// `champions`, `at_risk`, `cant_lose_them` ...: the segment's name as an API value.
    static func segmentName(_ segment: RFMSegment) -> String {
        segment.rawValue.lowercased().replacingOccurrences(of: "'", with: "").replacingOccurrences(of: " ", with: "_")
    }

    static func range(_ range: Tradewind_V1_DayRange, field: String, into collector: inout ViolationCollector)
        -> DayRange?
    {
        do {
            return try DayRange(from: range.fromDay, to: range.toDay, field: field)
        } catch {
            for violation in error.violations { collector.add(violation.field, violation.description) }
            return nil
        }
    }

    static func granularity(
        _ value: Tradewind_V1_Granularity, field: String, default fallback: PeriodGranularity,
        into collector: inout ViolationCollector
    ) -> PeriodGranularity? {
        switch value {
        case .unspecified: return fallback
        case .day: return .day
        case .week: return .week
        case .month: return .month
        case .UNRECOGNIZED:
            collector.add(field, "is not a known granularity")
            return nil
        }
    }

    static func channels(_ values: [Tradewind_V1_Channel], field: String, into collector: inout ViolationCollector)
        -> [String]
    {
        values.enumerated().compactMap { index, value in
            guard let channel = ProtoMapping.channel(value) else {
                collector.add("\(field)[\(index)]", "is not a known channel")
                return nil
            }
            return channel.rawValue
        }
    }

    static func countries(_ values: [String], field: String, into collector: inout ViolationCollector) -> [String] {
        for (index, country) in values.enumerated() {
            collector.require(
                FieldFormats.isValidCountryCode(country), "\(field)[\(index)]",
                "must be an ISO 3166-1 alpha-2 code such as DE")
        }
        return values
    }

    static func timeZone(of tenant: Tenant) -> TimeZone {
        TimeZone(identifier: tenant.settings.timeZone) ?? .gmt
    }

    /// Runs a pure computation, turning its parameter errors into `INVALID_ARGUMENT` naming the field.
    static func domain<Result>(_ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch var error as ValidationFailure {
            // The computations name their own parameters; a few are asked for under another name.
            let renamed = ["anchor": "anchor_event", "series": "series.range", "max_len": "max_items"]
            for index in error.violations.indices {
                error.violations[index].field = renamed[error.violations[index].field] ?? error.violations[index].field
            }
            throw error
        } catch let error as AssociationRuleError {
            switch error {
            case .tooManyItemsets(let limit):
                throw RPCError(
                    code: .resourceExhausted,
                    message: "min_support: more than \(limit) frequent itemsets; raise min_support")
            }
        } catch is RFMError {
            throw RPCError(code: .outOfRange, message: "monetary: a total does not fit in 64-bit micros")
        }
    }

    static func proto(_ row: KPIRow) -> Tradewind_V1_KPIRow {
        var proto = Tradewind_V1_KPIRow()
        proto.periodStart = row.periodStart.description
        proto.channel = row.channel ?? ""
        proto.campaignID = row.campaignID ?? ""
        proto.country = row.country ?? ""
        let totals = row.totals
        proto.spendMicros = totals.spendMicros
        proto.impressions = totals.impressions
        proto.clicks = totals.clicks
        proto.pageViews = totals.pageViews
        proto.conversions = totals.conversions
        proto.revenueMicros = totals.revenueMicros
        if let value = totals.cpcMicros { proto.cpcMicros = value }
        if let value = totals.cpmMicros { proto.cpmMicros = value }
        if let value = totals.ctr { proto.ctr = value }
        if let value = totals.cvr { proto.cvr = value }
        if let value = totals.cpaMicros { proto.cpaMicros = value }
        if let value = totals.roas { proto.roas = value }
        if let value = totals.aovMicros { proto.aovMicros = value }
        return proto
    }

    static func proto(_ steps: [String], count: Int, people: Int) -> Tradewind_V1_PathSequence {
        var proto = Tradewind_V1_PathSequence()
        proto.steps = steps
        proto.count = Int64(count)
        proto.people = Int64(people)
        return proto
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
