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
        /// Jobs of one queue run back to back in a slot before it is handed back.
        var chained = 32
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
                let call = SystemCall(
                    principal: ChannelJobRunner.principal, tenant: tenant, recording: .upkeep, timeout: timeout,
                    logger: logger)
                // Only as many jobs of a channel as it has free slots, so nothing claimed waits on a
                // slot while its lease runs; and at most half of them per tenant in one pass, so the
                // next due tenant gets the rest.
                let room = slots.freeSlots().mapValues { min($0, max(1, limits.perChannel / 2)) }
                guard room.values.contains(where: { $0 > 0 }) else { continue }
                let (owner, lease, perTenant) = (self.owner, limits.lease, limits.perTenant)
                let jobs = try await store.write(for: call) { tx in
                    var jobs: [OutboxJob] = []
                    for channel in AdChannel.allCases {
                        let limit = min(room[channel, default: 0], perTenant - jobs.count)
                        guard limit > 0 else { continue }
                        jobs += try await Outbox.claim(
                            owner: owner, lease: lease, limit: limit,
                            queuesStartingWith: CampaignJobs.queuePrefixes(of: channel), in: tx)
                    }
                    try await Outbox.refreshWake(in: tx)
                    return jobs
                }
                for job in jobs {
                    let channel = CampaignJobs.channel(ofQueue: job.queue)
                    slots.take(channel)
                    claimed += 1
                    group.addTask {
                        await runQueue(from: job, tenant: tenant, call: call)
                        slots.give(channel)
                    }
                }
            }
        }
        return claimed
    }
}

extension OutboxWorker {
    /// Runs `job`, then the jobs queued behind it, in the same slot: the next head is claimed as
    /// soon as its predecessor is done rather than at the next pass, so a busy account's queue
    /// does not wait a poll between jobs. After `limits.chained` jobs the slot goes back to the
    /// pass, so one long queue cannot keep it from the other queues of its channel.
    private func runQueue(from job: OutboxJob, tenant: Tenant, call: SystemCall) async {
        var next: OutboxJob? = job
        var ran = 0
        while let current = next {
            await runner.run(current, tenant: tenant, owner: owner)
            ran += 1
            guard ran < limits.chained, !Task.isShuttingDownGracefully else { return }
            let (owner, lease) = (self.owner, limits.lease)
            next = try? await store.write(for: call) { tx in
                let claimed = try await Outbox.claim(
                    owner: owner, lease: lease, limit: 1, queuesStartingWith: [current.queue], in: tx)
                try await Outbox.refreshWake(in: tx)
                return claimed.first
            }
        }
    }
}

/// Counts the jobs running per channel in this process.
final class ChannelSlots: Sendable {
    private let running = Mutex<[AdChannel: Int]>([:])
    let perChannel: Int

    init(perChannel: Int) {
        self.perChannel = perChannel
    }

    /// Free slots per channel; a channel with none is left to later passes (or other processes).
    func freeSlots() -> [AdChannel: Int] {
        running.withLock { counts in
            Dictionary(
                uniqueKeysWithValues: AdChannel.allCases.map { ($0, max(0, perChannel - counts[$0, default: 0])) })
        }
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
