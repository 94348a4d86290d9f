import ArgumentParser
import Logging
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
    }
}
