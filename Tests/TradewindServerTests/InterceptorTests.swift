import Crypto
import Foundation
import GRPCCore
import Testing
import TradewindAudit
import TradewindCore
import TradewindProto
import TradewindTestSupport

@testable import TradewindServer

/// The interceptors' decisions on their own, without a transport.
@Suite("Interceptors")
struct InterceptorTests {
    /// Runs `AuthorizationInterceptor` for `method` as `principal`; the error it answers with, or nil
    /// when it let the call through to the handler.
    private static func authorize(_ method: MethodDescriptor, as principal: Principal) async -> RPCError? {
        let call = CallContext(
            requestID: "interceptor-test", method: method, peer: "ipv4:127.0.0.1:1", clientTimeout: nil,
            limits: ServerConfiguration.Limits(), isAudited: false,
            pseudonymizer: AuditPseudonymizer(secret: SymmetricKey(size: .bits256)), logger: TestEnvironment.logger)
        call.identify(principal, tenant: nil)
        return await withServerContextRPCCancellationHandle { handle in
            let serverContext = ServerContext(
                descriptor: method, remotePeer: "ipv4:127.0.0.1:1", localPeer: "ipv4:127.0.0.1:2", cancellation: handle)
            return await Status.of {
                _ = try await CallContext.$current.withValue(call) {
                    try await AuthorizationInterceptor().intercept(
                        request: StreamingServerRequest(single: ServerRequest(metadata: [:], message: 1)),
                        context: serverContext
                    ) { _, _ in StreamingServerResponse<Int>(single: ServerResponse(message: 1, metadata: [:])) }
                }
            }
        }
    }

    static let owner = Principal(id: "owner-key", kind: .apiKey, tenantID: UUID(), role: .owner)

    @Test("a method without a policy entry is denied at run time, even to a tenant's owner")
    func unlistedMethodIsDenied() async {
        let unlisted = MethodDescriptor(fullyQualifiedService: "tradewind.v1.Contacts", method: "ExportEverything")
        let error = await Self.authorize(unlisted, as: Self.owner)
        #expect(error?.code == .permissionDenied)
        #expect(error?.message == "tradewind.v1.Contacts/ExportEverything is not allowed")
        // The same principal passes for a listed method whose scope it holds.
        #expect(await Self.authorize(Tradewind_V1_Contacts.Method.GetContact.descriptor, as: Self.owner) == nil)
    }

    @Test("a principal without the method's scope is denied, naming the scope")
    func missingScopeIsDenied() async {
        let analyst = Principal(id: "analyst-key", kind: .apiKey, tenantID: UUID(), role: .analyst)
        let error = await Self.authorize(Tradewind_V1_Contacts.Method.UpsertContact.descriptor, as: analyst)
        #expect(error?.code == .permissionDenied)
        #expect(error?.message.contains("'contacts:write'") == true)
    }

    @Test("the call budget keeps its last tenth for the audit record and the answer")
    func callBudgetShares() {
        let start = ContinuousClock.now
        let budget = CallBudget(started: start, clientTimeout: nil)
        #expect(budget.workTimeout(limit: .seconds(5), now: start) == .milliseconds(4_500))
        #expect(budget.recordTimeout(limit: .seconds(5), now: start + .milliseconds(4_500)) == .milliseconds(250))
        // A nearer client deadline shrinks both shares.
        let short = CallBudget(started: start, clientTimeout: .seconds(1))
        #expect(short.workTimeout(limit: .seconds(5), now: start) == .milliseconds(900))
        #expect(short.recordTimeout(limit: .seconds(5), now: start + .milliseconds(900)) == .milliseconds(50))
        // Spent budgets still get a floor: a millisecond of work, a 20th of the budget for the record.
        #expect(budget.workTimeout(limit: .seconds(5), now: start + .seconds(6)) == .milliseconds(1))
        #expect(budget.recordTimeout(limit: .seconds(5), now: start + .seconds(6)) == .milliseconds(250))
        #expect(short.recordTimeout(limit: .seconds(5), now: start + .seconds(6)) == .milliseconds(50))
    }
}
