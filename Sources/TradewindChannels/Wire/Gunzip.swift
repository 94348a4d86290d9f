import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPCompression

/// Inflates a gzip file (Amazon's report download is `GZIP_JSON`: the file itself is gzip, not a
/// transfer encoding). zlib is reached through swift-nio-extras' response decompressor, run on an
/// in-memory channel: no I/O, no event loop of the client's.
enum Gunzip {
    static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B }

    /// The inflated bytes, or nil when `bytes` are not a valid gzip stream (or inflate past `limit`).
    static func inflate(_ bytes: [UInt8], limit: Int = 512 * 1024 * 1024) -> [UInt8]? {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        do {
            try channel.pipeline.syncOperations.addHandler(NIOHTTPResponseDecompressor(limit: .size(limit)))
            var headers = HTTPHeaders()
            headers.add(name: "Content-Encoding", value: "gzip")
            headers.add(name: "Content-Length", value: String(bytes.count))
            try channel.writeInbound(
                HTTPClientResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)))
            try channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(bytes: bytes)))
            try channel.writeInbound(HTTPClientResponsePart.end(nil))
            var output: [UInt8] = []
            while let part = try channel.readInbound(as: HTTPClientResponsePart.self) {
                if case .body(let buffer) = part { output += Array(buffer: buffer) }
            }
            return output
        } catch {
            return nil
        }
    }
}
