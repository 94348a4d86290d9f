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
    public static func cluster(_ action: String, _ name: String) async throws {
        try await pgCluster([action, name])
    }

    /// Runs `body` with cluster `name` stopped, and starts it again however `body` ends, so a
    /// failing test cannot leave a region down for the tests after it.
    public static func withClusterStopped<Result>(_ name: String, _ body: () async throws -> Result) async throws
        -> Result
    {
        try await cluster("stop", name)
        let result: Result
        do {
            result = try await body()
        } catch {
            try await cluster("start", name)
            throw error
        }
        try await cluster("start", name)
        return result
    }

    /// Runs `change` as the superuser of cluster `name`, then `body`, then `revert`, however `body`
    /// ends: for tests that break a grant or a table on purpose and must not leave it broken.
    public static func withSuperuserChange<Result>(
        _ name: String, database: String = "tradewind", _ change: String, revert: String,
        _ body: () async throws -> Result
    ) async throws -> Result {
        try await superuserSQL(name, database: database, change)
        let result: Result
        do {
            result = try await body()
        } catch {
            try await superuserSQL(name, database: database, revert)
            throw error
        }
        try await superuserSQL(name, database: database, revert)
        return result
    }

    /// Runs `statements` in `database` of cluster `name` as its superuser: for tests that must
    /// do what the server's roles cannot (tamper with the audit log, revoke a grant).
    public static func superuserSQL(_ name: String, database: String = "tradewind", _ statements: String)
        async throws
    {
        try await pgCluster(["sql", name, database, statements])
    }

    /// Not through Foundation's `Process`: it notices a child's exit by EOF on a descriptor the
    /// child inherits, and the PostgreSQL server that `start` leaves running keeps it open.
    /// So the script runs by `posix_spawn` and is reaped with `waitpid` on a thread of its own.
    private static func pgCluster(_ arguments: [String]) async throws {
        let script = repository.appendingPathComponent("scripts/pg-cluster").path
        let pid = try spawn(script, arguments, quiet: arguments.first == "sql")
        let status = await wait(pid)
        guard status == 0 else {
            throw TestSetupError(
                "scripts/pg-cluster \(arguments.joined(separator: " ")) failed (wait status \(status))")
        }
    }

    /// Runs `statements` like `superuserSQL` and returns what psql printed on standard error
    /// (verbose: `ERROR:  <SQLSTATE>: <message>`), or nil when every statement succeeded.
    public static func superuserSQLError(_ name: String, database: String = "tradewind", _ statements: String)
        async throws -> String?
    {
        let script = repository.appendingPathComponent("scripts/pg-cluster").path
        let result = try await run(script, ["sql", name, database, statements])
        return result.status == 0 ? nil : result.standardError
    }

    /// What a finished program left: its exit status and its output.
    public struct ProgramResult: Sendable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
    }

    /// Runs `path` with `arguments` to its end and returns its exit status and output.
    public static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:]) async throws
        -> ProgramResult
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tradewind-run-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("stdout").path
        let err = directory.appendingPathComponent("stderr").path
        let pid = try spawn(path, arguments, environment: environment, standardOutput: out, standardError: err)
        let status = await wait(pid)
        guard status & 0x7F == 0 else { throw TestSetupError("\(path) died of signal \(status & 0x7F)") }
        return ProgramResult(
            status: (status >> 8) & 0xFF,
            standardOutput: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    /// Starts `path` with `arguments` and extra `environment` variables; returns its pid.
    /// `quiet` sends its standard output to /dev/null, `silent` its standard error too;
    /// `standardOutput` and `standardError` send them to files instead.
    public static func spawn(
        _ path: String, _ arguments: [String], environment: [String: String] = [:], quiet: Bool = false,
        silent: Bool = false, standardOutput: String? = nil, standardError: String? = nil
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let truncate = O_WRONLY | O_CREAT | O_TRUNC
        if let standardOutput {
            posix_spawn_file_actions_addopen(&actions, 1, standardOutput, truncate, 0o600)
        } else if quiet || silent {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        if let standardError {
            posix_spawn_file_actions_addopen(&actions, 2, standardError, truncate, 0o600)
        } else if silent {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        var pid = pid_t()
        var argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var variables = ProcessInfo.processInfo.environment
        variables.merge(environment) { _, new in new }
        var envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        let result = posix_spawn(&pid, path, &actions, nil, &argv, &envp)
        guard result == 0 else { throw TestSetupError("cannot start \(path): error \(result)") }
        return pid
    }

    /// Waits for `pid` to exit (on a thread of its own) and returns its wait status.
    public static func wait(_ pid: pid_t) async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                continuation.resume(returning: status)
            }.start()
        }
    }

    /// The `tradewind` executable of this build (`TRADEWIND_BIN`, or beside the test bundle).
    public static var binary: String {
        if let path = ProcessInfo.processInfo.environment["TRADEWIND_BIN"] { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("tradewind").path
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
