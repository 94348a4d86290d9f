/// What kind of data a call touched, as its audit record names it. One list for the server, its
/// background jobs and the command line, so every record uses the same names.
public enum AuditDataClass: String, Sendable, Hashable, Codable, CaseIterable {
    case contactProfile = "contact_profile"
    case consent
    case tenantConfiguration = "tenant_configuration"
    case credentials
    case auditLog = "audit_log"
    case marketingEvents = "marketing_events"
    case privacyRequests = "privacy_requests"
    /// Aggregates computed from marketing events.
    case analytics
    /// Segments and who is in them.
    case segments
    /// The operator's exchange rates (`tradewind fx load`).
    case exchangeRates = "exchange_rates"
    /// Campaigns, ad groups and ads, and what was sent to the channels about them.
    case campaigns
    /// Linked ad accounts (their credentials are never in a record).
    case channelAccounts = "channel_accounts"
    /// Daily figures pulled from the channels.
    case channelMetrics = "channel_metrics"
    /// Automated rules, their runs and the actions they took.
    case rules = "automated_rules"
    /// Audience syncs to the channels (counts, never identifiers or hashes).
    case audiences
    /// Ad copy checked against the rule packs, approvals of it, and a tenant's packs and glossaries.
    case adCopy = "ad_copy"
}
