/// A campaign, ad group, ad, creative or budget the sandbox holds for a channel, with its native wire
/// fields and the day-by-day history the metrics are computed from.
public struct AdObject: Codable, Sendable, Equatable {
    public var channel: AdChannel
    public var account: String
    public var level: ObjectLevel
    public var id: String
    /// The campaign of an ad group, the ad group of an ad.
    public var parentID: String?
    /// Creation counter across the whole sandbox: lets a test see order and duplicates.
    public var sequence: Int
    public var name: String
    /// The channel's own status or state text (ENABLED, PAUSED, ACTIVE, CAMPAIGN_STATUS_ENABLE, ...).
    public var status: String
    /// Google campaigns spend from a separate CampaignBudget object.
    public var budgetObjectID: String?
    public var startDay: SandboxDay
    public var endDay: SandboxDay?
    /// The object as the channel returns it, keyed by wire names, money in the channel's native unit.
    public var fields: [String: JSONValue]
    /// Budget and activity from a day on; the last entry on or before a day decides that day.
    public var timeline: [TimelineEntry]

    /// The state on `day`: nil before the object existed.
    public func state(on day: SandboxDay) -> TimelineEntry? {
        timeline.last { $0.day <= day }
    }
}

/// Budget and activity of an object from `day` on.
public struct TimelineEntry: Codable, Sendable, Equatable {
    public var day: SandboxDay
    /// Daily budget in micros of the account currency; nil when the object has no budget of its own
    /// (a Meta campaign budgeted at ad set level, a TikTok BUDGET_MODE_INFINITE campaign).
    public var dailyBudgetMicros: Int64?
    /// Whether the object can deliver: enabled/active and not removed, archived or deleted.
    public var active: Bool
}
