import GRPCCore
import Testing
import TradewindCore
import TradewindProto

@testable import TradewindServer

/// Deny by default: every RPC of every generated service needs a declared scope.
@Suite("Policy table")
struct PolicyTableTests {
    static let allMethods: [MethodDescriptor] =
        Tradewind_V1_Contacts.Method.descriptors + Tradewind_V1_TenantAdmin.Method.descriptors
        + Tradewind_V1_Events.Method.descriptors + Tradewind_V1_Privacy.Method.descriptors
        + Tradewind_V1_Audit.Method.descriptors + Tradewind_V1_Analytics.Method.descriptors
        + Tradewind_V1_Segments.Method.descriptors + Grpc_Health_V1_Health.Method.descriptors

    @Test("every generated method has a policy entry or is the exempt health check")
    func everyMethodIsDeclared() {
        for method in Self.allMethods {
            let declared = MethodPolicy.policy(for: method) != nil
            let exempt = MethodPolicy.exempt.contains(method)
            #expect(declared != exempt, "\(method.fullyQualifiedMethod): declared=\(declared) exempt=\(exempt)")
        }
        #expect(MethodPolicy.table.count == Self.allMethods.count - MethodPolicy.exempt.count)
        #expect(MethodPolicy.exempt.allSatisfy { $0.service.fullyQualifiedService == "grpc.health.v1.Health" })
    }

    @Test("tenant data methods need tenant scopes; control-plane methods need operator scopes")
    func scopesMatchTheirPlane() {
        for method in Tradewind_V1_Contacts.Method.descriptors + Tradewind_V1_Events.Method.descriptors
            + Tradewind_V1_Privacy.Method.descriptors + Tradewind_V1_Analytics.Method.descriptors
            + Tradewind_V1_Segments.Method.descriptors
        {
            #expect(MethodPolicy.policy(for: method)?.isOperatorMethod == false, "\(method)")
        }
        for method in Tradewind_V1_TenantAdmin.Method.descriptors {
            #expect(MethodPolicy.policy(for: method)?.isOperatorMethod == true, "\(method)")
        }
        // The Audit service serves the caller's own chain: a tenant's with audit:read, the
        // platform log with an operator's platform_audit:read.
        for method in Tradewind_V1_Audit.Method.descriptors {
            let policy = MethodPolicy.policy(for: method)
            #expect(policy?.scope == .auditRead && policy?.alternateScope == .platformAuditRead, "\(method)")
        }
    }

    @Test("every audited method has an audit class and data class; the streaming ones are marked")
    func everyMethodIsClassifiedForTheAuditLog() {
        // Adding an RPC without a policy entry fails `everyMethodIsDeclared`; an entry cannot be
        // written without an audit class. Streaming methods must say so to get open/close records.
        for (method, policy) in MethodPolicy.table {
            #expect(!policy.auditClass.rawValue.isEmpty && !policy.dataClass.rawValue.isEmpty, "\(method)")
            let streaming: Set<MethodDescriptor> = [
                Tradewind_V1_Audit.Method.ExportAuditLog.descriptor, Tradewind_V1_Events.Method.IngestEvents.descriptor,
            ]
            #expect(policy.isStreaming == streaming.contains(method), "\(method)")
        }
    }

    @Test("an analyst holds no contact scope and an operator no tenant-data scope")
    func roleMatrix() {
        #expect(Role.analyst.scopes == [.analyticsRead])
        #expect(!Role.operator.scopes.contains(.contactsRead))
        #expect(Role.tenantRoles.allSatisfy { role in !role.scopes.contains(where: \.isOperatorScope) })
        #expect(Role.marketer.scopes.isSuperset(of: [.contactsRead, .contactsWrite]))
        #expect(!Role.complianceOfficer.scopes.contains(.contactsWrite))
    }
}
