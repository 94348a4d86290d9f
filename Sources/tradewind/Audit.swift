import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import TradewindAudit
import TradewindProto
import TradewindServer

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export and verify the audit log, and manage its signing keys.",
        subcommands: [Export.self, Verify.self, Checkpoint.self, PublicKeys.self, Keygen.self])

    /// Whose log to read, and with which credential: a key file, or a tenant's key from the dev keys file.
    struct CallerOptions: ParsableArguments {
        @OptionGroup var config: ConfigOptions
        @Option(help: "Tenant slug whose key to take from --dev-keys (compliance officer, admin or owner).")
        var tenant: String?
        @Option(
            help: "File holding the API key to call with (overrides --tenant); an operator key reads the platform log.")
        var apiKeyFile: String?
        @Option(help: "The dev keys file scripts/run writes.") var devKeys: String = ".tradewind/dev-keys.json"

        func apiKey() throws -> String {
            if let apiKeyFile {
                return try String(contentsOfFile: apiKeyFile, encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let tenant else { throw ValidationError("pass --tenant SLUG or --api-key-file FILE") }
            struct DevKeys: Decodable {
                struct Entry: Decodable {
                    var apiKey: String
                    enum CodingKeys: String, CodingKey { case apiKey = "api_key" }
                }
                var tenants: [String: Entry]
            }
            let keys = try JSONDecoder().decode(DevKeys.self, from: Data(contentsOf: URL(fileURLWithPath: devKeys)))
            guard let entry = keys.tenants[tenant] else {
                throw ValidationError("no key for tenant '\(tenant)' in \(devKeys); pass --api-key-file")
            }
            return entry.apiKey
        }

        func withAudit<Result: Sendable>(
            _ body: @Sendable (Tradewind_V1_Audit.Client<HTTP2ClientTransport.Posix>, Metadata) async throws -> Result
        ) async throws -> Result {
            try await config.withServer(apiKey: try apiKey()) { client, metadata in
                try await body(Tradewind_V1_Audit.Client(wrapping: client), metadata)
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stream the audit log to standard output as JSON Lines (verifiable) or CSV.",
            discussion: "Example: tradewind audit export --tenant acme-eu --from 2026-11-01T00:00:00Z > audit.jsonl")

        @OptionGroup var caller: CallerOptions
        @Option(help: "Records made at or after this time (RFC 3339).") var from: String?
        @Option(help: "Records made before this time (RFC 3339).") var to: String?
        @Option(help: "jsonl or csv.") var format: String = "jsonl"

        func run() async throws {
            var request = Tradewind_V1_ExportAuditLogRequest()
            if let from { request.startTime = Google_Protobuf_Timestamp(date: try Self.time(from, option: "--from")) }
            if let to { request.endTime = Google_Protobuf_Timestamp(date: try Self.time(to, option: "--to")) }
            switch format {
            case "jsonl": request.format = .jsonLines
            case "csv": request.format = .csv
            default: throw ValidationError("--format must be jsonl or csv")
            }
            let exportRequest = request
            let bytes = try await caller.withAudit { audit, metadata in
                try await audit.exportAuditLog(exportRequest, metadata: metadata) { response in
                    var bytes = 0
                    for try await message in response.messages {
                        FileHandle.standardOutput.write(message.data)
                        bytes += message.data.count
                    }
                    return bytes
                }
            }
            FileHandle.standardError.write(Data("exported \(bytes) bytes\n".utf8))
        }

        static func time(_ text: String, option: String) throws -> Date {
            guard let date = AuditTime.parse(text) else {
                throw ValidationError("\(option) must be an RFC 3339 time such as 2026-11-01T00:00:00Z")
            }
            return date
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a JSON Lines export offline: chain, sequence and checkpoint signatures.",
            discussion: """
                Needs only the export and the public keys (tradewind audit public-keys). Accepts records \
                of every version of the canonical form (1 and 2), mixed in one chain. Prints the first \
                bad record and the kind of fault (changed, deleted, reordered, inserted, truncated, \
                unknown_key, bad_signature, fork, malformed, unknown_version) and exits 1; exits 0 when \
                the export verifies.
                """)

        @Argument(help: "The JSON Lines export.") var file: String
        @Option(name: .customLong("public-key"), help: "Key file (one key or a set); repeat for several.")
        var publicKeys: [String]
        @Option(help: "A checkpoint line kept from earlier (GetCheckpoint or an old export); repeatable.")
        var checkpoint: [String] = []

        func run() async throws {
            var keys: [AuditPublicKey] = []
            for path in publicKeys {
                keys += try AuditPublicKeySet.decode(Data(contentsOf: URL(fileURLWithPath: path))).keys
            }
            let trusted = try checkpoint.map { path in
                try AuditCheckpoint(
                    line: Data(
                        try String(contentsOfFile: path, encoding: .utf8)
                            .trimmingCharacters(in: .whitespacesAndNewlines).utf8))
            }
            for checkpoint in trusted {
                guard let key = keys.first(where: { $0.keyID == checkpoint.keyID }), checkpoint.isSigned(by: key)
                else { throw ValidationError("the checkpoint for record \(checkpoint.seq) does not verify") }
            }
            var verifier = AuditVerifier(keys: AuditPublicKeySet(keys: keys), trustedCheckpoints: trusted)
            let started = ContinuousClock.now
            try Self.forEachLine(of: file) { verifier.consume($0) }
            let elapsed = ContinuousClock.now - started
            switch verifier.finish() {
            case .success(let report):
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let rate = seconds > 0 ? Int(Double(report.records) / seconds) : report.records
                let versions = report.recordsByVersion.sorted { $0.key.rawValue < $1.key.rawValue }
                    .map { "v\($0.key): \($0.value)" }.joined(separator: ", ")
                print(
                    "ok: chain \(report.chain ?? "?"), records \(report.firstSeq.map(String.init) ?? "-")-\(report.lastSeq.map(String.init) ?? "-") (\(report.records)\(versions.isEmpty ? "" : "; \(versions)")), \(report.checkpoints) checkpoints, keys \(report.keyIDs.sorted().joined(separator: ",")), head \(report.head.hexString)"
                )
                FileHandle.standardError.write(
                    Data("verified \(report.records) records in \(elapsed) (\(rate) records/s)\n".utf8))
            case .failure(let fault):
                print("FAILED: \(fault)")
                throw ExitCode(1)
            }
        }

        /// Reads `path` in large chunks and hands each line (without its newline) to `body`.
        static func forEachLine(of path: String, _ body: (ArraySlice<UInt8>) -> Void) throws {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw ValidationError("cannot open \(path)")
            }
            defer { try? handle.close() }
            var carry: [UInt8] = []
            while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
                var bytes = carry
                bytes.append(contentsOf: chunk)
                var start = 0
                bytes.withUnsafeBytes { buffer in
                    guard let base = buffer.baseAddress else { return }
                    // memchr finds line ends many times faster than a byte-by-byte loop.
                    while start < buffer.count,
                        let newline = memchr(base + start, Int32(UInt8(ascii: "\n")), buffer.count - start)
                    {
                        let end = base.distance(to: UnsafeRawPointer(newline))
                        body(bytes[start..<end])
                        start = end + 1
                    }
                }
                carry = Array(bytes[start...])
            }
            if !carry.isEmpty { body(carry[...]) }
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a checkpoint of the chain's head signed now; keep it for `verify --checkpoint`.")

        @OptionGroup var caller: CallerOptions

        func run() async throws {
            let checkpoint = try await caller.withAudit { audit, metadata in
                try await audit.getCheckpoint(Tradewind_V1_GetCheckpointRequest(), metadata: metadata)
            }
            print(checkpoint.line)
        }
    }

    struct PublicKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public-keys",
            abstract: "Print the checkpoint signing public keys (current and retired) as a key file.",
            discussion: "From the API by default; with --keyring, from the server's keyring file instead.")

        @OptionGroup var caller: CallerOptions
        @Option(help: "Read the public keys from this signing keyring instead of the API.") var keyring: String?

        func run() async throws {
            if let keyring {
                let ring = try AuditKeyring(fileContents: Data(contentsOf: URL(fileURLWithPath: keyring)))
                print(String(decoding: try ring.publicKeys.encoded(), as: UTF8.self))
                return
            }
            let response = try await caller.withAudit { audit, metadata in
                try await audit.getPublicKeys(Tradewind_V1_GetPublicKeysRequest(), metadata: metadata)
            }
            print(response.keyFile)
        }
    }

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the checkpoint signing keyring, or rotate it (a new key signs; old ones stay published).")

        @Option(help: "The keyring file (written with mode 0600).") var out: String
        @Flag(help: "Add a new current key to an existing keyring.") var rotate = false
        @Option(help: "Also write the public keys to this file.") var publicOut: String?

        func run() async throws {
            let url = URL(fileURLWithPath: out)
            var keyring: AuditKeyring
            if FileManager.default.fileExists(atPath: out) {
                guard rotate else { throw ValidationError("\(out) exists; pass --rotate to add a new key") }
                keyring = try AuditKeyring(fileContents: Data(contentsOf: url))
                try keyring.rotate()
            } else {
                keyring = try AuditKeyring()
            }
            let temporary = url.appendingPathExtension("tmp")
            // Written beside the old file with mode 0600 and renamed over it: never half a keyring.
            guard
                FileManager.default.createFile(
                    atPath: temporary.path, contents: try keyring.fileContents(), attributes: [.posixPermissions: 0o600]
                ),
                rename(temporary.path, url.path) == 0
            else { throw ValidationError("cannot write \(out)") }
            if let publicOut {
                try keyring.publicKeys.encoded().write(to: URL(fileURLWithPath: publicOut))
            }
            print("signing key \(keyring.currentKeyID) (\(keyring.keys.count) in the keyring)")
        }
    }
}
