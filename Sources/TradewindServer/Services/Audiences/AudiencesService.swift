import Foundation
import GRPCCore
import Logging
import SwiftProtobuf
import TradewindAudit
import TradewindCore
import TradewindProto
import TradewindStore

/// `tradewind.v1.Audiences`: segments synced to the channels' customer lists under consent, and
/// the tenant's permission to send hashed identifiers out of its region.
///
/// Handlers change the sync's state in one audited transaction in the tenant's home region and
/// queue its job; the channel work is the outbox's (`ChannelJobRunner.runAudienceSync`). The
/// export permission lives with the tenant in the control plane, where operators see it.
struct AudiencesService: Tradewind_V1_Audiences.SimpleServiceProtocol {
    let store: TenantStore
    let control: ControlStore
    let pageTokens: PageTokenCodec
    let limits: ServerConfiguration.Limits

    static let notFound = RPCError(code: .notFound, message: "no such audience sync")
    static let maximumListNameLength = 100

    func setAudienceExport(request: Tradewind_V1_SetAudienceExportRequest, context: ServerContext) async throws
        -> Tradewind_V1_AudienceExport
    {
        var collector = ViolationCollector()
        let channel = ProtoMapping.adChannel(request.export.channel)
        if channel == nil {
            collector.add(
                "export.channel",
                request.export.channel == .unspecified
                    ? "is required" : "must be GOOGLE_ADS, META, TIKTOK or AMAZON_ADS")
        }
        let call = try CallContext.tenantCall()
        let permission = AudienceExportPermission(
            channel: channel ?? .meta, allowed: request.export.allowed, legalBasis: request.export.legalBasis,
            changedBy: call.principal.id, changedAt: Date())
        for violation in permission.violations(homeRegion: call.tenant.homeRegion) {
            collector.add("export.\(violation.field)", violation.description)
        }
        try collector.throwIfAny()
        // The call's own audit record (in the tenant's chain) is written by the audit interceptor.
        let tenant = try await control.setAudienceExport(
            permission, tenantID: call.tenant.id, for: ControlPlaneChange(of: call))
        call.touch("tenant:\(call.tenant.id.uuidString.lowercased())")
        call.wrote(rows: 1)
        let stored = tenant.settings.audienceExports?.first { $0.channel == permission.channel } ?? permission
        return ProtoMapping.proto(stored)
    }

    func listAudienceExports(request: Tradewind_V1_ListAudienceExportsRequest, context: ServerContext) async throws
        -> Tradewind_V1_ListAudienceExportsResponse
    {
        let call = try CallContext.tenantCall()
        let tenant = try await control.tenant(id: call.tenant.id) ?? call.tenant
        call.read(rows: 1)
        var response = Tradewind_V1_ListAudienceExportsResponse()
        response.exports = (tenant.settings.audienceExports ?? []).map(ProtoMapping.proto)
        return response
    }

    func startAudienceSync(request: Tradewind_V1_StartAudienceSyncRequest, context: ServerContext) async throws
        -> Tradewind_V1_AudienceSync
    {
        var collector = ViolationCollector()
        let segmentID = ProtoMapping.uuid(request.segmentID, field: "segment_id", into: &collector)
        let accountID = ProtoMapping.uuid(request.accountID, field: "account_id", into: &collector)
        if !request.listName.isEmpty {
            collector.require(
                FieldFormats.isPrintableText(request.listName, maxLength: Self.maximumListNameLength), "list_name",
                "must be 1 to \(Self.maximumListNameLength) printable characters")
        }
        try collector.throwIfAny()
        guard let segmentID, let accountID else { throw RPCError(code: .invalidArgument, message: "segment_id") }
        let call = try CallContext.tenantCall()
        // Fresh from the control plane: the permission may have changed a moment ago.
        let tenant = try await control.tenant(id: call.tenant.id) ?? call.tenant
        let listName = request.listName
        let stored = try await store.write(for: call) { tx in
            guard let segment = try await SegmentRepository.get(id: segmentID, in: tx) else {
                throw RPCError(code: .notFound, message: "segment_id: no such segment")
            }
            guard segment.purpose == .adPersonalisation else {
                throw RPCError(
                    code: .failedPrecondition,
                    message:
                        "segment_id: the segment's purpose is \(segment.purpose.rawValue); only ad_personalisation segments go to ad channels"
                )
            }
            guard let account = try await ChannelAccountRepository.get(id: accountID, in: tx),
                account.status != .unlinked
            else { throw RPCError(code: .notFound, message: "account_id: no such channel account") }
            guard account.status == .active else {
                throw RPCError(
                    code: .failedPrecondition, message: "account_id: the account needs re-authorisation first")
            }
            let channel = account.identity.channel
            guard tenant.settings.allowsAudienceExport(to: channel) else {
                throw RPCError(
                    code: .failedPrecondition,
                    message:
                        "account_id: sending hashed identifiers to \(channel.rawValue) is a transfer out of the tenant's region and is not allowed; allow it with SetAudienceExport"
                )
            }
            let id = UUID()
            let name = listName.isEmpty ? String(segment.name.prefix(Self.maximumListNameLength)) : listName
            guard
                let stored = try await AudienceSyncRepository.insert(
                    id: id, segmentID: segmentID, accountID: accountID, channel: channel,
                    reference: CampaignRecord.reference(for: id), listName: name, in: tx)
            else {
                throw RPCError(code: .alreadyExists, message: "segment_id: the segment syncs to this account already")
            }
            try await Outbox.enqueue(
                queue: AudienceSyncRepository.queue(channel: channel, sync: id), kind: AudienceSyncRepository.jobKind,
                subjectID: id, dueAt: Date(), in: tx)
            call.touch("audience_sync:\(id.uuidString.lowercased())")
            call.wrote(rows: 1)
            return try await AudienceSyncRepository.get(id: id, in: tx) ?? stored
        }
        return ProtoMapping.proto(stored.record)
    }

    func getAudienceSync(request: Tradewind_V1_GetAudienceSyncRequest, context: ServerContext) async throws
        -> Tradewind_V1_AudienceSync
    {
        let id = try ProtoMapping.uuid(request.id, field: "id")
        let call = try CallContext.tenantCall()
        let stored = try await store.read(for: call) { tx in
            guard let stored = try await AudienceSyncRepository.get(id: id, in: tx) else { throw Self.notFound }
            call.touch("audience_sync:\(id.uuidString.lowercased())")
            call.read(rows: 1)
            return stored
        }
        return ProtoMapping.proto(stored.record)
    }

    func listAudienceSyncs(request: Tradewind_V1_ListAudienceSyncsRequest, context: ServerContext) async throws
        -> Tradewind_V1_ListAudienceSyncsResponse
    {
        var collector = ViolationCollector()
        var pageSize = limits.pageSizes.defaultSize
        do { pageSize = try limits.pageSizes.resolve(request.pageSize) } catch {
            collector.add("page_size", error.message)
        }
        try collector.throwIfAny()
        let call = try CallContext.tenantCall()
        let after = try CampaignsService.cursor(
            request.pageToken, pageTokens: pageTokens, scope: call.pageTokenScope, filter: "")
        let size = pageSize
        let syncs = try await store.read(for: call) { tx in
            let syncs = try await AudienceSyncRepository.list(after: after, limit: size + 1, in: tx)
            call.read(rows: min(syncs.count, size))
            return syncs
        }
        var response = Tradewind_V1_ListAudienceSyncsResponse()
        response.syncs = syncs.prefix(pageSize).map { ProtoMapping.proto($0.record) }
        if syncs.count > pageSize, let last = syncs.prefix(pageSize).last {
            response.nextPageToken = CampaignsService.token(
                at: last.record.createdAt, id: last.record.id, pageTokens: pageTokens, scope: call.pageTokenScope,
                filter: "")
        }
        return response
    }

    func pauseAudienceSync(request: Tradewind_V1_PauseAudienceSyncRequest, context: ServerContext) async throws
        -> Tradewind_V1_AudienceSync
    {
        try await change(request.id, to: .paused, from: [.active])
    }

    func resumeAudienceSync(request: Tradewind_V1_ResumeAudienceSyncRequest, context: ServerContext) async throws
        -> Tradewind_V1_AudienceSync
    {
        try await change(request.id, to: .active, from: [.paused])
    }

    func stopAudienceSync(request: Tradewind_V1_StopAudienceSyncRequest, context: ServerContext) async throws
        -> Tradewind_V1_AudienceSync
    {
        try await change(request.id, to: .stopping, from: [.active, .paused])
    }

    /// A status change, and the sync's run brought forward so the channel hears of it now.
    private func change(_ idText: String, to status: AudienceSyncStatus, from allowed: Set<AudienceSyncStatus>)
        async throws -> Tradewind_V1_AudienceSync
    {
        let id = try ProtoMapping.uuid(idText, field: "id")
        let call = try CallContext.tenantCall()
        let stored = try await store.write(for: call) { tx in
            guard let current = try await AudienceSyncRepository.get(id: id, lock: true, in: tx) else {
                throw Self.notFound
            }
            guard allowed.contains(current.record.status) else {
                throw RPCError(
                    code: .failedPrecondition, message: "id: the sync is \(current.record.status.name)")
            }
            try await AudienceSyncRepository.setStatus(id: id, status: status, in: tx)
            try await Outbox.expediteQueue(
                AudienceSyncRepository.queue(channel: current.record.channel, sync: id), in: tx)
            call.touch("audience_sync:\(id.uuidString.lowercased())")
            call.wrote(rows: 1)
            return try await AudienceSyncRepository.get(id: id, in: tx) ?? current
        }
        return ProtoMapping.proto(stored.record)
    }
}

/// A tenant call's change in the control plane: its audit record goes to the tenant's chain by the
/// audit interceptor, not to the platform log with the change.
private struct ControlPlaneChange: StoreCaller {
    let call: TenantCall
    init(of call: TenantCall) { self.call = call }
    var databaseTimeout: Duration { call.databaseTimeout }
    var logger: Logger { call.logger }
    func recordOfWrite() -> AuditEntry? { nil }
    func writeRecorded() {}
}

extension ProtoMapping {
    static func proto(_ permission: AudienceExportPermission) -> Tradewind_V1_AudienceExport {
        var message = Tradewind_V1_AudienceExport()
        message.channel = channel(permission.channel)
        message.allowed = permission.allowed
        message.legalBasis = permission.legalBasis
        message.changedBy = permission.changedBy
        message.changeTime = Google_Protobuf_Timestamp(date: permission.changedAt)
        return message
    }

    static func proto(_ sync: AudienceSyncRecord) -> Tradewind_V1_AudienceSync {
        var message = Tradewind_V1_AudienceSync()
        message.id = sync.id.uuidString.lowercased()
        message.segmentID = sync.segmentID.uuidString.lowercased()
        message.accountID = sync.accountID.uuidString.lowercased()
        message.channel = channel(sync.channel)
        message.status = Tradewind_V1_AudienceSyncStatus(rawValue: sync.status.rawValue) ?? .unspecified
        message.listID = sync.listID ?? ""
        message.listName = sync.listName
        message.membersOnList = sync.membersOnList
        message.pendingRemovals = sync.pendingRemovals
        message.removalsAwaitingConfirmation = sync.removalsAwaitingConfirmation
        message.additionsAwaitingConfirmation = sync.additionsAwaitingConfirmation
        if let oldest = sync.oldestPendingRemovalAt {
            message.oldestPendingRemovalTime = Google_Protobuf_Timestamp(date: oldest)
        }
        message.membersSent = sync.membersSent
        message.membersRemoved = sync.membersRemoved
        if let last = sync.lastRunAt { message.lastRunTime = Google_Protobuf_Timestamp(date: last) }
        message.lastErrorCode = sync.lastErrorCode
        message.lastErrorMessage = sync.lastErrorMessage
        if let next = sync.nextRunAt { message.nextRunTime = Google_Protobuf_Timestamp(date: next) }
        message.createTime = Google_Protobuf_Timestamp(date: sync.createdAt)
        return message
    }
}
