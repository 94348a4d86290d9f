import Foundation

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
