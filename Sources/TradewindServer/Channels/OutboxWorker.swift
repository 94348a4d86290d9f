import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TradewindCore
import TradewindStore

/// Sends outbox jobs: finds tenants with due work through each region's wake index, claims the
/// heads of their queues under a lease, and runs them with bounded concurrency per channel, so a
/// channel that is slow or down holds only its own slots and never delays another channel or
/// another tenant. Any number of server processes may run one: claims are `SKIP LOCKED` leases
/// in the tenant's transaction, and nothing is kept in a database session.
struct OutboxWorker: Service {
    struct Limits: Sendable {
        /// Jobs of one channel running at once in this process.
        var perChannel = 8
        /// Jobs of one tenant claimed at once.
        var perTenant = 16
        /// How long a claim holds a job; an attempt must finish within it, or another worker
        /// may take the job over (and, for a publish, look on the channel before creating).
        var lease: Duration = .seconds(120)
        /// How long the worker sleeps when nothing is due.
        var idlePoll: Duration = .milliseconds(250)
    }

    let control: ControlStore
    let store: TenantStore
    let wake: OutboxWakeIndex
    let regions: Set<Region>
    let runner: ChannelJobRunner
    let limits: Limits
    let timeout: Duration
    let logger: Logger
    /// This process's name on its leases.
    let owner = UUID()

    func run() async throws {
        let slots = ChannelSlots(perChannel: limits.perChannel)
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                var claimed = 0
                do {
                    claimed = try await pass(slots: slots, group: &group)
                } catch {
                    logger.warning(
                        "outbox pass failed", metadata: ["error": "\(StoreError.logDescription(error))"])
                }
                if claimed == 0 {
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: limits.idlePoll) }
                }
            }
        }
    }

    /// One look at every region's due tenants; returns how many jobs were claimed.
    private func pass(slots: ChannelSlots, group: inout DiscardingTaskGroup) async throws -> Int {
        var claimed = 0
        for region in regions.sorted() {
            let tenants = try await wake.dueTenants(in: region, limit: 64, timeout: timeout)
            for tenantID in tenants {
                guard let tenant = try await control.tenant(id: tenantID, timeout: timeout),
                    tenant.homeRegion == region
                else { continue }
                let busy = slots.busyChannels()
                let call = SystemCall(
                    principal: ChannelJobRunner.principal, tenant: tenant, recording: .upkeep, timeout: timeout,
                    logger: logger)
                let (owner, lease, perTenant) = (self.owner, limits.lease, limits.perTenant)
                let skipping = busy.flatMap(CampaignJobs.queuePrefixes)
                let jobs = try await store.write(for: call) { tx in
                    let jobs = try await Outbox.claim(
                        owner: owner, lease: lease, limit: perTenant, skippingQueuesWithPrefixes: skipping, in: tx)
                    try await Outbox.refreshWake(in: tx)
                    return jobs
                }
                for job in jobs {
                    let channel = CampaignJobs.channel(ofQueue: job.queue)
                    slots.take(channel)
                    claimed += 1
                    group.addTask { [runner] in
                        await runner.run(job, tenant: tenant, owner: owner)
                        slots.give(channel)
                    }
                }
            }
        }
        return claimed
    }
}

/// Counts the jobs running per channel in this process.
final class ChannelSlots: Sendable {
    private let running = Mutex<[AdChannel: Int]>([:])
    let perChannel: Int

    init(perChannel: Int) {
        self.perChannel = perChannel
    }

    /// Channels with no free slot: their queues are left to later passes (or other processes).
    func busyChannels() -> [AdChannel] {
        running.withLock { counts in AdChannel.allCases.filter { counts[$0, default: 0] >= perChannel } }
    }

    func take(_ channel: AdChannel?) {
        guard let channel else { return }
        running.withLock { $0[channel, default: 0] += 1 }
    }

    func give(_ channel: AdChannel?) {
        guard let channel else { return }
        running.withLock { $0[channel, default: 0] -= 1 }
    }
}
