import Foundation
import GRPCCore
import SwiftProtobuf
import TradewindCore
import TradewindProto
import TradewindStore

/// `tradewind.v1.Events`: batches of marketing events into the caller's home region.
///
/// Each batch is validated event by event (a bad event is reported, the rest stored), then stored
/// in one transaction with its rollups and identity links, then answered. The next batch is read
/// only after that answer is written, so a stream never holds more than one batch: the client's
/// HTTP/2 flow control does the rest.
struct EventsService: Tradewind_V1_Events.SimpleServiceProtocol {
    let store: TenantStore
    let rollups: RollupFolder

    static let maxBatchEvents = 1000
    static let maxExchangeRates = 10_000

    func loadExchangeRates(request: Tradewind_V1_LoadExchangeRatesRequest, context: ServerContext) async throws
        -> Tradewind_V1_LoadExchangeRatesResponse
    {
        guard request.rates.count <= Self.maxExchangeRates else {
            throw RPCError(
                code: .resourceExhausted,
                message: "rates: at most \(Self.maxExchangeRates) rates per call, got \(request.rates.count)")
        }
        var collector = ViolationCollector()
        collector.require(!request.rates.isEmpty, "rates", "at least one rate is required")
        var rows: [ExchangeRateRow] = []
        var seen = Set<String>()
        for (index, rate) in request.rates.enumerated() {
            let field = "rates[\(index)]"
            collector.require(CalendarDay(rate.day) != nil, "\(field).day", "must be a date, YYYY-MM-DD")
            collector.require(
                FieldFormats.isValidCurrencyCode(rate.currency), "\(field).currency",
                "must be an ISO 4217 code such as EUR")
            let value = Decimal(string: rate.usdPerUnit, locale: Locale(identifier: "en_US_POSIX"))
            let plain = !rate.usdPerUnit.isEmpty && rate.usdPerUnit.allSatisfy { "0123456789.".contains($0) }
            guard let value, plain, value > 0 else {
                collector.add("\(field).usd_per_unit", "must be a positive decimal number such as 1.0843")
                continue
            }
            collector.require(
                seen.insert("\(rate.currency) \(rate.day)").inserted, field, "repeats \(rate.currency) on \(rate.day)")
            rows.append(ExchangeRateRow(day: rate.day, currency: rate.currency, usdPerUnit: value))
        }
        try collector.throwIfAny()
        let call = try CallContext.tenantCall()
        let loaded = try await store.write(for: call) { [rows] tx in
            let count = try await EventRepository.loadTenantRates(rows, in: tx)
            call.wrote(rows: count)
            return count
        }
        var response = Tradewind_V1_LoadExchangeRatesResponse()
        response.loaded = Int32(loaded)
        return response
    }

    func ingestEvents(
        request: RPCAsyncSequence<Tradewind_V1_IngestEventsRequest, any Error>,
        response: RPCWriter<Tradewind_V1_IngestEventsResponse>, context: ServerContext
    ) async throws {
        let call = try CallContext.tenantCall()
        let tenant = call.tenant
        let timeZone = TimeZone(identifier: tenant.settings.timeZone) ?? .gmt
        for try await batch in request {
            guard batch.events.count <= Self.maxBatchEvents else {
                throw RPCError(
                    code: .resourceExhausted,
                    message: "events: a batch holds at most \(Self.maxBatchEvents) events, got \(batch.events.count)")
            }
            guard !batch.events.isEmpty else {
                throw ErrorMapping.invalidArgument(
                    ValidationFailure(field: "events", "a batch needs at least one event"))
            }
            let now = Date()
            var errors: [Tradewind_V1_EventError] = []
            var valid: [(index: Int, event: MarketingEvent)] = []
            for (index, message) in batch.events.enumerated() {
                switch ProtoMapping.draft(message).validate(
                    now: now, retentionDays: tenant.settings.eventRetentionDays)
                {
                case .success(let event): valid.append((index, event))
                case .failure(let failure):
                    errors += failure.violations.map { Self.error(index, message.eventID, $0.field, $0.description) }
                }
            }
            let accepted = valid
            let reporting = tenant.settings.reportingCurrency
            // The stream's opening and closing records cover its batches (see `CallContext`).
            let (stored, refused) = try await store.write(for: call) { tx in
                try await Self.store(accepted, reporting: reporting, timeZone: timeZone, receivedAt: now, in: tx)
            }
            errors += refused
            if stored > 0 { rollups.ingested(for: tenant) }
            var answer = Tradewind_V1_IngestEventsResponse()
            answer.accepted = Int32(stored)
            answer.duplicates = Int32(valid.count - refused.count - stored)
            answer.errors = errors.sorted { $0.index < $1.index }
            answer.receiveTime = Google_Protobuf_Timestamp(date: now)
            call.wrote(rows: stored)
            try await response.write(answer)
        }
    }

    /// Checks what only the database knows (the contact exists, the currency has a rate), then
    /// stores what passes. Returns how many events were stored now and the events refused.
    private static func store(
        _ events: [(index: Int, event: MarketingEvent)], reporting: String, timeZone: TimeZone, receivedAt: Date,
        in tx: TenantTransaction
    ) async throws -> (stored: Int, refused: [Tradewind_V1_EventError]) {
        let contacts = try await ContactRepository.existing(
            Array(Set(events.compactMap(\.event.contactID))), in: tx)
        var pairs = Set<CurrencyDay>()
        for (_, event) in events {
            guard let money = event.money, money.currency != reporting else { continue }
            let day = LocalDay.of(event.occurredAt, in: .gmt)
            pairs.insert(CurrencyDay(currency: money.currency, day: day))
            pairs.insert(CurrencyDay(currency: reporting, day: day))
        }
        let usd = try await EventRepository.usdRates(pairs, in: tx)

        var refused: [Tradewind_V1_EventError] = []
        var rows: [EventRow] = []
        rows.reserveCapacity(events.count)
        var ratesByDay: [String: ExchangeRates] = [:]
        var rates: [CurrencyDay: FixedRate] = [:]
        for (index, event) in events {
            if let contact = event.contactID, !contacts.contains(contact) {
                refused.append(error(index, event.eventID, "contact_id", "no such contact"))
                continue
            }
            var conversion: (rate: FixedRate, micros: Int64)?
            if let money = event.money {
                let day = LocalDay.of(event.occurredAt, in: .gmt)
                // One rate per currency and day, worked out once: a batch's events share a few.
                let pair = CurrencyDay(currency: money.currency, day: day)
                if rates[pair] == nil {
                    let table =
                        ratesByDay[day]
                        ?? ExchangeRates(
                            usdPerUnit: usd.filter { $0.key.day == day }.reduce(into: [:]) {
                                $0[$1.key.currency] = $1.value
                            })
                    ratesByDay[day] = table
                    rates[pair] = table.rate(from: money.currency, to: reporting)
                }
                guard let rate = rates[pair] else {
                    let field = event.kind.name == "touchpoint" ? "touchpoint.currency" : "conversion.currency"
                    refused.append(
                        error(
                            index, event.eventID, field,
                            "no exchange rate from \(money.currency) to \(reporting) for \(day) or the \(EventRepository.rateLookbackDays) days before; load rates with Events.LoadExchangeRates (or an operator with tradewind fx load)"
                        ))
                    continue
                }
                conversion = (rate, rate.convert(money.micros))
            }
            rows.append(
                EventRow(
                    event, receivedAt: receivedAt, localDay: LocalDay.of(event.occurredAt, in: timeZone),
                    conversion: conversion))
        }
        let stored = try await EventRepository.insert(rows, in: tx)
        // Consent changes stored now go to the ledger in this transaction: a withdrawal counts at
        // once, and a resent one (a duplicate) is not appended twice.
        var applied = Set<String>()
        for (_, event) in events where event.consentChange != nil {
            guard stored.contains(event.eventID), applied.insert(event.eventID).inserted,
                let change = event.consentChange
            else { continue }
            _ = try await ContactRepository.recordConsent(change, in: tx)
        }
        return (stored.count, refused)
    }

    private static func error(_ index: Int, _ eventID: String, _ field: String, _ description: String)
        -> Tradewind_V1_EventError
    {
        var error = Tradewind_V1_EventError()
        error.index = Int32(index)
        error.eventID = eventID
        error.field = field
        error.description_p = description
        return error
    }
}
