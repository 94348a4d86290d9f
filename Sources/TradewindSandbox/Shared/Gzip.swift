import Foundation

/// GZIP framing with stored (uncompressed) DEFLATE blocks (RFC 1951 §3.2.4, RFC 1952).
///
/// Amazon delivers report files as GZIP JSON. The sandbox only has to produce a file every gzip reader
/// accepts, not a small one, and no zlib binding is among the allowed packages, so it frames the bytes
/// without compressing them.
enum Gzip {
    static func wrap(_ payload: Data) -> Data {
        var out = Data([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff])
        let bytes = [UInt8](payload)
        var offset = 0
        repeat {
            let length = min(65_535, bytes.count - offset)
            let isLast = offset + length >= bytes.count
            out.append(isLast ? 0x01 : 0x00)
            appendLittleEndian16(UInt16(length), to: &out)
            appendLittleEndian16(~UInt16(length), to: &out)
            out.append(contentsOf: bytes[offset..<offset + length])
            offset += length
        } while offset < bytes.count
        appendLittleEndian32(crc32(bytes), to: &out)
        appendLittleEndian32(UInt32(truncatingIfNeeded: bytes.count), to: &out)
        return out
    }

    /// The payload of a GZIP member made of stored blocks (what `wrap` writes); nil otherwise.
    static func unwrapStored(_ data: Data) -> Data? {
        let bytes = [UInt8](data)
        guard bytes.count >= 18, bytes[0] == 0x1f, bytes[1] == 0x8b, bytes[3] == 0 else { return nil }
        var offset = 10
        var payload: [UInt8] = []
        while true {
            guard offset + 5 <= bytes.count else { return nil }
            let header = bytes[offset]
            guard header & 0x06 == 0 else { return nil }
            let length = Int(bytes[offset + 1]) | Int(bytes[offset + 2]) << 8
            offset += 5
            guard offset + length <= bytes.count else { return nil }
            payload.append(contentsOf: bytes[offset..<offset + length])
            offset += length
            if header & 0x01 == 1 { break }
        }
        return Data(payload)
    }

    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    private static func appendLittleEndian16(_ value: UInt16, to data: inout Data) {
        data.append(UInt8(value & 0xFF))
        data.append(UInt8(value >> 8))
    }

    private static func appendLittleEndian32(_ value: UInt32, to data: inout Data) {
        for shift in stride(from: 0, to: 32, by: 8) { data.append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}
