import Foundation

/// A region that holds tenants' data in its own database: `eu`, `us`, `cn`, `sg`, ...
public struct Region: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { self.rawValue = name }
    public var description: String { rawValue }
    public static func < (lhs: Region, rhs: Region) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Lifecycle state of a tenant.
public enum TenantStatus: String, Sendable, Hashable, CaseIterable {
    case active
    case suspended
}

/// Per-tenant settings with the documented defaults.
public struct TenantSettings: Sendable, Hashable, Codable {
    public var reportingCurrency: String
    public var timeZone: String
    public var eventRetentionDays: Int
    public var privacyRequestDeadlineDays: Int
    public var requireMTLS: Bool
    /// Channels the tenant lets hashed identifiers go to (`Audiences.SetAudienceExport`); none by
    /// default. A manifest that leaves it out leaves it as the tenant set it.
    public var audienceExports: [AudienceExportPermission]?

    public static let `default` = TenantSettings(
        reportingCurrency: "USD", timeZone: "UTC", eventRetentionDays: 395, privacyRequestDeadlineDays: 30,
        requireMTLS: false)

    public static let retentionDaysRange = 1...3650
    /// PIPL and GDPR allow at most about a month to answer a data-subject request.
    public static let privacyDeadlineDaysRange = 1...90

    public init(
        reportingCurrency: String, timeZone: String, eventRetentionDays: Int, privacyRequestDeadlineDays: Int,
        requireMTLS: Bool
    ) {
        self.reportingCurrency = reportingCurrency
        self.timeZone = timeZone
        self.eventRetentionDays = eventRetentionDays
        self.privacyRequestDeadlineDays = privacyRequestDeadlineDays
        self.requireMTLS = requireMTLS
    }

    /// Adds a violation for every bad setting, with field names under `prefix`.
    public func validate(into collector: inout ViolationCollector, prefix: String) {
        collector.require(
            FieldFormats.isValidCurrencyCode(reportingCurrency), "\(prefix).reporting_currency",
            "must be an ISO 4217 code such as EUR")
        collector.require(
            FieldFormats.isValidTimeZone(timeZone), "\(prefix).time_zone",
            "must be an IANA time zone such as Europe/Berlin")
        collector.require(
            Self.retentionDaysRange.contains(eventRetentionDays), "\(prefix).event_retention_days",
            "must be between 1 and 3650")
        collector.require(
            Self.privacyDeadlineDaysRange.contains(privacyRequestDeadlineDays),
            "\(prefix).privacy_request_deadline_days", "must be between 1 and 90")
    }
}

/// A customer of Tradewind, as the control plane records it.
public struct Tenant: Sendable, Hashable {
    public var id: UUID
    public var slug: String
    public var name: String
    public var homeRegion: Region
    public var plan: String
    public var status: TenantStatus
    public var settings: TenantSettings
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, slug: String, name: String, homeRegion: Region, plan: String, status: TenantStatus,
        settings: TenantSettings, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.slug = slug
        self.name = name
        self.homeRegion = homeRegion
        self.plan = plan
        self.status = status
        self.settings = settings
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What an operator asks for when creating or applying a tenant.
public struct TenantSpec: Sendable, Hashable {
    public var slug: String
    public var name: String
    public var homeRegion: Region
    public var plan: String
    public var status: TenantStatus
    public var settings: TenantSettings

    public static let plans: Set<String> = ["starter", "growth", "enterprise"]

    public init(
        slug: String, name: String, homeRegion: Region, plan: String = "starter", status: TenantStatus = .active,
        settings: TenantSettings = .default
    ) {
        self.slug = slug
        self.name = name
        self.homeRegion = homeRegion
        self.plan = plan
        self.status = status
        self.settings = settings
    }

    /// Checks the spec against the regions this deployment serves.
    public func validate(regions: Set<Region>) throws(ValidationFailure) {
        var collector = ViolationCollector()
        collector.require(
            FieldFormats.isValidSlug(slug), "slug",
            "must be 3-40 characters of a-z, 0-9 and '-', starting with a letter")
        collector.require(
            FieldFormats.isPrintableText(name, maxLength: 200), "name", "must be 1-200 printable characters")
        collector.require(
            regions.contains(homeRegion), "home_region",
            "must be one of \(regions.sorted().map(\.rawValue).joined(separator: ", "))")
        collector.require(
            Self.plans.contains(plan), "plan", "must be one of \(Self.plans.sorted().joined(separator: ", "))")
        settings.validate(into: &collector, prefix: "settings")
        try collector.throwIfAny()
    }
}
