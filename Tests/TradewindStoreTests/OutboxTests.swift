import Foundation
import PostgresNIO
import Testing
import TradewindCore
import TradewindTestSupport

@testable import TradewindStore

/// The outbox's promises in PostgreSQL, as the server's role: a queue's jobs run one at a time in
/// order, concurrent claimers never share a job, an expired lease hands a job over, and the wake
/// index follows the due work.
@Suite("Outbox")
struct OutboxTests {
    static let region = Region("eu")

    /// Runs `body` in one tenant transaction on the test region.
    static func inTenant<Result: Sendable>(
        _ session: DatabaseSession, _ tenant: Tenant,
        _ body: @Sendable @escaping (TenantTransaction) async throws -> Result
    ) async throws -> Result {
        try await session.inRegion(region, tenantID: tenant.id) { connection in
            try await body(
                TenantTransaction(tenantID: tenant.id, connection: connection, logger: TestEnvironment.logger))
        }
    }

    static func wake(_ session: DatabaseSession, _ tenant: Tenant) async throws -> Date? {
        try await session.inRegion(region, tenantID: nil) { connection in
            let rows = try await connection.query(
                "SELECT due_at FROM outbox_wake WHERE tenant_id = \(tenant.id)", logger: TestEnvironment.logger)
            for try await due in rows.decode(Date.self) { return due }
            return nil
        }
    }

    @Test("only the head of each queue is claimed; the next runs once the head is done")
    func headsInOrder() async throws {
        try await DatabaseSession.with { session in
            let tenant = try await session.makeTenant(Self.region, prefix: "outbox")
            let owner = UUID()
            let (a1, a2, b1) = try await Self.inTenant(session, tenant) { tx in
                (
                    try await Outbox.enqueue(queue: "publish:meta:a", kind: "k", subjectID: nil, in: tx),
                    try await Outbox.enqueue(queue: "publish:meta:a", kind: "k", subjectID: nil, in: tx),
                    try await Outbox.enqueue(queue: "publish:tiktok:b", kind: "k", subjectID: nil, in: tx)
                )
            }
            #expect(a2.sequence == a1.sequence + 1)
            let first = try await Self.inTenant(session, tenant) { tx in
                try await Outbox.claim(owner: owner, lease: .seconds(60), limit: 10, in: tx)
            }
            #expect(Set(first.map(\.id)) == [a1.id, b1.id])
            #expect(first.allSatisfy { $0.attempts == 1 })
            // Leased heads are not claimed again, and nothing behind them is.
            let again = try await Self.inTenant(session, tenant) { tx in
                try await Outbox.claim(owner: UUID(), lease: .seconds(60), limit: 10, in: tx)
            }
            #expect(again.isEmpty)
            let done = try await Self.inTenant(session, tenant) { tx in
                try await Outbox.complete(a1, owner: owner, in: tx)
            }
            #expect(done)
            let next = try await Self.inTenant(session, tenant) { tx in
                try await Outbox.claim(owner: owner, lease: .seconds(60), limit: 10, in: tx)
            }
            #expect(next.map(\.id) == [a2.id])
        }
    }

    @Test("a claim takes only the destinations it has room for; a retry keeps the head's place")
    func skippingAndRetry() async throws {
        try await DatabaseSession.with { session in
            let tenant = try await session.makeTenant(Self.region, prefix: "outbox")
            let owner = UUID()
            let (meta, tiktok, lookalike) = try await Self.inTenant(session, tenant) { tx in
                (
                    try await Outbox.enqueue(queue: "publish:meta:a", kind: "k", subjectID: nil, in: tx),
                    try await Outbox.enqueue(queue: "publish:tiktok:b", kind: "k", subjectID: nil, in: tx),
                    try await Outbox.enqueue(queue: "publish:googleXads:c", kind: "k", subjectID: nil, in: tx)
                )
            }
            let claimed = try await Self.inTenant(session, tenant) { tx in
                // `_` in a prefix is literal, not LIKE's any-character.
                try await Outbox.claim(
                    owner: owner, lease: .seconds(60), limit: 10,
                    queuesStartingWith: ["publish:tiktok:", "publish:google_ads:"], in: tx)
            }
            #expect(claimed.map(\.id) == [tiktok.id])
            let later = Date().addingTimeInterval(3600)
            let retried = try await Self.inTenant(session, tenant) { tx in
                try await Outbox.retry(tiktok, owner: owner, at: later, code: "40100", message: "too frequent", in: tx)
            }
            #expect(retried)
            try await Self.inTenant(session, tenant) { tx in
                _ = try await Outbox.enqueue(queue: "publish:tiktok:b", kind: "k", subjectID: nil, in: tx)
            }
            // The retried head is not due, and the job behind it waits for it.
            let now = try await Self.inTenant(session, tenant) { tx in
                try await Outbox.claim(owner: owner, lease: .seconds(60), limit: 10, in: tx)
            }
            #expect(now.map(\.id) == [meta.id, lookalike.id])
        }
    }

    @Test("two claimers at once never share a job")
    func concurrentClaimersAreDisjoint() async throws {
        try await DatabaseSession.with { session in
            let tenant = try await session.makeTenant(Self.region, prefix: "outbox")
            let jobs = try await Self.inTenant(session, tenant) { tx in
                var jobs: [OutboxJob] = []
                for queue in 0..<20 {
                    jobs.append(
                        try await Outbox.enqueue(queue: "publish:meta:\(queue)", kind: "k", subjectID: nil, in: tx))
                }
                return jobs
            }
            // The first claim's transaction is still open (its rows locked) while the second claims.
            let (first, second) = try await Self.inTenant(session, tenant) { tx in
                let first = try await Outbox.claim(owner: UUID(), lease: .seconds(60), limit: 8, in: tx)
                let second = try await Self.inTenant(session, tenant) { other in
                    try await Outbox.claim(owner: UUID(), lease: .seconds(60), limit: 50, in: other)
                }
                return (first, second)
            }
            #expect(first.count == 8 && second.count == 12)
            #expect(Set(first.map(\.id)).isDisjoint(with: second.map(\.id)))
            #expect(Set(first.map(\.id)).union(second.map(\.id)) == Set(jobs.map(\.id)))
        }
    }

    @Test("an expired lease hands the job to another worker; the first can no longer finish it")
    func expiredLease() async throws {
        try await DatabaseSession.with { session in
            let tenant = try await session.makeTenant(Self.region, prefix: "outbox")
            let (first, second) = (UUID(), UUID())
            let job = try await Self.inTenant(session, tenant) { tx in
                try await Outbox.enqueue(queue: "publish:meta:a", kind: "k", subjectID: nil, in: tx)
            }
            _ = try await Self.inTenant(session, tenant) { tx in
                try await Outbox.claim(owner: first, lease: .milliseconds(1), limit: 1, in: tx)
            }
            try await Task.sleep(for: .milliseconds(50))
            let taken = try await Self.inTenant(session, tenant) { tx in
                try await Outbox.claim(owner: second, lease: .seconds(60), limit: 1, in: tx)
            }
            #expect(taken.map(\.id) == [job.id] && taken.first?.attempts == 2)
            let late = try await Self.inTenant(session, tenant) { tx in
                try await Outbox.complete(job, owner: first, in: tx)
            }
            #expect(!late)
            let done = try await Self.inTenant(session, tenant) { tx in
                try await Outbox.complete(job, owner: second, in: tx)
            }
            #expect(done)
        }
    }

    @Test("the wake index follows the due heads, and is gone when nothing is pending")
    func wakeIndex() async throws {
        try await DatabaseSession.with { session in
            let tenant = try await session.makeTenant(Self.region, prefix: "outbox")
            let owner = UUID()
            let job = try await Self.inTenant(session, tenant) { tx in
                try await Outbox.enqueue(queue: "metrics:meta:a", kind: "k", subjectID: nil, in: tx)
            }
            #expect(try await Self.wake(session, tenant).map { $0 <= Date() } == true)
            let index = OutboxWakeIndexProbe(session: session)
            #expect(try await index.due().contains(tenant.id))
            let later = Date().addingTimeInterval(600)
            try await Self.inTenant(session, tenant) { tx in
                _ = try await Outbox.claim(owner: owner, lease: .seconds(60), limit: 1, in: tx)
                _ = try await Outbox.retry(job, owner: owner, at: later, code: "", message: "", in: tx)
                try await Outbox.refreshWake(in: tx)
            }
            let due = try #require(try await Self.wake(session, tenant))
            #expect(abs(due.timeIntervalSince(later)) < 0.01)
            #expect(try await !index.due().contains(tenant.id))
            try await Self.inTenant(session, tenant) { tx in
                _ = try await Outbox.cancelPending(subjectID: UUID(), kinds: ["k"], in: tx)
                try await tx.connection.query(
                    "UPDATE outbox_jobs SET state = 4 WHERE tenant_id = \(tenant.id)", logger: TestEnvironment.logger)
                try await Outbox.refreshWake(in: tx)
            }
            #expect(try await Self.wake(session, tenant) == nil)
        }
    }

    @Test("a job a worker holds is not changed under it: expedite answers nil; one nobody holds moves forward")
    func expediteLeavesHeldJobs() async throws {
        try await DatabaseSession.with { session in
            let tenant = try await session.makeTenant(Self.region, prefix: "outbox")
            let later = Date().addingTimeInterval(3600)
            let (running, queued) = try await Self.inTenant(session, tenant) { tx in
                (
                    try await Outbox.enqueue(
                        queue: "metrics:meta:a", kind: "k", subjectID: nil, payload: "{\"days\":3}", in: tx),
                    try await Outbox.enqueue(
                        queue: "metrics:meta:b", kind: "k", subjectID: nil, payload: "{\"days\":3}", dueAt: later,
                        in: tx)
                )
            }
            let claimed = try await Self.inTenant(session, tenant) { tx in
                try await Outbox.claim(owner: UUID(), lease: .seconds(60), limit: 10, in: tx)
            }
            #expect(claimed.map(\.id) == [running.id])
            let (held, moved, payload) = try await Self.inTenant(session, tenant) { tx in
                (
                    try await Outbox.expedite(running, to: Date(), payload: "{\"days\":90}", in: tx),
                    try await Outbox.expedite(queued, to: Date(), payload: "{\"days\":90}", in: tx),
                    try await Outbox.pending(queue: "metrics:meta:a", in: tx).first?.payload
                )
            }
            #expect(held == nil)
            #expect(payload?.contains("90") == false, "the running job's payload changed under it")
            #expect(moved.map { $0 < later } == true)
        }
    }

    @Test("another tenant neither sees nor claims a tenant's jobs")
    func isolation() async throws {
        try await DatabaseSession.with { session in
            let a = try await session.makeTenant(Self.region, prefix: "outbox")
            let b = try await session.makeTenant(Self.region, prefix: "outbox")
            try await Self.inTenant(session, a) { tx in
                _ = try await Outbox.enqueue(queue: "publish:meta:shared", kind: "k", subjectID: nil, in: tx)
            }
            let claimedByB = try await Self.inTenant(session, b) { tx in
                try await Outbox.claim(owner: UUID(), lease: .seconds(60), limit: 10, in: tx)
            }
            #expect(claimedByB.isEmpty)
            let visible = try await Self.inTenant(session, b) { tx in
                try await Outbox.pending(queue: "publish:meta:shared", in: tx)
            }
            #expect(visible.isEmpty)
        }
    }
}

/// The region's wake index read as a worker does, before any tenant is known.
struct OutboxWakeIndexProbe {
    let session: DatabaseSession

    func due() async throws -> [UUID] {
        try await session.inRegion(OutboxTests.region, tenantID: nil) { connection in
            let rows = try await connection.query(
                "SELECT tenant_id FROM outbox_wake WHERE due_at <= now()", logger: TestEnvironment.logger)
            var ids: [UUID] = []
            for try await id in rows.decode(UUID.self) { ids.append(id) }
            return ids
        }
    }
}
