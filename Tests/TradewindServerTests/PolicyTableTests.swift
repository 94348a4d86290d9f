import Foundation
import GRPCCore
import SwiftProtobuf
import Testing
import TradewindCore
import TradewindProto
import TradewindTestSupport

@testable import TradewindServer

/// Deny by default: every RPC of the published contract has its own policy entry, checked against
/// the committed descriptor set (`Protos/tradewind.protoset`), not against a list kept by hand.
@Suite("Policy table")
struct PolicyTableTests {
    /// One RPC as the contract declares it.
    struct ContractMethod: Hashable, CustomStringConvertible {
        var service: String
        var name: String
        var streaming: Bool
        var fullName: String { "\(service)/\(name)" }
        var description: String { fullName }
    }

    /// Every RPC of every service in the committed descriptor set (which `scripts/generate-protos
    /// --check` keeps equal to `Protos/`).
    static let contract: [ContractMethod] = {
        let path = TestEnvironment.repository.appendingPathComponent("Protos/tradewind.protoset")
        guard let data = try? Data(contentsOf: path),
            let set = try? Google_Protobuf_FileDescriptorSet(serializedBytes: data)
        else { return [] }
        return set.file.flatMap { file in
            file.service.flatMap { service in
                service.method.map { method in
                    ContractMethod(
                        service: "\(file.package).\(service.name)", name: method.name,
                        streaming: method.clientStreaming || method.serverStreaming)
                }
            }
        }
    }()

    /// The methods that need no credential and leave no audit record, as the README lists them.
    static let documentedExemptions: Set<String> = ["grpc.health.v1.Health/Check", "grpc.health.v1.Health/Watch"]

    static func policy(_ method: ContractMethod) -> MethodPolicy? {
        MethodPolicy.table.first { $0.key.fullyQualifiedMethod == method.fullName }?.value
    }

    @Test("every RPC of the contract has exactly one policy entry, or is a documented exemption")
    func everyMethodIsDeclared() {
        #expect(!Self.contract.isEmpty, "the descriptor set could not be read")
        let contract = Set(Self.contract.map(\.fullName))
        let declared = Set(MethodPolicy.table.keys.map(\.fullyQualifiedMethod))
        let exempt = Set(MethodPolicy.exempt.map(\.fullyQualifiedMethod))
        #expect(exempt == Self.documentedExemptions)
        #expect(declared.isDisjoint(with: exempt))
        #expect(contract.subtracting(declared).subtracting(exempt).isEmpty, "no policy entry")
        #expect(declared.union(exempt).subtracting(contract).isEmpty, "entries for methods the contract lacks")
        // Every service is covered, including ones added later.
        #expect(Set(Self.contract.map(\.service)).count >= 8)
    }

    @Test("every RPC of the contract is called by at least one test, through its generated client")
    func everyMethodIsCalledByATest() throws {
        let directory = TestEnvironment.repository.appendingPathComponent("Tests")
        let files = try #require(FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil))
        var sources = ""
        for case let file as URL in files where file.pathExtension == "swift" {
            sources += try String(contentsOf: file, encoding: .utf8)
        }
        for method in Self.contract {
            // The generated client's method: the RPC's name with a lower-case first letter.
            let call = "." + method.name.prefix(1).lowercased() + method.name.dropFirst() + "("
            #expect(sources.contains(call), "no test calls \(method) (\(call))")
        }
    }

    @Test("health answers for every service of the contract, without a credential, and NOT_FOUND for others")
    func healthKnowsEveryService() async throws {
        let services = Set(Self.contract.map(\.service)).subtracting(["grpc.health.v1.Health"])
        try await TestStack.withClient { grpc in
            let health = Grpc_Health_V1_Health.Client(wrapping: grpc)
            for service in services.sorted() {
                var request = Grpc_Health_V1_HealthCheckRequest()
                request.service = service
                let status = try await health.check(request).status
                #expect(status == .serving, "\(service)")
            }
            var unknown = Grpc_Health_V1_HealthCheckRequest()
            unknown.service = "tradewind.v1.Nothing"
            let error = await Status.of { _ = try await health.check(unknown) }
            #expect(error?.code == .notFound)
        }
    }

    @Test("a streaming RPC is marked streaming (it gets opening and closing records), and only those")
    func streamingMatchesTheContract() {
        for method in Self.contract where !Self.documentedExemptions.contains(method.fullName) {
            #expect(Self.policy(method)?.isStreaming == method.streaming, "\(method)")
        }
    }

    @Test("reads are audited as reads and writes as writes, by the method's own verb")
    func auditClassFollowsTheVerb() {
        let readVerbs = [
            "Get", "List", "Query", "Export", "Attribute", "Forecast", "Detect", "Allocate", "Simulate", "Reconcile",
            "DryRun", "Check", "Render",
        ]
        for method in Self.contract where !Self.documentedExemptions.contains(method.fullName) {
            guard let policy = Self.policy(method) else { continue }  // everyMethodIsDeclared reports it
            let reads = readVerbs.contains { method.name.hasPrefix($0) }
            let audited: Set<MethodPolicy.AuditClass> = reads ? [.read, .personalDataRead] : [.write, .admin]
            #expect(audited.contains(policy.auditClass), "\(method): \(policy.auditClass)")
            // Operators' changes are `admin`; a tenant's are `write`.
            if !reads { #expect((policy.auditClass == .admin) == policy.isOperatorMethod, "\(method)") }
        }
        // The RPCs that hand out a person's data are marked so, and no other.
        let personal: Set<String> = [
            "tradewind.v1.Contacts/GetContact", "tradewind.v1.Contacts/ListContacts",
            "tradewind.v1.Contacts/ListConsentEvents", "tradewind.v1.Segments/ListSegmentMembers",
            "tradewind.v1.Privacy/ExportSubjectData",
        ]
        #expect(
            Set(MethodPolicy.table.filter { $0.value.auditClass == .personalDataRead }.keys.map(\.fullyQualifiedMethod))
                == personal)
    }

    @Test("tenant data methods need tenant scopes; control-plane methods need operator scopes")
    func scopesMatchTheirPlane() {
        for method in Self.contract where !Self.documentedExemptions.contains(method.fullName) {
            let policy = Self.policy(method)
            switch method.service {
            case "tradewind.v1.TenantAdmin":
                #expect(policy?.isOperatorMethod == true, "\(method)")
            case "tradewind.v1.Audit":
                // The caller's own chain: a tenant's with audit:read, the platform log with an
                // operator's platform_audit:read.
                #expect(policy?.scope == .auditRead && policy?.alternateScope == .platformAuditRead, "\(method)")
            default:
                #expect(policy?.isOperatorMethod == false && policy?.alternateScope == nil, "\(method)")
            }
        }
    }

    @Test("an analyst holds no contact scope and an operator no tenant-data scope")
    func roleMatrix() {
        #expect(Role.analyst.scopes == [.analyticsRead, .campaignsRead, .audiencesRead, .rulesRead])
        #expect(Role.owner.scopes.isSuperset(of: [.campaignsRead, .campaignsWrite, .channelsManage]))
        #expect(Role.admin.scopes.isSuperset(of: [.campaignsRead, .campaignsWrite, .channelsManage]))
        #expect(Role.marketer.scopes.isSuperset(of: [.campaignsRead, .campaignsWrite]))
        #expect(
            !Role.marketer.scopes.contains(.channelsManage) && !Role.complianceOfficer.scopes.contains(.campaignsRead))
        #expect(!Role.operator.scopes.contains(.contactsRead))
        #expect(Role.tenantRoles.allSatisfy { role in !role.scopes.contains(where: \.isOperatorScope) })
        #expect(Role.marketer.scopes.isSuperset(of: [.contactsRead, .contactsWrite]))
        // The README's rows for audiences and rules.
        for role in [Role.owner, .admin, .marketer] {
            #expect(role.scopes.isSuperset(of: [.audiencesRead, .audiencesWrite, .rulesRead, .rulesWrite]), "\(role)")
        }
        #expect(!Role.analyst.scopes.contains(.rulesWrite) && !Role.analyst.scopes.contains(.audiencesWrite))
        #expect(Role.complianceOfficer.scopes.isDisjoint(with: [.audiencesRead, .rulesRead]))
        #expect(!Role.complianceOfficer.scopes.contains(.contactsWrite))
    }
}
