import ArgumentParser
import Foundation
import Logging
import TradewindAudit
import TradewindCore
import TradewindServer
import TradewindStore

struct FX: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fx", abstract: "Exchange rates that event money is converted with.",
        subcommands: [Load.self])

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load US-dollar rates per currency and day into every regional cluster.",
            discussion: """
                FILE is CSV with a header naming date, currency and usd_per_unit, e.g.
                  date,currency,usd_per_unit
                  2026-11-20,EUR,1.0841
                A day without a rate uses the latest of the 7 days before it. Loading a day again
                replaces its rate (events already stored keep the rate they were stored with). Every
                bad line is reported and nothing is loaded then. The load is recorded in the platform
                audit log.
                """)

        @Argument(help: "The CSV file.") var file: String
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let rows: [ExchangeRateRow]
            do {
                rows = try ExchangeRateRow.parseCSV(try String(contentsOfFile: file, encoding: .utf8))
            } catch let failure as ValidationFailure {
                for violation in failure.violations { print("\(file): \(violation.field): \(violation.description)") }
                throw ExitCode(1)
            }
            let configuration = try await ServerConfiguration.load(path: options.config)
            let logger = Logger.command("tradewind.fx")
            var loaded: [String] = []
            for (region, endpoint) in configuration.regions.sorted(by: { $0.key < $1.key }) {
                let owner = endpoint.asUser(configuration.migrationUser, password: configuration.migrationPassword)
                let count = try await ExchangeRateLoader.load(rows, into: owner, logger: logger)
                print("\(region): \(count) rates")
                loaded.append("region:\(region)")
            }
            // The regions are separate clusters: the record follows the loads it describes.
            let control = try ControlStore(endpoint: configuration.control, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await control.service.run() }
                defer { group.cancelAll() }
                try await control.record(
                    for: CommandLineCall("tradewind/fx.load", resources: loaded, dataClass: .exchangeRates))
            }
        }
    }
}
