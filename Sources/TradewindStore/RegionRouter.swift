import Foundation
import Logging
import ServiceLifecycle
import TradewindCore

/// Maps each region to its cluster's pool. It is the only way to a regional pool, and it takes the
/// region from a tenant record read from the control plane, never from a request: no code path can
/// reach another region's database with a tenant's data. Its pools are the Store's own: above the
/// Store, only `TenantStore`, `ControlStore` and `AuditLog` reach a database.
public struct RegionRouter: Sendable {
    private let poolsByRegion: [Region: DatabasePool]

    public init(endpoints: [Region: DatabaseEndpoint], logger: Logger) throws {
        var pools: [Region: DatabasePool] = [:]
        for (region, endpoint) in endpoints {
            pools[region] = try DatabasePool(name: region.rawValue, endpoint: endpoint, logger: logger)
        }
        self.poolsByRegion = pools
    }

    /// The regions this deployment serves.
    public var regions: Set<Region> { Set(poolsByRegion.keys) }

    /// The pool of the tenant's home region.
    func pool(for tenant: Tenant) throws -> DatabasePool {
        guard let pool = poolsByRegion[tenant.homeRegion] else {
            // A tenant homed in a region this deployment does not serve: never fall back to another.
            throw StoreError.unavailable(cluster: tenant.homeRegion.rawValue, reason: "region not served here")
        }
        return pool
    }

    /// The pool of a region, for work that is not any one tenant's (the outbox's wake index).
    func pool(for region: Region) -> DatabasePool? { poolsByRegion[region] }

    /// Every regional pool, ordered by region.
    var pools: [DatabasePool] { poolsByRegion.keys.sorted().compactMap { poolsByRegion[$0] } }

    /// The pools as services, to run in the server's service group.
    public var services: [any Service] { pools }
}
