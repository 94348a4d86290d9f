import Foundation
import PostgresNIO
import TradewindCore

/// SQL for linked ad accounts, inside a tenant transaction. Sealed credentials leave this type
/// only through `sealedCredentials`, for the worker that acts on the account.
public enum ChannelAccountRepository {
    private static let columns = """
        id, channel, external_id, marketplace_id, name, currency, time_zone, page_id, status, status_reason,
        credential_fields, linked_at, metrics_synced_at, pixel_id
        """

    /// Links an account; nil when the tenant has a live link to it already.
    public static func insert(
        id: UUID, identity: ChannelAccountIdentity, profile: ChannelAccountProfile, pageID: String,
        pixelID: String = "", sealedCredentials: [UInt8], credentialFields: [String], in tx: TenantTransaction
    ) async throws -> ChannelAccountRecord? {
        let rows = try await tx.connection.query(
            """
            INSERT INTO channel_accounts (tenant_id, id, channel, external_id, marketplace_id, name, currency,
                                          time_zone, page_id, pixel_id, sealed_credentials, credential_fields)
            VALUES (\(tx.tenantID), \(id), \(Int16(identity.channel.storedCode)), \(identity.externalID),
                    \(identity.marketplaceID ?? ""), \(profile.name), \(profile.currency), \(profile.timeZone),
                    \(pageID), \(pixelID), \(ByteBuffer(bytes: sealedCredentials)), \(credentialFields))
            ON CONFLICT (tenant_id, channel, external_id) WHERE status <> 3 DO NOTHING
            RETURNING \(unescaped: columns)
            """, logger: tx.logger)
        return try await decode(rows).first
    }

    public static func get(id: UUID, in tx: TenantTransaction) async throws -> ChannelAccountRecord? {
        let rows = try await tx.connection.query(
            "SELECT \(unescaped: columns) FROM channel_accounts WHERE tenant_id = \(tx.tenantID) AND id = \(id)",
            logger: tx.logger)
        return try await decode(rows).first
    }

    /// The account and its sealed credentials, locked against a concurrent change of either
    /// (`FOR NO KEY UPDATE`); nil when there is no such account or it is unlinked.
    public static func sealedCredentials(id: UUID, in tx: TenantTransaction) async throws
        -> (ChannelAccountRecord, [UInt8])?
    {
        let rows = try await tx.connection.query(
            """
            SELECT \(unescaped: columns), sealed_credentials FROM channel_accounts
            WHERE tenant_id = \(tx.tenantID) AND id = \(id) AND status <> 3 FOR NO KEY UPDATE
            """, logger: tx.logger)
        for try await row in rows {
            let record = try record(row)
            let sealed = try row.decode(
                (
                    UUID, Int16, String, String, String, String, String, String, Int16, String, [String], Date, Date?,
                    String, ByteBuffer
                ).self
            ).14
            return (record, Array(buffer: sealed))
        }
        return nil
    }

    /// Accounts, newest link first, after the one at `after` (link time in microseconds, id).
    public static func list(
        channel: AdChannel?, includeUnlinked: Bool, after: (Int64, UUID)?, limit: Int, in tx: TenantTransaction
    ) async throws -> [ChannelAccountRecord] {
        let rows = try await tx.connection.query(
            """
            SELECT \(unescaped: columns) FROM channel_accounts
            WHERE tenant_id = \(tx.tenantID)
              AND (\(channel == nil) OR channel = \(Int16(channel?.storedCode ?? 0)))
              AND (\(includeUnlinked) OR status <> 3)
              AND (\(after == nil) OR (linked_at, id)
                    < ('epoch'::timestamptz + \(after?.0 ?? 0) * interval '1 microsecond', \(after?.1 ?? UUID())))
            ORDER BY linked_at DESC, id DESC LIMIT \(limit)
            """, logger: tx.logger)
        return try await decode(rows)
    }

    /// Replaces a live account's credentials and makes it active again; nil when there is none.
    public static func replaceCredentials(
        id: UUID, sealedCredentials: [UInt8], credentialFields: [String], profile: ChannelAccountProfile,
        in tx: TenantTransaction
    ) async throws -> ChannelAccountRecord? {
        let rows = try await tx.connection.query(
            """
            UPDATE channel_accounts
            SET sealed_credentials = \(ByteBuffer(bytes: sealedCredentials)), credential_fields = \(credentialFields),
                name = \(profile.name), status = 1, status_reason = ''
            WHERE tenant_id = \(tx.tenantID) AND id = \(id) AND status <> 3
            RETURNING \(unescaped: columns)
            """, logger: tx.logger)
        return try await decode(rows).first
    }

    /// Stores credentials a worker refreshed (a new access token), keeping the status.
    public static func storeRefreshedCredentials(id: UUID, sealedCredentials: [UInt8], in tx: TenantTransaction)
        async throws
    {
        try await tx.connection.query(
            """
            UPDATE channel_accounts SET sealed_credentials = \(ByteBuffer(bytes: sealedCredentials))
            WHERE tenant_id = \(tx.tenantID) AND id = \(id) AND status <> 3
            """, logger: tx.logger)
    }

    /// The channel refused the credentials for good: jobs for the account wait for new ones.
    public static func markNeedsReauthorization(id: UUID, reason: String, in tx: TenantTransaction) async throws {
        try await tx.connection.query(
            """
            UPDATE channel_accounts SET status = 2, status_reason = \(String(reason.prefix(1000)))
            WHERE tenant_id = \(tx.tenantID) AND id = \(id) AND status = 1
            """, logger: tx.logger)
    }

    /// Unlinks: destroys the credentials. Nil when there is no live account with that id.
    public static func unlink(id: UUID, in tx: TenantTransaction) async throws -> ChannelAccountRecord? {
        let rows = try await tx.connection.query(
            """
            UPDATE channel_accounts SET status = 3, sealed_credentials = NULL, credential_fields = '{}',
                                        status_reason = ''
            WHERE tenant_id = \(tx.tenantID) AND id = \(id) AND status <> 3
            RETURNING \(unescaped: columns)
            """, logger: tx.logger)
        return try await decode(rows).first
    }

    /// Records a complete pull at `time` and the levels it covered (always the campaigns').
    public static func recordMetricsSync(
        id: UUID, at time: Date, levels: Set<ChannelMetricLevel>, in tx: TenantTransaction
    ) async throws {
        let names = levels.union([.campaign]).map(\.rawValue).sorted()
        try await tx.connection.query(
            """
            UPDATE channel_accounts SET metrics_synced_at = \(time), metric_levels = \(names)
            WHERE tenant_id = \(tx.tenantID) AND id = \(id)
            """, logger: tx.logger)
    }

    /// The tenant's linked accounts: their ids and channels.
    public static func linked(in tx: TenantTransaction) async throws -> [(id: UUID, channel: AdChannel)] {
        let rows = try await tx.connection.query(
            "SELECT id, channel FROM channel_accounts WHERE tenant_id = \(tx.tenantID) AND status <> 3",
            logger: tx.logger)
        var accounts: [(id: UUID, channel: AdChannel)] = []
        for try await (id, code) in rows.decode((UUID, Int16).self) {
            guard let channel = AdChannel(storedCode: Int(code)) else { continue }
            accounts.append((id, channel))
        }
        return accounts
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [ChannelAccountRecord] {
        var records: [ChannelAccountRecord] = []
        for try await row in rows { records.append(try record(row)) }
        return records
    }

    private static func record(_ row: PostgresRow) throws -> ChannelAccountRecord {
        let (
            id, channel, externalID, marketplace, name, currency, timeZone, pageID, status, reason, fields, linked,
            synced, pixelID
        ) =
            try row.decode(
                (
                    UUID, Int16, String, String, String, String, String, String, Int16, String, [String], Date, Date?,
                    String
                ).self)
        guard let channel = AdChannel(storedCode: Int(channel)),
            let status = ChannelAccountStatus(rawValue: Int(status))
        else { throw StoredValueError(table: "channel_accounts", id: id) }
        return ChannelAccountRecord(
            id: id,
            identity: ChannelAccountIdentity(
                channel: channel, externalID: externalID, marketplaceID: marketplace.isEmpty ? nil : marketplace),
            profile: ChannelAccountProfile(name: name, currency: currency, timeZone: timeZone), pageID: pageID,
            pixelID: pixelID, status: status, statusReason: reason, credentialFields: fields, linkedAt: linked,
            metricsSyncedAt: synced)
    }
}
