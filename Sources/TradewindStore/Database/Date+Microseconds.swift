import Foundation

extension Date {
    /// Microseconds since 1970, PostgreSQL's `timestamptz` resolution. Rounding recovers the exact
    /// stored value, which page cursors need so that no row is skipped or repeated.
    public var microsecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1_000_000).rounded()) }

    /// This instant at PostgreSQL's resolution, so that what is stored and what is computed from
    /// it agree to the microsecond.
    public var roundedToMicroseconds: Date { Date(timeIntervalSince1970: Double(microsecondsSince1970) / 1_000_000) }
}
