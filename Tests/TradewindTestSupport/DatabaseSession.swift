import Foundation
import Logging
import PostgresNIO
import TradewindAudit
import TradewindCore
import TradewindServer

@testable import TradewindStore

/// Direct connections to the clusters as the server's own roles (`tradewind_app`,
/// `tradewind_control`), never as a superuser: an isolation test run as a superuser proves nothing.
public struct DatabaseSession: Sendable {
    public let configuration: ServerConfiguration
    public let control: ControlStore
    public let regions: [Region: DatabasePool]

    /// Runs `body` with pools to the control cluster and every region, all running.
    public static func with<Result: Sendable>(
        _ body: @Sendable (DatabaseSession) async throws -> Result
    ) async throws -> Result {
        let configuration = try await TestEnvironment.configuration()
        let logger = TestEnvironment.logger
        let control = try ControlStore(endpoint: configuration.control, logger: logger)
        var regions: [Region: DatabasePool] = [:]
        for (region, endpoint) in configuration.regions {
            regions[region] = try DatabasePool(name: region.rawValue, endpoint: endpoint, logger: logger)
        }
        let pools = [control.pool] + Array(regions.values)
        let session = DatabaseSession(configuration: configuration, control: control, regions: regions)
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            for pool in pools {
                group.addTask {
                    try await pool.run(); return nil
                }
            }
            defer { group.cancelAll() }
            return try await body(session)
        }
    }

    /// A fresh tenant in `region`, made through the control plane as operators do.
    public func makeTenant(_ region: Region, prefix: String = "test", requireMTLS: Bool = false) async throws -> Tenant
    {
        var settings = TenantSettings.default
        settings.requireMTLS = requireMTLS
        return try await control.createTenant(
            TenantSpec(
                slug: TestEnvironment.uniqueSlug(prefix), name: "Test tenant", homeRegion: region, plan: "starter",
                settings: settings), for: TestSetupCall())
    }

    /// A new API key for `tenantID` (nil: an operator key), stored as the bootstrap path does.
    public func makeKey(tenantID: UUID?, role: Role, expiresAt: Date? = nil) async throws -> APIKeyToken {
        let token = APIKeyToken.generate()
        _ = try await control.createAPIKey(
            APIKeyRecord(
                keyID: token.keyID, tenantID: tenantID, role: role, label: "test", secretHash: Data(token.secretHash),
                createdAt: Date(), expiresAt: expiresAt, revokedAt: nil, lastUsedAt: nil),
            idempotency: nil, for: TestSetupCall())
        return token
    }

    /// Runs `body` in a transaction on `region` as `tradewind_app` with `tenantID` set (or none).
    public func inRegion<Result: Sendable>(
        _ region: Region, tenantID: UUID?, _ body: @Sendable @escaping (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        guard let pool = regions[region] else { throw TestSetupError("no region \(region)") }
        return try await pool.withTransaction(tenantID: tenantID, timeout: .seconds(5), body)
    }

    /// Runs `body` in a transaction on the control cluster as `tradewind_control`.
    public func inControl<Result: Sendable>(
        _ body: @Sendable @escaping (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await control.pool.withTransaction(tenantID: nil, timeout: .seconds(5), body)
    }
}

/// Test set-up that writes the control plane directly, as the bootstrap commands do, but leaves
/// no record: the tests that count records count only those of the calls they make.
public struct TestSetupCall: StoreCaller {
    public init() {}
    public var databaseTimeout: Duration { .seconds(5) }
    public var logger: Logger { TestEnvironment.logger }
    public func recordOfWrite() -> AuditEntry? { nil }
    public func writeRecorded() {}
}

/// Test work on one tenant's data through `TenantStore`, without a record (see `TestSetupCall`).
public struct TestTenantCall: TenantCaller {
    public let tenant: Tenant
    public init(_ tenant: Tenant) { self.tenant = tenant }
    public var databaseTimeout: Duration { .seconds(5) }
    public var logger: Logger { TestEnvironment.logger }
    public func recordOfWrite() -> AuditEntry? { nil }
    public func writeRecorded() {}
}
