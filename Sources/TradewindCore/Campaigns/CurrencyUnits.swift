/// How channels count money. Tradewind keeps micros; each channel takes its own unit, and an
/// amount that its unit cannot express exactly is refused rather than rounded.
public enum CurrencyUnits {
    /// ISO 4217 minor-unit exponent: 2 for most currencies, 0 for JPY and KRW, 3 for the dinars.
    public static func exponent(_ currency: String) -> Int {
        if zeroDecimal.contains(currency) { return 0 }
        if threeDecimal.contains(currency) { return 3 }
        return 2
    }

    /// Micros in one minor unit (10,000 for EUR's cent, 1,000,000 for a yen): Google's "minimum
    /// currency unit", and the smallest step TikTok's and Amazon's decimal amounts can express.
    public static func microsPerMinorUnit(_ currency: String) -> Int64 {
        var micros: Int64 = 1_000_000
        for _ in 0..<exponent(currency) { micros /= 10 }
        return micros
    }

    /// Meta's currency offset: the number of its budget units in one major unit. 100 for most
    /// currencies, 1 for those Meta lists (developers.facebook.com/docs/marketing-api/currencies).
    public static func metaOffset(_ currency: String) -> Int64 {
        metaOffsetOne.contains(currency) ? 1 : 100
    }

    /// `micros` as a decimal string in major units with the currency's exponent ("12.34", "500").
    public static func decimalString(micros: Int64, currency: String) -> String {
        let places = exponent(currency)
        let sign = micros < 0 ? "-" : ""
        let magnitude = micros.magnitude
        let whole = magnitude / 1_000_000
        guard places > 0 else { return "\(sign)\(whole)" }
        var fraction = String(magnitude % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        return "\(sign)\(whole).\(fraction.prefix(places))"
    }

    /// Parses a decimal amount in major units ("12.34", "5339.5", "7") into micros exactly; nil
    /// for anything else or more than six decimals.
    public static func micros(decimal text: String) -> Int64? {
        var digits = Substring(text)
        var negative = false
        if digits.first == "-" {
            negative = true
            digits = digits.dropFirst()
        }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let wholeText = parts.first, !wholeText.isEmpty, wholeText.allSatisfy(\.isASCIIDigit),
            let whole = Int64(wholeText)
        else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let fractionText = parts[1]
            guard !fractionText.isEmpty, fractionText.count <= 6, fractionText.allSatisfy(\.isASCIIDigit) else {
                return nil
            }
            fraction = Int64(fractionText + String(repeating: "0", count: 6 - fractionText.count)) ?? 0
        }
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: 1_000_000)
        guard !overflow else { return nil }
        let value = scaled + fraction
        return negative ? -value : value
    }

    static let zeroDecimal: Set<String> = [
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF",
        "XOF", "XPF",
    ]
    static let threeDecimal: Set<String> = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]
    static let metaOffsetOne: Set<String> = [
        "CLP", "COP", "CRC", "HUF", "ISK", "IDR", "JPY", "KRW", "PYG", "TWD",
    ]
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
