import Foundation
import Logging
import ServiceLifecycle
import TradewindAudit
import TradewindCore
import TradewindStore

/// Enforces each tenant's event retention (`settings.event_retention_days`): on a schedule,
/// deletes the events of every tenant homed in a region this server serves that are older than
/// its retention. Every deletion commits with its audit record in the tenant's chain, and every
/// run leaves a summary record in the platform log: the job is audited like any caller.
struct EventRetentionJob: Service {
    let control: ControlStore
    let store: TenantStore
    let router: RegionRouter
    let auditLog: AuditLog
    let interval: Duration
    let timeout: Duration
    let logger: Logger

    static let principal = AuditPrincipal(id: "event-retention", kind: "system")
    static let method = "tradewind/retention.events"

    func run() async throws {
        // The first pass waits one interval too: start-up stays cheap, and a restart loop cannot
        // turn into a deletion loop.
        while !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            guard !Task.isShuttingDownGracefully else { break }
            do {
                try await runOnce()
            } catch {
                logger.warning("event retention run failed", metadata: ["error": "\(StoreError.logDescription(error))"])
            }
        }
    }

    /// One pass over every tenant served here; returns the events deleted per tenant id.
    @discardableResult
    func runOnce() async throws -> [UUID: Int] {
        let started = ContinuousClock.now
        var deleted: [UUID: Int] = [:]
        var after: String?
        while true {
            let page = try await control.listTenants(afterSlug: after, limit: 500, timeout: timeout)
            for tenant in page where router.regions.contains(tenant.homeRegion) {
                deleted[tenant.id] = try await enforce(tenant)
            }
            guard page.count == 500, let last = page.last else { break }
            after = last.slug
        }
        let summary = entry(
            tenant: nil, resources: ["tenants:\(deleted.count)"], deleted: deleted.values.reduce(0, +), since: started)
        try await auditLog.write(summary, tenant: nil, wait: timeout)
        return deleted
    }

    private func enforce(_ tenant: Tenant) async throws -> Int {
        let days = tenant.settings.eventRetentionDays
        let started = ContinuousClock.now
        let auditLog = self.auditLog
        let job = self
        return try await store.withTransaction(for: tenant, timeout: timeout) { tx in
            let count = try await RetentionRepository.deleteExpiredEvents(olderThanDays: days, in: tx)
            if count > 0 {
                // Journeys are a copy of events: what retention takes from one it takes from both.
                try await JourneyRepository.trim(olderThanDays: days, in: tx)
                let resources = ["tenant:\(tenant.id.uuidString.lowercased())", "retention_days:\(days)"]
                let record = job.entry(tenant: tenant, resources: resources, deleted: count, since: started)
                try await auditLog.append(record, tenant: tenant, on: tx.connection)
            }
            return count
        }
    }

    private func entry(tenant: Tenant?, resources: [String], deleted: Int, since started: ContinuousClock.Instant)
        -> AuditEntry
    {
        AuditEntry(
            time: Date(), requestID: UUID().uuidString.lowercased(), tenantID: tenant?.id,
            region: tenant?.homeRegion.rawValue, principal: Self.principal, method: Self.method, resources: resources,
            code: 0, outcome: "ok", latencyMicroseconds: Int64((ContinuousClock.now - started) / .microseconds(1)),
            peer: "local", dataClasses: [.marketingEvents], rowsWritten: Int64(deleted))
    }
}
