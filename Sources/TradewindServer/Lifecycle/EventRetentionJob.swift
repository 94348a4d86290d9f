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
    /// The regions this server serves: a tenant homed elsewhere is another deployment's job.
    let regions: Set<Region>
    let auditLog: AuditLog
    let interval: Duration
    let timeout: Duration
    let logger: Logger

    static let principal = "event-retention"
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
            for tenant in page where regions.contains(tenant.homeRegion) {
                deleted[tenant.id] = try await enforce(tenant)
            }
            guard page.count == 500, let last = page.last else { break }
            after = last.slug
        }
        let summary = AuditEntry(
            time: Date(), requestID: UUID().uuidString.lowercased(), tenantID: nil, region: nil,
            principal: AuditPrincipal(id: Self.principal, kind: "system"), method: Self.method,
            resources: ["tenants:\(deleted.count)"], code: 0, outcome: "ok",
            latencyMicroseconds: Int64((ContinuousClock.now - started) / .microseconds(1)), peer: "local",
            dataClasses: [.marketingEvents], rowsWritten: Int64(deleted.values.reduce(0, +)))
        try await auditLog.write(summary, tenant: nil, wait: timeout)
        return deleted
    }

    private func enforce(_ tenant: Tenant) async throws -> Int {
        let days = tenant.settings.eventRetentionDays
        let job = SystemCall(
            principal: Self.principal, tenant: tenant,
            recording: .recordsChanges(method: Self.method, dataClass: .marketingEvents), timeout: timeout,
            logger: logger)
        job.touch("tenant:\(tenant.id.uuidString.lowercased())")
        job.touch("retention_days:\(days)")
        return try await store.write(for: job) { tx in
            let count = try await RetentionRepository.deleteExpiredEvents(olderThanDays: days, in: tx)
            if count > 0 {
                // Journeys are a copy of events: what retention takes from one it takes from both.
                try await JourneyRepository.trim(olderThanDays: days, in: tx)
            }
            job.wrote(rows: count)
            return count
        }
    }
}
