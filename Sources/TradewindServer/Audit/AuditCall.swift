import Foundation
import GRPCCore
import PostgresNIO
import Synchronization
import TradewindAudit
import TradewindCore
import TradewindStore

/// What the audit log learns about one call while it runs: made by the audit interceptor, filled
/// in by authentication (who, which tenant) and by handlers (what they touched, how many rows).
///
/// A handler that changes data calls `append(on:)` inside its transaction and `markRecorded()`
/// once that transaction committed; for every other call the interceptor writes the record when
/// the handler is done.
final class AuditCall: Sendable {
    @TaskLocal static var current: AuditCall?

    let requestID: String
    let method: MethodDescriptor
    let policy: MethodPolicy?
    let peer: String
    /// When the call arrived and when its client wants the answer.
    let budget: CallBudget
    private let recorder: AuditRecorder

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
        requestID: String, method: MethodDescriptor, peer: String, timeout: Duration?, recorder: AuditRecorder
    ) {
        self.budget = CallBudget(started: .now, clientTimeout: timeout)
        self.requestID = requestID
        self.method = method
        self.policy = MethodPolicy.policy(for: method)
        self.peer = peer
        self.recorder = recorder
    }

    func identify(_ principal: Principal, tenant: Tenant?) {
        state.withLock {
            $0.principal = principal
            $0.tenant = tenant
        }
    }

    var tenant: Tenant? { state.withLock { $0.tenant } }

    /// A data subject the call touched; the log keeps only its pseudonym.
    func touch(contact id: UUID) { state.withLock { $0.subjects.append(id) } }

    /// Anything else the call touched, typed: `api_key:<id>`, `tenant:<uuid>`, ...
    func touch(_ resource: String) { state.withLock { $0.resources.append(resource) } }

    func read(rows: Int) { state.withLock { $0.rowsRead += Int64(rows) } }
    func wrote(rows: Int) { state.withLock { $0.rowsWritten += Int64(rows) } }

    /// Appends the call's record, outcome OK, inside the transaction that makes its changes.
    func append(on connection: PostgresConnection) async throws {
        try await recorder.append(self, on: connection)
    }

    /// Called once the transaction holding the record committed: the interceptor writes no other.
    func markRecorded() { state.withLock { $0.recorded = true } }

    var isRecorded: Bool { state.withLock { $0.recorded } }

    /// The record as of now.
    func entry(
        code: RPCError.Code?, event: AuditEvent = .call, messages: (in: Int64, out: Int64)? = nil,
        pseudonymizer: AuditPseudonymizer
    ) -> AuditEntry {
        let snapshot = state.withLock { $0 }
        var resources = snapshot.resources
        if let tenant = snapshot.tenant {
            resources += snapshot.subjects.map { pseudonymizer.resource(contact: $0, tenantID: tenant.id) }
        }
        let principal = snapshot.principal.map {
            AuditPrincipal(
                id: $0.id, kind: $0.kind.rawValue, appID: nil, certificateFingerprint: $0.clientCertificateFingerprint)
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
