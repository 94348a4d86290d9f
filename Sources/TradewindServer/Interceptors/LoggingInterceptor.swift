import GRPCCore
import Logging
import TradewindStore

/// One log line per call, with ids only (never personal data): its status and latency. An
/// internal error also logs what caused it, which its client never sees.
///
/// Second after the audit interceptor; errors reach it already mapped.
struct LoggingInterceptor: ServerInterceptor {
    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let call = try CallContext.require()
        do {
            var response = try await next(request, context)
            switch response.accepted {
            case .success(var contents):
                let producer = contents.producer
                contents.producer = { writer in
                    do {
                        let trailers = try await producer(writer)
                        Self.finished(call, error: nil)
                        return trailers
                    } catch {
                        Self.finished(call, error: error)
                        throw error
                    }
                }
                response.accepted = .success(contents)
            case .failure(let error):
                Self.finished(call, error: error)
            }
            return response
        } catch {
            Self.finished(call, error: error)
            throw error
        }
    }

    private static func finished(_ call: CallContext, error: (any Error)?) {
        let rpcError = error as? RPCError
        let logger = call.logger
        if let error, rpcError?.code ?? .internalError == .internalError {
            let cause = rpcError?.cause ?? error
            logger.error("call failed", metadata: ["error": "\(StoreError.logDescription(cause))"])
        }
        let status = error == nil ? "ok" : CallContext.outcomeName(rpcError?.code ?? .internalError)
        logger.info(
            "call finished",
            metadata: [
                "status": "\(status)",
                "latency-ms": "\((ContinuousClock.now - call.budget.started) / .milliseconds(1))",
            ])
    }
}
