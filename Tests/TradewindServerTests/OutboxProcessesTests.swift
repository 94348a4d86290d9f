import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import PostgresNIO
import Synchronization
import Testing
import TradewindCore
import TradewindProto
import TradewindTestSupport

@testable import TradewindServer

/// The outbox with several server processes on the same clusters, and with one of them killed in
/// the middle of a publish storm, checked against what the channels' sandbox itself holds.
@Suite("Outbox across server processes", .serialized)
struct OutboxProcessesTests {
    typealias Campaigns = Tradewind_V1_Campaigns.Client
    typealias Channel = CampaignsTests.Channel

    /// A short lease, so the jobs of a killed process are taken over within the test; the request
    /// timeout stays within it as the configuration requires.
    static let shortLease = [
        "TRADEWIND_CHANNELS_OUTBOX_LEASE_SECONDS": "12", "TRADEWIND_CHANNELS_REQUEST_TIMEOUT_SECONDS": "5",
    ]

    static func publish(_ server: ServerProcess, _ key: String, _ id: String) async throws {
        try await server.withClient { grpc in
            var request = Tradewind_V1_PublishCampaignRequest()
            request.id = id
            request.startActive = true
            _ = try await Campaigns(wrapping: grpc).publishCampaign(request, metadata: .bearer(key))
        }
    }

    static func setBudget(_ server: ServerProcess, _ key: String, _ id: String, micros: Int64) async throws {
        let current = try await CampaignsTests.get(key, id)
        try await server.withClient { grpc in
            var request = Tradewind_V1_UpdateCampaignRequest()
            request.campaign.id = id
            request.campaign.etag = current.etag
            request.campaign.budget = current.budget
            request.campaign.budget.amountMicros = micros
            request.updateMask.paths = ["budget"]
            _ = try await Campaigns(wrapping: grpc).updateCampaign(request, metadata: .bearer(key))
        }
    }

    /// The workers that finished the tenant's campaign jobs (a finished job keeps its last lease
    /// owner; every process, the in-process test server's included, has a worker of its own).
    static func finishers(_ tenant: Tenant) async throws -> Set<UUID> {
        try await DatabaseSession.with { session in
            try await session.inRegion(tenant.homeRegion, tenantID: tenant.id) { connection in
                let rows = try await connection.query(
                    """
                    SELECT DISTINCT lease_owner FROM outbox_jobs
                    WHERE state = 2 AND lease_owner IS NOT NULL AND kind LIKE 'campaign.%'
                    """,
                    logger: TestEnvironment.logger)
                var owners: Set<UUID> = []
                for try await owner in rows.decode(UUID.self) { owners.insert(owner) }
                return owners
            }
        }
    }

    /// A channel object's name without the reference Tradewind stamps on it (` [tw-…]`).
    static func name(_ object: [String: Any]) -> String? {
        (object["name"] as? String)?.components(separatedBy: " [tw-")[0]
    }

    /// The daily budget the channel holds for a campaign: its own, or its shared budget's (Google).
    static func dailyBudget(in objects: [[String: Any]], campaign name: String) -> Int64? {
        guard
            let campaign = objects.first(where: {
                $0["level"] as? String == "campaign" && Self.name($0) == name
            })
        else { return nil }
        if let budgetID = campaign["budget_object_id"] as? String,
            let budget = objects.first(where: { $0["id"] as? String == budgetID })
        {
            return (budget["daily_budget_micros"] as? NSNumber)?.int64Value
        }
        return (campaign["daily_budget_micros"] as? NSNumber)?.int64Value
    }

    /// Waits until every campaign in `ids` satisfies `done`; returns them as they are then.
    static func waitAll(
        _ key: String, _ ids: [String], timeout: Duration, until done: @escaping (Tradewind_V1_Campaign) -> Bool
    ) async throws -> [String: Tradewind_V1_Campaign] {
        let deadline = ContinuousClock.now + timeout
        var campaigns: [String: Tradewind_V1_Campaign] = [:]
        for id in ids {
            let remaining = max(deadline - ContinuousClock.now, .seconds(1))
            campaigns[id] = try await CampaignsTests.wait(key, id, timeout: remaining, until: done)
        }
        return campaigns
    }

    @Test("two server processes share the outbox: no job sent twice, none reordered within an account")
    func twoProcesses() async throws {
        let (tenant, key) = try await TestStack.tenant()
        // More Google accounts than one process has Google slots (8), each job slow to answer: the
        // accounts' jobs are in flight at once, so no single worker can take them all.
        let channels = Array(repeating: Channel.all[0], count: 10) + [Channel.all[1], Channel.all[1]]
        var accounts: [(channel: Channel, account: String, sandboxID: String)] = []
        for channel in channels {
            let (account, sandboxID) = try await CampaignsTests.link(key, channel)
            try await SandboxControl.fault(
                channel.sandbox, "latency", account: sandboxID, times: 10_000, extra: ["latency_ms": 400])
            accounts.append((channel, account.id, sandboxID))
        }
        var drafts: [[Tradewind_V1_Campaign]] = []
        for (index, account) in accounts.enumerated() {
            var made: [Tradewind_V1_Campaign] = []
            for n in 0..<3 {
                made.append(
                    try await CampaignsTests.create(
                        key, account.channel.campaign(accountID: account.account, name: "Order \(index)-\(n)")))
            }
            drafts.append(made)
        }

        let (first, second) = (try await ServerProcess.start(), try await ServerProcess.start())
        defer {
            first.killWithoutWaiting()
            second.killWithoutWaiting()
        }
        // Round by round, every account's next publish at once, through one process or the other:
        // within an account they are made in order. Then the first campaign of each account has its
        // budget changed three times, the same way.
        let made = drafts
        for round in 0..<3 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, campaigns) in made.enumerated() {
                    group.addTask {
                        try await Self.publish((round + index) % 2 == 0 ? first : second, key, campaigns[round].id)
                    }
                }
                try await group.waitForAll()
            }
        }
        let budgets: [Int64] = [41_000_000, 42_000_000, 43_000_000]
        for (step, micros) in budgets.enumerated() {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, campaigns) in made.enumerated() {
                    let campaign = campaigns[0]
                    let target = campaign.budget.amountMicros + micros - budgets[0]
                    group.addTask {
                        try await Self.setBudget(
                            (step + index) % 2 == 0 ? second : first, key, campaign.id, micros: target)
                    }
                }
                try await group.waitForAll()
            }
        }
        let all = drafts.flatMap { $0.map(\.id) }
        let settled = try await Self.waitAll(key, all, timeout: .seconds(120), until: CampaignsTests.synced)
        #expect(settled.values.allSatisfy(CampaignsTests.synced), "\(settled.values.map(\.sync))")

        for (index, account) in accounts.enumerated() {
            let objects = try await SandboxControl.objects(account.channel.sandbox, account: account.sandboxID)
            let names = objects.filter { $0["level"] as? String == "campaign" }
                .sorted { ($0["sequence"] as? Int ?? 0) < ($1["sequence"] as? Int ?? 0) }
                .compactMap(Self.name)
            // Each campaign once, in the order it was published.
            #expect(names == drafts[index].map(\.name), "\(account.channel): \(names)")
            let expected = drafts[index][0].budget.amountMicros + budgets[2] - budgets[0]
            #expect(
                Self.dailyBudget(in: objects, campaign: drafts[index][0].name) == expected,
                "\(account.channel): the last budget change is the one the channel keeps")
        }
        #expect(try await Self.finishers(tenant).count >= 2, "more than one process sent the jobs")
    }

    @Test("SIGKILL during a publish storm: no acknowledged publish lost, no campaign created twice on any channel")
    func killedDuringStorm() async throws {
        let (_, key) = try await TestStack.tenant()
        var accounts: [(channel: Channel, account: String, sandboxID: String)] = []
        for channel in Channel.all {
            let (account, sandboxID) = try await CampaignsTests.link(key, channel)
            try await SandboxControl.fault(
                channel.sandbox, "latency", account: sandboxID, times: 10_000, extra: ["latency_ms": 150])
            accounts.append((channel, account.id, sandboxID))
        }
        var drafts: [(account: Int, campaign: Tradewind_V1_Campaign)] = []
        for (index, account) in accounts.enumerated() {
            for n in 0..<6 {
                drafts.append(
                    (
                        index,
                        try await CampaignsTests.create(
                            key, account.channel.campaign(accountID: account.account, name: "Storm \(index)-\(n)"))
                    ))
            }
        }

        let server = try await ServerProcess.start(environment: Self.shortLease)
        defer { server.killWithoutWaiting() }
        let acknowledged = Acknowledged()
        let ids = drafts.map(\.campaign.id)
        await withTaskGroup(of: Void.self) { group in
            for id in ids {
                group.addTask {
                    if (try? await Self.publish(server, key, id)) != nil { acknowledged.insert(id) }
                }
            }
            // Killed while publishes are still being acknowledged and jobs are in flight.
            group.addTask {
                while acknowledged.ids.count < ids.count / 2 {
                    try? await Task.sleep(for: .milliseconds(20))
                }
                try? await Task.sleep(for: .milliseconds(300))
                await server.kill()
            }
        }
        let acked = acknowledged.ids
        #expect(acked.count >= drafts.count / 2)

        // The in-process server's worker takes over what the dead process held once its leases
        // run out; every publish that was acknowledged reaches its channel exactly once.
        let settled = try await Self.waitAll(
            key, Array(acked), timeout: .seconds(120), until: CampaignsTests.synced)
        #expect(settled.values.allSatisfy(CampaignsTests.synced), "\(settled.values.map(\.sync))")
        for (index, account) in accounts.enumerated() {
            let names = try await CampaignsTests.channelCampaigns(account.channel, account.sandboxID)
                .compactMap(Self.name)
            #expect(Set(names).count == names.count, "\(account.channel) holds a campaign twice: \(names)")
            for (owner, campaign) in drafts where owner == index {
                let now = try await CampaignsTests.get(key, campaign.id)
                let held = names.filter { $0 == campaign.name }.count
                if acked.contains(campaign.id) {
                    #expect(held == 1, "\(campaign.name): acknowledged, held \(held) times")
                } else if now.status == .draft {
                    // Its publish never committed: nothing may have reached the channel.
                    #expect(held == 0, "\(campaign.name): a draft the channel holds")
                } else {
                    // Committed but unacknowledged (killed before the answer): it is published once.
                    let synced = try await CampaignsTests.wait(
                        key, campaign.id, timeout: .seconds(60), until: CampaignsTests.synced)
                    #expect(CampaignsTests.synced(synced))
                    let again = try await CampaignsTests.channelCampaigns(account.channel, account.sandboxID)
                    #expect(again.filter { Self.name($0) == campaign.name }.count == 1)
                }
            }
        }
    }

    /// The campaign ids whose Publish was answered.
    final class Acknowledged: Sendable {
        private let recorded = Mutex<Set<String>>([])
        var ids: Set<String> { recorded.withLock { $0 } }
        func insert(_ id: String) { recorded.withLock { _ = $0.insert(id) } }
    }
}
