import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TradewindCore
import TradewindStore

/// Folds what ingestion appends insert-only into the tables readers keep: partial rollups into
/// the daily rollups every `interval`, journey deltas into journeys every `journeyInterval`, for
/// the tenants that ingested since, and both once more on shutdown. Readers add the partial rows
/// to the folded ones (`event_daily_totals`, `JourneyRepository.journeys`), so folding changes no
/// figure: it keeps the partial tables small.
///
/// Journeys fold less often because a fold rewrites a row per person it touches: folding 30 s of
/// a busy stream at once rewrites each person about once instead of six times.
final class RollupFolder: Service, Sendable {
    private let store: TenantStore
    private let interval: Duration
    private let journeyInterval: Duration
    private let timeout: Duration
    private let logger: Logger
    private let pendingRollups = Mutex<[UUID: Tenant]>([:])
    private let pendingJourneys = Mutex<[UUID: Tenant]>([:])

    init(
        store: TenantStore, interval: Duration, journeyInterval: Duration, timeout: Duration, logger: Logger
    ) {
        self.store = store
        self.interval = interval
        self.journeyInterval = journeyInterval
        self.timeout = timeout
        self.logger = logger
    }

    /// Called after a batch of `tenant` committed.
    func ingested(for tenant: Tenant) {
        _ = pendingRollups.withLock { $0.updateValue(tenant, forKey: tenant.id) }
        _ = pendingJourneys.withLock { $0.updateValue(tenant, forKey: tenant.id) }
    }

    func run() async throws {
        let clock = ContinuousClock()
        var nextJourneyFold = clock.now.advanced(by: journeyInterval)
        while !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            await foldRollups()
            if Task.isShuttingDownGracefully || clock.now >= nextJourneyFold {
                await foldJourneys()
                nextJourneyFold = clock.now.advanced(by: journeyInterval)
            }
        }
    }

    func foldRollups() async {
        await fold(pendingRollups, what: "rollups") { _ = try await RollupRepository.fold(in: $0) }
    }

    func foldJourneys() async {
        await fold(pendingJourneys, what: "journeys") { try await JourneyRepository.fold(in: $0) }
    }

    private func fold(
        _ pending: borrowing Mutex<[UUID: Tenant]>, what: String,
        _ body: @Sendable @escaping (TenantTransaction) async throws -> Void
    ) async {
        let tenants = pending.withLock { pending in
            defer { pending = [:] }
            return pending
        }
        for tenant in tenants.values {
            do {
                let job = SystemCall(
                    principal: "rollup-folder", tenant: tenant, recording: .upkeep, timeout: timeout, logger: logger)
                try await store.write(for: job, body)
            } catch {
                // Retried with the next fold.
                _ = pending.withLock { $0.updateValue(tenant, forKey: tenant.id) }
                logger.warning(
                    "folding \(what) failed",
                    metadata: ["tenant": "\(tenant.id)", "error": "\(StoreError.logDescription(error))"])
            }
        }
    }
}
