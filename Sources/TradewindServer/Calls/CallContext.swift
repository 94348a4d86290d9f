import Foundation
import GRPCCore
import Logging
import Synchronization
import TradewindAudit
import TradewindCore
import TradewindStore

/// Everything about one call, in one value made once by the outermost interceptor
/// (`AuditInterceptor`): its request id, method policy, deadline and logger; who is calling and for
/// which tenant (set by authentication); and the audit trail its handler fills in (what it
/// touched, how many rows it read and wrote).
///
/// Handlers reach it through `CallContext.tenantCall()` (tenant methods) or `require()`. It is a
/// task-local, set around the handler and, for streams, around the response producer.
final class CallContext: Sendable {
    @TaskLocal static var current: CallContext?

    let requestID: String
    let method: MethodDescriptor
    /// `nil` for a method missing from the policy table: authorization denies it.
    let policy: MethodPolicy?
    let peer: String
    /// When the call arrived and how its time is shared between its work and its record.
    let budget: CallBudget
    /// The configured bound of the call's database work, chosen by its policy.
    let limit: Duration
    /// Whether the call leaves audit records (every method but the health check).
    let isAudited: Bool
    private let pseudonymizer: AuditPseudonymizer
    private let baseLogger: Logger

    private struct State {
        var principal: Principal?
        var tenant: Tenant?
        var subjects: [UUID] = []
        var resources: [String] = []
        var rowsRead: Int64 = 0
        var rowsWritten: Int64 = 0
        var recorded = false
    }
    private let state = Mutex(State())

    init(
        requestID: String, method: MethodDescriptor, peer: String, clientTimeout: Duration?,
        limits: ServerConfiguration.Limits, isAudited: Bool, pseudonymizer: AuditPseudonymizer, logger: Logger
    ) {
        self.requestID = requestID
        self.method = method
        self.policy = MethodPolicy.policy(for: method)
        self.peer = peer
        self.budget = CallBudget(started: .now, clientTimeout: clientTimeout)
        switch policy?.timeLimit ?? .standard {
        case .standard: self.limit = limits.databaseTimeout
        case .analytics: self.limit = limits.analyticsTimeout
        }
        self.isAudited = isAudited
        self.pseudonymizer = pseudonymizer
        var logger = logger
        logger[metadataKey: "request-id"] = "\(requestID)"
        logger[metadataKey: "method"] = "\(method.fullyQualifiedMethod)"
        self.baseLogger = logger
    }

    /// The current call's context; handlers and inner interceptors only run inside it.
    static func require() throws -> CallContext {
        guard let current else { throw RPCError(code: .internalError, message: "call context missing") }
        return current
    }

    /// The current call of a tenant method, with its tenant and principal; `PERMISSION_DENIED`
    /// for a credential without a tenant (an operator calling a tenant method).
    static func tenantCall() throws -> TenantCall {
        let context = try require()
        guard let principal = context.principal, let tenant = context.tenant else {
            throw RPCError(code: .permissionDenied, message: "this method needs a tenant credential")
        }
        return TenantCall(context: context, tenant: tenant, principal: principal)
    }

    // MARK: Who

    /// Set by authentication as soon as it knows; a refusal after this goes to the tenant's log.
    func identify(_ principal: Principal, tenant: Tenant?) {
        state.withLock {
            $0.principal = principal
            $0.tenant = tenant
        }
    }

    var principal: Principal? { state.withLock { $0.principal } }
    var tenant: Tenant? { state.withLock { $0.tenant } }

    /// Ids only, never personal data: request id, method, and once known principal and tenant.
    var logger: Logger {
        let (principal, tenant) = state.withLock { ($0.principal, $0.tenant) }
        var logger = baseLogger
        if let principal { logger[metadataKey: "principal"] = "\(principal.id)" }
        if let tenant { logger[metadataKey: "tenant"] = "\(tenant.id.uuidString.lowercased())" }
        return logger
    }

    /// What this call's page tokens are bound to: its method and whose rows it lists.
    func pageTokenScope(_ owner: PageTokenScope.Owner) -> PageTokenScope {
        PageTokenScope(method: method.fullyQualifiedMethod, owner: owner)
    }

    // MARK: Time

    /// What is left of the budget for the call's own database work (see `CallBudget`); for a
    /// stream, what each of its steps may take.
    var databaseTimeout: Duration {
        policy?.isStreaming == true ? budget.streamStepTimeout(limit: limit) : budget.workTimeout(limit: limit)
    }

    /// What is left for committing the call's record.
    var recordTimeout: Duration { budget.recordTimeout(limit: limit) }

    // MARK: The audit trail

    /// A data subject the call touched; the log keeps only its pseudonym.
    func touch(contact id: UUID) { state.withLock { $0.subjects.append(id) } }

    /// Anything else the call touched, typed: `api_key:<id>`, `tenant:<uuid>`, ...
    func touch(_ resource: String) { state.withLock { $0.resources.append(resource) } }

    func read(rows: Int) { state.withLock { $0.rowsRead += Int64(rows) } }
    func wrote(rows: Int) { state.withLock { $0.rowsWritten += Int64(rows) } }

    /// Set once a write committed the call's record with its changes: the interceptor writes no other.
    func markRecorded() { state.withLock { $0.recorded = true } }
    var isRecorded: Bool { state.withLock { $0.recorded } }

    /// The record as of now.
    func entry(code: RPCError.Code?, event: AuditEvent = .call, messages: (in: Int64, out: Int64)? = nil)
        -> AuditEntry
    {
        let snapshot = state.withLock { $0 }
        var resources = snapshot.resources
        if let tenant = snapshot.tenant {
            resources += snapshot.subjects.map { pseudonymizer.resource(contact: $0, tenantID: tenant.id) }
        }
        let principal = snapshot.principal.map {
            AuditPrincipal(
                id: $0.id, kind: $0.kind.rawValue, certificateFingerprint: $0.clientCertificateFingerprint)
        }
        return AuditEntry(
            time: Date(), requestID: requestID, tenantID: snapshot.tenant?.id,
            region: snapshot.tenant?.homeRegion.rawValue, principal: principal, method: method.fullyQualifiedMethod,
            event: event, resources: resources, code: code?.rawValue ?? 0, outcome: Self.outcomeName(code),
            latencyMicroseconds: Int64((ContinuousClock.now - budget.started) / .microseconds(1)), peer: peer,
            dataClasses: policy.map { [$0.dataClass] } ?? [], rowsRead: snapshot.rowsRead,
            rowsWritten: snapshot.rowsWritten, messagesIn: messages?.in, messagesOut: messages?.out)
    }

    /// The canonical gRPC name of a status code, in snake case.
    static func outcomeName(_ code: RPCError.Code?) -> String {
        guard let code else { return "ok" }
        switch code {
        case .cancelled: return "cancelled"
        case .unknown: return "unknown"
        case .invalidArgument: return "invalid_argument"
        case .deadlineExceeded: return "deadline_exceeded"
        case .notFound: return "not_found"
        case .alreadyExists: return "already_exists"
        case .permissionDenied: return "permission_denied"
        case .resourceExhausted: return "resource_exhausted"
        case .failedPrecondition: return "failed_precondition"
        case .aborted: return "aborted"
        case .outOfRange: return "out_of_range"
        case .unimplemented: return "unimplemented"
        case .internalError: return "internal"
        case .unavailable: return "unavailable"
        case .dataLoss: return "data_loss"
        case .unauthenticated: return "unauthenticated"
        default: return "code_\(code.rawValue)"
        }
    }
}

/// A call is the Store's caller for operator writes to the control plane: its record goes into
/// the write's transaction.
extension CallContext: StoreCaller {
    /// A unary call's record, outcome OK; none for a stream, whose opening and closing records
    /// cover its batches, and none for an unaudited method.
    func recordOfWrite() -> AuditEntry? {
        guard isAudited, policy?.isStreaming != true else { return nil }
        return entry(code: nil)
    }

    func writeRecorded() { markRecorded() }
}

/// The call of a tenant method: its tenant and principal are known, so a handler needs no guard.
/// It is what a handler passes to `TenantStore.read` and `write`.
struct TenantCall: TenantCaller {
    let context: CallContext
    let tenant: Tenant
    let principal: Principal

    var databaseTimeout: Duration { context.databaseTimeout }
    var logger: Logger { context.logger }
    func recordOfWrite() -> AuditEntry? { context.recordOfWrite() }
    func writeRecorded() { context.writeRecorded() }

    /// Page tokens of this call: its method, its tenant's rows.
    var pageTokenScope: PageTokenScope { context.pageTokenScope(.tenant(tenant.id)) }

    func touch(contact id: UUID) { context.touch(contact: id) }
    func touch(_ resource: String) { context.touch(resource) }
    func read(rows: Int) { context.read(rows: rows) }
    func wrote(rows: Int) { context.wrote(rows: rows) }
}
