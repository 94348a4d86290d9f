import Foundation
import Logging
import TradewindCore
import TradewindServer
import TradewindStore

#if canImport(Glibc)
    import Glibc
#endif

/// The real local stack the tests run against: the clusters `scripts/test` starts and the
/// configuration it writes (`TRADEWIND_CONFIG`, or `.tradewind/config.yaml` of this checkout).
public enum TestEnvironment {
    public static let repository: URL = {
        if let path = ProcessInfo.processInfo.environment["TRADEWIND_REPO"] { return URL(fileURLWithPath: path) }
        // Tests/TradewindTestSupport/TestEnvironment.swift → repository root.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }()

    public static var configPath: String {
        ProcessInfo.processInfo.environment["TRADEWIND_CONFIG"]
            ?? repository.appendingPathComponent(".tradewind/config.yaml").path
    }

    public static var stateDirectory: URL { repository.appendingPathComponent(".tradewind") }

    public static func configuration() async throws -> ServerConfiguration {
        guard FileManager.default.fileExists(atPath: configPath) else {
            throw TestSetupError(
                "no configuration at \(configPath): run scripts/test (it starts the clusters and writes it)")
        }
        // The environment's TRADEWIND_* variables are for the scripts, not for the tests' own server.
        return try await ServerConfiguration.load(path: configPath, environment: [:])
    }

    public static let logger: Logger = {
        var logger = Logger(label: "tradewind.tests")
        logger.logLevel = ProcessInfo.processInfo.environment["TRADEWIND_TEST_LOG"] == nil ? .critical : .debug
        return logger
    }()

    /// A slug no other test run uses.
    public static func uniqueSlug(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Runs `scripts/pg-cluster ACTION NAME` (stop or start a region for fault tests).
    ///
    /// Not through Foundation's `Process`: it notices a child's exit by EOF on a descriptor the
    /// child inherits, and the PostgreSQL server that `start` leaves running keeps it open.
    /// So the script runs by `posix_spawn` and is reaped with `waitpid` on a thread of its own.
    public static func cluster(_ action: String, _ name: String) async throws {
        let script = repository.appendingPathComponent("scripts/pg-cluster").path
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread {
                var pid = pid_t()
                let arguments = [script, action, name]
                var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
                defer { argv.forEach { free($0) } }
                guard posix_spawn(&pid, script, nil, nil, &argv, environ) == 0 else {
                    continuation.resume(returning: -1)
                    return
                }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                continuation.resume(returning: status)
            }.start()
        }
        guard status == 0 else {
            throw TestSetupError("scripts/pg-cluster \(action) \(name) failed (wait status \(status))")
        }
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
