import GRPCCore

/// Checks the method's declared scope against the principal's. A method without a policy entry
/// is denied: adding an RPC without deciding who may call it fails closed.
struct AuthorizationInterceptor: ServerInterceptor {
    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let call = try CallContext.require()
        guard let principal = call.principal else {
            throw RPCError(code: .unauthenticated, message: "missing credentials")
        }
        guard let policy = call.policy else {
            throw RPCError(
                code: .permissionDenied, message: "\(context.descriptor.fullyQualifiedMethod) is not allowed")
        }
        guard principal.has(policy.scope) || policy.alternateScope.map(principal.has) == true else {
            throw RPCError(
                code: .permissionDenied,
                message: "the credential's role '\(principal.role.rawValue)' lacks the scope '\(policy.scope.rawValue)'"
            )
        }
        return try await next(request, context)
    }
}
