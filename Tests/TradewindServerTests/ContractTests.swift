import Foundation
import SwiftProtobuf
import Testing
import TradewindTestSupport

/// The public contract, read from the shipped descriptor set: documented everywhere, and no
/// request of a tenant data service can name a tenant.
@Suite("Public contract")
struct ContractTests {
    static func files() throws -> [Google_Protobuf_FileDescriptorProto] {
        let url = TestEnvironment.repository.appendingPathComponent("Protos/tradewind.protoset")
        let set = try Google_Protobuf_FileDescriptorSet(serializedBytes: try Data(contentsOf: url))
        return set.file.filter { $0.package == "tradewind.v1" }
    }

    @Test("every service, RPC, message, field, enum and enum value has a comment")
    func everythingIsDocumented() throws {
        let files = try Self.files()
        #expect(files.count >= 2)
        for file in files {
            let commented = Set(
                file.sourceCodeInfo.location
                    .filter { !$0.leadingComments.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
                    .map(\.path))
            var missing: [String] = []
            func require(_ path: [Int32], _ name: String) {
                if !commented.contains(path) { missing.append(name) }
            }
            for (s, service) in file.service.enumerated() {
                require([6, Int32(s)], service.name)
                for (m, method) in service.method.enumerated() {
                    require([6, Int32(s), 2, Int32(m)], "\(service.name).\(method.name)")
                }
            }
            func message(_ message: Google_Protobuf_DescriptorProto, path: [Int32]) {
                if message.options.mapEntry { return }
                require(path, message.name)
                for (f, field) in message.field.enumerated() {
                    require(path + [2, Int32(f)], "\(message.name).\(field.name)")
                }
                for (n, nested) in message.nestedType.enumerated() {
                    messageRef(nested, path + [3, Int32(n)])
                }
            }
            // A local alias so the nested function can recurse.
            func messageRef(_ nested: Google_Protobuf_DescriptorProto, _ path: [Int32]) { message(nested, path: path) }
            for (m, type) in file.messageType.enumerated() { message(type, path: [4, Int32(m)]) }
            for (e, type) in file.enumType.enumerated() {
                require([5, Int32(e)], type.name)
                for (v, value) in type.value.enumerated() { require([5, Int32(e), 2, Int32(v)], value.name) }
            }
            #expect(missing.isEmpty, "\(file.name) lacks comments on \(missing)")
            #expect(!file.options.goPackage.isEmpty && !file.options.javaPackage.isEmpty, "\(file.name)")
        }
    }

    @Test("no request of the Contacts service has a field that could name a tenant")
    func requestsCannotNameATenant() throws {
        let files = try Self.files()
        var messages: [String: Google_Protobuf_DescriptorProto] = [:]
        for file in files {
            for type in file.messageType { messages[".tradewind.v1.\(type.name)"] = type }
        }
        let contacts = try #require(files.flatMap(\.service).first { $0.name == "Contacts" })
        var seen = Set<String>()
        var offending: [String] = []
        func visit(_ typeName: String) {
            guard seen.insert(typeName).inserted, let message = messages[typeName] else { return }
            for field in message.field {
                if field.name.lowercased().contains("tenant") { offending.append("\(message.name).\(field.name)") }
                if field.type == .message { visit(field.typeName) }
            }
        }
        for method in contacts.method { visit(method.inputType) }
        #expect(seen.count >= 7)
        #expect(offending.isEmpty, "\(offending)")
    }
}
