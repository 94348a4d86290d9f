import Foundation
import Logging
import PostgresNIO
import TradewindCore

/// Keeps and reads the per-person journeys attribution needs (`journeys`, migration 0009): one
/// row per person with every touchpoint and conversion packed into an `int8` each (`PackedTouch`,
/// migration 0011).
///
/// Everything that changes journeys (folding ingestion's deltas, building them from events,
/// retention, erasure) first takes the tenant's journey lock, so they never interleave, and folds
/// pending deltas first, so it sees every committed event. Readers take no lock: they read the
/// journeys and the pending deltas in one snapshot.
public enum JourneyRepository {
    /// Channel names by stored code, for the loop that unpacks every touch.
    static let channelNames: [String?] = (0...PackedTouch.maxChannelCode).map { Channel(storedCode: $0)?.rawValue }

    /// The person of an event row (`contact_id`, `anonymous_id`): NULL when it has neither.
    static let personSQL =
        "CASE WHEN contact_id IS NOT NULL THEN 'c:' || contact_id::text ELSE 'a:' || anonymous_id END"

    /// An event row packed into one `int8`, as `PackedTouch` does. The channels' codes are spelled
    /// inline: they are the fixed set the `events.channel` check allows, never client input.
    static let touchSQL = """
        ((extract(epoch FROM occurred_at) * 1000)::int8 * 128
         + CASE WHEN touch_type = 'click' THEN 64 ELSE 0 END
         + CASE WHEN kind = 'conversion' THEN 0 ELSE CASE channel \(
            Channel.allCases.map { "WHEN '\($0.rawValue)' THEN \($0.storedCode)" }.joined(separator: " ")) END END)
        """

    /// Rows that count: touchpoints and conversions of someone.
    static let journeyKinds = "kind IN ('touchpoint', 'conversion')"

    /// The person key of a contact.
    public static func person(contact: UUID) -> String { "c:\(contact.uuidString.lowercased())" }
    /// The person key of an anonymous id.
    public static func person(anonymous: String) -> String { "a:\(anonymous)" }

    /// Serialises every change to the tenant's journeys until the transaction ends.
    static func lock(in tx: TenantTransaction) async throws {
        try await tx.connection.query(
            "SELECT pg_advisory_xact_lock(hashtextextended('journeys:' || \(tx.tenantID)::text, 0))",
            logger: tx.logger)
    }

    /// Builds the tenant's journeys from its events unless they were built before (a tenant whose
    /// events predate migration 0009, or a new one); the caller holds the lock. Returns whether it
    /// built them now.
    @discardableResult
    static func ensureBuilt(in tx: TenantTransaction) async throws -> Bool {
        var built = false
        for try await _ in try await tx.connection.query(
            "SELECT 1 FROM journey_index_state WHERE tenant_id = \(tx.tenantID)", logger: tx.logger
        ).decode(Int.self) { built = true }
        guard !built else { return false }
        // One statement, so one snapshot: the deltas it drops are exactly those of the events it
        // reads; batches that commit after it keep their deltas for the next fold.
        try await tx.connection.query(
            """
            WITH dropped AS (DELETE FROM journey_deltas WHERE tenant_id = \(tx.tenantID)),
            built AS (
                INSERT INTO journeys (tenant_id, person, touches, revenues, oldest)
                SELECT \(tx.tenantID), person, array_agg(touch ORDER BY touch, revenue),
                       array_agg(revenue ORDER BY touch, revenue), min(touch)
                FROM (SELECT \(unescaped: personSQL) AS person, \(unescaped: touchSQL) AS touch,
                             coalesce(reporting_micros, 0) AS revenue
                      FROM events WHERE tenant_id = \(tx.tenantID) AND \(unescaped: journeyKinds)) AS e
                WHERE person IS NOT NULL
                GROUP BY person)
            INSERT INTO journey_index_state (tenant_id, built_at) VALUES (\(tx.tenantID), now())
            """, logger: tx.logger)
        return true
    }

    /// Builds the journeys of each tenant in `tenantIDs` that has none yet, one transaction per
    /// tenant with no deadline, as the schema owner: the upgrade path for tenants whose events
    /// predate migration 0009 (`tradewind migrate` runs it), so that no call has to. Returns how
    /// many tenants it built.
    public static func buildMissing(tenantIDs: [UUID], endpoint: DatabaseEndpoint, logger: Logger) async throws
        -> Int
    {
        try await endpoint.withClient(logger: logger) { client in
            var built = 0
            for tenantID in tenantIDs {
                let now = try await client.withTransaction(logger: logger) { connection in
                    try await connection.query(DatabasePool.settings(tenantID: tenantID, timeout: nil), logger: logger)
                    let tx = TenantTransaction(tenantID: tenantID, connection: connection, logger: logger)
                    try await lock(in: tx)
                    return try await ensureBuilt(in: tx)
                }
                if now { built += 1 }
            }
            return built
        }
    }

    /// Moves the tenant's pending deltas into its journeys.
    public static func fold(in tx: TenantTransaction) async throws {
        try await lock(in: tx)
        try await ensureBuilt(in: tx)
        try await tx.connection.query(
            """
            WITH moved AS (
                DELETE FROM journey_deltas WHERE tenant_id = \(tx.tenantID) RETURNING persons, touches, revenues
            ), grouped AS (
                SELECT u.person, array_agg(u.touch ORDER BY u.touch, u.revenue) AS touches,
                       array_agg(u.revenue ORDER BY u.touch, u.revenue) AS revenues, min(u.touch) AS oldest
                FROM moved CROSS JOIN LATERAL unnest(moved.persons, moved.touches, moved.revenues)
                     AS u(person, touch, revenue)
                GROUP BY u.person
            )
            INSERT INTO journeys AS j (tenant_id, person, touches, revenues, oldest)
            SELECT \(tx.tenantID), person, touches, revenues, oldest FROM grouped ORDER BY person
            ON CONFLICT (tenant_id, person) DO UPDATE SET
                touches = j.touches || excluded.touches, revenues = j.revenues || excluded.revenues,
                -- Unknown stays unknown (NULL, see migration 0010): least() would skip it.
                oldest = CASE WHEN j.oldest IS NULL THEN NULL ELSE least(j.oldest, excluded.oldest) END
            """, logger: tx.logger)
    }

    /// Deletes the journeys of `persons` (see `person(contact:)`, `person(anonymous:)`), pending
    /// deltas folded in first.
    public static func erase(_ persons: [String], in tx: TenantTransaction) async throws {
        try await fold(in: tx)
        try await tx.connection.query(
            "DELETE FROM journeys WHERE tenant_id = \(tx.tenantID) AND person = ANY(\(persons))", logger: tx.logger)
    }

    /// Drops every touch older than `days` days from the tenant's journeys, as retention does
    /// for events; a journey left empty goes.
    public static func trim(olderThanDays days: Int, in tx: TenantTransaction) async throws {
        try await fold(in: tx)
        try await tx.connection.query(
            """
            WITH cutoff AS (
                SELECT (extract(epoch FROM now() - make_interval(days => \(days)::int)) * 1000)::int8 * 128 AS touch
            ), expired AS (
                SELECT j.person FROM journeys j, cutoff
                WHERE j.tenant_id = \(tx.tenantID) AND (j.oldest IS NULL OR j.oldest < cutoff.touch)
            ), kept AS (
                SELECT j.person,
                       array_agg(u.touch ORDER BY u.touch, u.revenue) FILTER (WHERE u.touch >= cutoff.touch) AS touches,
                       array_agg(u.revenue ORDER BY u.touch, u.revenue) FILTER (WHERE u.touch >= cutoff.touch)
                           AS revenues,
                       min(u.touch) FILTER (WHERE u.touch >= cutoff.touch) AS oldest
                FROM journeys j JOIN expired USING (person)
                     CROSS JOIN LATERAL unnest(j.touches, j.revenues) AS u(touch, revenue), cutoff
                WHERE j.tenant_id = \(tx.tenantID)
                GROUP BY j.person
            ), updated AS (
                UPDATE journeys j SET touches = k.touches, revenues = k.revenues, oldest = k.oldest FROM kept k
                WHERE j.tenant_id = \(tx.tenantID) AND j.person = k.person AND k.touches IS NOT NULL
            )
            DELETE FROM journeys j USING kept k
            WHERE j.tenant_id = \(tx.tenantID) AND j.person = k.person AND k.touches IS NULL
            """, logger: tx.logger)
    }

    /// Touchpoints and conversions that happened in `[from, to)`, cut into journeys one person at
    /// a time, with identity links applied: the folded journeys plus the deltas not folded yet.
    /// Needs a `readOnlySnapshot` transaction, so that both are read as of one moment (a fold
    /// committing between the two reads would count its events twice or not at all); it takes no
    /// lock and writes nothing. Throws `AnalyticsLimitExceeded` past `maxEvents`.
    public static func journeys(
        from: Date, to: Date, lookback: TimeInterval, clicksOnly: Bool, maxEvents: Int, in tx: TenantTransaction
    ) async throws -> JourneySet {
        // Anonymous ids linked to a contact: their rows and the contact's are one person.
        var linked: [String: String] = [:]
        for try await (anonymous, contact) in try await tx.connection.query(
            "SELECT anonymous_id, contact_id FROM identity_links WHERE tenant_id = \(tx.tenantID)", logger: tx.logger
        ).decode((String, UUID).self) {
            linked[person(anonymous: anonymous)] = person(contact: contact)
        }
        let earliest = PackedTouch.start(
            milliseconds: Int64(((from.timeIntervalSince1970 - lookback) * 1000).rounded(.down)))
        let end = PackedTouch.start(milliseconds: Int64((to.timeIntervalSince1970 * 1000).rounded(.up)))
        func wanted(_ touch: Int64) -> Bool {
            touch >= earliest && touch < end
                && (!clicksOnly || PackedTouch.isConversion(touch) || PackedTouch.isClick(touch))
        }
        var read = 0
        func count(_ events: Int) throws {
            read += events
            guard read <= maxEvents else { throw AnalyticsLimitExceeded(limit: maxEvents) }
        }

        // People whose journey is in more than one row (linked ids, deltas not folded yet) are
        // gathered here and cut at the end; everyone else is cut as their row arrives.
        var gathered: [String: [(touch: Int64, revenue: Int64)]] = [:]
        for id in Set(linked.values) { gathered[id] = [] }
        let deltas = try await tx.connection.query(
            "SELECT persons, touches, revenues FROM journey_deltas WHERE tenant_id = \(tx.tenantID)", logger: tx.logger)
        for try await row in deltas {
            let columns = row.makeRandomAccess()
            let persons = try columns[0].decode([String].self)
            let touches = try columns[1].decode(Int64Array.self).values
            let revenues = try columns[2].decode(Int64Array.self).values
            guard persons.count == touches.count, touches.count == revenues.count else {
                throw PostgresDecodingError.Code.failure
            }
            for index in touches.indices where wanted(touches[index]) {
                try count(1)
                gathered[linked[persons[index]] ?? persons[index], default: []].append(
                    (touches[index], revenues[index]))
            }
        }

        var set = JourneySet()
        var touches: [(touch: Int64, revenue: Int64)] = []
        let rows = try await tx.connection.query(
            "SELECT person, touches, revenues FROM journeys WHERE tenant_id = \(tx.tenantID)", logger: tx.logger)
        for try await row in rows {
            // Column by column with concrete types: decoding the row as a tuple went through
            // generic metadata look-ups for every one of a million rows (and see Int64Array).
            let columns = row.makeRandomAccess()
            let person = try columns[0].decode(String.self)
            let packed = try columns[1].decode(Int64Array.self).values
            let revenues = try columns[2].decode(Int64Array.self).values
            touches.removeAll(keepingCapacity: true)
            for (touch, revenue) in zip(packed, revenues) where wanted(touch) { touches.append((touch, revenue)) }
            try count(touches.count)
            let id = linked.isEmpty ? person : linked[person] ?? person
            if gathered.isEmpty || gathered[id] == nil {
                add(&touches, lookback: lookback, window: from..<to, to: &set)
            } else {
                gathered[id, default: []] += touches
            }
        }
        for var touches in gathered.values { add(&touches, lookback: lookback, window: from..<to, to: &set) }
        return set
    }

    /// Cuts one person's touches (any order) into journeys.
    private static func add(
        _ touches: inout [(touch: Int64, revenue: Int64)], lookback: TimeInterval, window: Range<Date>,
        to set: inout JourneySet
    ) {
        guard !touches.isEmpty else { return }
        // Time order; at the same millisecond a conversion (code 0) comes first.
        touches.sort { $0.touch < $1.touch }
        var events: [JourneyEvent] = []
        events.reserveCapacity(touches.count)
        for (touch, revenue) in touches {
            let time = Date(timeIntervalSince1970: Double(PackedTouch.milliseconds(touch)) / 1000)
            if PackedTouch.isConversion(touch) {
                events.append(.conversion(at: time, revenueMicros: revenue))
            } else if let channel = channelNames[Int(touch & Int64(PackedTouch.maxChannelCode))] {
                // A code no channel has cannot be stored (the events.channel check).
                events.append(.touch(channel, at: time))
            }
        }
        JourneyBuilder.add(events, lookback: lookback, window: window, to: &set)
    }
}
