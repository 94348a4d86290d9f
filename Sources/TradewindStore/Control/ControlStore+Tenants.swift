import Foundation
import Logging
import PostgresNIO
import TradewindCore

/// Tenants: who they are, where their data lives, and their settings.
extension ControlStore {
    static let tenantColumns =
        "id, slug, name, home_region, plan, status, settings::text, created_at, updated_at"

    static func decodeTenants(_ rows: PostgresRowSequence) async throws -> [Tenant] {
        var tenants: [Tenant] = []
        for try await (id, slug, name, region, plan, status, settings, created, updated) in rows.decode(
            (UUID, String, String, String, String, String, String, Date, Date).self)
        {
            tenants.append(
                Tenant(
                    id: id, slug: slug, name: name, homeRegion: Region(region), plan: plan,
                    status: TenantStatus(rawValue: status) ?? .suspended,
                    settings: try JSONDecoder().decode(TenantSettings.self, from: Data(settings.utf8)),
                    createdAt: created, updatedAt: updated))
        }
        return tenants
    }

    static func settingsJSON(_ settings: TenantSettings) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(settings), as: UTF8.self)
    }

    /// Inserts a tenant with a new id.
    static func insertTenant(_ spec: TenantSpec, on connection: PostgresConnection, logger: Logger)
        async throws -> Tenant
    {
        let settings = try settingsJSON(spec.settings)
        let rows = try await connection.query(
            """
            INSERT INTO tenants (id, slug, name, home_region, plan, status, settings)
            VALUES (\(UUID()), \(spec.slug), \(spec.name), \(spec.homeRegion.rawValue), \(spec.plan),
                    \(spec.status.rawValue), \(settings)::jsonb)
            RETURNING \(unescaped: tenantColumns)
            """, logger: logger)
        guard let tenant = try await decodeTenants(rows).first else {
            throw StoreError.failedPrecondition("tenant \(spec.slug) was not created")
        }
        return tenant
    }

    /// Creates a tenant with a new id; `alreadyExists` when the slug is taken.
    public func createTenant(_ spec: TenantSpec, for caller: some StoreCaller)
        async throws -> Tenant
    {
        do {
            return try await write(for: caller) { connection, logger in
                try await Self.insertTenant(spec, on: connection, logger: logger)
            }
        } catch let error as PSQLError where error.sqlState == "23505" {
            throw StoreError.alreadyExists("a tenant with slug '\(spec.slug)' already exists")
        }
    }

    /// Creates the tenant or brings it in line with `spec`. The id never changes and a changed
    /// home region is refused, since moving it would move personal data across borders.
    public func applyTenant(_ spec: TenantSpec, for caller: some StoreCaller) async throws -> (
        Tenant, TenantApplyOutcome
    ) {
        return try await write(for: caller) { connection, logger in
            let existingRows = try await connection.query(
                "SELECT \(unescaped: Self.tenantColumns) FROM tenants WHERE slug = \(spec.slug) FOR UPDATE",
                logger: logger)
            guard let existing = try await Self.decodeTenants(existingRows).first else {
                return (try await Self.insertTenant(spec, on: connection, logger: logger), .created)
            }
            // The tenant's own choices about audience exports stand unless the manifest names them.
            var spec = spec
            if spec.settings.audienceExports == nil {
                spec.settings.audienceExports = existing.settings.audienceExports
            }
            let settings = try Self.settingsJSON(spec.settings)
            guard existing.homeRegion == spec.homeRegion else {
                throw StoreError.failedPrecondition(
                    "tenant \(spec.slug) lives in region \(existing.homeRegion); its home region cannot change to \(spec.homeRegion) (data would cross borders)"
                )
            }
            if existing.name == spec.name && existing.plan == spec.plan && existing.status == spec.status
                && existing.settings == spec.settings
            {
                return (existing, .unchanged)
            }
            let rows = try await connection.query(
                """
                UPDATE tenants SET name = \(spec.name), plan = \(spec.plan), status = \(spec.status.rawValue),
                       settings = \(settings)::jsonb, updated_at = now()
                WHERE id = \(existing.id)
                RETURNING \(unescaped: Self.tenantColumns)
                """, logger: logger)
            guard let updated = try await Self.decodeTenants(rows).first else {
                throw StoreError.notFound("tenant \(spec.slug)")
            }
            return (updated, .updated)
        }
    }

    /// Sets the tenant's permission to send hashed identifiers to one channel, replacing the
    /// channel's earlier one; returns the tenant as it is now.
    public func setAudienceExport(
        _ permission: AudienceExportPermission, tenantID: UUID, for caller: some StoreCaller
    ) async throws -> Tenant {
        try await write(for: caller) { connection, logger in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.tenantColumns) FROM tenants WHERE id = \(tenantID) FOR UPDATE", logger: logger
            )
            guard var tenant = try await Self.decodeTenants(rows).first else {
                throw StoreError.notFound("tenant \(tenantID)")
            }
            var exports = (tenant.settings.audienceExports ?? []).filter { $0.channel != permission.channel }
            exports.append(permission)
            tenant.settings.audienceExports = exports.sorted { $0.channel.rawValue < $1.channel.rawValue }
            let settings = try Self.settingsJSON(tenant.settings)
            let updated = try await connection.query(
                """
                UPDATE tenants SET settings = \(settings)::jsonb, updated_at = now() WHERE id = \(tenantID)
                RETURNING \(unescaped: Self.tenantColumns)
                """, logger: logger)
            guard let result = try await Self.decodeTenants(updated).first else {
                throw StoreError.notFound("tenant \(tenantID)")
            }
            return result
        }
    }

    public func tenant(id: UUID, timeout: Duration? = nil) async throws -> Tenant? {
        try await transaction(timeout: timeout) { connection, logger in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.tenantColumns) FROM tenants WHERE id = \(id)", logger: logger)
            return try await Self.decodeTenants(rows).first
        }
    }

    public func tenant(slug: String, timeout: Duration? = nil) async throws -> Tenant? {
        try await transaction(timeout: timeout) { connection, logger in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.tenantColumns) FROM tenants WHERE slug = \(slug)", logger: logger)
            return try await Self.decodeTenants(rows).first
        }
    }

    /// Tenants ordered by slug, starting after `afterSlug`.
    public func listTenants(afterSlug: String?, limit: Int, timeout: Duration? = nil) async throws -> [Tenant] {
        try await transaction(timeout: timeout) { connection, logger in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.tenantColumns) FROM tenants
                WHERE slug > \(afterSlug ?? "") ORDER BY slug LIMIT \(limit)
                """, logger: logger)
            return try await Self.decodeTenants(rows)
        }
    }
}
