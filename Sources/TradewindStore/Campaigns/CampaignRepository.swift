import Foundation
import PostgresNIO
import TradewindCore

/// SQL for campaigns with their ad groups and ads, inside a tenant transaction.
public enum CampaignRepository {
    private static let columns = """
        c.id, c.account_id, c.channel, c.name, c.objective, c.status, c.budget_period, c.budget_micros, c.currency,
        c.bid_strategy::text, coalesce(c.start_day::text, ''), coalesce(c.end_day::text, ''), c.markets, c.languages,
        c.version, c.reference, coalesce(c.published::text, ''), c.sync_state, c.sync_operation, c.sync_attempts,
        c.sync_next_attempt_at, c.sync_error_code, c.sync_error_message, c.synced_at, c.created_at, c.updated_at,
        coalesce(c.product_category, ''), coalesce(c.offer_end_day::text, '')
        """

    /// Creates a draft with new ids for it, its ad groups and ads.
    public static func insert(
        id: UUID, accountID: UUID, channel: AdChannel, currency: String, tree: CampaignTree, in tx: TenantTransaction
    ) async throws -> CampaignRecord {
        let spec = tree.campaign
        let rows = try await tx.connection.query(
            """
            INSERT INTO campaigns AS c (tenant_id, id, account_id, channel, name, objective, budget_period,
                                        budget_micros, currency, bid_strategy, start_day, end_day, markets,
                                        languages, reference, product_category, offer_end_day)
            VALUES (\(tx.tenantID), \(id), \(accountID), \(Int16(channel.storedCode)), \(spec.name),
                    \(Int16(spec.objective.storedCode)), \(spec.budget.period.rawValue), \(spec.budget.amountMicros),
                    \(currency), \(try StoredJSON.encode(spec.bidStrategy))::jsonb,
                    NULLIF(\(spec.startDay?.description ?? ""), '')::date, NULLIF(\(spec.endDay?.description ?? ""), '')::date,
                    \(spec.markets), \(spec.languages), \(CampaignRecord.reference(for: id)), \(spec.productCategory),
                    NULLIF(\(spec.offerEndDay?.description ?? ""), '')::date)
            RETURNING \(unescaped: columns)
            """, logger: tx.logger)
        guard var record = try await decodeCampaigns(rows).first else {
            throw StoredValueError(table: "campaigns", id: id)
        }
        try await insertAdGroups(tree.adGroups, campaignID: id, into: &record, in: tx)
        return record
    }

    public static func get(id: UUID, in tx: TenantTransaction) async throws -> CampaignRecord? {
        let rows = try await tx.connection.query(
            "SELECT \(unescaped: columns) FROM campaigns c WHERE c.tenant_id = \(tx.tenantID) AND c.id = \(id)",
            logger: tx.logger)
        return try await withTrees(decodeCampaigns(rows), in: tx).first
    }

    /// The campaign, locked until the transaction ends, for a read-check-write.
    public static func lock(id: UUID, in tx: TenantTransaction) async throws -> CampaignRecord? {
        let rows = try await tx.connection.query(
            "SELECT \(unescaped: columns) FROM campaigns c WHERE c.tenant_id = \(tx.tenantID) AND c.id = \(id) FOR UPDATE",
            logger: tx.logger)
        return try await withTrees(decodeCampaigns(rows), in: tx).first
    }

    /// Campaigns newest first after the one at `after` (creation time in microseconds, id).
    public static func list(
        channels: [AdChannel], statuses: [CampaignStatus], market: String?, accountID: UUID?, after: (Int64, UUID)?,
        limit: Int, in tx: TenantTransaction
    ) async throws -> [CampaignRecord] {
        let channelCodes = channels.map { Int16($0.storedCode) }
        let statusCodes = statuses.map { Int16($0.storedCode) }
        let rows = try await tx.connection.query(
            """
            SELECT \(unescaped: columns) FROM campaigns c
            WHERE c.tenant_id = \(tx.tenantID)
              AND (cardinality(\(channelCodes)::int2[]) = 0 OR c.channel = ANY(\(channelCodes)::int2[]))
              AND (cardinality(\(statusCodes)::int2[]) = 0 AND c.status <> 4 OR c.status = ANY(\(statusCodes)::int2[]))
              AND (\(market == nil) OR \(market ?? "") = ANY(c.markets))
              AND (\(accountID == nil) OR c.account_id = \(accountID ?? UUID()))
              AND (\(after == nil) OR (c.created_at, c.id)
                    < ('epoch'::timestamptz + \(after?.0 ?? 0) * interval '1 microsecond', \(after?.1 ?? UUID())))
            ORDER BY c.created_at DESC, c.id DESC LIMIT \(limit)
            """, logger: tx.logger)
        return try await withTrees(decodeCampaigns(rows), in: tx)
    }

    /// Writes back a locked campaign's fields and bumps its version; with `replacingAdGroups`,
    /// its ad groups and ads are replaced by the record's tree (drafts only) and get new ids.
    /// Writes the default bids of the record's ad groups, which keep their ids (a rule's bid
    /// change on a published campaign); `update` writes the rest.
    public static func updateAdGroupBids(_ record: CampaignRecord, in tx: TenantTransaction) async throws {
        let pairs = zip(record.adGroupIDs, record.tree.adGroups).compactMap { id, group in
            group.spec.defaultBidMicros.map { (id, $0) }
        }
        guard !pairs.isEmpty else { return }
        try await tx.connection.query(
            """
            UPDATE ad_groups g SET default_bid_micros = b.bid
            FROM unnest(\(pairs.map(\.0))::uuid[], \(pairs.map(\.1))::bigint[]) AS b(id, bid)
            WHERE g.tenant_id = \(tx.tenantID) AND g.campaign_id = \(record.id) AND g.id = b.id
            """, logger: tx.logger)
    }

    /// Sets one ad group's own status (active or paused) and bumps its campaign's version: the
    /// campaign as a whole changed. False when the campaign has no such ad group.
    public static func setAdGroupStatus(
        id: UUID, campaignID: UUID, status: CampaignStatus, in tx: TenantTransaction
    ) async throws -> Bool {
        precondition(status == .active || status == .paused, "an ad group is active or paused")
        let rows = try await tx.connection.query(
            """
            UPDATE ad_groups SET status = \(Int16(status.storedCode))
            WHERE tenant_id = \(tx.tenantID) AND campaign_id = \(campaignID) AND id = \(id)
            RETURNING id
            """, logger: tx.logger)
        var found = false
        for try await _ in rows { found = true }
        guard found else { return false }
        try await tx.connection.query(
            """
            UPDATE campaigns SET version = version + 1, updated_at = now()
            WHERE tenant_id = \(tx.tenantID) AND id = \(campaignID)
            """, logger: tx.logger)
        return true
    }

    /// Sets one ad's own status (active or paused) and bumps its campaign's version, as
    /// `setAdGroupStatus` does. False when the campaign has no such ad.
    public static func setAdStatus(
        id: UUID, campaignID: UUID, status: CampaignStatus, in tx: TenantTransaction
    ) async throws -> Bool {
        precondition(status == .active || status == .paused, "an ad is active or paused")
        let rows = try await tx.connection.query(
            """
            UPDATE ads a SET status = \(Int16(status.storedCode))
            FROM ad_groups g
            WHERE a.tenant_id = \(tx.tenantID) AND a.id = \(id) AND g.tenant_id = a.tenant_id
              AND g.id = a.ad_group_id AND g.campaign_id = \(campaignID)
            RETURNING a.id
            """, logger: tx.logger)
        var found = false
        for try await _ in rows { found = true }
        guard found else { return false }
        try await tx.connection.query(
            """
            UPDATE campaigns SET version = version + 1, updated_at = now()
            WHERE tenant_id = \(tx.tenantID) AND id = \(campaignID)
            """, logger: tx.logger)
        return true
    }

    public static func update(
        _ record: CampaignRecord, replacingAdGroups: Bool, in tx: TenantTransaction
    ) async throws -> CampaignRecord {
        let spec = record.tree.campaign
        try await tx.connection.query(
            """
            UPDATE campaigns SET
                name = \(spec.name), objective = \(Int16(spec.objective.storedCode)),
                status = \(Int16(record.status.storedCode)), budget_period = \(spec.budget.period.rawValue),
                budget_micros = \(spec.budget.amountMicros), bid_strategy = \(try StoredJSON.encode(spec.bidStrategy))::jsonb,
                start_day = NULLIF(\(spec.startDay?.description ?? ""), '')::date,
                end_day = NULLIF(\(spec.endDay?.description ?? ""), '')::date,
                markets = \(spec.markets), languages = \(spec.languages), product_category = \(spec.productCategory),
                offer_end_day = NULLIF(\(spec.offerEndDay?.description ?? ""), '')::date, version = version + 1,
                updated_at = now()
            WHERE tenant_id = \(tx.tenantID) AND id = \(record.id)
            """, logger: tx.logger)
        if replacingAdGroups {
            try await tx.connection.query(
                "DELETE FROM ad_groups WHERE tenant_id = \(tx.tenantID) AND campaign_id = \(record.id)",
                logger: tx.logger)
            var fresh = record
            fresh.adGroupIDs = []
            fresh.adIDs = []
            fresh.adGroupStatuses = []
            fresh.adStatuses = []
            try await insertAdGroups(record.tree.adGroups, campaignID: record.id, into: &fresh, in: tx)
        }
        guard let updated = try await get(id: record.id, in: tx) else {
            throw StoredValueError(table: "campaigns", id: record.id)
        }
        return updated
    }

    /// Sets the status the tenant asked for and the sync state of the change, bumping the version.
    public static func setStatus(
        id: UUID, status: CampaignStatus, sync: SyncState, in tx: TenantTransaction
    ) async throws {
        try await tx.connection.query(
            """
            UPDATE campaigns SET status = \(Int16(status.storedCode)), version = version + 1, updated_at = now(),
                sync_state = \(Int16(sync.kind.rawValue)), sync_operation = \(sync.operation),
                sync_attempts = \(sync.attempts), sync_next_attempt_at = \(sync.nextAttemptAt),
                sync_error_code = \(sync.errorCode), sync_error_message = \(String(sync.errorMessage.prefix(2000))),
                synced_at = coalesce(\(sync.syncedAt), synced_at)
            WHERE tenant_id = \(tx.tenantID) AND id = \(id)
            """, logger: tx.logger)
    }

    /// Records where the channel stands, without changing what the tenant asked for (no new version).
    public static func setSync(id: UUID, sync: SyncState, in tx: TenantTransaction) async throws {
        try await tx.connection.query(
            """
            UPDATE campaigns SET
                sync_state = \(Int16(sync.kind.rawValue)), sync_operation = \(sync.operation),
                sync_attempts = \(sync.attempts), sync_next_attempt_at = \(sync.nextAttemptAt),
                sync_error_code = \(sync.errorCode), sync_error_message = \(String(sync.errorMessage.prefix(2000))),
                synced_at = coalesce(\(sync.syncedAt), synced_at)
            WHERE tenant_id = \(tx.tenantID) AND id = \(id)
            """, logger: tx.logger)
    }

    /// Stores the channel's ids of a published campaign, its ad groups and ads.
    public static func setPublished(id: UUID, published: PublishedCampaign, in tx: TenantTransaction) async throws {
        try await tx.connection.query(
            """
            UPDATE campaigns SET published = \(try StoredJSON.encode(published))::jsonb,
                channel_campaign_id = \(published.campaignID)
            WHERE tenant_id = \(tx.tenantID) AND id = \(id)
            """, logger: tx.logger)
        let groups = try await tx.connection.query(
            "SELECT id FROM ad_groups WHERE tenant_id = \(tx.tenantID) AND campaign_id = \(id) ORDER BY position",
            logger: tx.logger)
        var groupIDs: [UUID] = []
        for try await groupID in groups.decode(UUID.self) { groupIDs.append(groupID) }
        for (groupID, group) in zip(groupIDs, published.adGroups) {
            try await tx.connection.query(
                """
                UPDATE ad_groups SET channel_ad_group_id = \(group.adGroupID)
                WHERE tenant_id = \(tx.tenantID) AND id = \(groupID)
                """, logger: tx.logger)
            try await tx.connection.query(
                """
                UPDATE ads SET channel_ad_id = (\(group.adIDs)::text[])[position + 1]
                WHERE tenant_id = \(tx.tenantID) AND ad_group_id = \(groupID)
                """, logger: tx.logger)
        }
    }

    // MARK: - Rows

    private static func decodeCampaigns(_ rows: PostgresRowSequence) async throws -> [CampaignRecord] {
        var records: [CampaignRecord] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            let id = try cells[0].decode(UUID.self)
            guard let channel = AdChannel(storedCode: Int(try cells[2].decode(Int16.self))),
                let objective = CampaignObjective(storedCode: Int(try cells[4].decode(Int16.self))),
                let status = CampaignStatus(storedCode: Int(try cells[5].decode(Int16.self))),
                let period = Budget.Period(rawValue: try cells[6].decode(String.self)),
                let syncKind = SyncStateKind(rawValue: Int(try cells[17].decode(Int16.self)))
            else { throw StoredValueError(table: "campaigns", id: id) }
            let startDay = try cells[10].decode(String.self)
            let endDay = try cells[11].decode(String.self)
            let published = try cells[16].decode(String.self)
            let spec = CampaignSpec(
                name: try cells[3].decode(String.self), objective: objective,
                budget: Budget(period: period, amountMicros: try cells[7].decode(Int64.self)),
                bidStrategy: try StoredJSON.decode(BidStrategy.self, try cells[9].decode(String.self)),
                startDay: CalendarDay(startDay), endDay: CalendarDay(endDay),
                markets: try cells[12].decode([String].self), languages: try cells[13].decode([String].self),
                productCategory: try cells[26].decode(String.self).nilIfEmpty,
                offerEndDay: CalendarDay(try cells[27].decode(String.self)))
            records.append(
                CampaignRecord(
                    id: id, accountID: try cells[1].decode(UUID.self), channel: channel, status: status,
                    currency: try cells[8].decode(String.self), version: try cells[14].decode(Int64.self),
                    reference: try cells[15].decode(String.self), tree: CampaignTree(campaign: spec, adGroups: []),
                    adGroupIDs: [], adIDs: [], adGroupStatuses: [], adStatuses: [],
                    published: published.isEmpty ? nil : try StoredJSON.decode(PublishedCampaign.self, published),
                    sync: SyncState(
                        kind: syncKind, operation: try cells[18].decode(String.self),
                        attempts: Int(try cells[19].decode(Int32.self)),
                        nextAttemptAt: try cells[20].decode(Date?.self),
                        errorCode: try cells[21].decode(String.self), errorMessage: try cells[22].decode(String.self),
                        syncedAt: try cells[23].decode(Date?.self)),
                    createdAt: try cells[24].decode(Date.self), updatedAt: try cells[25].decode(Date.self)))
        }
        return records
    }

    /// Fills in the ad groups and ads of `records` with two queries, whatever their number.
    private static func withTrees(_ records: [CampaignRecord], in tx: TenantTransaction) async throws
        -> [CampaignRecord]
    {
        guard !records.isEmpty else { return [] }
        let ids = records.map(\.id)
        let groupRows = try await tx.connection.query(
            """
            SELECT campaign_id, id, name, targeting::text, default_bid_micros, status FROM ad_groups
            WHERE tenant_id = \(tx.tenantID) AND campaign_id = ANY(\(ids)) ORDER BY campaign_id, position
            """, logger: tx.logger)
        var groups: [UUID: [(id: UUID, spec: AdGroupSpec, status: CampaignStatus)]] = [:]
        var groupIDs: [UUID] = []
        for try await (campaignID, id, name, targeting, bid, code) in groupRows.decode(
            (UUID, UUID, String, String, Int64?, Int16).self)
        {
            let spec = AdGroupSpec(
                name: name, targeting: try StoredJSON.decode(Targeting.self, targeting), defaultBidMicros: bid)
            guard let status = CampaignStatus(storedCode: Int(code)) else {
                throw StoredValueError(table: "ad_groups", id: id)
            }
            groups[campaignID, default: []].append((id, spec, status))
            groupIDs.append(id)
        }
        var ads: [UUID: [(UUID, AdSpec, CampaignStatus)]] = [:]
        if !groupIDs.isEmpty {
            let adRows = try await tx.connection.query(
                """
                SELECT ad_group_id, id, name, creative::text, status FROM ads
                WHERE tenant_id = \(tx.tenantID) AND ad_group_id = ANY(\(groupIDs)) ORDER BY ad_group_id, position
                """, logger: tx.logger)
            for try await (groupID, id, name, creative, code) in adRows.decode(
                (UUID, UUID, String, String, Int16).self)
            {
                guard let status = CampaignStatus(storedCode: Int(code)) else {
                    throw StoredValueError(table: "ads", id: id)
                }
                ads[groupID, default: []].append(
                    (id, AdSpec(name: name, creative: try StoredJSON.decode(Creative.self, creative)), status))
            }
        }
        return records.map { record in
            var record = record
            let campaignGroups = groups[record.id] ?? []
            record.adGroupIDs = campaignGroups.map(\.id)
            record.adIDs = campaignGroups.map { (ads[$0.id] ?? []).map(\.0) }
            record.adGroupStatuses = campaignGroups.map(\.status)
            record.adStatuses = campaignGroups.map { (ads[$0.id] ?? []).map(\.2) }
            record.tree.adGroups = campaignGroups.map { group in
                CampaignTree.AdGroup(spec: group.spec, ads: (ads[group.id] ?? []).map(\.1))
            }
            return record
        }
    }

    private static func insertAdGroups(
        _ groups: [CampaignTree.AdGroup], campaignID: UUID, into record: inout CampaignRecord, in tx: TenantTransaction
    ) async throws {
        for (position, group) in groups.enumerated() {
            let groupID = UUID()
            try await tx.connection.query(
                """
                INSERT INTO ad_groups (tenant_id, id, campaign_id, position, name, targeting, default_bid_micros)
                VALUES (\(tx.tenantID), \(groupID), \(campaignID), \(position), \(group.spec.name),
                        \(try StoredJSON.encode(group.spec.targeting))::jsonb, \(group.spec.defaultBidMicros))
                """, logger: tx.logger)
            var adIDs: [UUID] = []
            for (adPosition, ad) in group.ads.enumerated() {
                let adID = UUID()
                try await tx.connection.query(
                    """
                    INSERT INTO ads (tenant_id, id, ad_group_id, position, name, creative)
                    VALUES (\(tx.tenantID), \(adID), \(groupID), \(adPosition), \(ad.name),
                            \(try StoredJSON.encode(ad.creative))::jsonb)
                    """, logger: tx.logger)
                adIDs.append(adID)
            }
            record.adGroupIDs.append(groupID)
            record.adIDs.append(adIDs)
            record.adGroupStatuses.append(.active)
            record.adStatuses.append(adIDs.map { _ in .active })
        }
        record.tree.adGroups = groups
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
