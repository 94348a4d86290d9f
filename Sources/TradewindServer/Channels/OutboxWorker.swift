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
        /// Rule evaluations running at once in this process (database work only).
        var ruleEvaluations = 2
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
    let rules: RuleJobRunner
    let limits: Limits
    let timeout: Duration
    let logger: Logger
    /// This process's name on its leases.
    let owner = UUID()

    func run() async throws {
        let slots = LaneSlots(perChannel: limits.perChannel, ruleEvaluations: limits.ruleEvaluations)
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
    private func pass(slots: LaneSlots, group: inout DiscardingTaskGroup) async throws -> Int {
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
                let ruleRoom = slots.freeRuleSlots()
                guard room.values.contains(where: { $0 > 0 }) || ruleRoom > 0 else { continue }
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
                    if ruleRoom > 0 && jobs.count < perTenant {
                        jobs += try await Outbox.claim(
                            owner: owner, lease: lease, limit: min(ruleRoom, perTenant - jobs.count),
                            queuesStartingWith: [RuleJobs.queuePrefix], in: tx)
                    }
                    try await Outbox.refreshWake(in: tx)
                    return jobs
                }
                for job in jobs {
                    let lane = OutboxLane(queue: job.queue)
                    slots.take(lane)
                    claimed += 1
                    group.addTask {
                        await runQueue(from: job, tenant: tenant, call: call)
                        slots.give(lane)
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
            if current.queue.hasPrefix(RuleJobs.queuePrefix) {
                await rules.run(current, tenant: tenant, owner: owner)
            } else {
                await runner.run(current, tenant: tenant, owner: owner)
            }
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

/// What a job needs a slot of: its channel, or the rule engine.
enum OutboxLane: Hashable, Sendable {
    case channel(AdChannel)
    case rules

    init?(queue: String) {
        if queue.hasPrefix(RuleJobs.queuePrefix) {
            self = .rules
        } else if let channel = CampaignJobs.channel(ofQueue: queue) {
            self = .channel(channel)
        } else {
            return nil
        }
    }
}

/// Counts the jobs running per lane in this process.
final class LaneSlots: Sendable {
    private let running = Mutex<[OutboxLane: Int]>([:])
    let perChannel: Int
    let ruleEvaluations: Int

    init(perChannel: Int, ruleEvaluations: Int) {
        self.perChannel = perChannel
        self.ruleEvaluations = ruleEvaluations
    }

    /// Free slots per channel; a channel with none is left to later passes (or other processes).
    func freeSlots() -> [AdChannel: Int] {
        running.withLock { counts in
            Dictionary(
                uniqueKeysWithValues: AdChannel.allCases.map {
                    ($0, max(0, perChannel - counts[.channel($0), default: 0]))
                })
        }
    }

    func freeRuleSlots() -> Int {
        running.withLock { max(0, ruleEvaluations - $0[.rules, default: 0]) }
    }

    func take(_ lane: OutboxLane?) {
        guard let lane else { return }
        running.withLock { $0[lane, default: 0] += 1 }
    }

    func give(_ lane: OutboxLane?) {
        guard let lane else { return }
        running.withLock { $0[lane, default: 0] -= 1 }
    }
}
