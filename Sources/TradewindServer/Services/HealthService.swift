import GRPCCore
import Synchronization
import TradewindProto

/// The standard `grpc.health.v1.Health` service, for load balancers and orchestrators. It needs
/// no credential and is the one method group the audit log does not record.
final class HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    private let status = Mutex(Grpc_Health_V1_HealthCheckResponse.ServingStatus.serving)

    /// Reported as `NOT_SERVING` once shutdown begins, so balancers stop sending new calls.
    func markNotServing() {
        status.withLock { $0 = .notServing }
    }

    func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws
        -> Grpc_Health_V1_HealthCheckResponse
    {
        guard request.service.isEmpty || Self.knownServices.contains(request.service) else {
            throw RPCError(code: .notFound, message: "unknown service \(request.service)")
        }
        var response = Grpc_Health_V1_HealthCheckResponse()
        response.status = status.withLock { $0 }
        return response
    }

    func watch(
        request: Grpc_Health_V1_HealthCheckRequest,
        response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        // Sends the status now and again whenever it changes, until the client goes away or the
        // server shuts down (a watch must not hold a graceful shutdown open).
        var sent: Grpc_Health_V1_HealthCheckResponse.ServingStatus?
        while !Task.isCancelled {
            let current = status.withLock { $0 }
            if current != sent {
                var message = Grpc_Health_V1_HealthCheckResponse()
                message.status = current
                try await response.write(message)
                sent = current
            }
            if current == .notServing { return }
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// Every service with a policy entry, so a probe of any of them is answered.
    static let knownServices = Set(MethodPolicy.table.keys.map(\.service.fullyQualifiedService))
}
