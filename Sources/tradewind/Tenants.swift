import ArgumentParser
import Foundation
import Logging
import TradewindCore
import TradewindServer
import TradewindStore
import Yams

struct Tenants: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage tenants declared as YAML manifests.", subcommands: [Apply.self])

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or update the tenants in a folder of manifests (idempotent).",
            discussion: """
                Each *.yaml file declares one tenant keyed by its slug. A tenant's id is assigned on first \
                apply and never changes; a changed home region is refused; tenants that exist but have no \
                manifest are reported, never deleted.
                """)

        @Argument(help: "Folder of tenant manifests.") var folder: String
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let configuration = try await ServerConfiguration.load(path: options.config)
            let manifests = try TenantManifest.load(folder: folder, regions: Set(configuration.regions.keys))
            let logger = Logger.command("tradewind.tenants")
            let control = try ControlStore(endpoint: configuration.control, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await control.service.run() }
                defer { group.cancelAll() }
                var failures = 0
                for (file, spec) in manifests {
                    do {
                        let (tenant, outcome) = try await control.applyTenant(
                            spec,
                            for: CommandLineCall("tradewind/tenants.apply", resources: ["tenant_slug:\(spec.slug)"]))
                        print(
                            "\(outcome.rawValue): \(tenant.slug) (\(tenant.id.uuidString.lowercased()), \(tenant.homeRegion))"
                        )
                    } catch StoreError.failedPrecondition(let message) {
                        failures += 1
                        print("refused: \(file): \(message)")
                    }
                }
                let declared = Set(manifests.map(\.1.slug))
                var undeclared: [String] = []
                var after: String?
                while true {
                    let page = try await control.listTenants(afterSlug: after, limit: 500)
                    undeclared += page.map(\.slug).filter { !declared.contains($0) }
                    guard page.count == 500, let last = page.last else { break }
                    after = last.slug
                }
                if !undeclared.isEmpty {
                    // Reported, never deleted: removing a tenant is a decision, not a side effect.
                    let shown = undeclared.prefix(10).joined(separator: ", ")
                    let more = undeclared.count > 10 ? " and \(undeclared.count - 10) more" : ""
                    print("not in manifests (kept): \(shown)\(more)")
                }
                if failures > 0 { throw ExitCode.failure }
            }
        }
    }
}

/// One tenant manifest file, as written in `tenants/*.yaml`.
struct TenantManifest: Decodable {
    struct Settings: Decodable {
        var reportingCurrency: String?
        var timeZone: String?
        var eventRetentionDays: Int?
        var privacyRequestDeadlineDays: Int?
        var requireMTLS: Bool?
    }

    var slug: String
    var name: String
    var homeRegion: String
    var plan: String?
    var status: String?
    var settings: Settings?

    /// Reads and validates every manifest in `folder`, sorted by file name; fails naming the file.
    static func load(folder: String, regions: Set<Region>) throws -> [(String, TenantSpec)] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        var seen: [String: String] = [:]
        return try files.map { file in
            let path = (folder as NSString).appendingPathComponent(file)
            let manifest: TenantManifest
            do {
                manifest = try YAMLDecoder().decode(
                    TenantManifest.self, from: try String(contentsOfFile: path, encoding: .utf8))
            } catch {
                throw ValidationError("\(path): not a tenant manifest: \(error)")
            }
            let defaults = TenantSettings.default
            guard let status = TenantStatus(rawValue: manifest.status ?? "active") else {
                throw ValidationError("\(path): status must be active or suspended")
            }
            let spec = TenantSpec(
                slug: manifest.slug, name: manifest.name, homeRegion: Region(manifest.homeRegion),
                plan: manifest.plan ?? "starter", status: status,
                settings: TenantSettings(
                    reportingCurrency: manifest.settings?.reportingCurrency ?? defaults.reportingCurrency,
                    timeZone: manifest.settings?.timeZone ?? defaults.timeZone,
                    eventRetentionDays: manifest.settings?.eventRetentionDays ?? defaults.eventRetentionDays,
                    privacyRequestDeadlineDays: manifest.settings?.privacyRequestDeadlineDays
                        ?? defaults.privacyRequestDeadlineDays,
                    requireMTLS: manifest.settings?.requireMTLS ?? defaults.requireMTLS))
            do throws(ValidationFailure) {
                try spec.validate(regions: regions)
            } catch {
                throw ValidationError("\(path): \(error.message)")
            }
            if let other = seen[spec.slug] {
                throw ValidationError("\(path): slug \(spec.slug) is declared in \(other) too")
            }
            seen[spec.slug] = path
            return (path, spec)
        }
    }
}
