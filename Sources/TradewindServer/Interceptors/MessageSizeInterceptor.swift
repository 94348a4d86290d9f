import GRPCCore
import SwiftProtobuf

/// Enforces the application's request size limit with `RESOURCE_EXHAUSTED` naming the limit.
///
/// The transport's own limit is set higher: past it the transport resets the stream and the client
/// sees `UNAVAILABLE`, which it would retry.
struct MessageSizeInterceptor: ServerInterceptor {
    let maxRequestBytes: Int

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let limit = maxRequestBytes
        var checked = request
        checked.messages = RPCAsyncSequence(
            wrapping: request.messages.map { message in
                if let message = message as? any SwiftProtobuf.Message {
                    let size = (try message.serializedBytes() as [UInt8]).count
                    if size > limit {
                        throw RPCError(
                            code: .resourceExhausted,
                            message: "request message is \(size) bytes; the limit is \(limit) bytes")
                    }
                }
                return message
            })
        return try await next(checked, context)
    }
}
