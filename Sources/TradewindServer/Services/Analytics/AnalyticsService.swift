import Foundation
import GRPCCore
import TradewindCore
import TradewindProto
import TradewindStore

/// `tradewind.v1.Analytics`: computations over the calling tenant's events in its home region,
/// one file per capability (`AnalyticsService+KPIs.swift`, `+Attribution`, `+Behaviour`,
/// `+Customers`, `+Forecasts`, `+Budget`).
///
/// Every handler takes the same path, whose shared parts live here: it validates the whole request
/// with the field parsers below (`range`, `granularity`, `channels`, ...), reporting every bad field
/// at once; reads what the computation needs in one snapshot (`read`); runs the pure computation
/// from `TradewindCore` outside the transaction (`domain` maps its parameter errors to fields); and
/// maps the result to protobuf.
struct AnalyticsService: Tradewind_V1_Analytics.SimpleServiceProtocol {
    let store: TenantStore
    let limits: ServerConfiguration.Limits

    // MARK: Reading

    /// Runs `body` in one read-only snapshot transaction of the calling tenant, bounded by the
    /// call's budget under the analytics time limit (its policy's); a range holding more events
    /// than the limit is `RESOURCE_EXHAUSTED`.
    func read<Result: Sendable>(
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
}
