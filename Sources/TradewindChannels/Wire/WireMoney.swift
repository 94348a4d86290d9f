import Foundation
import TradewindCore

/// Exact conversions between Tradewind's micros and each channel's unit. No `Double` touches
/// money: decimals are read digit by digit from the JSON literal.
enum WireMoney {
    /// A decimal literal (`12.34`, `5339.5`, `7`, `1.5E+2`) scaled by 10^places, rounded half to
    /// even beyond that: channels that compute in floating point (Amazon's report `cost`, Google's
    /// `conversions`) send digits past the unit's precision, and those are noise, not money.
    static func scaled(_ literal: String, places: Int) -> Int64? {
        var text = Substring(literal)
        var negative = false
        if text.first == "-" {
            negative = true
            text = text.dropFirst()
        } else if text.first == "+" {
            text = text.dropFirst()
        }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let value = Int(text[text.index(after: e)...]), abs(value) < 40 else { return nil }
            exponent = value
            text = text[..<e]
        }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty || parts.count == 2 else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard whole.allSatisfy(\.isASCIIDigitCharacter), fraction.allSatisfy(\.isASCIIDigitCharacter),
            !(whole.isEmpty && fraction.isEmpty)
        else { return nil }
        // digits × 10^(exponent − fraction.count) × 10^places
        var digits = Array((whole + fraction).utf8).map { Int64($0 - UInt8(ascii: "0")) }
        var shift = exponent - fraction.count + places
        while shift > 0 {
            digits.append(0)
            shift -= 1
        }
        var dropped: [Int64] = []
        while shift < 0 {
            dropped.insert(digits.popLast() ?? 0, at: 0)
            shift += 1
        }
        var value: Int64 = 0
        for digit in digits {
            let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times.addingReportingOverflow(digit)
            guard !overflowA, !overflowB else { return nil }
            value = sum
        }
        if let first = dropped.first {
            let rest = dropped.dropFirst().contains(where: { $0 != 0 })
            if first > 5 || (first == 5 && (rest || value % 2 == 1)) { value += 1 }
        }
        return negative ? -value : value
    }

    /// Micros from a major-unit decimal (`"5339.5"` → 5_339_500_000).
    static func micros(_ literal: String) -> Int64? { scaled(literal, places: 6) }

    /// Thousandths from a decimal count (Google's fractional conversions).
    static func milli(_ literal: String) -> Int64? { scaled(literal, places: 3) }

    /// Meta's budget units (minor units by Meta's currency offset); nil when not exact.
    static func metaUnits(micros: Int64, currency: String) -> Int64? {
        let perUnit = 1_000_000 / CurrencyUnits.metaOffset(currency)
        guard micros % perUnit == 0 else { return nil }
        return micros / perUnit
    }

    static func micros(metaUnits: Int64, currency: String) -> Int64? {
        let (value, overflow) = metaUnits.multipliedReportingOverflow(
            by: 1_000_000 / CurrencyUnits.metaOffset(currency))
        return overflow ? nil : value
    }

    /// A major-unit decimal, as a JSON number (TikTok's `budget`, Amazon's `budget` and
    /// `defaultBid`). Core's validation guarantees budgets and bids are whole minor units, so
    /// nothing is cut off.
    static func decimalNumber(micros: Int64, currency: String) -> JSONValue {
        .number(Decimal(micros) / 1_000_000)
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
