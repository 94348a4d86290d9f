import Foundation

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
