/// What the sandbox needs to know about an account currency: how many decimals the channels report
/// it with, Meta's minor-unit offset, and a rough size relative to the US dollar so that minimum
/// budgets and simulated prices are plausible in JPY or IDR as well as in USD.
public struct Currency: Sendable, Equatable {
    public let code: String

    public init(_ code: String) { self.code = code.uppercased() }

    /// Currencies Meta lists with offset 1 (developers.facebook.com/docs/marketing-api/currencies);
    /// the sandbox also reports them with 0 decimals on the other channels.
    static let zeroDecimal: Set<String> = ["JPY", "KRW", "TWD", "CLP", "COP", "CRC", "HUF", "ISK", "IDR", "PYG", "VND"]

    /// Approximate units per US dollar; only used to scale minimums and simulated prices.
    static let unitsPerDollar: [String: Double] = [
        "JPY": 150, "KRW": 1350, "TWD": 32, "CLP": 950, "COP": 4000, "CRC": 520, "HUF": 360, "ISK": 140,
        "IDR": 16000, "PYG": 7500, "VND": 25000, "INR": 83, "MXN": 17, "BRL": 5, "SEK": 10.5, "NOK": 10.7,
        "DKK": 6.9, "PLN": 4, "CZK": 23, "CNY": 7.2, "HKD": 7.8, "SGD": 1.35, "AUD": 1.5, "CAD": 1.35,
        "CHF": 0.9, "TRY": 32, "ZAR": 18, "AED": 3.67, "SAR": 3.75,
    ]

    /// Decimals the channels report money with.
    public var decimals: Int { Self.zeroDecimal.contains(code) ? 0 : 2 }

    /// Meta's currency offset: minor units per major unit.
    public var metaOffset: Int64 { decimals == 0 ? 1 : 100 }

    /// Micros of one minor unit: 10,000 for USD (one cent), 1,000,000 for JPY.
    public var minorUnitMicros: Int64 { decimals == 0 ? 1_000_000 : 10_000 }

    public var unitsPerDollar: Double { Self.unitsPerDollar[code] ?? 1 }

    /// `dollars` US dollars in this currency, in micros, rounded up to a whole minor unit.
    public func micros(ofDollars dollars: Double) -> Int64 {
        let raw = Int64((dollars * unitsPerDollar * 1_000_000).rounded(.up))
        return (raw + minorUnitMicros - 1) / minorUnitMicros * minorUnitMicros
    }

    /// Micros rounded down to a whole minor unit, as the channels round amounts they report.
    public func floorToMinorUnit(_ micros: Int64) -> Int64 {
        micros / minorUnitMicros * minorUnitMicros
    }

    /// A decimal major-unit text ("12.34", "1500") as Meta, TikTok and Amazon report spend.
    public func majorUnitText(micros: Int64) -> String {
        let minor = micros / minorUnitMicros
        if decimals == 0 { return String(minor) }
        let sign = minor < 0 ? "-" : ""
        let magnitude = abs(minor)
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// A major-unit amount as a double (TikTok and Amazon send and report floats).
    public func majorUnits(micros: Int64) -> Double {
        Double(micros / minorUnitMicros) / (decimals == 0 ? 1 : 100)
    }

    /// Micros of a major-unit float, rounded to the nearest micro; nil when it is not finite.
    public static func micros(ofMajorUnits value: Double) -> Int64? {
        guard value.isFinite, abs(value) < 9e12 else { return nil }
        return Int64((value * 1_000_000).rounded())
    }
}
