import GRPCCore
import ServiceLifecycle

/// Runs the gRPC server as a lifecycle service: on graceful shutdown (SIGTERM) health turns
/// `NOT_SERVING`, the server stops accepting calls and returns once in-flight calls have finished.
struct GRPCServerService<Transport: ServerTransport>: Service {
    let server: GRPCServer<Transport>
    let health: HealthService

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            health.markNotServing()
            server.beginGracefulShutdown()
        }
    }
}
