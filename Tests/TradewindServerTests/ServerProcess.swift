import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import TradewindProto
import TradewindServer
import TradewindTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A real `tradewind serve` process of this build, on a port of its own, for tests that signal or
/// kill a server: the in-process test server must outlive them.
struct ServerProcess: Sendable {
    let pid: pid_t
    let port: Int
    let caPath: String

    /// Starts the server, with `environment` overriding its configuration (`TRADEWIND_*`), and
    /// returns once its health check answers `SERVING` (within 60 s).
    static func start(environment: [String: String] = [:]) async throws -> ServerProcess {
        let configuration = try await TestEnvironment.configuration()
        let port = try freePort()
        let pid = try TestEnvironment.spawn(
            TestEnvironment.binary, ["serve", "--config", TestEnvironment.configPath],
            environment: environment.merging(["TRADEWIND_SERVER_PORT": "\(port)"]) { $1 }, silent: true)
        let server = ServerProcess(pid: pid, port: port, caPath: configuration.caCertificatePath)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                throw TestSetupError("tradewind serve exited during start-up (wait status \(status))")
            }
            if (try? await server.health()) == .serving { return server }
            try await Task.sleep(for: .milliseconds(250))
        }
        Glibc.kill(pid, SIGKILL)
        _ = await TestEnvironment.wait(pid)
        throw TestSetupError("tradewind serve did not answer its health check within 60 s")
    }

    /// Runs `body` with a client of this server.
    func withClient<Result: Sendable>(
        _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
    ) async throws -> Result {
        try await TradewindClient.with(host: "127.0.0.1", port: port, caPath: caPath, body)
    }

    func health() async throws -> Grpc_Health_V1_HealthCheckResponse.ServingStatus {
        try await withClient { try await Grpc_Health_V1_Health.Client(wrapping: $0).check(.init()).status }
    }

    /// Waits for the process to exit, at most `limit`; its wait status, or nil if it is still running.
    func exit(within limit: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return status }
            guard result == 0 else { throw TestSetupError("waitpid(\(pid)) failed: errno \(errno)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Sends SIGKILL without waiting, for a `defer` (which cannot await): a test that fails must
    /// not leave a server behind to take the next tests' outbox jobs.
    func killWithoutWaiting() {
        _ = Glibc.kill(pid, SIGKILL)
    }

    /// Ends the process at once, if it still runs, and reaps it.
    func kill() async {
        if Glibc.kill(pid, SIGKILL) == 0 { _ = await TestEnvironment.wait(pid) }
    }

    /// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick for port 0).
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw TestSetupError("socket() failed: errno \(errno)") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(socket, socketAddress, length) == 0 && getsockname(socket, socketAddress, &length) == 0
            }
        }
        guard bound else { throw TestSetupError("cannot bind a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
