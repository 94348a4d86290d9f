import Foundation
import Logging
import TradewindAudit
import TradewindChannels
import TradewindCore
import TradewindStore

/// Runs one claimed outbox job of a campaign or an account against its channel, then records
/// the outcome in one transaction: the job's new state, the campaign's sync state and channel
/// ids, credentials the connector refreshed, and one audit record per exchange with the channel.
struct ChannelJobRunner: Sendable {
    let store: TenantStore
    let channels: ChannelConnectors
    let sealer: CredentialSealer
    let policy: RetryPolicy
    /// How often each account's metrics are pulled.
    let metricsInterval: Duration
    /// Bound of the database work of one step.
    let timeout: Duration
    /// Bound of writing one pull's metrics (up to 90 days of every campaign of an account).
    let metricsTimeout: Duration
    let logger: Logger
    /// How often a sync brings its list in line with the segment and the ledger (withdrawals and
    /// erasures bring its next run forward to now).
    var audienceInterval: Duration = .seconds(300)
    var audience = AudiencePasses()

    /// How an audience sync's run is cut into steps and passes.
    struct AudiencePasses: Sendable {
        /// Members read and sent per step.
        var batch = 10_000
        /// How long one pass may send before it hands over to the next, well within the outbox
        /// lease (a pass past its lease would be claimed again while it runs), and so that
        /// removals owed (withdrawals arriving meanwhile) go out at least this often during a long
        /// first upload.
        var passBudget: Duration = .seconds(45)
        /// How soon a run asks again about the channel's jobs carrying removals (Google's offline
        /// user data jobs, Amazon's records jobs), while any is under way.
        var confirmationPoll: Duration = .seconds(15)
    }

    static let principal = "channel-worker"

    /// Backoff between attempts: exponential with full jitter, never shorter than what the
    /// channel asked for, capped; a job gives up after `maximumAttempts`.
    struct RetryPolicy: Sendable {
        var base: Duration = .seconds(2)
        var cap: Duration = .seconds(900)
        /// Attempts before a job gives up; rate-limited attempts retry for as long as it takes.
        var maximumAttempts = 12
        /// How long a job of an account whose credentials were refused waits before it tries again
        /// (replacing the credentials brings it forward).
        var reauthorizationWait: Duration = .seconds(3600)

        func delay(afterAttempt attempt: Int, channelHint: Duration?) -> Duration {
            let exponent = min(max(attempt - 1, 0), 20)
            let ceiling = min(cap, base * (1 << exponent))
            let jittered = ceiling * Double.random(in: 0.5...1.0)
            guard let hint = channelHint else { return jittered }
            return max(jittered, hint)
        }
    }

    /// What a job's attempt came to.
    private enum Outcome {
        case done(published: PublishedCampaign?)
        case metrics(rows: [ChannelMetricsRepository.Row], from: CalendarDay, through: CalendarDay)
        case failed(ChannelError)
        case impossible(code: String, message: String)
    }

    func run(_ job: OutboxJob, tenant: Tenant, owner: UUID) async {
        let call = SystemCall(
            principal: Self.principal, tenant: tenant, recording: .upkeep, timeout: timeout, logger: logger)
        do {
            if job.kind == CampaignJobs.metricsSyncKind {
                try await runMetricsSync(job, tenant: tenant, owner: owner, call: call)
            } else if job.kind == AudienceSyncRepository.jobKind {
                try await runAudienceSync(job, tenant: tenant, owner: owner, call: call)
            } else if let operation = CampaignJobs.Operation(rawValue: job.kind) {
                try await runCampaignJob(job, operation: operation, tenant: tenant, owner: owner, call: call)
            } else {
                _ = try await store.write(for: call) { tx in
                    try await Outbox.fail(job, owner: owner, code: "unknown_kind", message: job.kind, in: tx)
                }
            }
        } catch {
            // Nothing was recorded as done. Hand the job back with a backoff rather than hold it
            // until its lease runs out; when even that fails, the lease's expiry brings it back.
            // Either way the next attempt of a publish looks on the channel before creating.
            logger.warning(
                "outbox job could not be finished",
                metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "error": "\(StoreError.logDescription(error))"])
            let next = Date().addingTimeInterval(policy.delay(afterAttempt: job.attempts, channelHint: nil).seconds)
            _ = try? await store.write(for: call) { tx in
                if job.kind == AudienceSyncRepository.jobKind, let syncID = job.subjectID {
                    // The sync shows a failure of ours as it shows a channel's refusal (its row
                    // before the job's, the order `AudienceSyncRepository.lock` keeps).
                    try await AudienceSyncRepository.recordProgress(
                        id: syncID, listID: nil, sent: 0, removed: 0, errorCode: "internal",
                        errorMessage: "the run failed in Tradewind; it is retried", in: tx)
                }
                _ = try await Outbox.retry(
                    job, owner: owner, at: next, code: "internal", message: "the attempt could not be recorded", in: tx)
                try await Outbox.refreshWake(in: tx)
            }
        }
    }

    // MARK: - Campaign jobs

    private func runCampaignJob(
        _ job: OutboxJob, operation: CampaignJobs.Operation, tenant: Tenant, owner: UUID, call: SystemCall
    ) async throws {
        guard let payload = try? JSONDecoder().decode(CampaignJobs.CampaignPayload.self, from: Data(job.payload.utf8))
        else {
            _ = try await store.write(for: call) { tx in
                try await Outbox.fail(job, owner: owner, code: "bad_payload", message: "unreadable payload", in: tx)
            }
            return
        }
        let sealer = self.sealer
        let loaded = try await store.read(for: call) {
            tx -> (CampaignRecord, ChannelAccountRecord, ChannelCredentials)? in
            guard let campaign = try await CampaignRepository.get(id: payload.campaignID, in: tx),
                let (account, sealed) = try await ChannelAccountRepository.sealedCredentials(
                    id: campaign.accountID, in: tx)
            else { return nil }
            let credentials = try sealer.open(sealed, tenantID: tenant.id, accountID: account.id)
            return (campaign, account, credentials)
        }
        guard let (campaign, account, credentials) = loaded else {
            try await finish(
                job, owner: owner, campaignID: payload.campaignID, operation: operation, account: nil,
                outcome: .impossible(code: "account_unlinked", message: "the campaign's channel account is unlinked"),
                session: nil, recorder: nil, call: call)
            return
        }
        let recorder = Self.recorder(
            of: job, tenant: tenant, account: account,
            resources: ["campaign:\(campaign.id.uuidString.lowercased())"]
                + (payload.adGroupID.map { ["ad_group:\($0.uuidString.lowercased())"] } ?? [])
                + (payload.adID.map { ["ad:\($0.uuidString.lowercased())"] } ?? []),
            ruleID: payload.ruleID)
        let session = ChannelSession(credentials: credentials, observer: recorder.observer)
        if account.status == .needsReauthorization {
            try await finish(
                job, owner: owner, campaignID: campaign.id, operation: operation, account: account,
                outcome: .failed(
                    .unauthorized(
                        .init(
                            channel: account.identity.channel, code: "needs_reauthorization",
                            message: account.statusReason))), session: nil, recorder: recorder, call: call)
            return
        }
        let connector = channels.connector(for: campaign.channel)
        let target = CampaignJobs.connectorAccount(account)
        var outcome: Outcome
        do {
            switch operation {
            case .publishActive, .publishPaused:
                // Any earlier attempt may have reached the channel: look before creating.
                let published = try await connector.publish(
                    campaign.tree, reference: ChannelReference(campaign.reference),
                    lookUpFirst: job.attempts > 1 || payload.mayExistOnChannel == true,
                    in: target, session: session)
                try await connector.setStatus(
                    operation == .publishActive ? .active : .paused, of: published, in: target, session: session)
                outcome = .done(published: published)
            case .adGroupStatus:
                // The group's status as it is now, whatever the job was queued for: idempotent, and
                // a later change of mind wins.
                guard let groupID = payload.adGroupID, let index = campaign.adGroupIDs.firstIndex(of: groupID),
                    let published = campaign.published, index < published.adGroups.count
                else {
                    outcome = .impossible(code: "not_published", message: "the ad group never reached the channel")
                    break
                }
                try await connector.setAdGroupStatus(
                    campaign.adGroupStatuses[index], adGroupID: published.adGroups[index].adGroupID, in: target,
                    session: session)
                outcome = .done(published: nil)
            case .adStatus:
                guard let adID = payload.adID, let (g, a) = campaign.position(ofAd: adID),
                    let published = campaign.published, g < published.adGroups.count,
                    a < published.adGroups[g].adIDs.count
                else {
                    outcome = .impossible(code: "not_published", message: "the ad never reached the channel")
                    break
                }
                try await connector.setAdStatus(
                    campaign.adStatuses[g][a], adID: published.adGroups[g].adIDs[a],
                    adGroupID: published.adGroups[g].adGroupID, in: target, session: session)
                outcome = .done(published: nil)
            case .pause, .resume, .archive, .budget, .settings:
                guard let published = campaign.published else {
                    outcome = .impossible(code: "not_published", message: "the campaign never reached the channel")
                    break
                }
                switch operation {
                case .pause: try await connector.setStatus(.paused, of: published, in: target, session: session)
                case .resume: try await connector.setStatus(.active, of: published, in: target, session: session)
                case .archive: try await connector.setStatus(.archived, of: published, in: target, session: session)
                case .settings:
                    try await connector.updateSettings(
                        of: campaign.tree, campaign: published, reference: ChannelReference(campaign.reference),
                        in: target, session: session)
                default:
                    try await connector.setBudget(
                        campaign.tree.campaign.budget, of: published, in: target, session: session)
                }
                outcome = .done(published: nil)
            }
        } catch {
            outcome = .failed(error)
        }
        try await finish(
            job, owner: owner, campaignID: campaign.id, operation: operation, account: account, outcome: outcome,
            session: session, recorder: recorder, call: call)
    }

    /// Records a job's channel exchanges for the audit log: the worker as principal, the job's id
    /// as the request id.
    static func recorder(
        of job: OutboxJob, tenant: Tenant, account: ChannelAccountRecord, resources: [String], ruleID: UUID? = nil
    ) -> OutboundRecorder {
        OutboundRecorder(
            origin: .init(
                tenant: tenant, principal: AuditPrincipal(id: principal, kind: "system"),
                requestID: job.id.uuidString.lowercased(), accountID: account.id,
                externalAccountID: account.identity.externalID, resources: resources, ruleID: ruleID))
    }

    private func finish(
        _ job: OutboxJob, owner: UUID, campaignID: UUID, operation: CampaignJobs.Operation,
        account: ChannelAccountRecord?, outcome: Outcome, session: ChannelSession?, recorder: OutboundRecorder?,
        call: SystemCall
    ) async throws {
        let refreshed = try sealedRefresh(session, account: account, tenant: call.tenant)
        let policy = self.policy
        try await store.write(for: call, alsoRecording: { _ in recorder?.takeRecords() ?? [] }) { tx in
            if let account, let refreshed {
                try await ChannelAccountRepository.storeRefreshedCredentials(
                    id: account.id, sealedCredentials: refreshed, in: tx)
            }
            switch outcome {
            case .done(let published):
                guard try await Outbox.complete(job, owner: owner, in: tx) else { break }
                if let published {
                    try await CampaignRepository.setPublished(id: campaignID, published: published, in: tx)
                }
                try await CampaignRepository.setSync(
                    id: campaignID, sync: try await Self.syncAfter(campaignID, job: job, tx: tx), in: tx)
            case .impossible(let code, let message):
                guard try await Outbox.fail(job, owner: owner, code: code, message: message, in: tx) else { break }
                try await CampaignRepository.setSync(
                    id: campaignID,
                    sync: SyncState(
                        kind: .failed, operation: operation.syncName, attempts: job.attempts, errorCode: code,
                        errorMessage: message), in: tx)
            case .failed(let error):
                let code = error.channelCode ?? Self.kindCode(error)
                let message = Self.message(of: error)
                if case .unauthorized = error, let account {
                    try await ChannelAccountRepository.markNeedsReauthorization(
                        id: account.id,
                        reason: "\(account.identity.channel.rawValue) refused the credentials: \(error.channelMessage)",
                        in: tx)
                }
                let retryable = error.isRetryable || { if case .unauthorized = error { true } else { false } }()
                // A rate limit says "later", not "no": it never uses up the attempts.
                let rateLimited = { if case .rateLimited = error { true } else { false } }()
                if retryable && (job.attempts < policy.maximumAttempts || rateLimited) {
                    var wait = policy.delay(afterAttempt: job.attempts, channelHint: error.retryAfter)
                    if case .unauthorized = error { wait = policy.reauthorizationWait }
                    let next = Date().addingTimeInterval(wait.seconds)
                    guard
                        try await Outbox.retry(
                            job, owner: owner, at: next, code: code, message: message, in: tx)
                    else { break }
                    try await CampaignRepository.setSync(
                        id: campaignID,
                        sync: SyncState(
                            kind: .retrying, operation: operation.syncName, attempts: job.attempts, nextAttemptAt: next,
                            errorCode: code, errorMessage: message), in: tx)
                } else {
                    guard
                        try await Outbox.fail(job, owner: owner, code: code, message: message, in: tx)
                    else { break }
                    if operation == .publishActive || operation == .publishPaused {
                        // Never reached the channel for good: a draft again, to fix and publish anew.
                        try await CampaignRepository.setStatus(
                            id: campaignID, status: .draft,
                            sync: SyncState(
                                kind: .failed, operation: operation.syncName, attempts: job.attempts,
                                errorCode: code, errorMessage: message), in: tx)
                    } else {
                        try await CampaignRepository.setSync(
                            id: campaignID,
                            sync: SyncState(
                                kind: .failed, operation: operation.syncName, attempts: job.attempts,
                                errorCode: code, errorMessage: message), in: tx)
                    }
                }
            case .metrics:
                break
            }
            try await Outbox.refreshWake(in: tx)
        }
    }

    /// Synced, unless another change of the campaign waits behind this one.
    private static func syncAfter(_ campaignID: UUID, job: OutboxJob, tx: TenantTransaction) async throws -> SyncState {
        let waiting = try await Outbox.pending(queue: job.queue, in: tx).first { $0.subjectID == campaignID }
        if let waiting, let next = CampaignJobs.Operation(rawValue: waiting.kind) {
            return SyncState(kind: .pending, operation: next.syncName, syncedAt: Date())
        }
        return SyncState(kind: .synced, syncedAt: Date())
    }

    /// The channel's message, after the part of the campaign it refused where it named one.
    static func message(of error: ChannelError) -> String {
        error.field.map { "\($0): \(error.channelMessage)" } ?? error.channelMessage
    }

    static func kindCode(_ error: ChannelError) -> String {
        switch error {
        case .rateLimited: "rate_limited"
        case .transient: "unavailable"
        case .ambiguous: "no_response"
        case .rejected: "rejected"
        case .unauthorized: "unauthorized"
        case .notFound: "not_found"
        }
    }

    /// The credentials to store again when the connector refreshed the access token.
    func sealedRefresh(_ session: ChannelSession?, account: ChannelAccountRecord?, tenant: Tenant) throws
        -> [UInt8]?
    {
        guard let session, let account, session.credentialsChanged else { return nil }
        return try sealer.seal(session.credentials, tenantID: tenant.id, accountID: account.id)
    }

    // MARK: - Metric pulls

    private func runMetricsSync(_ job: OutboxJob, tenant: Tenant, owner: UUID, call: SystemCall) async throws {
        let days =
            (try? JSONDecoder().decode(CampaignJobs.MetricsPayload.self, from: Data(job.payload.utf8)))?.days
            ?? MetricRestatement.defaultTrailingDays
        guard let accountID = job.subjectID else { return }
        let sealer = self.sealer
        let loaded = try await store.read(for: call) { tx -> (ChannelAccountRecord, ChannelCredentials, Published)? in
            guard let (account, sealed) = try await ChannelAccountRepository.sealedCredentials(id: accountID, in: tx)
            else { return nil }
            let credentials = try sealer.open(sealed, tenantID: tenant.id, accountID: account.id)
            // Figures by ad group or ad only for tenants whose rules look at that level: each
            // pull is as big again as the campaigns'.
            let levels = try await RuleRepository.levelsInUse(in: tx)
            return (
                account, credentials,
                Published(
                    levels: Set(levels.map { ChannelMetricLevel(rawValue: $0.rawValue) ?? .campaign }),
                    campaigns: try await ChannelMetricsRepository.campaignsByChannelID(account: accountID, in: tx),
                    adGroups: levels.contains(.adGroup)
                        ? try await ChannelMetricsRepository.adGroupsByChannelID(account: accountID, in: tx) : [:],
                    ads: levels.contains(.ad)
                        ? try await ChannelMetricsRepository.adsByChannelID(account: accountID, in: tx) : [:])
            )
        }
        guard let (account, credentials, published) = loaded else {
            _ = try await store.write(for: call) { tx in
                try await Outbox.fail(job, owner: owner, code: "account_unlinked", message: "account unlinked", in: tx)
            }
            return
        }
        let recorder = Self.recorder(of: job, tenant: tenant, account: account, resources: [])
        let session = ChannelSession(credentials: credentials, observer: recorder.observer)
        let zone = TimeZone(identifier: account.profile.timeZone) ?? .gmt
        let through = CalendarDay(Date(), in: zone)
        let from = through.adding(days: Int64(1 - max(1, min(days, CampaignJobs.maximumSyncDays))))
        var fetched: [ChannelDailyMetric] = []
        var fetchedByAdGroup: [ChannelDailyMetric] = []
        var fetchedByAd: [ChannelDailyMetric] = []
        var failure: ChannelError?
        if account.status == .active && !published.campaigns.isEmpty {
            let connector = channels.connector(for: account.identity.channel)
            let target = CampaignJobs.connectorAccount(account)
            do {
                fetched = try await connector.dailyMetrics(
                    .campaign, from: from, through: through, in: target, session: session)
                if !published.adGroups.isEmpty {
                    fetchedByAdGroup = try await connector.dailyMetrics(
                        .adGroup, from: from, through: through, in: target, session: session)
                }
                if !published.ads.isEmpty {
                    fetchedByAd = try await connector.dailyMetrics(
                        .ad, from: from, through: through, in: target, session: session)
                }
            } catch {
                failure = error
            }
        }
        let refreshed = try sealedRefresh(session, account: account, tenant: tenant)
        let metricsCall = SystemCall(
            principal: Self.principal, tenant: tenant,
            recording: .recordsChanges(method: "tradewind/channels.metrics_sync", dataClass: .channelMetrics),
            timeout: metricsTimeout, logger: logger)
        metricsCall.touch("channel_account:\(account.id.uuidString.lowercased())")
        let (policy, interval) = (self.policy, metricsInterval)
        let reporting = tenant.settings.reportingCurrency
        let (fetchedRows, fetchedAdGroupRows, fetchedAdRows, pullFailure) = (
            fetched, fetchedByAdGroup, fetchedByAd, failure
        )
        try await store.write(for: metricsCall, alsoRecording: { _ in recorder.takeRecords() }) { tx in
            if let refreshed {
                try await ChannelAccountRepository.storeRefreshedCredentials(
                    id: account.id, sealedCredentials: refreshed, in: tx)
            }
            if let failure = pullFailure {
                if case .unauthorized = failure {
                    try await ChannelAccountRepository.markNeedsReauthorization(
                        id: account.id,
                        reason:
                            "\(account.identity.channel.rawValue) refused the credentials: \(failure.channelMessage)",
                        in: tx)
                }
                let wait = policy.delay(afterAttempt: job.attempts, channelHint: failure.retryAfter)
                _ = try await Outbox.retry(
                    job, owner: owner, at: Date().addingTimeInterval(min(wait, interval).seconds),
                    code: failure.channelCode ?? Self.kindCode(failure), message: failure.channelMessage, in: tx)
            } else {
                let rows = try await Self.convert(
                    fetchedRows, campaigns: published.campaigns, currency: account.profile.currency,
                    reporting: reporting, tx: tx)
                var written = try await ChannelMetricsRepository.replace(
                    account: account.id, channel: account.identity.channel, currency: account.profile.currency,
                    reportingCurrency: reporting, from: from, through: through, rows: rows, in: tx)
                if !published.adGroups.isEmpty {
                    // Rows of ad groups Tradewind did not publish are left out, as campaigns' are.
                    let adGroupRows = fetchedAdGroupRows.compactMap { metric in
                        metric.adGroupExternalID.flatMap { published.adGroups[$0] }.map {
                            ChannelMetricsRepository.AdGroupRow(
                                adGroupID: $0.adGroup, campaignID: $0.campaign, metric: metric)
                        }
                    }
                    written += try await ChannelMetricsRepository.replaceAdGroups(
                        account: account.id, channel: account.identity.channel, currency: account.profile.currency,
                        from: from, through: through, rows: adGroupRows, in: tx)
                }
                if !published.ads.isEmpty {
                    let adRows = fetchedAdRows.compactMap { metric in
                        metric.adExternalID.flatMap { published.ads[$0] }.map {
                            ChannelMetricsRepository.AdRow(
                                adID: $0.ad, adGroupID: $0.adGroup, campaignID: $0.campaign, metric: metric)
                        }
                    }
                    written += try await ChannelMetricsRepository.replaceAds(
                        account: account.id, channel: account.identity.channel, currency: account.profile.currency,
                        from: from, through: through, rows: adRows, in: tx)
                }
                metricsCall.wrote(rows: max(written, 1))
                try await ChannelAccountRepository.recordMetricsSync(
                    id: account.id, at: Date(), levels: published.levels, in: tx)
                if try await Outbox.complete(job, owner: owner, in: tx) {
                    try await CampaignJobs.scheduleMetricsSync(
                        channel: account.identity.channel, account: account.id, days: nil,
                        at: Date().addingTimeInterval(interval.seconds), in: tx)
                    // Rules triggered by a sync see the figures this transaction stores.
                    try await RuleJobs.scheduleAfterMetricSync(in: tx)
                }
            }
            try await Outbox.refreshWake(in: tx)
        }
    }

    /// What the account has published, by the channel's ids: its campaigns, its ad groups and its
    /// ads with their parents (these two only when figures at their level are pulled).
    struct Published: Sendable {
        /// The levels this pull covers: the campaigns', and those the tenant's rules look at.
        var levels: Set<ChannelMetricLevel>
        var campaigns: [String: UUID]
        var adGroups: [String: (adGroup: UUID, campaign: UUID)]
        var ads: [String: (ad: UUID, adGroup: UUID, campaign: UUID)]
    }

    /// The channel's rows of Tradewind's campaigns, with money also in the reporting currency at
    /// each day's rate (as events are converted); rows of campaigns Tradewind did not publish are
    /// left out.
    static func convert(
        _ metrics: [ChannelDailyMetric], campaigns: [String: UUID], currency: String, reporting: String,
        tx: TenantTransaction
    ) async throws -> [ChannelMetricsRepository.Row] {
        let ours = metrics.filter { campaigns[$0.campaignExternalID] != nil }
        var pairs = Set<CurrencyDay>()
        if currency != reporting {
            for metric in ours {
                pairs.insert(CurrencyDay(currency: currency, day: metric.day.description))
                pairs.insert(CurrencyDay(currency: reporting, day: metric.day.description))
            }
        }
        let usd = try await EventRepository.usdRates(pairs, in: tx)
        var rates: [String: FixedRate?] = [:]
        return ours.compactMap { metric in
            guard let campaignID = campaigns[metric.campaignExternalID] else { return nil }
            let day = metric.day.description
            if rates[day] == nil {
                let table = ExchangeRates(
                    usdPerUnit: usd.filter { $0.key.day == day }.reduce(into: [:]) { $0[$1.key.currency] = $1.value })
                rates[day] = .some(table.rate(from: currency, to: reporting))
            }
            let rate = rates[day] ?? nil
            return ChannelMetricsRepository.Row(
                campaignID: campaignID, metric: metric, spendReportingMicros: rate?.convert(metric.spendMicros),
                conversionValueReportingMicros: rate?.convert(metric.conversionValueMicros))
        }
    }
}

extension Duration {
    /// The duration in seconds, for `Date` arithmetic.
    var seconds: TimeInterval {
        let (whole, attoseconds) = components
        return TimeInterval(whole) + TimeInterval(attoseconds) / 1e18
    }
}
