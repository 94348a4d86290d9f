import Foundation
import GRPCCore
import TradewindCore
import TradewindProto
import TradewindStore

/// KPIs over the daily rollups, and cohort lifetime value.
extension AnalyticsService {
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
}
