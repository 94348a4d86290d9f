import Foundation
import GRPCCore
import Testing
import TradewindAudit
import TradewindCore
import TradewindProto
import TradewindTestSupport

@testable import TradewindServer

/// The `tradewind` commands the README lists, run as a user runs them, with their output checked.
/// Commands that call the API reach the test server (its port given as `TRADEWIND_SERVER_PORT`).
@Suite("Command line", .serialized)
struct CommandLineTests {
    /// Runs `tradewind ARGUMENTS --config …` against the test server and the test clusters.
    static func tradewind(_ arguments: [String]) async throws -> TestEnvironment.ProgramResult {
        let port = try await TestStack.running().port
        return try await TestEnvironment.run(
            TestEnvironment.binary, arguments + ["--config", TestEnvironment.configPath],
            environment: ["TRADEWIND_SERVER_PORT": "\(port)"])
    }

    /// A private folder for the files a command reads and writes.
    static func folder() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tradewind-cli-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    @Test("keys create, list and revoke go through the API and say what they did; health says serving")
    func keysAndHealth() async throws {
        let (tenant, _) = try await TestStack.tenant("eu")
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let operatorFile = directory.appendingPathComponent("operator-key").path
        try (try await TestStack.operatorKey() + "\n").write(toFile: operatorFile, atomically: true, encoding: .utf8)
        let admin = ["--operator-key-file", operatorFile, "--tenant", tenant.slug]

        let created = try await Self.tradewind(["keys", "create", "--role", "analyst", "--label", "cli"] + admin)
        #expect(created.status == 0, "\(created.standardError)")
        let output = Self.lines(created.standardOutput)
        let heading = try #require(output.first)
        #expect(
            heading.hasPrefix("created key ") && heading.hasSuffix(" (analyst) for \(tenant.slug); it is shown once:"))
        let secret = try #require(output.last)
        let keyID = String(heading.dropFirst("created key ".count).prefix { $0 != " " })
        #expect(secret.hasPrefix("tw_\(keyID)_"))
        // The key works, with the analyst's scopes.
        var kpis = Tradewind_V1_GetKPIsRequest()
        kpis.range.fromDay = EventsTests.dayText
        kpis.range.toDay = EventsTests.dayText
        let sent = kpis
        let works = await Status.of {
            try await TestStack.withClient { grpc in
                _ = try await Tradewind_V1_Analytics.Client(wrapping: grpc).getKPIs(sent, metadata: .bearer(secret))
            }
        }
        #expect(works == nil)

        let listed = try await Self.tradewind(["keys", "list"] + admin)
        #expect(listed.status == 0)
        let line = try #require(Self.lines(listed.standardOutput).first { $0.contains("label=cli") })
        #expect(line.contains("analyst  live  label=cli"), "\(line)")
        #expect(!listed.standardOutput.contains(secret), "a listing shows a secret")

        let revoked = try await Self.tradewind(["keys", "revoke", "--key-id", keyID] + admin)
        #expect(revoked.status == 0)
        #expect(revoked.standardOutput.hasPrefix("revoked \(keyID) at "))
        let after = try await Self.tradewind(["keys", "list", "--include-revoked"] + admin)
        #expect(Self.lines(after.standardOutput).contains { $0.contains("analyst  revoked  label=cli") })

        // The one credential made outside the API: printed once, and it acts as an operator.
        let bootstrapped = try await Self.tradewind(["keys", "bootstrap-operator", "--label", "cli-bootstrap"])
        #expect(bootstrapped.status == 0, "\(bootstrapped.standardError)")
        let token = bootstrapped.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let tokenID = token.split(separator: "_").dropFirst().first.map(String.init) ?? "?"
        #expect(
            token.hasPrefix("tw_")
                && bootstrapped.standardError == "created operator key \(tokenID); it is shown once\n")
        let operatorCall = await Status.of {
            try await TestStack.withClient { grpc in
                _ = try await Tradewind_V1_TenantAdmin.Client(wrapping: grpc).listTenants(
                    .init(), metadata: .bearer(token))
            }
        }
        #expect(operatorCall == nil)

        let health = try await Self.tradewind(["health"])
        #expect(health.status == 0 && health.standardOutput == "serving\n", "\(health.standardOutput)")
    }

    @Test("migrate and tenants apply are idempotent, and say so")
    func migrateAndTenants() async throws {
        let migrated = try await Self.tradewind(["migrate"])
        #expect(migrated.status == 0, "\(migrated.standardError)")
        let status = Self.lines(migrated.standardOutput)
        for cluster in ["control", "eu", "us", "cn", "sg"] {
            #expect(status.contains("\(cluster): up to date"), "\(migrated.standardOutput)")
        }

        let tenants = TestEnvironment.repository.appendingPathComponent("tenants").path
        let first = try await Self.tradewind(["tenants", "apply", tenants])
        let second = try await Self.tradewind(["tenants", "apply", tenants])
        #expect(first.status == 0 && second.status == 0, "\(first.standardError)")
        let applied = Self.lines(second.standardOutput)
        for (slug, region) in [("acme-eu", "eu"), ("bluebird-us", "us"), ("lotus-cn", "cn"), ("merlion-sg", "sg")] {
            // Ids never change between runs.
            let line = try #require(applied.first { $0.hasPrefix("unchanged: \(slug) (") }, "\(applied)")
            #expect(line.hasSuffix(", \(region))"))
            #expect(Self.lines(first.standardOutput).contains { $0.hasSuffix(line.dropFirst("unchanged: ".count)) })
        }
        // Tenants made elsewhere (by these tests) are reported, never deleted.
        #expect(applied.contains { $0.hasPrefix("not in manifests (kept): ") })

        // A manifest that moves a tenant to another region is refused by name.
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let manifest = try String(
            contentsOf: URL(fileURLWithPath: tenants).appendingPathComponent("acme-eu.yaml"), encoding: .utf8)
        try manifest.replacingOccurrences(of: "homeRegion: eu", with: "homeRegion: us")
            .write(to: directory.appendingPathComponent("acme-eu.yaml"), atomically: true, encoding: .utf8)
        let moved = try await Self.tradewind(["tenants", "apply", directory.path])
        #expect(moved.status != 0)
        #expect(moved.standardOutput.hasPrefix("refused: "), "\(moved.standardOutput)")
    }

    @Test("fx load reports what each region took, and names a bad line without loading anything")
    func fxLoad() async throws {
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("rates.csv").path
        try "date,currency,usd_per_unit\n2020-01-02,CHF,1.0312\n2020-01-02,NOK,0.1137\n".write(
            toFile: good, atomically: true, encoding: .utf8)
        let loaded = try await Self.tradewind(["fx", "load", good])
        #expect(loaded.status == 0, "\(loaded.standardError)")
        #expect(Self.lines(loaded.standardOutput) == ["cn: 2 rates", "eu: 2 rates", "sg: 2 rates", "us: 2 rates"])

        let bad = directory.appendingPathComponent("bad.csv").path
        try "date,currency,usd_per_unit\n2020-01-03,CHF,1.03\n2020-13-03,XYZ,-1\n".write(
            toFile: bad, atomically: true, encoding: .utf8)
        let refused = try await Self.tradewind(["fx", "load", bad])
        #expect(refused.status == 1)
        #expect(refused.standardOutput.hasPrefix("\(bad): "), "\(refused.standardOutput)")
        #expect(!refused.standardOutput.contains("rates"), "something was loaded")
    }

    @Test("audit export, public-keys and checkpoint feed audit verify; keygen rotates and keeps old keys")
    func auditCommands() async throws {
        let (_, owner) = try await TestStack.tenant("us")
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("owner-key").path
        try owner.write(toFile: keyFile, atomically: true, encoding: .utf8)
        let caller = ["--api-key-file", keyFile]

        let pinned = try await Self.tradewind(["audit", "checkpoint"] + caller)
        #expect(pinned.status == 0)
        let checkpoint = try AuditCheckpoint(line: Data(pinned.standardOutput.utf8.dropLast()))
        #expect(checkpoint.kind == .current && checkpoint.seq >= 0)
        let pinnedPath = directory.appendingPathComponent("pinned.json").path
        try pinned.standardOutput.write(toFile: pinnedPath, atomically: true, encoding: .utf8)

        let keys = try await Self.tradewind(["audit", "public-keys"] + caller)
        #expect(keys.status == 0)
        let keysPath = directory.appendingPathComponent("keys.json").path
        try keys.standardOutput.write(toFile: keysPath, atomically: true, encoding: .utf8)
        #expect(
            try AuditPublicKeySet.decode(Data(keys.standardOutput.utf8)).keys.contains { $0.keyID == checkpoint.keyID })

        let export = try await Self.tradewind(["audit", "export"] + caller)
        #expect(export.status == 0 && export.standardError.hasPrefix("exported "))
        let exportPath = directory.appendingPathComponent("audit.jsonl").path
        try export.standardOutput.write(toFile: exportPath, atomically: true, encoding: .utf8)
        // verify is offline: no configuration, no server.
        let verified = try await TestEnvironment.run(
            TestEnvironment.binary, ["audit", "verify", exportPath, "--public-key", keysPath])
        #expect(verified.status == 0 && verified.standardOutput.hasPrefix("ok: chain "), "\(verified.standardOutput)")
        let withPin = try await TestEnvironment.run(
            TestEnvironment.binary,
            ["audit", "verify", exportPath, "--public-key", keysPath, "--checkpoint", pinnedPath])
        #expect(withPin.status == 0, "\(withPin.standardOutput)")

        let csv = try await Self.tradewind(["audit", "export", "--format", "csv"] + caller)
        #expect(Self.lines(csv.standardOutput).first == AuditCSV.headerRow)
        let badFormat = try await Self.tradewind(["audit", "export", "--format", "xml"] + caller)
        #expect(badFormat.status != 0 && badFormat.standardError.contains("--format must be jsonl or csv"))

        // Signing keys: a new keyring, a refusal to overwrite it, then a rotation.
        let ring = directory.appendingPathComponent("ring.json").path
        let published = directory.appendingPathComponent("ring-public.json").path
        let made = try await TestEnvironment.run(TestEnvironment.binary, ["audit", "keygen", "--out", ring])
        #expect(made.status == 0 && made.standardOutput.hasSuffix(" (1 in the keyring)\n"), "\(made.standardOutput)")
        let attributes = try FileManager.default.attributesOfItem(atPath: ring)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let again = try await TestEnvironment.run(TestEnvironment.binary, ["audit", "keygen", "--out", ring])
        #expect(again.status != 0 && again.standardError.contains("pass --rotate"))
        let rotated = try await TestEnvironment.run(
            TestEnvironment.binary, ["audit", "keygen", "--out", ring, "--rotate", "--public-out", published])
        #expect(rotated.status == 0 && rotated.standardOutput.hasSuffix(" (2 in the keyring)\n"))
        let publicKeys = try AuditPublicKeySet.decode(Data(contentsOf: URL(fileURLWithPath: published)))
        #expect(publicKeys.keys.count == 2)
        let fromRing = try await TestEnvironment.run(
            TestEnvironment.binary, ["audit", "public-keys", "--keyring", ring])
        #expect(try AuditPublicKeySet.decode(Data(fromRing.standardOutput.utf8)).keys.count == 2)
    }

    @Test(
        "audit verify accepts the committed export written before record versions and its continuation in version 2; names a changed new key and an unknown version"
    )
    func auditVerifyReadsEveryRecordVersion() async throws {
        // Offline, like every verify: no server, no configuration. The fixtures of these sources
        // (Tests/TradewindServerTests/CommandLineTests.swift → Tests/Fixtures/audit).
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/audit")
        let fixtureKeys = fixtures.appendingPathComponent("public-keys.json").path
        func verify(_ path: String, keys: [String] = [fixtureKeys]) async throws -> TestEnvironment.ProgramResult {
            try await TestEnvironment.run(
                TestEnvironment.binary, ["audit", "verify", path] + keys.flatMap { ["--public-key", $0] })
        }
        let chain = "0b7e2c1a-5d4f-4e6a-9c3b-2f1e8d7a6c50"
        let old = try await verify(fixtures.appendingPathComponent("v1-export.jsonl").path)
        #expect(old.status == 0, "\(old.standardOutput)")
        #expect(
            old.standardOutput
                == "ok: chain \(chain), records 1-5 (5; v1: 5), 2 checkpoints, keys ak_c20195aed068031a, head 31836c7ca8237e72abf0bbb1020045f32464e82af85b68cda5d65ec34176a78b\n"
        )
        let mixedPath = fixtures.appendingPathComponent("v1-then-v2-export.jsonl").path
        let mixed = try await verify(mixedPath)
        #expect(mixed.status == 0, "\(mixed.standardOutput)")
        #expect(
            mixed.standardOutput
                == "ok: chain \(chain), records 1-10 (10; v1: 5, v2: 5), 3 checkpoints, keys ak_c20195aed068031a, head 747aa4f6e3548e445820fabd46048feeaf5076c80a52326565c6fbf96e5ae8fb\n"
        )

        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let intact = Self.lines(try String(contentsOfFile: mixedPath, encoding: .utf8))
        func write(_ lines: [String], _ name: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        // One byte of record 7's rule changed: that record, on its line.
        let seven = try #require(intact.firstIndex { $0.hasPrefix(#"{"type":"record","seq":7,"v":2,"#) })
        var changed = intact
        changed[seven] = changed[seven].replacingOccurrences(
            of: #""rule":"rule_pause_low_roas""#, with: #""rule":"rule_pause_low_roaS""#)
        #expect(changed[seven] != intact[seven])
        let changedResult = try await verify(try write(changed, "changed.jsonl"))
        #expect(changedResult.status == 1)
        #expect(
            changedResult.standardOutput.hasPrefix("FAILED: line \(seven + 1), record 7: changed: "),
            "\(changedResult.standardOutput)")

        // A record a newer server wrote in version 3, intact and under a valid export checkpoint:
        // named, never passed off as verified.
        let ten = try #require(intact.firstIndex { $0.hasPrefix(#"{"type":"record","seq":10,"v":2,"#) })
        let hashMember = try #require(intact[ten].range(of: #","hash":""#, options: .backwards))
        let fields = intact[ten][..<hashMember.lowerBound].dropFirst(#"{"type":"record","seq":10,"v":2,"#.count)
        let body = AuditChain.body(seq: 11, fields: #""v":3,"# + fields + "}")
        let head = try #require(Data(hexString: "747aa4f6e3548e445820fabd46048feeaf5076c80a52326565c6fbf96e5ae8fb"))
        let hash = AuditChain.hash(previous: head, body: Data(body.utf8))
        let keyring = try AuditKeyring()
        var newer = Array(intact.dropLast())
        newer.append(AuditChain.line(body: body, hash: hash))
        newer.append(
            try AuditCheckpoint.sign(
                kind: .export, chain: try #require(AuditChainID(chain)), seq: 11, head: hash, time: Date(),
                key: keyring.current
            ).line)
        let newerKeys = directory.appendingPathComponent("newer-keys.json").path
        try keyring.publicKeys.encoded().write(to: URL(fileURLWithPath: newerKeys))
        let newerResult = try await verify(try write(newer, "newer.jsonl"), keys: [fixtureKeys, newerKeys])
        #expect(newerResult.status == 1)
        #expect(
            newerResult.standardOutput.hasPrefix("FAILED: line \(newer.count - 1), record 11: unknown_version: "),
            "\(newerResult.standardOutput)")
    }

    @Test("analytics attribute and rules on files, worked by hand")
    func offlineAnalytics() async throws {
        let directory = try Self.folder()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Two journeys: google then meta, converting for 100; meta alone, converting for 50.
        let journeys = directory.appendingPathComponent("j.tsv").path
        try "google>meta\t1000,2000\t1\t0\t100000000\t3000\nmeta\t1500\t1\t0\t50000000\t2500\n".write(
            toFile: journeys, atomically: true, encoding: .utf8)
        let attributed = try await TestEnvironment.run(
            TestEnvironment.binary, ["analytics", "attribute", "--journeys", journeys])
        #expect(attributed.status == 0, "\(attributed.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(attributed.standardOutput.utf8)) as? [String: Any])
        #expect(report["journeys"] as? Int == 2)
        let models = try #require(report["models"] as? [String: [[String: Any]]])
        func credits(_ model: String) -> [String: (Double, Int64)] {
            Dictionary(
                uniqueKeysWithValues: (models[model] ?? []).map {
                    (
                        $0["channel"] as? String ?? "?",
                        (
                            $0["conversions"] as? Double ?? -1,
                            ($0["revenue_micros"] as? Int64) ?? Int64($0["revenue_micros"] as? Int ?? -1)
                        )
                    )
                })
        }
        #expect(
            credits("first_touch")["google"]! == (1, 100_000_000) && credits("first_touch")["meta"]! == (1, 50_000_000))
        #expect(
            credits("last_touch")["meta"]! == (2, 150_000_000) && credits("last_touch")["google"].map { $0.0 } ?? 0 == 0
        )
        #expect(credits("linear")["google"]! == (0.5, 50_000_000) && credits("linear")["meta"]! == (1.5, 100_000_000))
        #expect(
            Set(models.keys) == [
                "first_touch", "last_touch", "linear", "time_decay", "position_based", "markov", "shapley",
            ])

        // Four baskets: a and b together twice, a alone, b with c.
        let baskets = directory.appendingPathComponent("baskets.txt").path
        try "a,b\na,b\na\nb,c\n".write(toFile: baskets, atomically: true, encoding: .utf8)
        let mined = try await TestEnvironment.run(
            TestEnvironment.binary, ["analytics", "rules", baskets, "--min-support", "0.5", "--min-confidence", "0.6"])
        #expect(mined.status == 0, "\(mined.standardError)")
        let rules = try #require(
            try JSONSerialization.jsonObject(with: Data(mined.standardOutput.utf8)) as? [String: Any])
        #expect(rules["transactions"] as? Int == 4)
        let found = try #require(rules["rules"] as? [[String: Any]]).map { rule in
            "\((rule["antecedents"] as? [String]) ?? [])->\((rule["consequents"] as? [String]) ?? []) "
                + "s=\(rule["support"] as? Double ?? -1) c=\(String(format: "%.4f", rule["confidence"] as? Double ?? -1)) "
                + "l=\(String(format: "%.4f", rule["lift"] as? Double ?? -1))"
        }
        // support(ab) = 1/2; confidence 2/3 both ways; lift (2/3) / (3/4) = 8/9.
        #expect(Set(found) == ["[\"a\"]->[\"b\"] s=0.5 c=0.6667 l=0.8889", "[\"b\"]->[\"a\"] s=0.5 c=0.6667 l=0.8889"])
    }
}
