import Foundation

/// The ad channels and owned channels a touchpoint can come from.
public enum Channel: String, CaseIterable, Sendable, Hashable, Codable {
    case googleAds = "google_ads"
    case meta
    case tiktok
    case amazonAds = "amazon_ads"
    case email
    case organic

    /// The number stored journeys use for the channel (`PackedTouch`). Pinned: never renumber or
    /// reuse a code, whatever the order of the cases; a new channel takes the next free one
    /// (at most `PackedTouch.maxChannelCode`), together with the migration that adds it to the
    /// `events.channel` check.
    public var storedCode: Int {
        switch self {
        case .googleAds: 1
        case .meta: 2
        case .tiktok: 3
        case .amazonAds: 4
        case .email: 5
        case .organic: 6
        }
    }

    public init?(storedCode: Int) {
        guard Self.byStoredCode.indices.contains(storedCode), let channel = Self.byStoredCode[storedCode] else {
            return nil
        }
        self = channel
    }

    /// Indexed by code: unpacking journeys looks a channel up for every touch.
    private static let byStoredCode: [Channel?] = (0...PackedTouch.maxChannelCode).map { code in
        allCases.first { $0.storedCode == code }
    }
}

/// Whether an ad was seen or clicked.
public enum TouchpointType: String, CaseIterable, Sendable, Hashable, Codable {
    case impression
    case click
}

/// An amount in millionths of a currency unit: money is never a floating-point number.
public struct Money: Sendable, Hashable {
    public var micros: Int64
    /// ISO 4217, upper case.
    public var currency: String

    public init(micros: Int64, currency: String) {
        self.micros = micros
        self.currency = currency
    }
}

/// One item of a conversion.
public struct ConversionItem: Sendable, Hashable, Codable {
    public var sku: String
    public var quantity: Int
    public var priceMicros: Int64

    public init(sku: String, quantity: Int, priceMicros: Int64) {
        self.sku = sku
        self.quantity = quantity
        self.priceMicros = priceMicros
    }

    enum CodingKeys: String, CodingKey {
        case sku, quantity
        case priceMicros = "price_micros"
    }
}

/// A validated marketing event (Segment's track/identify model, reduced to what attribution, KPIs
/// and segments read).
public struct MarketingEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Links `anonymousID` to `contactID` from the event on.
        case identify
        case touchpoint(
            type: TouchpointType, channel: Channel, campaignID: String, adSetID: String, creativeID: String,
            cost: Money?)
        case pageView(path: String)
        /// `channel` and `campaignID` are the converting session's source, when known.
        case conversion(orderID: String, value: Money?, items: [ConversionItem], channel: Channel?, campaignID: String)
        /// A grant or withdrawal for the event's contact, appended to the consent ledger.
        case consent(
            purpose: ConsentPurpose, action: ConsentAction, lawfulBasis: LawfulBasis?, regime: PrivacyRegime,
            source: String)

        public var name: String {
            switch self {
            case .identify: "identify"
            case .touchpoint: "touchpoint"
            case .pageView: "page_view"
            case .conversion: "conversion"
            case .consent: "consent"
            }
        }
    }

    public var eventID: String
    public var occurredAt: Date
    public var contactID: UUID?
    public var anonymousID: String?
    public var country: String?
    public var kind: Kind

    public init(
        eventID: String, occurredAt: Date, contactID: UUID?, anonymousID: String?, country: String?, kind: Kind
    ) {
        self.eventID = eventID
        self.occurredAt = occurredAt
        self.contactID = contactID
        self.anonymousID = anonymousID
        self.country = country
        self.kind = kind
    }

    /// The money the event carries (a touchpoint's cost or a conversion's value), if any.
    public var money: Money? {
        switch kind {
        case .touchpoint(_, _, _, _, _, let cost): cost
        case .conversion(_, let value, _, _, _): value
        case .identify, .pageView, .consent: nil
        }
    }

    /// The ledger entry a consent event makes; `nil` for other kinds.
    public var consentChange: ConsentChange? {
        guard case .consent(let purpose, let action, let basis, let regime, let source) = kind, let contactID else {
            return nil
        }
        return ConsentChange(
            contactID: contactID, purpose: purpose, action: action, lawfulBasis: basis, source: source, regime: regime,
            occurredAt: occurredAt)
    }
}

/// An event as a client sent it, before validation: every field as it came off the wire.
public struct EventDraft: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case missing
        case identify
        /// `type` and `channel` are `nil` when the client sent an unknown or no value.
        case touchpoint(
            type: TouchpointType?, channel: Channel?, campaignID: String, adSetID: String, creativeID: String,
            costMicros: Int64, currency: String)
        case pageView(path: String)
        /// `channelUnknown` tells a channel unknown on the wire from an unset one.
        case conversion(
            orderID: String, valueMicros: Int64, currency: String, items: [ConversionItem], channel: Channel?,
            channelUnknown: Bool, campaignID: String)
        /// `nil` members were unset or unknown on the wire; `lawfulBasisUnknown` tells an unknown
        /// basis from an unset one (which a withdrawal may leave out).
        case consent(
            purpose: ConsentPurpose?, action: ConsentAction?, lawfulBasis: LawfulBasis?, lawfulBasisUnknown: Bool,
            regime: PrivacyRegime?, source: String)
    }

    public var eventID: String
    public var occurredAt: Date?
    public var contactID: String
    public var anonymousID: String
    public var country: String
    public var kind: Kind

    public init(
        eventID: String, occurredAt: Date?, contactID: String, anonymousID: String, country: String, kind: Kind
    ) {
        self.eventID = eventID
        self.occurredAt = occurredAt
        self.contactID = contactID
        self.anonymousID = anonymousID
        self.country = country
        self.kind = kind
    }

    public static let maxItems = 100
    /// Clocks drift; events from further in the future are refused.
    public static let futureTolerance: TimeInterval = 300

    /// The validated event, or every violation found (field paths relative to the event).
    public func validate(now: Date, retentionDays: Int) -> Result<MarketingEvent, ValidationFailure> {
        var collector = ViolationCollector()
        collector.require(
            !eventID.isEmpty && eventID.utf8.count <= 100 && eventID.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E },
            "event_id", "must be 1-100 printable ASCII characters")
        if let occurredAt {
            collector.require(
                occurredAt <= now.addingTimeInterval(Self.futureTolerance), "occur_time", "must not be in the future")
            collector.require(
                occurredAt >= now.addingTimeInterval(-Double(retentionDays) * 86_400), "occur_time",
                "is older than the tenant's event retention (\(retentionDays) days)")
        } else {
            collector.add("occur_time", "is required")
        }
        var contact: UUID?
        if !contactID.isEmpty {
            contact = UUID(uuidString: contactID)
            collector.require(contact != nil, "contact_id", "must be a UUID")
        }
        if !anonymousID.isEmpty {
            collector.require(
                FieldFormats.isPrintableText(anonymousID, maxLength: 200), "anonymous_id",
                "must be 1-200 printable characters")
        }
        if !country.isEmpty {
            collector.require(
                FieldFormats.isValidCountryCode(country), "country", "must be an ISO 3166-1 alpha-2 code such as DE")
        }

        var kind: MarketingEvent.Kind?
        switch self.kind {
        case .missing:
            collector.add("kind", "set one of identify, touchpoint, page_view, conversion")
        case .identify:
            collector.require(!contactID.isEmpty, "contact_id", "is required for identify")
            collector.require(!anonymousID.isEmpty, "anonymous_id", "is required for identify")
            kind = .identify
        case .touchpoint(let type, let channel, let campaign, let adSet, let creative, let costMicros, let currency):
            collector.require(type != nil, "touchpoint.type", "must be impression or click")
            collector.require(channel != nil, "touchpoint.channel", "is required")
            for (value, field) in [(campaign, "campaign_id"), (adSet, "ad_set_id"), (creative, "creative_id")]
            where !value.isEmpty {
                collector.require(
                    FieldFormats.isPrintableText(value, maxLength: 100), "touchpoint.\(field)",
                    "must be at most 100 printable characters")
            }
            let cost = Self.money(
                costMicros, currency, field: "touchpoint.cost_micros", currencyField: "touchpoint.currency",
                into: &collector)
            if let type, let channel {
                kind = .touchpoint(
                    type: type, channel: channel, campaignID: campaign, adSetID: adSet, creativeID: creative, cost: cost
                )
            }
        case .pageView(let path):
            collector.require(
                FieldFormats.isPrintableText(path, maxLength: 500) && !path.contains("?"), "page_view.path",
                "must be 1-500 printable characters without a query string")
            kind = .pageView(path: path)
        case .conversion(
            let orderID, let valueMicros, let currency, let items, let channel, let channelUnknown, let campaign):
            collector.require(!channelUnknown, "conversion.channel", "is not a known channel")
            collector.require(
                campaign.isEmpty || FieldFormats.isPrintableText(campaign, maxLength: 100), "conversion.campaign_id",
                "must be at most 100 printable characters")
            if !orderID.isEmpty {
                collector.require(
                    FieldFormats.isPrintableText(orderID, maxLength: 100), "conversion.order_id",
                    "must be at most 100 printable characters")
            }
            let value = Self.money(
                valueMicros, currency, field: "conversion.value_micros", currencyField: "conversion.currency",
                into: &collector)
            collector.require(items.count <= Self.maxItems, "conversion.items", "at most \(Self.maxItems) items")
            for (index, item) in items.prefix(Self.maxItems).enumerated() {
                collector.require(
                    FieldFormats.isPrintableText(item.sku, maxLength: 100), "conversion.items[\(index)].sku",
                    "must be 1-100 printable characters")
                collector.require(item.quantity >= 1, "conversion.items[\(index)].quantity", "must be at least 1")
                collector.require(
                    item.priceMicros >= 0, "conversion.items[\(index)].price_micros", "must not be negative")
            }
            kind = .conversion(orderID: orderID, value: value, items: items, channel: channel, campaignID: campaign)
        case .consent(let purpose, let action, let basis, let basisUnknown, let regime, let source):
            collector.require(!contactID.isEmpty, "contact_id", "is required for consent")
            collector.require(purpose != nil, "consent.purpose", "is required")
            collector.require(action != nil, "consent.action", "is required")
            collector.require(regime != nil, "consent.regime", "is required")
            if basisUnknown {
                collector.add("consent.lawful_basis", "is not a known value")
            } else if action == .grant && basis == nil {
                collector.add("consent.lawful_basis", "is required for a grant")
            }
            if regime == .pipl && basis == .legitimateInterest {
                collector.add("consent.lawful_basis", "legitimate interest is not a lawful basis under PIPL")
            }
            collector.require(
                FieldFormats.isPrintableText(source, maxLength: 200), "consent.source",
                "must be 1-200 printable characters")
            if let purpose, let action, let regime {
                kind = .consent(purpose: purpose, action: action, lawfulBasis: basis, regime: regime, source: source)
            }
        }

        if !collector.violations.isEmpty { return .failure(ValidationFailure(collector.violations)) }
        guard let kind, let occurredAt else { return .failure(ValidationFailure(field: "kind", "is invalid")) }
        return .success(
            MarketingEvent(
                eventID: eventID, occurredAt: occurredAt, contactID: contact,
                anonymousID: anonymousID.isEmpty ? nil : anonymousID, country: country.isEmpty ? nil : country,
                kind: kind))
    }

    private static func money(
        _ micros: Int64, _ currency: String, field: String, currencyField: String,
        into collector: inout ViolationCollector
    ) -> Money? {
        if micros < 0 {
            collector.add(field, "must not be negative")
            return nil
        }
        if currency.isEmpty {
            collector.require(micros == 0, currencyField, "is required with an amount")
            return nil
        }
        guard FieldFormats.isValidCurrencyCode(currency) else {
            collector.add(currencyField, "must be an ISO 4217 code such as EUR")
            return nil
        }
        return Money(micros: micros, currency: currency)
    }
}

/// The calendar day of an instant in a time zone, as `YYYY-MM-DD`: daily rollups count days
/// where the tenant lives, not in UTC.
public enum LocalDay {
    public static func of(_ date: Date, in timeZone: TimeZone) -> String {
        CalendarDay(date, in: timeZone).description
    }

    /// Howard Hinnant's days-to-civil conversion (proleptic Gregorian calendar).
    static func civil(fromDaysSinceEpoch days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// Exchange rates of one day, as US dollars per unit of each currency (the operator's rates
/// table): converts an event's money into the tenant's reporting currency.
public struct ExchangeRates: Sendable, Hashable {
    private let usdPerUnit: [String: Decimal]

    public init(usdPerUnit: [String: Decimal]) {
        var rates = usdPerUnit
        rates["USD"] = 1
        self.usdPerUnit = rates
    }

    /// The rate from `currency` to `reporting` (units of `reporting` per unit), to
    /// `FixedRate.decimals` places, if both are known.
    public func rate(from currency: String, to reporting: String) -> FixedRate? {
        if currency == reporting { return FixedRate(scaled: FixedRate.one) }
        guard let from = usdPerUnit[currency], let to = usdPerUnit[reporting], to > 0 else { return nil }
        var exact = from / to
        var rounded = Decimal()
        NSDecimalRound(&rounded, &exact, FixedRate.decimals, .plain)
        guard
            let scaled = Int128(
                exactly: NSDecimalNumber(
                    decimal: rounded * Decimal(sign: .plus, exponent: FixedRate.decimals, significand: 1)
                ).int64Value),
            scaled > 0
        else { return nil }
        return FixedRate(scaled: scaled)
    }
}

/// An exchange rate as an integer count of 10^-12 units: conversions are exact integer arithmetic,
/// cheap enough for a million events, and never touch floating point.
public struct FixedRate: Sendable, Hashable, CustomStringConvertible {
    public static let decimals = 12
    static let one = Int128(1_000_000_000_000)

    public let scaled: Int128
    /// The rate in decimal notation, without trailing zeros (`1.25`, `0.0065`, `153`), worked out
    /// once: every event converted at this rate stores it.
    public let description: String

    public init(scaled: Int128) {
        self.scaled = scaled
        let whole = scaled / Self.one
        var fraction = String(scaled % Self.one)
        fraction = String(repeating: "0", count: Self.decimals - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        description = fraction.isEmpty ? "\(whole)" : "\(whole).\(fraction)"
    }

    /// `micros` times the rate, rounded half away from zero.
    public func convert(_ micros: Int64) -> Int64 {
        let product = Int128(micros) * scaled
        let half = Self.one / 2
        let rounded = product >= 0 ? (product + half) / Self.one : (product - half) / Self.one
        return Int64(clamping: rounded)
    }
}

/// One line of an exchange-rate file: US dollars per unit of `currency` on `day`.
public struct ExchangeRateRow: Sendable, Hashable {
    public var day: String
    public var currency: String
    public var usdPerUnit: Decimal

    public init(day: String, currency: String, usdPerUnit: Decimal) {
        self.day = day
        self.currency = currency
        self.usdPerUnit = usdPerUnit
    }

    /// Parses CSV with a header naming `date`, `currency` and `usd_per_unit` (in any order; other
    /// columns are ignored). Every bad line is reported, by number, and nothing is returned then.
    public static func parseCSV(_ text: String) throws(ValidationFailure) -> [ExchangeRateRow] {
        var lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        lines.removeAll { $0.isEmpty }
        guard
            let header = lines.first?.lowercased().split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }
            ),
            let dateColumn = header.firstIndex(of: "date"), let currencyColumn = header.firstIndex(of: "currency"),
            let rateColumn = header.firstIndex(of: "usd_per_unit")
        else {
            throw ValidationFailure(field: "line 1", "the header must name date, currency and usd_per_unit")
        }
        var collector = ViolationCollector()
        var rows: [ExchangeRateRow] = []
        for (offset, line) in lines.dropFirst().enumerated() {
            let field = "line \(offset + 2)"
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count > max(dateColumn, currencyColumn, rateColumn) else {
                collector.add(field, "has \(cells.count) columns, the header \(header.count)")
                continue
            }
            let day = cells[dateColumn]
            let currency = cells[currencyColumn].uppercased()
            let rate = Decimal(string: cells[rateColumn], locale: Locale(identifier: "en_US_POSIX"))
            var valid = true
            if !isDay(day) {
                collector.add(field, "date must be YYYY-MM-DD, got '\(day)'")
                valid = false
            }
            if !FieldFormats.isValidCurrencyCode(currency) {
                collector.add(field, "currency must be an ISO 4217 code, got '\(cells[currencyColumn])'")
                valid = false
            }
            if rate == nil || rate! <= 0 || cells[rateColumn].contains(where: { !"0123456789.".contains($0) }) {
                collector.add(field, "usd_per_unit must be a positive decimal number, got '\(cells[rateColumn])'")
                valid = false
            }
            if valid, let rate { rows.append(ExchangeRateRow(day: day, currency: currency, usdPerUnit: rate)) }
        }
        try collector.throwIfAny()
        return rows
    }

    private static func isDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1970...2999).contains(year), (1...12).contains(month)
        else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        guard let first = calendar.date(from: DateComponents(year: year, month: month, day: 1)),
            let days = calendar.range(of: .day, in: .month, for: first)
        else { return false }
        return days.contains(day)
    }
}
