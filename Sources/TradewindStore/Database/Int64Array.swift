import NIOCore
import PostgresNIO

/// An `int8[]` column, decoded straight from PostgreSQL's binary array format.
///
/// postgres-nio decodes `[Int64]` through its generic `Array` conformance, which is not inlinable:
/// every element went through generic metadata look-ups, and reading a tenant's journeys (about
/// 20 million elements) spent 40 % of its time there. This reads the same format, with the same
/// checks, for this one element type.
struct Int64Array: PostgresDecodable {
    var values: [Int64]

    init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        // Header: dimensions (0 for an empty array), has-nulls flag, element type.
        guard case .binary = format, type == .int8Array,
            let (dimensions, hasNulls, element) = buffer.readMultipleIntegers(as: (Int32, Int32, UInt32).self),
            dimensions == 0 || dimensions == 1, hasNulls == 0, PostgresDataType(element) == .int8
        else { throw PostgresDecodingError.Code.typeMismatch }
        guard dimensions == 1 else {
            values = []
            return
        }
        // One dimension: its length and lower bound, then each element as length (8) and value.
        guard let (count, _) = buffer.readMultipleIntegers(as: (Int32, Int32).self), count >= 0 else {
            throw PostgresDecodingError.Code.failure
        }
        var values: [Int64] = []
        values.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let (length, value) = buffer.readMultipleIntegers(as: (Int32, Int64).self), length == 8 else {
                throw PostgresDecodingError.Code.failure
            }
            values.append(value)
        }
        self.values = values
    }
}
