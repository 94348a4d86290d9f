import Foundation

extension Date {
    /// Microseconds since 1970, PostgreSQL's `timestamptz` resolution. Rounding recovers the exact
    /// stored value, which page cursors need so that no row is skipped or repeated.
    public var microsecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1_000_000).rounded()) }
}
