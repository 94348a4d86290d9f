import ArgumentParser
import Logging
import TradewindCore
import TradewindServer
import TradewindStore

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the SQL migrations to the control cluster and every regional cluster.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let logger = Logger.command("tradewind.migrate")
        let configuration = try await ServerConfiguration.load(path: options.config)
        let migrator = Migrator(logger: logger)
        let owner = { (endpoint: DatabaseEndpoint) in
            endpoint.asUser(configuration.migrationUser, password: configuration.migrationPassword)
        }
        let applied = try await migrator.migrate(owner(configuration.control), plane: .control)
        print("control: \(applied.isEmpty ? "up to date" : "applied \(applied.joined(separator: ", "))")")
        for (region, endpoint) in configuration.regions.sorted(by: { $0.key < $1.key }) {
            let applied = try await migrator.migrate(owner(endpoint), plane: .regional)
            print("\(region): \(applied.isEmpty ? "up to date" : "applied \(applied.joined(separator: ", "))")")
        }

        // Tenants whose events predate the journeys table get theirs built here, without a
        // deadline, rather than by their first attribution call.
        let tenants = try await Self.allTenants(configuration.control, logger: logger)
        for (region, endpoint) in configuration.regions.sorted(by: { $0.key < $1.key }) {
            let ids = tenants.filter { $0.homeRegion == region }.map(\.id)
            let built = try await JourneyRepository.buildMissing(
                tenantIDs: ids, endpoint: owner(endpoint), logger: logger)
            if built > 0 { print("\(region): built journeys for \(built) tenant(s)") }
        }
    }

    private static func allTenants(_ endpoint: DatabaseEndpoint, logger: Logger) async throws -> [Tenant] {
        let control = try ControlStore(endpoint: endpoint, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await control.service.run() }
            defer { group.cancelAll() }
            var tenants: [Tenant] = []
            while true {
                let page = try await control.listTenants(afterSlug: tenants.last?.slug, limit: 1000)
                tenants += page
                if page.count < 1000 { return tenants }
            }
        }
    }
}
