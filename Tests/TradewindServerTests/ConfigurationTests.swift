import Foundation
import Testing
import TradewindCore
import TradewindServer
import TradewindTestSupport

@Suite("Configuration")
struct ConfigurationTests {
    @Test("the file gives every setting and TRADEWIND_* variables override any key")
    func environmentOverridesFile() async throws {
        let path = TestEnvironment.configPath
        let fromFile = try await ServerConfiguration.load(path: path, environment: [:])
        #expect(fromFile.regions.keys.map(\.rawValue).sorted() == ["cn", "eu", "sg", "us"])
        #expect(fromFile.limits.maxRequestBytes == 4 * 1024 * 1024)
        #expect(fromFile.limits.databaseTimeout == .seconds(5))

        let overridden = try await ServerConfiguration.load(
            path: path,
            environment: [
                "TRADEWIND_SERVER_PORT": "9443",
                "TRADEWIND_LIMITS_MAX_REQUEST_BYTES": "1024",
                "TRADEWIND_POSTGRES_REGION_NAMES": "eu,us",
                "UNRELATED_SERVER_PORT": "1",
            ])
        #expect(overridden.port == 9443)
        #expect(overridden.limits.maxRequestBytes == 1024)
        #expect(overridden.regions.keys.map(\.rawValue).sorted() == ["eu", "us"])
    }

    @Test("a missing file is an error, not a default configuration")
    func missingFile() async {
        await #expect(throws: (any Error).self) {
            _ = try await ServerConfiguration.load(path: "/nonexistent/tradewind.yaml", environment: [:])
        }
    }
}
