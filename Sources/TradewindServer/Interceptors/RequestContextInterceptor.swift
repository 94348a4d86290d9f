import Foundation
import GRPCCore
import Logging
import TradewindStore

/// Second after the audit interceptor, which wraps it and chooses the request id.
///
/// Gives every call a request id (the client's `x-request-id` when it sent a sane one), puts it in
/// the response metadata whatever the outcome, logs one line per call with ids only (never personal
/// data), and turns any error that is not already a gRPC status into one.
struct RequestContextInterceptor: ServerInterceptor {
    let logger: Logger

    static let requestIDKey = "x-request-id"

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let audit = AuditCall.current
        let started = audit?.budget.started ?? ContinuousClock.now
        let requestID = audit?.requestID ?? Self.requestID(from: request.metadata)
        var logger = self.logger
        logger[metadataKey: "request-id"] = "\(requestID)"
        logger[metadataKey: "method"] = "\(context.descriptor.fullyQualifiedMethod)"
        let callLogger = logger
        let requestContext = RequestContext(
            requestID: requestID, logger: logger,
            budget: audit?.budget ?? CallBudget(started: started, clientTimeout: request.metadata.grpcTimeout),
            audit: audit)

        @Sendable func finish(_ code: RPCError.Code?) {
            let elapsed = ContinuousClock.now - started
            callLogger.info(
                "call finished",
                metadata: [
                    "status": "\(code.map { "\($0)" } ?? "ok")",
                    "latency-ms": "\(elapsed / .milliseconds(1))",
                ])
        }

        do {
            var response = try await RequestContext.$current.withValue(requestContext) {
                try await next(request, context)
            }
            switch response.accepted {
            case .success(var contents):
                contents.metadata.addString(requestID, forKey: Self.requestIDKey)
                let producer = contents.producer
                contents.producer = { writer in
                    try await RequestContext.$current.withValue(requestContext) {
                        do {
                            let trailers = try await producer(writer)
                            finish(nil)
                            return trailers
                        } catch {
                            var rpcError = ErrorMapping.rpcError(for: error)
                            if rpcError.code == .internalError {
                                callLogger.error(
                                    "stream failed", metadata: ["error": "\(StoreError.logDescription(error))"])
                            }
                            rpcError.metadata.addString(requestID, forKey: Self.requestIDKey)
                            finish(rpcError.code)
                            throw rpcError
                        }
                    }
                }
                response.accepted = .success(contents)
            case .failure(let failure):
                var rpcError = ErrorMapping.rpcError(for: failure)
                if rpcError.code == .internalError {
                    logger.error(
                        "call failed", metadata: ["error": "\(String(reflecting: failure.cause.map { type(of: $0) }))"])
                }
                rpcError.metadata.addString(requestID, forKey: Self.requestIDKey)
                finish(rpcError.code)
                response.accepted = .failure(rpcError)
            }
            return response
        } catch {
            var rpcError = ErrorMapping.rpcError(for: error)
            if rpcError.code == .internalError {
                logger.error("call failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            }
            rpcError.metadata.addString(requestID, forKey: Self.requestIDKey)
            finish(rpcError.code)
            throw rpcError
        }
    }

    /// The client's request id if it is 1-128 printable ASCII characters, else a new UUID.
    static func requestID(from metadata: Metadata) -> String {
        if let sent = metadata[stringValues: requestIDKey].first(where: { _ in true }), !sent.isEmpty,
            sent.utf8.count <= 128, sent.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E })
        {
            return sent
        }
        return UUID().uuidString.lowercased()
    }
}
