/// A permission to call a group of methods. Roles and partner apps hold scopes; every RPC declares
/// the one scope it needs, and a call whose principal lacks it is denied.
public enum Scope: String, CaseIterable, Sendable, Hashable, Comparable {
    case contactsRead = "contacts:read"
    case contactsWrite = "contacts:write"
    case analyticsRead = "analytics:read"
    case eventsWrite = "events:write"
    case auditRead = "audit:read"
    case privacyRead = "privacy:read"
    case privacyWrite = "privacy:write"
    /// Campaigns, their sync state and the linked accounts (never their credentials).
    case campaignsRead = "campaigns:read"
    /// Create, change, publish, pause, resume and archive campaigns.
    case campaignsWrite = "campaigns:write"
    /// Link and unlink ad accounts and replace their credentials.
    case channelsManage = "channels:manage"
    /// Audience syncs to the channels: their state and counts, never who is in them.
    case audiencesRead = "audiences:read"
    /// Start, pause and stop audience syncs.
    case audiencesWrite = "audiences:write"
    /// Automated rules, their dry runs and run history.
    case rulesRead = "rules:read"
    /// Create, change, enable, disable, run and delete automated rules.
    case rulesWrite = "rules:write"
    /// Check ad copy against the rule packs, and read the packs.
    case contentCheck = "content:check"
    /// Approve a checked text despite its review findings, on that exact text and pack version.
    case contentApprove = "content:approve"
    /// The tenant's own rule packs and glossaries.
    case contentRules = "content:rules"
    /// Platform operators only: create and read tenants.
    case tenantsRead = "tenants:read"
    case tenantsWrite = "tenants:write"
    /// Platform operators only: issue, list and revoke credentials.
    case credentialsRead = "credentials:read"
    case credentialsWrite = "credentials:write"
    /// Platform operators only: read the platform audit log (calls with no tenant).
    case platformAuditRead = "platform_audit:read"

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }
}
