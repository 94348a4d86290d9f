import Foundation
import PostgresNIO
import Testing
import TradewindAudit
import TradewindCore
import TradewindTestSupport

@testable import TradewindStore

/// Each tenant's rows exist only in its home region's cluster, checked by asking every cluster.
@Suite("Residency")
struct ResidencyTests {
    @Test("contacts written through the router land only in the tenant's home region")
    func rowsStayHome() async throws {
        let configuration = try await TestEnvironment.configuration()
        let router = try RegionRouter(endpoints: configuration.regions, logger: TestEnvironment.logger)
        try await DatabaseSession.with { session in
            let auditLog = AuditLog(
                control: session.control, router: router, keyring: try AuditKeyring(), timeout: .seconds(5),
                checkpointInterval: .seconds(30), logger: TestEnvironment.logger)
            let store = TenantStore(router: router, auditLog: auditLog)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for service in router.services { group.addTask { try await service.run() } }
                defer { group.cancelAll() }

                var tenants: [Tenant] = []
                for region in ["eu", "us", "cn"] {
                    let tenant = try await session.makeTenant(Region(region), prefix: "residency")
                    tenants.append(tenant)
                    let fields = ContactFields(
                        externalID: "resident-\(region)", email: "p@example.\(region)", country: "DE")
                    _ = try await store.write(for: TestTenantCall(tenant)) { tx in
                        try await ContactRepository.upsert(fields, mask: Set(ContactField.upsertable), in: tx)
                    }
                }
                for tenant in tenants {
                    for region in session.regions.keys.sorted() {
                        let count = try await session.inRegion(region, tenantID: tenant.id) { connection in
                            let rows = try await connection.query(
                                "SELECT count(*)::int FROM contacts WHERE tenant_id = \(tenant.id)",
                                logger: TestEnvironment.logger)
                            for try await count in rows.decode(Int.self) { return count }
                            return -1
                        }
                        #expect(
                            count == (region == tenant.homeRegion ? 1 : 0),
                            "tenant homed in \(tenant.homeRegion) has \(count) rows in \(region)")
                    }
                }
            }
        }
    }

    @Test("the router has no pool for a region this deployment does not serve")
    func unknownRegionIsRefused() async throws {
        let configuration = try await TestEnvironment.configuration()
        let router = try RegionRouter(endpoints: configuration.regions, logger: TestEnvironment.logger)
        let stranger = Tenant(
            id: UUID(), slug: "stranger", name: "x", homeRegion: Region("mars"), plan: "starter", status: .active,
            settings: .default, createdAt: Date(), updatedAt: Date())
        #expect(throws: StoreError.unavailable(cluster: "mars", reason: "region not served here")) {
            try router.pool(for: stranger)
        }
    }
}
