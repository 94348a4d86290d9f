import GRPCCore

/// Turns every error of the layers inside it into the status its client sees (`ErrorMapping`), the
/// one place that does, and tags every answer, success or error, with the call's request id.
struct ErrorMappingInterceptor: ServerInterceptor {
    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let requestID = try CallContext.require().requestID
        @Sendable func mapped(_ error: any Error) -> RPCError {
            var rpcError = ErrorMapping.rpcError(for: error)
            rpcError.metadata.replaceOrAddString(requestID, forKey: CallContext.requestIDKey)
            return rpcError
        }
        do {
            var response = try await next(request, context)
            switch response.accepted {
            case .success(var contents):
                contents.metadata.addString(requestID, forKey: CallContext.requestIDKey)
                let producer = contents.producer
                contents.producer = { writer in
                    do {
                        return try await producer(writer)
                    } catch {
                        throw mapped(error)
                    }
                }
                response.accepted = .success(contents)
            case .failure(let failure):
                response.accepted = .failure(mapped(failure))
            }
            return response
        } catch {
            throw mapped(error)
        }
    }
}
