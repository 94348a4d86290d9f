import Foundation
import Logging
import Synchronization
import TradewindAudit
import TradewindCore
import TradewindStore

/// A background job's work on one tenant's data, under a system principal: it goes through the
/// same door as a call (`TenantStore.read` and `write`), never a raw pool.
///
/// A job that changes what the tenant sees (retention deletes events) records each write that
/// changed rows in the tenant's chain. Upkeep that only derives tables from the tenant's own data
/// (folding rollups and journeys) records nothing: the ingest calls that fed it were recorded.
final class SystemCall: TenantCaller {
    enum Recording {
        /// A write that changed rows commits a record as `method`, in the tenant's chain.
        case recordsChanges(method: String, dataClass: AuditDataClass)
        /// Derived-data upkeep: no record.
        case upkeep
    }

    let tenant: Tenant
    let principal: AuditPrincipal
    let recording: Recording
    let databaseTimeout: Duration
    let logger: Logger
    private let started = ContinuousClock.now
    private let trail = Mutex<(resources: [String], rowsWritten: Int64)>(([], 0))

    init(principal: String, tenant: Tenant, recording: Recording, timeout: Duration, logger: Logger) {
        self.principal = AuditPrincipal(id: principal, kind: "system")
        self.tenant = tenant
        self.recording = recording
        self.databaseTimeout = timeout
        var logger = logger
        logger[metadataKey: "principal"] = "\(principal)"
        logger[metadataKey: "tenant"] = "\(tenant.id.uuidString.lowercased())"
        self.logger = logger
    }

    func touch(_ resource: String) { trail.withLock { $0.resources.append(resource) } }
    func wrote(rows: Int) { trail.withLock { $0.rowsWritten += Int64(rows) } }

    func recordOfWrite() -> AuditEntry? {
        guard case .recordsChanges(let method, let dataClass) = recording else { return nil }
        let (resources, rowsWritten) = trail.withLock { ($0.resources, $0.rowsWritten) }
        guard rowsWritten > 0 else { return nil }
        return AuditEntry(
            time: Date(), requestID: UUID().uuidString.lowercased(), tenantID: tenant.id,
            region: tenant.homeRegion.rawValue, principal: principal, method: method, resources: resources, code: 0,
            outcome: "ok", latencyMicroseconds: Int64((ContinuousClock.now - started) / .microseconds(1)),
            peer: "local", dataClasses: [dataClass], rowsWritten: rowsWritten)
    }

    func writeRecorded() {}
}
