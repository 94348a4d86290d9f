import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TradewindCore
import TradewindStore

/// Folds the partial rollups that ingestion appends into the daily rollups, and its journey deltas
/// into journeys, every few seconds for the tenants that ingested since, and once more on
/// shutdown. Readers add both rollup tables (`event_daily_totals`) and fold journeys before they
/// read them, so folding changes no figure: it keeps the partial tables small.
final class RollupFolder: Service, Sendable {
    private let store: TenantStore
    private let interval: Duration
    private let timeout: Duration
    private let logger: Logger
    private let pending = Mutex<[UUID: Tenant]>([:])

    init(store: TenantStore, interval: Duration, timeout: Duration, logger: Logger) {
        self.store = store
        self.interval = interval
        self.timeout = timeout
        self.logger = logger
    }

    /// Called after a batch of `tenant` committed.
    func ingested(for tenant: Tenant) {
        _ = pending.withLock { $0.updateValue(tenant, forKey: tenant.id) }
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            await foldPending()
        }
    }

    func foldPending() async {
        let tenants = pending.withLock { pending in
            defer { pending = [:] }
            return pending
        }
        for tenant in tenants.values {
            do {
                _ = try await store.withTransaction(for: tenant, timeout: timeout) { tx in
                    try await RollupRepository.fold(in: tx)
                }
                try await store.withTransaction(for: tenant, timeout: timeout) { tx in
                    try await JourneyRepository.fold(in: tx)
                }
            } catch {
                ingested(for: tenant)
                logger.warning(
                    "folding rollups failed",
                    metadata: ["tenant": "\(tenant.id)", "error": "\(StoreError.logDescription(error))"])
            }
        }
    }
}
