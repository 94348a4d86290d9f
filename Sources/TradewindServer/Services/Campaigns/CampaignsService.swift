import Foundation
import GRPCCore
import SwiftProtobuf
import TradewindAudit
import TradewindChannels
import TradewindCore
import TradewindProto
import TradewindStore

/// `tradewind.v1.Campaigns`: linked ad accounts and campaigns on them.
///
/// Handlers check the whole request against the channel's rules first (Core's
/// `CampaignValidation`, then the connector's own mapping), then work in one audited transaction in
/// the tenant's home region. Nothing here talks to a channel but `LinkChannelAccount` and
/// `UpdateChannelCredentials`, which must check the credentials before keeping them; everything
/// else a channel must hear about is written as an outbox job with the change (`CampaignJobs`).
struct CampaignsService: Tradewind_V1_Campaigns.SimpleServiceProtocol {
    let store: TenantStore
    let channels: ChannelConnectors
    let sealer: CredentialSealer
    let pageTokens: PageTokenCodec
    let limits: ServerConfiguration.Limits
    /// The ad-copy rules each ad is checked on when its campaign is saved or published.
    let copyRules: CopyRuleBook

    static let notFound = RPCError(code: .notFound, message: "no such campaign")
    static let accountNotFound = RPCError(code: .notFound, message: "no such channel account")

    // MARK: - Channel accounts

    func linkChannelAccount(request: Tradewind_V1_LinkChannelAccountRequest, context: ServerContext) async throws
        -> Tradewind_V1_ChannelAccount
    {
        var collector = ViolationCollector()
        let channel = ProtoMapping.adChannel(request.channel)
        if channel == nil {
            collector.add(
                "channel",
                request.channel == .unspecified
                    ? "is required" : "must be GOOGLE_ADS, META, TIKTOK or AMAZON_ADS")
        }
        var identity: ChannelAccountIdentity?
        let credentials = ProtoMapping.credentials(request.credentials)
        if let channel {
            switch ChannelAccountIdentity.parse(
                channel: channel, externalID: request.externalID,
                marketplaceID: request.marketplaceID.isEmpty ? nil : request.marketplaceID, prefix: "account")
            {
            case .success(let parsed): identity = parsed
            case .failure(let failure):
                for violation in failure.violations {
                    collector.add(violation.field.replacingOccurrences(of: "account.", with: ""), violation.description)
                }
            }
            for violation in credentials.violations(for: channel, prefix: "credentials") {
                collector.add(violation.field, violation.description)
            }
            Self.checkPageID(request.pageID, channel: channel, into: &collector)
            Self.checkPixelID(request.pixelID, channel: channel, into: &collector)
        }
        let idempotency = IdempotencyKey.parse(
            request.idempotencyKey, method: "LinkChannelAccount", request: request, into: &collector)
        try collector.throwIfAny()
        guard let identity else { throw RPCError(code: .invalidArgument, message: "channel: is required") }

        let call = try CallContext.tenantCall()
        let accountID = UUID()
        // A retry answers from what the first call linked, without asking the channel again.
        if let idempotency,
            let replayed = try await store.read(
                for: call,
                { tx -> ChannelAccountRecord? in
                    guard let existing = try await idempotency.existing(call: call, in: tx) else { return nil }
                    return try await ChannelAccountRepository.get(id: existing, in: tx)
                })
        {
            return ProtoMapping.proto(replayed)
        }

        let recorder = recorder(call: call, accountID: accountID, externalID: identity.externalID)
        let (profile, checked) = try await verify(identity, credentials: credentials, recorder: recorder, call: call)
        let sealed = try sealer.seal(checked, tenantID: call.tenant.id, accountID: accountID)
        let (pageID, pixelID) = (request.pageID, request.pixelID)
        let account = try await store.write(for: call, alsoRecording: { _ in recorder.takeRecords() }) { tx in
            if let idempotency, let existing = try await idempotency.claim(for: accountID, call: call, in: tx) {
                guard let account = try await ChannelAccountRepository.get(id: existing, in: tx) else {
                    throw Self.accountNotFound
                }
                return account
            }
            guard
                let account = try await ChannelAccountRepository.insert(
                    id: accountID, identity: identity, profile: profile, pageID: pageID, pixelID: pixelID,
                    sealedCredentials: sealed,
                    credentialFields: checked.presentFields, in: tx)
            else {
                throw RPCError(
                    code: .alreadyExists,
                    message:
                        "external_id: \(identity.channel.rawValue) account \(identity.externalID) is linked already")
            }
            try await CampaignJobs.scheduleMetricsSync(
                channel: identity.channel, account: accountID, days: nil, at: Date(), in: tx)
            call.touch("channel_account:\(accountID.uuidString.lowercased())")
            call.wrote(rows: 1)
            return account
        }
        return ProtoMapping.proto(account)
    }

    func getChannelAccount(request: Tradewind_V1_GetChannelAccountRequest, context: ServerContext) async throws
        -> Tradewind_V1_ChannelAccount
    {
        let id = try ProtoMapping.uuid(request.id, field: "id")
        let call = try CallContext.tenantCall()
        let account = try await store.read(for: call) { tx in
            guard let account = try await ChannelAccountRepository.get(id: id, in: tx) else {
                throw Self.accountNotFound
            }
            call.touch("channel_account:\(id.uuidString.lowercased())")
            call.read(rows: 1)
            return account
        }
        return ProtoMapping.proto(account)
    }

    func listChannelAccounts(request: Tradewind_V1_ListChannelAccountsRequest, context: ServerContext) async throws
        -> Tradewind_V1_ListChannelAccountsResponse
    {
        var collector = ViolationCollector()
        var channel: AdChannel?
        if request.channel != .unspecified {
            channel = ProtoMapping.adChannel(request.channel)
            if channel == nil { collector.add("channel", "must be GOOGLE_ADS, META, TIKTOK or AMAZON_ADS") }
        }
        var pageSize = limits.pageSizes.defaultSize
        do { pageSize = try limits.pageSizes.resolve(request.pageSize) } catch {
            collector.add("page_size", error.message)
        }
        try collector.throwIfAny()
        let call = try CallContext.tenantCall()
        let filter = "\(channel?.rawValue ?? "")|\(request.includeUnlinked)"
        let after = try Self.cursor(
            request.pageToken, pageTokens: pageTokens, scope: call.pageTokenScope, filter: filter)
        let (includeUnlinked, channelFilter, size) = (request.includeUnlinked, channel, pageSize)
        let accounts = try await store.read(for: call) { tx in
            let accounts = try await ChannelAccountRepository.list(
                channel: channelFilter, includeUnlinked: includeUnlinked, after: after, limit: size + 1, in: tx)
            call.read(rows: min(accounts.count, size))
            return accounts
        }
        var response = Tradewind_V1_ListChannelAccountsResponse()
        response.accounts = accounts.prefix(pageSize).map(ProtoMapping.proto)
        if accounts.count > pageSize, let last = accounts.prefix(pageSize).last {
            response.nextPageToken = Self.token(
                at: last.linkedAt, id: last.id, pageTokens: pageTokens, scope: call.pageTokenScope, filter: filter)
        }
        return response
    }

    func updateChannelCredentials(
        request: Tradewind_V1_UpdateChannelCredentialsRequest, context: ServerContext
    ) async throws -> Tradewind_V1_ChannelAccount {
        let id = try ProtoMapping.uuid(request.id, field: "id")
        let credentials = ProtoMapping.credentials(request.credentials)
        let call = try CallContext.tenantCall()
        guard
            let current = try await store.read(
                for: call, { tx in try await ChannelAccountRepository.get(id: id, in: tx) }),
            current.status != .unlinked
        else { throw Self.accountNotFound }
        let violations = credentials.violations(for: current.identity.channel, prefix: "credentials")
        if !violations.isEmpty { throw ErrorMapping.invalidArgument(ValidationFailure(violations)) }

        let recorder = recorder(call: call, accountID: id, externalID: current.identity.externalID)
        let (profile, checked) = try await verify(
            current.identity, credentials: credentials, recorder: recorder, call: call)
        guard profile.currency == current.profile.currency else {
            try await store.record(recorder.takeRecords(), for: call)
            throw RPCError(
                code: .failedPrecondition,
                message:
                    "credentials: the channel now reports the account in \(profile.currency), not \(current.profile.currency)"
            )
        }
        let sealed = try sealer.seal(checked, tenantID: call.tenant.id, accountID: id)
        let account = try await store.write(for: call, alsoRecording: { _ in recorder.takeRecords() }) { tx in
            guard
                let account = try await ChannelAccountRepository.replaceCredentials(
                    id: id, sealedCredentials: sealed, credentialFields: checked.presentFields, profile: profile, in: tx
                )
            else { throw Self.accountNotFound }
            // Jobs that waited for usable credentials go now.
            let channel = account.identity.channel
            try await Outbox.expediteQueue(CampaignJobs.publishQueue(channel: channel, account: id), in: tx)
            try await Outbox.expediteQueue(CampaignJobs.metricsQueue(channel: channel, account: id), in: tx)
            call.touch("channel_account:\(id.uuidString.lowercased())")
            call.wrote(rows: 1)
            return account
        }
        return ProtoMapping.proto(account)
    }

    func unlinkChannelAccount(request: Tradewind_V1_UnlinkChannelAccountRequest, context: ServerContext) async throws
        -> Tradewind_V1_ChannelAccount
    {
        let id = try ProtoMapping.uuid(request.id, field: "id")
        let call = try CallContext.tenantCall()
        let account = try await store.write(for: call) { tx in
            guard let current = try await ChannelAccountRepository.get(id: id, in: tx), current.status != .unlinked
            else { throw Self.accountNotFound }
            let pending = try await Outbox.pending(
                queue: CampaignJobs.publishQueue(channel: current.identity.channel, account: id), in: tx)
            guard pending.isEmpty else {
                throw RPCError(
                    code: .failedPrecondition,
                    message: "id: \(pending.count) change(s) for this account are still being sent to the channel")
            }
            guard let account = try await ChannelAccountRepository.unlink(id: id, in: tx) else {
                throw Self.accountNotFound
            }
            _ = try await CampaignJobs.cancelMetricsSync(account: id, in: tx)
            call.touch("channel_account:\(id.uuidString.lowercased())")
            call.wrote(rows: 1)
            return account
        }
        return ProtoMapping.proto(account)
    }

    func syncChannelMetrics(request: Tradewind_V1_SyncChannelMetricsRequest, context: ServerContext) async throws
        -> Tradewind_V1_SyncChannelMetricsResponse
    {
        var collector = ViolationCollector()
        let id = ProtoMapping.uuid(request.accountID, field: "account_id", into: &collector)
        collector.require(
            request.days == 0 || (1...CampaignJobs.maximumSyncDays).contains(Int(request.days)), "days",
            "must be between 1 and \(CampaignJobs.maximumSyncDays)")
        try collector.throwIfAny()
        guard let id else { throw RPCError(code: .invalidArgument, message: "account_id: is required") }
        let days = request.days == 0 ? nil : Int(request.days)
        let call = try CallContext.tenantCall()
        let scheduled = try await store.write(for: call) { tx in
            guard let account = try await ChannelAccountRepository.get(id: id, in: tx), account.status != .unlinked
            else { throw Self.accountNotFound }
            let scheduled = try await CampaignJobs.scheduleMetricsSync(
                channel: account.identity.channel, account: id, days: days, at: Date(), in: tx)
            call.touch("channel_account:\(id.uuidString.lowercased())")
            call.wrote(rows: 1)
            return scheduled
        }
        var response = Tradewind_V1_SyncChannelMetricsResponse()
        response.scheduledTime = Google_Protobuf_Timestamp(date: scheduled)
        return response
    }

    // MARK: - Campaigns

    func createCampaign(request: Tradewind_V1_CreateCampaignRequest, context: ServerContext) async throws
        -> Tradewind_V1_Campaign
    {
        var collector = ViolationCollector()
        let accountID = ProtoMapping.uuid(request.campaign.accountID, field: "campaign.account_id", into: &collector)
        let tree = ProtoMapping.campaignTree(request.campaign, prefix: "campaign", into: &collector)
        let idempotency = IdempotencyKey.parse(
            request.idempotencyKey, method: "CreateCampaign", request: request, into: &collector)
        try collector.throwIfAny()
        guard let accountID else { throw RPCError(code: .invalidArgument, message: "campaign.account_id: is required") }

        let call = try CallContext.tenantCall()
        let account = try await store.read(for: call) { tx in
            try await ChannelAccountRepository.get(id: accountID, in: tx)
        }
        guard let account, account.status != .unlinked else {
            throw RPCError(code: .notFound, message: "campaign.account_id: no such channel account")
        }
        try checkAgainstChannel(tree, account: account)
        let campaignID = UUID()
        let copyRules = copyRules
        let (record, checks) = try await store.write(for: call) { tx in
            if let idempotency, let existing = try await idempotency.claim(for: campaignID, call: call, in: tx) {
                guard let record = try await CampaignRepository.get(id: existing, in: tx) else { throw Self.notFound }
                return (record, try await ContentRepository.latestChecks(campaignID: existing, in: tx))
            }
            let record = try await CampaignRepository.insert(
                id: campaignID, accountID: accountID, channel: account.identity.channel,
                currency: account.profile.currency, tree: tree, in: tx)
            // The ads' copy is checked as it is saved: the gate and the compliance officer read it.
            let (checks, _) = try await CopyChecks.ensure(
                for: record, rules: try await copyRules.rules(in: tx), by: call.principal.id, in: tx)
            call.touch("campaign:\(campaignID.uuidString.lowercased())")
            for check in checks.values { call.touch("copy_check:\(CopyChecks.id(check.id))") }
            call.wrote(rows: 1 + tree.adGroups.count + tree.adGroups.reduce(0) { $0 + $1.ads.count } + checks.count)
            return (record, Array(checks.values))
        }
        return ProtoMapping.proto(record, checks: checks)
    }

    func getCampaign(request: Tradewind_V1_GetCampaignRequest, context: ServerContext) async throws
        -> Tradewind_V1_Campaign
    {
        let id = try ProtoMapping.uuid(request.id, field: "id")
        let call = try CallContext.tenantCall()
        let (record, checks) = try await store.read(for: call) { tx in
            guard let record = try await CampaignRepository.get(id: id, in: tx) else { throw Self.notFound }
            let checks = try await ContentRepository.latestChecks(campaignID: id, in: tx)
            call.touch("campaign:\(id.uuidString.lowercased())")
            call.read(rows: 1 + checks.count)
            return (record, checks)
        }
        return ProtoMapping.proto(record, checks: checks)
    }

    func listCampaigns(request: Tradewind_V1_ListCampaignsRequest, context: ServerContext) async throws
        -> Tradewind_V1_ListCampaignsResponse
    {
        var collector = ViolationCollector()
        var channelFilter: [AdChannel] = []
        for (i, value) in request.channels.enumerated() {
            if let channel = ProtoMapping.adChannel(value) {
                channelFilter.append(channel)
            } else {
                collector.add("channels[\(i)]", "must be GOOGLE_ADS, META, TIKTOK or AMAZON_ADS")
            }
        }
        var statuses: [CampaignStatus] = []
        for (i, value) in request.statuses.enumerated() {
            if let status = ProtoMapping.campaignStatus(value) {
                statuses.append(status)
            } else {
                collector.add("statuses[\(i)]", ProtoMapping.enumMessage(value.rawValue))
            }
        }
        if !request.market.isEmpty {
            collector.require(
                FieldFormats.isValidCountryCode(request.market), "market",
                "must be an ISO 3166-1 alpha-2 code such as DE")
        }
        var accountID: UUID?
        if !request.accountID.isEmpty {
            accountID = ProtoMapping.uuid(request.accountID, field: "account_id", into: &collector)
        }
        var pageSize = limits.pageSizes.defaultSize
        do { pageSize = try limits.pageSizes.resolve(request.pageSize) } catch {
            collector.add("page_size", error.message)
        }
        try collector.throwIfAny()

        let call = try CallContext.tenantCall()
        let filter = [
            channelFilter.map(\.rawValue).sorted().joined(separator: ","),
            statuses.map(\.rawValue).sorted().joined(separator: ","), request.market, request.accountID,
        ].joined(separator: "|")
        let after = try Self.cursor(
            request.pageToken, pageTokens: pageTokens, scope: call.pageTokenScope, filter: filter)
        let market = request.market.isEmpty ? nil : request.market
        let (channelCodes, statusCodes, account, size) = (channelFilter, statuses, accountID, pageSize)
        let records = try await store.read(for: call) { tx in
            let records = try await CampaignRepository.list(
                channels: channelCodes, statuses: statusCodes, market: market, accountID: account, after: after,
                limit: size + 1, in: tx)
            call.read(rows: min(records.count, size))
            return records
        }
        var response = Tradewind_V1_ListCampaignsResponse()
        response.campaigns = records.prefix(pageSize).map(ProtoMapping.proto)
        if records.count > pageSize, let last = records.prefix(pageSize).last {
            response.nextPageToken = Self.token(
                at: last.createdAt, id: last.id, pageTokens: pageTokens, scope: call.pageTokenScope, filter: filter)
        }
        return response
    }

    /// The paths UpdateCampaign takes, and those a published campaign still takes.
    static let updatablePaths: Set<String> = [
        "name", "budget", "bid_strategy", "start_date", "end_date", "markets", "languages", "objective", "ad_groups",
        "product_category", "offer_end_date",
    ]
    static let publishedUpdatablePaths: Set<String> = ["name", "budget", "bid_strategy", "end_date"]

    func updateCampaign(request: Tradewind_V1_UpdateCampaignRequest, context: ServerContext) async throws
        -> Tradewind_V1_Campaign
    {
        var collector = ViolationCollector()
        let id = ProtoMapping.uuid(request.campaign.id, field: "campaign.id", into: &collector)
        collector.require(!request.campaign.etag.isEmpty, "campaign.etag", "is required")
        let paths = request.updateMask.paths
        collector.require(!paths.isEmpty, "update_mask", "must name at least one field")
        for (i, path) in paths.enumerated() where !Self.updatablePaths.contains(path) {
            collector.add("update_mask.paths[\(i)]", "\(path) cannot be changed")
        }
        var incoming = ViolationCollector()
        let proposed = ProtoMapping.campaignTree(request.campaign, prefix: "campaign", into: &incoming)
        // Only the fields being changed are checked here; the merged campaign is checked whole below.
        for violation in incoming.violations
        where paths.contains(where: { violation.field.hasPrefix("campaign.\($0)") }) {
            collector.add(violation.field, violation.description)
        }
        try collector.throwIfAny()
        guard let id else { throw RPCError(code: .invalidArgument, message: "campaign.id: is required") }

        let call = try CallContext.tenantCall()
        let etag = request.campaign.etag
        let copyRules = copyRules
        let (record, checks) = try await store.write(for: call) { tx in
            guard var record = try await CampaignRepository.lock(id: id, in: tx) else { throw Self.notFound }
            guard record.etag == etag else {
                throw RPCError(code: .aborted, message: "campaign.etag: the campaign changed since; read it again")
            }
            guard record.status != .archived else {
                throw RPCError(code: .failedPrecondition, message: "campaign.id: an archived campaign cannot change")
            }
            if record.status != .draft {
                for path in paths where !Self.publishedUpdatablePaths.contains(path) {
                    throw RPCError(
                        code: .failedPrecondition,
                        message:
                            "update_mask: \(path) of a published campaign cannot change; only name, budget, bid_strategy and end_date"
                    )
                }
            }
            let before = record.tree
            for path in paths {
                switch path {
                case "name": record.tree.campaign.name = proposed.campaign.name
                case "budget": record.tree.campaign.budget = proposed.campaign.budget
                case "bid_strategy": record.tree.campaign.bidStrategy = proposed.campaign.bidStrategy
                case "start_date": record.tree.campaign.startDay = proposed.campaign.startDay
                case "end_date": record.tree.campaign.endDay = proposed.campaign.endDay
                case "markets": record.tree.campaign.markets = proposed.campaign.markets
                case "languages": record.tree.campaign.languages = proposed.campaign.languages
                case "objective": record.tree.campaign.objective = proposed.campaign.objective
                case "ad_groups": record.tree.adGroups = proposed.adGroups
                case "product_category": record.tree.campaign.productCategory = proposed.campaign.productCategory
                case "offer_end_date": record.tree.campaign.offerEndDay = proposed.campaign.offerEndDay
                default: break
                }
            }
            // Checked against the account as it is now (a Meta page, a TikTok identity), as Create does.
            guard let account = try await ChannelAccountRepository.get(id: record.accountID, in: tx) else {
                throw Self.notFound
            }
            try self.checkAgainstChannel(record.tree, account: account)
            let updated = try await CampaignRepository.update(
                record, replacingAdGroups: paths.contains("ad_groups"), in: tx)
            // A published campaign's budget has a job of its own; name, bid strategy and end date
            // travel together. Each job sends the tree as it is when it runs.
            var queued: [CampaignJobs.Operation] = []
            let (was, now) = (before.campaign, record.tree.campaign)
            if record.status != .draft {
                if was.budget != now.budget { queued.append(.budget) }
                if was.name != now.name || was.bidStrategy != now.bidStrategy || was.endDay != now.endDay {
                    queued.append(.settings)
                }
            }
            try await CampaignJobs.enqueueChanges(queued, for: updated, in: tx)
            // An edit makes a new check (and voids the approvals of the old text).
            let (checks, made) = try await CopyChecks.ensure(
                for: updated, rules: try await copyRules.rules(in: tx), by: call.principal.id, in: tx)
            call.touch("campaign:\(id.uuidString.lowercased())")
            for check in made { call.touch("copy_check:\(CopyChecks.id(check))") }
            call.wrote(rows: 1)
            return (try await CampaignRepository.get(id: id, in: tx) ?? updated, Array(checks.values))
        }
        return ProtoMapping.proto(record, checks: checks)
    }

    func publishCampaign(request: Tradewind_V1_PublishCampaignRequest, context: ServerContext) async throws
        -> Tradewind_V1_Campaign
    {
        var collector = ViolationCollector()
        let id = ProtoMapping.uuid(request.id, field: "id", into: &collector)
        let idempotency = IdempotencyKey.parse(
            request.idempotencyKey, method: "PublishCampaign", request: request, into: &collector)
        try collector.throwIfAny()
        guard let id else { throw RPCError(code: .invalidArgument, message: "id: is required") }
        let call = try CallContext.tenantCall()
        let (etag, startActive) = (request.etag, request.startActive)
        let copyRules = copyRules
        let (record, checks) = try await store.write(for: call) { tx in
            // A retry of the same publish answers with the campaign as it is now.
            if let idempotency, try await idempotency.claim(for: id, call: call, in: tx) != nil {
                guard let record = try await CampaignRepository.get(id: id, in: tx) else { throw Self.notFound }
                return (record, try await ContentRepository.latestChecks(campaignID: id, in: tx))
            }
            guard let record = try await CampaignRepository.lock(id: id, in: tx) else { throw Self.notFound }
            if !etag.isEmpty, record.etag != etag {
                throw RPCError(code: .aborted, message: "etag: the campaign changed since; read it again")
            }
            guard record.status == .draft else {
                throw RPCError(
                    code: .failedPrecondition, message: "id: the campaign is \(record.status.rawValue), not a draft")
            }
            guard record.tree.adGroups.contains(where: { !$0.ads.isEmpty }) else {
                throw RPCError(
                    code: .failedPrecondition,
                    message: "id: a campaign needs at least one ad group with an ad to publish")
            }
            guard let account = try await ChannelAccountRepository.get(id: record.accountID, in: tx),
                account.status == .active
            else {
                throw RPCError(
                    code: .failedPrecondition,
                    message: "id: the campaign's channel account is not usable; re-authorise or link it again")
            }
            // The publication gate: no ad runs in a market where its check blocks it, or where
            // its review findings are not approved. A text checked on packs that changed since is
            // checked again here. Audited with the checks it read.
            let (checks, fresh) = try await CopyChecks.ensure(
                for: record, rules: try await copyRules.rules(in: tx), by: call.principal.id, in: tx)
            call.touch("campaign:\(id.uuidString.lowercased())")
            for check in checks.values where !fresh.contains(check.id) {
                call.touch("copy_check:\(CopyChecks.id(check.id))")
            }
            try CopyChecks.gate(record, checks: checks, fresh: fresh)
            let operation: CampaignJobs.Operation = startActive ? .publishActive : .publishPaused
            try await CampaignJobs.enqueue(operation, for: record, in: tx)
            try await CampaignRepository.setStatus(
                id: id, status: startActive ? .active : .paused,
                sync: SyncState(kind: .pending, operation: operation.syncName), in: tx)
            call.wrote(rows: 1)
            return (try await CampaignRepository.get(id: id, in: tx) ?? record, Array(checks.values))
        }
        return ProtoMapping.proto(record, checks: checks)
    }

    func pauseCampaign(request: Tradewind_V1_PauseCampaignRequest, context: ServerContext) async throws
        -> Tradewind_V1_Campaign
    {
        try await change(request.id, etag: request.etag, to: .paused, operation: .pause, allowedFrom: [.active])
    }

    func resumeCampaign(request: Tradewind_V1_ResumeCampaignRequest, context: ServerContext) async throws
        -> Tradewind_V1_Campaign
    {
        try await change(request.id, etag: request.etag, to: .active, operation: .resume, allowedFrom: [.paused])
    }

    func archiveCampaign(request: Tradewind_V1_ArchiveCampaignRequest, context: ServerContext) async throws
        -> Tradewind_V1_Campaign
    {
        try await change(
            request.id, etag: request.etag, to: .archived, operation: .archive, allowedFrom: [.draft, .active, .paused])
    }

    func reconcileConversions(request: Tradewind_V1_ReconcileConversionsRequest, context: ServerContext) async throws
        -> Tradewind_V1_ReconcileConversionsResponse
    {
        var collector = ViolationCollector()
        if !request.hasRange { collector.add("range", "is required") }
        let range = AnalyticsService.range(request.range, field: "range", into: &collector)
        collector.require(
            request.campaignIds.count <= limits.pageSizes.maxSize, "campaign_ids",
            "at most \(limits.pageSizes.maxSize) campaigns")
        var campaignIDs: [UUID] = []
        for (i, text) in request.campaignIds.enumerated() {
            if let id = ProtoMapping.uuid(text, field: "campaign_ids[\(i)]", into: &collector) {
                campaignIDs.append(id)
            }
        }
        try collector.throwIfAny()
        guard let range else { throw RPCError(code: .invalidArgument, message: "range: is required") }
        let call = try CallContext.tenantCall()
        let ids = campaignIDs
        let rows = try await store.read(for: call, snapshot: true) { tx in
            let rows = try await ChannelMetricsRepository.reconciliation(
                from: range.from, through: range.to, campaignIDs: ids, in: tx)
            call.read(rows: rows.count)
            return rows
        }
        var response = Tradewind_V1_ReconcileConversionsResponse()
        response.reportingCurrency = call.tenant.settings.reportingCurrency
        response.rows = rows.map { row in
            var proto = Tradewind_V1_ConversionReconciliationRow()
            proto.campaignID = row.campaignID.uuidString.lowercased()
            proto.day = row.day.description
            proto.channelConversions = Double(row.channelConversionsMilli) / 1000
            proto.channelConversionValueMicros = row.channelConversionValueMicros ?? 0
            proto.firstPartyConversions = row.firstPartyConversions
            proto.firstPartyRevenueMicros = row.firstPartyRevenueMicros
            return proto
        }
        return response
    }

    // MARK: - Helpers

    /// Pause, resume or archive: the status the tenant wants, and a job for the channel if the
    /// campaign was ever published.
    private func change(
        _ idText: String, etag: String, to status: CampaignStatus, operation: CampaignJobs.Operation,
        allowedFrom: Set<CampaignStatus>
    ) async throws -> Tradewind_V1_Campaign {
        let id = try ProtoMapping.uuid(idText, field: "id")
        let call = try CallContext.tenantCall()
        let record = try await store.write(for: call) { tx in
            guard let record = try await CampaignRepository.lock(id: id, in: tx) else { throw Self.notFound }
            if !etag.isEmpty, record.etag != etag {
                throw RPCError(code: .aborted, message: "etag: the campaign changed since; read it again")
            }
            guard allowedFrom.contains(record.status) else {
                throw RPCError(
                    code: .failedPrecondition,
                    message: "id: a \(record.status.rawValue) campaign cannot be \(operation.pastTense)")
            }
            if record.status == .draft {
                // Never sent: nothing to tell the channel.
                try await CampaignRepository.setStatus(id: id, status: status, sync: record.sync, in: tx)
            } else {
                try await CampaignJobs.enqueue(operation, for: record, in: tx)
                try await CampaignRepository.setStatus(
                    id: id, status: status, sync: SyncState(kind: .pending, operation: operation.syncName), in: tx)
            }
            call.touch("campaign:\(id.uuidString.lowercased())")
            call.wrote(rows: 1)
            return try await CampaignRepository.get(id: id, in: tx) ?? record
        }
        return ProtoMapping.proto(record)
    }

    private func checkAgainstChannel(_ tree: CampaignTree, account: ChannelAccountRecord) throws {
        let connector = channels.connector(for: account.identity.channel)
        let violations =
            CampaignValidation.violations(
                of: tree, channel: account.identity.channel, currency: account.profile.currency)
            + connector.violations(of: tree, in: CampaignJobs.connectorAccount(account), prefix: "campaign")
        if !violations.isEmpty { throw ErrorMapping.invalidArgument(ValidationFailure(violations)) }
    }

    private func recorder(call: TenantCall, accountID: UUID, externalID: String) -> OutboundRecorder {
        OutboundRecorder(
            origin: .init(
                tenant: call.tenant,
                principal: AuditPrincipal(
                    id: call.principal.id, kind: call.principal.kind.rawValue,
                    certificateFingerprint: call.principal.clientCertificateFingerprint),
                requestID: call.context.requestID, accountID: accountID, externalAccountID: externalID, resources: []))
    }

    /// Asks the channel whether the credentials work for the account. Its refusal, and every
    /// exchange made, are recorded even though nothing is stored.
    private func verify(
        _ identity: ChannelAccountIdentity, credentials: ChannelCredentials, recorder: OutboundRecorder,
        call: TenantCall
    ) async throws -> (ChannelAccountProfile, ChannelCredentials) {
        let session = ChannelSession(credentials: credentials, observer: recorder.observer)
        let connector = channels.connector(for: identity.channel)
        do {
            let profile = try await connector.verify(identity, session: session)
            return (profile, session.credentials)
        } catch {
            try? await store.record(recorder.takeRecords(), for: call)
            let channel = identity.channel.rawValue
            switch error {
            case .unauthorized(let detail):
                throw RPCError(
                    code: .failedPrecondition, message: "credentials: \(channel) refused them: \(detail.message)")
            case .notFound(let detail), .rejected(_, let detail):
                throw RPCError(
                    code: .failedPrecondition,
                    message:
                        "external_id: \(channel) does not give these credentials account \(identity.externalID): \(detail.message)"
                )
            case .rateLimited(let retryAfter, let detail):
                throw RPCError(
                    code: .unavailable,
                    message: "\(channel) is rate-limiting the check (\(detail.code ?? "rate limit")); retry"
                        + (retryAfter.map { " after \($0)" } ?? " later"))
            case .transient(let detail), .ambiguous(let detail):
                throw RPCError(
                    code: .unavailable, message: "\(channel) did not answer the check: \(detail.message); retry")
            }
        }
    }

    static func checkPixelID(_ pixelID: String, channel: AdChannel, into collector: inout ViolationCollector) {
        if channel == .meta {
            collector.require(
                pixelID.isEmpty || (pixelID.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } && pixelID.utf8.count <= 30),
                "pixel_id", "must be a Meta pixel id (digits)")
        } else {
            collector.require(pixelID.isEmpty, "pixel_id", "\(channel.rawValue) takes no pixel")
        }
    }

    static func checkPageID(_ pageID: String, channel: AdChannel, into collector: inout ViolationCollector) {
        switch channel {
        case .meta:
            collector.require(
                !pageID.isEmpty && pageID.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } && pageID.utf8.count <= 30,
                "page_id",
                pageID.isEmpty ? "meta needs the page ads run as" : "must be a Facebook page id (digits)")
        case .tiktok:
            collector.require(
                pageID.isEmpty || (pageID.utf8.count <= 64 && FieldFormats.isPrintableText(pageID, maxLength: 64)),
                "page_id", "must be a TikTok identity id")
        case .googleAds, .amazonAds:
            collector.require(pageID.isEmpty, "page_id", "\(channel.rawValue) takes no page")
        }
    }

    static func cursor(_ token: String, pageTokens: PageTokenCodec, scope: PageTokenScope, filter: String) throws
        -> (Int64, UUID)?
    {
        guard !token.isEmpty else { return nil }
        let position = try pageTokens.decode(token, scope: scope, filterFingerprint: filter)
        guard position.count == 2, let micros = Int64(position[0]), let id = UUID(uuidString: position[1]) else {
            throw ErrorMapping.invalidArgument(ValidationFailure(field: "page_token", "is malformed"))
        }
        return (micros, id)
    }

    static func token(at time: Date, id: UUID, pageTokens: PageTokenCodec, scope: PageTokenScope, filter: String)
        -> String
    {
        pageTokens.encode(
            position: [String(time.microsecondsSince1970), id.uuidString], scope: scope, filterFingerprint: filter)
    }
}
