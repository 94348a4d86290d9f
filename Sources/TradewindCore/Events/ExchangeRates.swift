import Foundation

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
