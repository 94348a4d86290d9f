import Logging
import TradewindAudit
import TradewindCore

/// Whoever asks the Store for data: an RPC's call context, a background job under a system
/// principal, or an operator's command. The Store takes the deadline, the logger and the audit
/// record from it, so that no handler has to remember them.
public protocol StoreCaller: Sendable {
    /// What is left of the caller's time for this database work.
    var databaseTimeout: Duration { get }
    var logger: Logger { get }
    /// The record a write commits with, taken once the write's work has run (so it counts what
    /// the work touched); `nil` when another record covers the write, as a stream's opening and
    /// closing records cover its batches.
    func recordOfWrite() -> AuditEntry?
    /// The write committed with its record: the caller writes no other for it.
    func writeRecorded()
}

/// A caller acting for one tenant: the tenant comes from its credential, never from a request.
public protocol TenantCaller: StoreCaller {
    var tenant: Tenant { get }
}
