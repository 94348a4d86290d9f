import Foundation

/// Everything the sandbox remembers, in one value so that a change is one mutation under one lock and
/// the whole state can be written to `--state-file` and read back after a restart.
public struct World: Codable, Sendable {
    /// The seed of every simulated figure; `POST /_sandbox/reset` keeps it.
    public var seed: UInt64
    /// The day `POST /_sandbox/clock` set; nil: the real UTC date.
    public var clockDay: SandboxDay?
    public var accounts: [SandboxAccount] = []
    public var objects: [AdObject] = []
    public var tokens: [String: IssuedToken] = [:]
    /// Lifetime of newly issued access tokens per channel (`POST /_sandbox/tokens`).
    public var tokenLifetimeSeconds: [AdChannel: Int] = [:]
    public var faults: [FaultRule] = []
    /// Requests per minute per account, per channel (`POST /_sandbox/rate-limits`).
    public var requestsPerMinute: [AdChannel: Int] = [:]
    public var amazonReports: [AmazonReport] = []
    /// Meta: when each campaign or ad set had its budget changed, for the 4-per-hour limit.
    public var metaBudgetChanges: [String: [Date]] = [:]
    /// Polls of `GET /reporting/reports/{id}` an Amazon report needs per state step.
    public var amazonPollsPerStep = 1
    /// Customer lists and the jobs that change them (`SandboxAudience.swift`). Optional so that a
    /// state file written before lists existed still reads.
    var storedAudiences: AudienceBook?
    var nextSequence = 1
    var nextFaultID = 1
    var idCounters: [AdChannel: Int64] = [:]
    /// Where each object sits in `objects` (objects are only ever appended): a lookup by id is then
    /// one hash, not a scan of every object of every channel. Derived, so not persisted; `reindex()`
    /// rebuilds it after decoding.
    private var positions: [ObjectKey: Int] = [:]
    /// Bumped by every change the store makes; what the store caches (reports) is keyed by it.
    /// Not persisted.
    var generation: UInt64 = 0

    private struct ObjectKey: Hashable {
        var channel: AdChannel
        var id: String
    }

    enum CodingKeys: String, CodingKey {
        case seed, clockDay, accounts, objects, tokens, tokenLifetimeSeconds, faults, requestsPerMinute
        case amazonReports, metaBudgetChanges, amazonPollsPerStep, nextSequence, nextFaultID, idCounters
        case storedAudiences = "audiences"
    }

    public init(seed: UInt64) { self.seed = seed }

    /// Rebuilds the object index (after decoding).
    mutating func reindex() {
        positions = [:]
        for (position, object) in objects.enumerated() {
            positions[ObjectKey(channel: object.channel, id: object.id)] = position
        }
    }

    /// The sandbox's today: the clock the control API set, else the real UTC date.
    public var today: SandboxDay { clockDay ?? SandboxDay(utc: Date()) }

    public func account(_ channel: AdChannel, _ id: String) -> SandboxAccount? {
        accounts.first { $0.channel == channel && $0.id == id }
    }

    public func object(_ channel: AdChannel, _ id: String) -> AdObject? {
        objectIndex(channel, id).map { objects[$0] }
    }

    func objectIndex(_ channel: AdChannel, _ id: String) -> Int? {
        if let position = positions[ObjectKey(channel: channel, id: id)] { return position }
        // Not indexed (a world decoded without `reindex()`): still right, only slower.
        return positions.count == objects.count ? nil : objects.firstIndex { $0.channel == channel && $0.id == id }
    }

    public func objects(_ channel: AdChannel, account: String, level: ObjectLevel) -> [AdObject] {
        objects.filter { $0.channel == channel && $0.account == account && $0.level == level }
    }

    /// A new object id in the channel's own style: digits, never reused, the same sequence for a seed.
    mutating func newObjectID(_ channel: AdChannel) -> String {
        let base: Int64 =
            switch channel {
            case .googleAds: 21_000_000_000
            case .meta: 120_210_000_000_000_000
            case .tiktok: 1_810_000_000_000_000_000
            case .amazonAds: 310_000_000_000_000
            }
        let next = (idCounters[channel] ?? 0) + 1
        idCounters[channel] = next
        return String(base + Int64(seed % 1000) * 1_000_000 + next)
    }

    mutating func takeSequence() -> Int {
        defer { nextSequence += 1 }
        return nextSequence
    }

    /// Adds an object with its first timeline entry on today.
    @discardableResult
    mutating func insert(
        channel: AdChannel, account: String, level: ObjectLevel, id: String, parentID: String? = nil,
        name: String, status: String, fields: [String: JSONValue], dailyBudgetMicros: Int64?, active: Bool,
        startDay: SandboxDay? = nil, endDay: SandboxDay? = nil, budgetObjectID: String? = nil
    ) -> AdObject {
        let today = self.today
        let object = AdObject(
            channel: channel, account: account, level: level, id: id, parentID: parentID,
            sequence: takeSequence(), name: name, status: status, budgetObjectID: budgetObjectID,
            startDay: max(startDay ?? today, today), endDay: endDay, fields: fields,
            timeline: [TimelineEntry(day: today, dailyBudgetMicros: dailyBudgetMicros, active: active)]
        )
        positions[ObjectKey(channel: channel, id: id)] = objects.count
        objects.append(object)
        return object
    }

    /// Records a budget or activity change of an object from today on.
    mutating func recordChange(
        _ channel: AdChannel, _ id: String, dailyBudgetMicros: Int64?? = .none, active: Bool? = nil
    ) {
        guard let index = objectIndex(channel, id) else { return }
        let today = self.today
        var entry = objects[index].timeline.last ?? TimelineEntry(day: today, dailyBudgetMicros: nil, active: true)
        entry.day = max(entry.day, today)
        if case .some(let budget) = dailyBudgetMicros { entry.dailyBudgetMicros = budget }
        if let active { entry.active = active }
        if let last = objects[index].timeline.last, last.day == entry.day {
            objects[index].timeline[objects[index].timeline.count - 1] = entry
        } else {
            objects[index].timeline.append(entry)
        }
    }

    /// Forgets everything but the seed.
    mutating func reset() {
        self = World(seed: seed)
    }
}

/// An access token the sandbox issued or provisioned.
public struct IssuedToken: Codable, Sendable, Equatable {
    public var channel: AdChannel
    /// The OAuth client (Google, Amazon) or account (Meta, TikTok) it was issued to.
    public var subject: String
    /// nil: does not expire (Meta long-lived and TikTok long-term tokens).
    public var expiresAt: Date?

    func isExpired(at now: Date) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt <= now
    }
}

/// An Amazon Ads v3 asynchronous report and its place in PENDING → PROCESSING → COMPLETED.
public struct AmazonReport: Codable, Sendable, Equatable {
    public var id: String
    public var profileID: String
    /// The request body as sent, for the 425 duplicate check.
    public var requestFingerprint: String
    public var name: String?
    public var startDate: SandboxDay
    public var endDate: SandboxDay
    public var configuration: JSONValue
    public var createdAt: Date
    public var polls: Int
    /// The sandbox's today when the report was requested: its figures are what the channel reported then.
    public var reportedOn: SandboxDay
    public var signature: String

    /// The state after `polls` status reads, with `pollsPerStep` reads per step.
    public func status(pollsPerStep: Int) -> String {
        let step = polls / max(1, pollsPerStep)
        return step == 0 ? "PENDING" : step == 1 ? "PROCESSING" : "COMPLETED"
    }
}
