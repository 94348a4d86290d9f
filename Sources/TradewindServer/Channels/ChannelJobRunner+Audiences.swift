import Foundation
import TradewindAudit
import TradewindChannels
import TradewindCore
import TradewindStore

/// One run of an audience sync: brings the channel's list in line with the segment and the
/// consent ledger. Removals owed go first (withdrawals, erasures, members who left), then, for an
/// active sync whose channel the tenant allows, the members who may be sent and are not on the
/// list yet, in batches read by key, so a segment of millions never sits in memory. Each step
/// commits what the channel confirmed, with the audit records of its exchanges; a run cut short
/// loses nothing, since adding a member twice or removing one twice changes nothing on a channel.
///
/// Google and Amazon apply uploads in jobs of their own, later: a removal they took waits for its
/// jobs (state 3), each run asks how they stand first, and only a job that succeeded lets the
/// hashes go; a failed one makes the removal owed again.
extension ChannelJobRunner {
    func runAudienceSync(_ job: OutboxJob, tenant: Tenant, owner: UUID, call jobCall: SystemCall) async throws {
        guard let syncID = job.subjectID else { return }
        // Steps over a million members' rows take more than a call's few seconds.
        let call = SystemCall(
            principal: Self.principal, tenant: tenant, recording: .upkeep, timeout: metricsTimeout, logger: logger)
        let sealer = self.sealer
        let loaded = try await store.read(for: call) {
            tx -> (AudienceSyncRepository.Stored, ChannelAccountRecord, ChannelCredentials)? in
            guard let stored = try await AudienceSyncRepository.get(id: syncID, in: tx),
                let (account, sealed) = try await ChannelAccountRepository.sealedCredentials(
                    id: stored.record.accountID, in: tx)
            else { return nil }
            return (stored, account, try sealer.open(sealed, tenantID: tenant.id, accountID: account.id))
        }
        guard let (stored, account, credentials) = loaded else {
            _ = try await store.write(for: call) { tx in
                try await Outbox.fail(job, owner: owner, code: "account_unlinked", message: "account unlinked", in: tx)
            }
            return
        }
        let sync = stored.record
        guard sync.status != .stopped else {
            _ = try await store.write(for: call) { tx in try await Outbox.complete(job, owner: owner, in: tx) }
            return
        }
        let recorder = Self.recorder(
            of: job, tenant: tenant, account: account, resources: ["audience_sync:\(syncID.uuidString.lowercased())"])
        let session = ChannelSession(credentials: credentials, observer: recorder.observer)
        let connector = channels.audienceConnector(for: sync.channel)
        let target = CampaignJobs.connectorAccount(account)
        let started = ContinuousClock.now
        var (sent, removed) = (0, 0)
        var leftOff: UUID?
        do {
            guard account.status == .active else {
                throw ChannelError.unauthorized(
                    .init(channel: sync.channel, code: "needs_reauthorization", message: account.statusReason))
            }
            let list = try await connector.ensureList(
                reference: ChannelReference(stored.reference), name: sync.listName,
                existing: sync.listID.map { AudienceList(externalID: $0, name: sync.listName) }, in: target,
                session: session)
            try await step(call, recorder, session, account, tenant) { tx in
                try await AudienceSyncRepository.oweDepartures(
                    sync: syncID, segment: sync.segmentID, all: sync.status == .stopping, in: tx)
                try await AudienceSyncRepository.recordProgress(
                    id: syncID, listID: list.externalID, sent: 0, removed: 0, errorCode: "", errorMessage: "", in: tx)
            }
            removed += try await settleAwaitedRemovals(
                syncID, connector, target, session, call, recorder, account, tenant)
            try await settleAwaitedAdditions(syncID, connector, target, session, call, recorder, account, tenant)
            removed += try await sendRemovals(syncID, list, connector, target, session, call, recorder, account, tenant)
            if sync.status == .active && tenant.settings.allowsAudienceExport(to: sync.channel) {
                let deadline = started + audience.passBudget
                let added = try await sendAdditions(
                    sync, from: stored.resumeAfter, until: deadline, list, connector, target, session, call, recorder,
                    account,
                    tenant)
                (sent, leftOff) = (added.sent, added.leftOff)
                // Members whose identifiers changed, or who withdrew while their batch went out.
                removed += try await sendRemovals(
                    syncID, list, connector, target, session, call, recorder, account, tenant)
            }
        } catch let error as ChannelError {
            let wait = policy.delay(afterAttempt: job.attempts, channelHint: error.retryAfter)
            let retryAt = Date().addingTimeInterval(min(wait, audienceInterval).seconds)
            try await step(call, recorder, session, account, tenant) { tx in
                if case .unauthorized = error, account.status == .active {
                    try await ChannelAccountRepository.markNeedsReauthorization(
                        id: account.id,
                        reason: "\(account.identity.channel.rawValue) refused the credentials: \(error.channelMessage)",
                        in: tx)
                }
                try await AudienceSyncRepository.recordProgress(
                    id: syncID, listID: nil, sent: 0, removed: 0, errorCode: error.channelCode ?? Self.kindCode(error),
                    errorMessage: error.channelMessage, in: tx)
                _ = try await Outbox.retry(
                    job, owner: owner, at: retryAt, code: error.channelCode ?? Self.kindCode(error),
                    message: error.channelMessage, in: tx)
                try await Outbox.refreshWake(in: tx)
            }
            return
        }
        let (interval, poll, totals, cursor) = (audienceInterval, audience.confirmationPoll, (sent, removed), leftOff)
        let runRecord = AuditEntry(
            time: Date(), requestID: job.id.uuidString.lowercased(), tenantID: tenant.id,
            region: tenant.homeRegion.rawValue, principal: AuditPrincipal(id: Self.principal, kind: "system"),
            method: "tradewind/audiences.sync",
            resources: [
                "audience_sync:\(syncID.uuidString.lowercased())",
                "channel_account:\(account.id.uuidString.lowercased())", "members_sent:\(totals.0)",
                "members_removed:\(totals.1)", "pass:\(cursor == nil ? "complete" : "continues")",
            ], code: 0, outcome: "ok", latencyMicroseconds: Int64((ContinuousClock.now - started) / .microseconds(1)),
            peer: "local", dataClasses: [.audiences], rowsWritten: Int64(totals.0 + totals.1))
        try await step(call, recorder, session, account, tenant, extra: [runRecord]) { tx in
            // The sync's row before the job's, the order every writer of both keeps (see
            // `AudienceSyncRepository.lock`); the counts are read after the lock is held.
            guard let now = try await AudienceSyncRepository.get(id: syncID, lock: true, in: tx),
                try await Outbox.complete(job, owner: owner, in: tx)
            else { return }
            if now.record.status == .stopping && now.record.membersOnList == 0 && now.record.pendingRemovals == 0 {
                try await AudienceSyncRepository.setStatus(id: syncID, status: .stopped, in: tx)
            } else if now.record.status != .stopped {
                // A pass that ran out of time goes on at once from where it stopped; removals still
                // owed (the channel refused part, or a withdrawal came in meanwhile) go at once too;
                // removals awaiting the channel's jobs are asked about after `poll`; otherwise the
                // next look is after the interval.
                let owed = now.record.pendingRemovals - now.record.removalsAwaitingConfirmation
                let awaiting = now.record.removalsAwaitingConfirmation + now.record.additionsAwaitingConfirmation
                let wait = awaiting > 0 ? min(poll, interval) : interval
                let next = cursor != nil || owed > 0 ? Date() : Date().addingTimeInterval(wait.seconds)
                try await AudienceSyncRepository.setResumeAfter(id: syncID, contact: cursor, in: tx)
                try await Outbox.enqueue(
                    queue: AudienceSyncRepository.queue(channel: now.record.channel, sync: syncID),
                    kind: AudienceSyncRepository.jobKind, subjectID: syncID, dueAt: next, in: tx)
            }
            try await Outbox.refreshWake(in: tx)
        }
    }

    /// One transaction of a run: `body`, the credentials the connector refreshed, and the audit
    /// records of the exchanges made since the last step.
    @discardableResult
    private func step<Result: Sendable>(
        _ call: SystemCall, _ recorder: OutboundRecorder, _ session: ChannelSession, _ account: ChannelAccountRecord,
        _ tenant: Tenant, extra: [AuditEntry] = [],
        _ body: @Sendable @escaping (TenantTransaction) async throws -> Result
    ) async throws -> Result {
        let refreshed = try sealedRefresh(session, account: account, tenant: tenant)
        return try await store.write(for: call, alsoRecording: { _ in recorder.takeRecords() + extra }) { tx in
            if let refreshed {
                try await ChannelAccountRepository.storeRefreshedCredentials(
                    id: account.id, sealedCredentials: refreshed, in: tx)
            }
            return try await body(tx)
        }
    }

    /// Asks the channel how the jobs carrying earlier removals stand: the removals of jobs that all
    /// succeeded are confirmed (their hashes deleted), those of a failed job are owed again, and
    /// those still running wait. Returns how many were confirmed.
    private func settleAwaitedRemovals(
        _ syncID: UUID, _ connector: any AudienceConnector, _ target: ChannelAccount, _ session: ChannelSession,
        _ call: SystemCall, _ recorder: OutboundRecorder, _ account: ChannelAccountRecord, _ tenant: Tenant
    ) async throws -> Int {
        let awaited = try await store.read(for: call) { tx in
            try await AudienceSyncRepository.awaitedJobs(sync: syncID, in: tx)
        }
        var confirmed = 0
        for jobs in awaited {
            var states: [AudienceJobState] = []
            for job in jobs { states.append(try await connector.jobState(job, in: target, session: session)) }
            if states.allSatisfy({ $0 == .succeeded }) {
                confirmed += try await step(call, recorder, session, account, tenant) { tx in
                    let count = try await AudienceSyncRepository.confirmJobs(jobs, sync: syncID, in: tx)
                    try await AudienceSyncRepository.recordProgress(
                        id: syncID, listID: nil, sent: 0, removed: count, errorCode: "", errorMessage: "", in: tx)
                    return count
                }
            } else if let reason = states.lazy.compactMap(\.failureReason).first {
                try await step(call, recorder, session, account, tenant) { tx in
                    try await AudienceSyncRepository.reoweJobs(jobs, sync: syncID, in: tx)
                    try await AudienceSyncRepository.recordProgress(
                        id: syncID, listID: nil, sent: 0, removed: 0, errorCode: "job_failed",
                        errorMessage: "\(account.identity.channel.rawValue) did not apply a removal: \(reason)", in: tx)
                }
            }
        }
        return confirmed
    }

    /// Asks the channel how the jobs carrying earlier additions stand: members of jobs that all
    /// succeeded are on the list; those of a failed job are sent again (this run's additions pick
    /// them up); those of a running job wait.
    private func settleAwaitedAdditions(
        _ syncID: UUID, _ connector: any AudienceConnector, _ target: ChannelAccount, _ session: ChannelSession,
        _ call: SystemCall, _ recorder: OutboundRecorder, _ account: ChannelAccountRecord, _ tenant: Tenant
    ) async throws {
        let awaited = try await store.read(for: call) { tx in
            try await AudienceSyncRepository.awaitedAdditionJobs(sync: syncID, in: tx)
        }
        for jobs in awaited {
            var states: [AudienceJobState] = []
            for job in jobs { states.append(try await connector.jobState(job, in: target, session: session)) }
            if states.allSatisfy({ $0 == .succeeded }) {
                try await step(call, recorder, session, account, tenant) { tx in
                    try await AudienceSyncRepository.confirmAdditionJobs(jobs, sync: syncID, in: tx)
                    try await AudienceSyncRepository.recordProgress(
                        id: syncID, listID: nil, sent: 0, removed: 0, errorCode: "", errorMessage: "", in: tx)
                }
            } else if let reason = states.lazy.compactMap(\.failureReason).first {
                try await step(call, recorder, session, account, tenant) { tx in
                    try await AudienceSyncRepository.failAdditionJobs(jobs, sync: syncID, in: tx)
                    try await AudienceSyncRepository.recordProgress(
                        id: syncID, listID: nil, sent: 0, removed: 0, errorCode: "job_failed",
                        errorMessage: "\(account.identity.channel.rawValue) did not apply an addition: \(reason)",
                        in: tx)
                }
            }
        }
    }

    /// Sends every removal owed, oldest first. Hashes the channel's answer confirmed are deleted;
    /// those its jobs carry wait for them (`settleAwaitedRemovals`).
    private func sendRemovals(
        _ syncID: UUID, _ list: AudienceList, _ connector: any AudienceConnector, _ target: ChannelAccount,
        _ session: ChannelSession, _ call: SystemCall, _ recorder: OutboundRecorder, _ account: ChannelAccountRecord,
        _ tenant: Tenant
    ) async throws -> Int {
        var removed = 0
        while true {
            let owed = try await store.read(for: call) { tx in
                try await AudienceSyncRepository.owed(sync: syncID, limit: audience.batch, in: tx)
            }
            guard !owed.isEmpty else { return removed }
            let taken = try await connector.remove(owed.map(\.hashes), from: list, in: target, session: session)
            let ids = owed.map(\.id)
            let confirmed = taken.jobs.isEmpty ? ids.count : 0
            try await step(call, recorder, session, account, tenant) { tx in
                if taken.jobs.isEmpty {
                    try await AudienceSyncRepository.confirmRemoved(rows: ids, sync: syncID, in: tx)
                } else {
                    try await AudienceSyncRepository.awaitConfirmation(
                        rows: ids, jobs: taken.jobs, sync: syncID, in: tx)
                }
                try await AudienceSyncRepository.recordProgress(
                    id: syncID, listID: nil, sent: 0, removed: confirmed, errorCode: "", errorMessage: "", in: tx)
            }
            removed += confirmed
        }
    }

    /// Sends the segment's members who may be sent and whose hashes the list does not hold yet,
    /// from after `start` in contact order, until they are all sent (`leftOff` nil) or `deadline`
    /// passes (`leftOff` is the last contact looked at).
    private func sendAdditions(
        _ sync: AudienceSyncRecord, from start: UUID?, until deadline: ContinuousClock.Instant, _ list: AudienceList,
        _ connector: any AudienceConnector, _ target: ChannelAccount, _ session: ChannelSession, _ call: SystemCall,
        _ recorder: OutboundRecorder, _ account: ChannelAccountRecord, _ tenant: Tenant
    ) async throws -> (sent: Int, leftOff: UUID?) {
        var sent = 0
        var after = start
        var steps = 0
        while true {
            // Every pass sends at least one step, however long its removals took, so it always
            // moves on.
            if steps > 0 && ContinuousClock.now >= deadline, let after { return (sent, after) }
            steps += 1
            let position = after
            let batch = try await store.read(for: call) { tx in
                try await AudienceSyncRepository.candidates(
                    sync: sync.id, segment: sync.segmentID, after: position, limit: audience.batch, in: tx)
            }
            guard let last = batch.last else { return (sent, nil) }
            after = last.contactID
            var members: [(contactID: UUID, hashes: AudienceMemberHashes)] = []
            var stale: [UUID] = []
            for candidate in batch {
                guard
                    let hashes = AudienceMemberHashes(
                        email: candidate.email.isEmpty ? nil : candidate.email,
                        phone: candidate.phone.isEmpty ? nil : candidate.phone, for: sync.channel)
                else { continue }
                if let row = candidate.rowID {
                    if candidate.storedEmail == hashes.email && candidate.storedPhone == hashes.phone { continue }
                    stale.append(row)
                }
                members.append((candidate.contactID, hashes))
            }
            guard !members.isEmpty else { continue }
            if !stale.isEmpty {
                // The old hashes leave before the new ones go: a hash both hold (the phone, when only
                // the e-mail changed) must end on the list.
                let rows = stale
                try await step(call, recorder, session, account, tenant) { tx in
                    try await AudienceSyncRepository.detach(rows: rows, sync: sync.id, in: tx)
                }
                _ = try await sendRemovals(sync.id, list, connector, target, session, call, recorder, account, tenant)
            }
            // Members a job of the channel's own carries are on the list once it succeeds.
            let taken = try await connector.add(members.map(\.hashes), to: list, in: target, session: session)
            let uploaded = members
            try await step(call, recorder, session, account, tenant) { tx in
                try await AudienceSyncRepository.recordSent(
                    sync: sync.id, segment: sync.segmentID, members: uploaded, jobs: taken.jobs, in: tx)
                try await AudienceSyncRepository.recordProgress(
                    id: sync.id, listID: nil, sent: uploaded.count, removed: 0, errorCode: "", errorMessage: "",
                    in: tx)
            }
            sent += members.count
        }
    }
}
