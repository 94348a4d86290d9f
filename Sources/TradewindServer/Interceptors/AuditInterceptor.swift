import Foundation
import GRPCCore
import Logging
import Synchronization
import TradewindAudit
import TradewindCore
import TradewindStore

/// The outermost interceptor. It makes the call's one `CallContext`, and every call but the
/// health check leaves exactly one audit record (a stream two: opening and closing), whatever its
/// outcome, and no data leaves the server before its record is committed.
///
/// A unary call's handler has finished when `next` returns, so its response waits here until the
/// record is committed (unless a write already committed it with its changes). A stream's opening
/// record is committed before the first message can be sent, and its closing record after the
/// last. If a record cannot be written the call fails with `UNAVAILABLE`.
///
/// Errors reach it already mapped to statuses by `ErrorMappingInterceptor`, further in.
struct AuditInterceptor: ServerInterceptor {
    let recorder: AuditRecorder
    let pseudonymizer: AuditPseudonymizer
    let limits: ServerConfiguration.Limits
    let logger: Logger

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let call = CallContext(
            requestID: CallContext.requestID(from: request.metadata), method: context.descriptor,
            peer: context.remotePeer, clientTimeout: request.metadata.grpcTimeout, limits: limits,
            isAudited: !MethodPolicy.exempt.contains(context.descriptor), pseudonymizer: pseudonymizer,
            logger: logger)
        guard call.isAudited else {
            return try await CallContext.$current.withValue(call) {
                Self.keepingContext(call, on: try await next(request, context))
            }
        }
        let streaming = call.policy?.isStreaming ?? false
        let received = MessageCounter()
        var request = request
        if streaming {
            request.messages = RPCAsyncSequence(wrapping: CountingSequence(base: request.messages, counter: received))
        }
        let counted = request

        var response: StreamingServerResponse<Output>
        do {
            response = try await CallContext.$current.withValue(call) { try await next(counted, context) }
        } catch {
            try await record(call, code: Self.code(of: error))
            throw error
        }

        switch response.accepted {
        case .failure(let rpcError):
            try await record(call, code: rpcError.code)
        case .success(var contents):
            guard streaming else {
                try await record(call, code: nil)
                return response
            }
            try await record(call, code: nil, event: .streamOpen)
            let producer = contents.producer
            let recorder = self.recorder
            contents.producer = { writer in
                let counting = CountingWriter(base: writer)
                do {
                    let trailers = try await CallContext.$current.withValue(call) {
                        try await producer(counting.writer)
                    }
                    try await recorder.write(
                        call, code: nil, event: .streamClose, messages: (received.count, counting.sent.count))
                    return trailers
                } catch {
                    do {
                        try await recorder.write(
                            call, code: Self.code(of: error), event: .streamClose,
                            messages: (received.count, counting.sent.count))
                    } catch {
                        throw Self.unavailable(call)
                    }
                    throw error
                }
            }
            response.accepted = .success(contents)
        }
        return response
    }

    /// An unaudited call's response producer still runs inside its context.
    private static func keepingContext<Output>(_ call: CallContext, on response: StreamingServerResponse<Output>)
        -> StreamingServerResponse<Output>
    {
        var response = response
        if case .success(var contents) = response.accepted {
            let producer = contents.producer
            contents.producer = { writer in
                try await CallContext.$current.withValue(call) { try await producer(writer) }
            }
            response.accepted = .success(contents)
        }
        return response
    }

    /// The status of an error `ErrorMappingInterceptor` already mapped.
    private static func code(of error: any Error) -> RPCError.Code {
        (error as? RPCError)?.code ?? .internalError
    }

    /// Writes the call's record unless its transaction already did; fails the call when it cannot.
    private func record(_ call: CallContext, code: RPCError.Code?, event: AuditEvent = .call) async throws {
        guard !call.isRecorded else { return }
        do {
            try await recorder.write(call, code: code, event: event)
        } catch {
            call.logger.error(
                "audit record not written; call refused",
                metadata: ["error": "\(StoreError.logDescription((error as? AuditUnavailable)?.cause ?? error))"])
            throw Self.unavailable(call)
        }
    }

    private static func unavailable(_ call: CallContext) -> RPCError {
        var error = RPCError(code: .unavailable, message: AuditUnavailable.message)
        error.metadata.addString(call.requestID, forKey: CallContext.requestIDKey)
        return error
    }
}

/// Counts a stream's messages for its closing record.
private final class MessageCounter: Sendable {
    private let value = Atomic<Int64>(0)
    var count: Int64 { value.load(ordering: .relaxed) }
    func add() { value.add(1, ordering: .relaxed) }
}

/// Passes messages through to the real writer, counting them.
private final class CountingWriter<Element: Sendable>: Sendable {
    let base: RPCWriter<Element>
    let sent = MessageCounter()

    init(base: RPCWriter<Element>) { self.base = base }

    var writer: RPCWriter<Element> {
        RPCWriter(wrapping: Forwarder(owner: self))
    }

    private struct Forwarder: RPCWriterProtocol {
        let owner: CountingWriter<Element>

        func write(_ element: Element) async throws {
            try await owner.base.write(element)
            owner.sent.add()
        }

        func write(contentsOf elements: some Sequence<Element>) async throws {
            for element in elements { try await write(element) }
        }
    }
}

/// Passes a request stream's messages through, counting them.
private struct CountingSequence<Element: Sendable>: AsyncSequence, Sendable {
    let base: RPCAsyncSequence<Element, any Error>
    let counter: MessageCounter

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RPCAsyncSequence<Element, any Error>.AsyncIterator
        let counter: MessageCounter

        mutating func next() async throws -> Element? {
            let element = try await base.next()
            if element != nil { counter.add() }
            return element
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), counter: counter)
    }
}
