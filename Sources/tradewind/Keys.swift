import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import SwiftProtobuf
import TradewindCore
import TradewindProto
import TradewindServer
import TradewindStore

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage API keys. Every command but bootstrap-operator goes through the API.",
        subcommands: [BootstrapOperator.self, Create.self, List.self, Revoke.self])

    /// Options of the commands that call the API as an operator.
    struct APIOptions: ParsableArguments {
        @OptionGroup var config: ConfigOptions
        @Option(help: "File holding the operator API key.") var operatorKeyFile: String

        func operatorKey() throws -> String {
            try String(contentsOfFile: operatorKeyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Runs `body` with a TenantAdmin client and the operator's credentials.
        func withAdmin<Result: Sendable>(
            _ body:
                @Sendable (Tradewind_V1_TenantAdmin.Client<HTTP2ClientTransport.Posix>, Metadata) async throws -> Result
        ) async throws -> Result {
            try await config.withServer(apiKey: try operatorKey()) { client, metadata in
                try await body(Tradewind_V1_TenantAdmin.Client(wrapping: client), metadata)
            }
        }
    }

    struct BootstrapOperator: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bootstrap-operator",
            abstract: "Create an operator key directly in the control database and print it (once).",
            discussion: "Only for the first operator credential: every later key is created through the API.")

        @OptionGroup var options: ConfigOptions
        @Option(help: "Label for the key.") var label: String = "bootstrap"

        func run() async throws {
            let configuration = try await ServerConfiguration.load(path: options.config)
            let logger = Logger.command("tradewind.keys")
            let control = try ControlStore(endpoint: configuration.control, logger: logger)
            let token = APIKeyToken.generate()
            let record = APIKeyRecord(
                keyID: token.keyID, tenantID: nil, role: .operator, label: label, secretHash: Data(token.secretHash),
                createdAt: Date(), expiresAt: nil, revokedAt: nil, lastUsedAt: nil)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await control.service.run() }
                defer { group.cancelAll() }
                _ = try await control.createAPIKey(
                    record, idempotency: nil,
                    for: CommandLineCall("tradewind/keys.bootstrap-operator", resources: ["api_key:\(token.keyID)"]))
            }
            FileHandle.standardError.write(Data("created operator key \(token.keyID); it is shown once\n".utf8))
            print(token.text)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key for a tenant.")

        @OptionGroup var api: APIOptions
        @Option(help: "The tenant's slug.") var tenant: String
        @Option(help: "owner, admin, marketer, analyst or compliance_officer.") var role: String
        @Option(help: "Label for the key.") var label: String = ""
        @Option(help: "Idempotency key: a retry with the same one returns the same key.") var idempotencyKey: String =
            ""
        @Flag(help: "Print one JSON object instead of text.") var json = false

        func run() async throws {
            guard let role = Role(rawValue: role), Role.tenantRoles.contains(role) else {
                throw ValidationError("role must be one of \(Role.tenantRoles.map(\.rawValue).joined(separator: ", "))")
            }
            let (slug, label, idempotencyKey) = (tenant, label, idempotencyKey)
            let (tenant, created) = try await api.withAdmin { admin, metadata in
                var get = Tradewind_V1_GetTenantRequest()
                get.slug = slug
                let tenant = try await admin.getTenant(get, metadata: metadata)
                var request = Tradewind_V1_CreateApiKeyRequest()
                request.tenantID = tenant.id
                request.role = role.wireValue
                request.label = label
                request.idempotencyKey = idempotencyKey
                return (tenant, try await admin.createApiKey(request, metadata: metadata))
            }
            if json {
                let object: [String: String] = [
                    "tenant_id": tenant.id, "tenant_slug": tenant.slug, "region": tenant.homeRegion,
                    "key_id": created.apiKey.keyID, "role": role.rawValue, "api_key": created.secret,
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("created key \(created.apiKey.keyID) (\(role.rawValue)) for \(tenant.slug); it is shown once:")
                print(created.secret)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's API keys (never their secrets).")

        @OptionGroup var api: APIOptions
        @Option(help: "The tenant's slug.") var tenant: String
        @Flag(help: "Include revoked keys.") var includeRevoked = false

        func run() async throws {
            let (slug, includeRevoked) = (tenant, includeRevoked)
            let keys = try await api.withAdmin { admin, metadata in
                var get = Tradewind_V1_GetTenantRequest()
                get.slug = slug
                let tenant = try await admin.getTenant(get, metadata: metadata)
                var keys: [Tradewind_V1_ApiKey] = []
                var request = Tradewind_V1_ListApiKeysRequest()
                request.tenantID = tenant.id
                request.includeRevoked = includeRevoked
                repeat {
                    let page = try await admin.listApiKeys(request, metadata: metadata)
                    keys += page.apiKeys
                    request.pageToken = page.nextPageToken
                } while !request.pageToken.isEmpty
                return keys
            }
            for key in keys {
                let state = key.hasRevokeTime ? "revoked" : "live"
                let used = key.hasLastUsedTime ? "\(key.lastUsedTime.date)" : "never"
                print("\(key.displayPrefix)…  \(key.role)  \(state)  label=\(key.label)  last used: \(used)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an API key; every server refuses it within 5 s.")

        @OptionGroup var api: APIOptions
        @Option(help: "The tenant's slug.") var tenant: String
        @Option(help: "The key id (the part after tw_).") var keyID: String

        func run() async throws {
            let (slug, keyID) = (tenant, keyID)
            let key = try await api.withAdmin { admin, metadata in
                var get = Tradewind_V1_GetTenantRequest()
                get.slug = slug
                let tenant = try await admin.getTenant(get, metadata: metadata)
                var request = Tradewind_V1_RevokeApiKeyRequest()
                request.tenantID = tenant.id
                request.keyID = keyID
                return try await admin.revokeApiKey(request, metadata: metadata)
            }
            print("revoked \(key.keyID) at \(key.revokeTime.date)")
        }
    }
}
