import Crypto
import Foundation
import Logging
import Synchronization

/// The one door to the sandbox's state: the persisted `World` behind a lock, plus what is deliberately
/// not persisted (the request log, rate-limit windows, the request-id counter, cached reports).
///
/// A read runs on a copy of the world taken under the lock (the world's collections are
/// copy-on-write, so the copy is a few retains), so a long report never holds up other calls. A
/// change runs under the lock and marks the state dirty; with `--state-file`, `StatePersistence`
/// writes it within a second, and again at shutdown, from a copy and outside the lock: writing the
/// whole state on every call made a long-lived sandbox (tens of thousands of objects) slower with
/// every campaign.
public final class SandboxStore: Sendable {
    private let world: Mutex<World>
    private let transient = Mutex(Transient())
    let stateFile: URL?
    private let logger: Logger

    struct Transient {
        var requestLog: [LoggedRequest] = []
        var rateWindows: [String: RateWindow] = [:]
        var requestCounter: UInt64 = 0
        /// The generation last written to the state file.
        var persistedGeneration: UInt64 = 0
        var reports: [ReportKey: [CampaignDay]] = [:]
        var adGroupReports: [ReportKey: [AdGroupDay]] = [:]
        var adReports: [ReportKey: [AdDay]] = [:]
    }

    struct RateWindow {
        var start: Date
        var count: Int
    }

    /// One computed report: the world's generation pins every input of `World.campaignDays`.
    struct ReportKey: Hashable {
        var generation: UInt64
        var channel: AdChannel
        var account: String
        var from: SandboxDay
        var to: SandboxDay
        var reportedOn: SandboxDay
    }

    /// Default requests per minute per account: generous, so only tests that lower it hit it.
    public static let defaultRequestsPerMinute = 6_000
    static let requestLogLimit = 10_000
    /// Reports kept for paging (Meta's insights and TikTok's report are read a page at a time).
    static let cachedReports = 16

    public init(seed: UInt64, stateFile: URL? = nil, logger: Logger = Logger(label: "tradewind-sandbox")) {
        self.stateFile = stateFile
        self.logger = logger
        var initial = World(seed: seed)
        if let stateFile, let data = try? Data(contentsOf: stateFile) {
            do {
                initial = try JSONDecoder().decode(World.self, from: data)
                initial.reindex()
            } catch {
                logger.warning("state file unreadable, starting empty", metadata: ["error": "\(error)"])
            }
        }
        self.world = Mutex(initial)
    }

    /// Reads the state, from a copy: the lock is held only to take it.
    public func read<T: Sendable, E: Error>(_ body: (World) throws(E) -> T) throws(E) -> T {
        try body(snapshot())
    }

    func snapshot() -> World {
        world.withLock { $0 }
    }

    /// Changes the state; `StatePersistence` writes it.
    public func write<T: Sendable, E: Error>(_ body: (inout World) throws(E) -> T) throws(E) -> T {
        try world.withLock { (state: inout World) throws(E) -> T in
            // Set after the body: a reset replaces the whole world, generation included.
            let next = state.generation + 1
            defer { state.generation = next }
            return try body(&state)
        }
    }

    /// Writes the state file when the state changed since the last write. The encoding runs on a
    /// copy, outside the lock.
    public func persist() {
        guard let stateFile else { return }
        let state = snapshot()
        guard transient.withLock({ $0.persistedGeneration != state.generation }) else { return }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .secondsSince1970
            try encoder.encode(state).write(to: stateFile, options: .atomic)
            transient.withLock { $0.persistedGeneration = max($0.persistedGeneration, state.generation) }
        } catch {
            logger.error("could not write state file", metadata: ["error": "\(error)"])
        }
    }

    /// The campaign-days of `World.campaignDays`, computed once per state and kept for the pages
    /// that follow (the channels page their reports; recomputing per page grew with the square).
    func campaignDays(
        _ channel: AdChannel, account: String, from: SandboxDay, to: SandboxDay, reportedOn: SandboxDay? = nil,
        in world: World
    ) -> [CampaignDay] {
        let key = ReportKey(
            generation: world.generation, channel: channel, account: account, from: from, to: to,
            reportedOn: reportedOn ?? world.today)
        return cached(key, in: \.reports) {
            world.campaignDays(channel, account: account, from: from, to: to, reportedOn: key.reportedOn)
        }
    }

    /// The ad-group-days of `World.adGroupDays`, split from the cached campaign-days and cached alike.
    func adGroupDays(
        _ channel: AdChannel, account: String, from: SandboxDay, to: SandboxDay, in world: World
    ) -> [AdGroupDay] {
        let key = ReportKey(
            generation: world.generation, channel: channel, account: account, from: from, to: to,
            reportedOn: world.today)
        return cached(key, in: \.adGroupReports) {
            world.adGroupDays(
                splitting: campaignDays(channel, account: account, from: from, to: to, in: world), channel,
                account: account)
        }
    }

    /// The ad-days of `World.adDays`, split from the cached ad-group-days and cached alike.
    func adDays(_ channel: AdChannel, account: String, from: SandboxDay, to: SandboxDay, in world: World) -> [AdDay] {
        let key = ReportKey(
            generation: world.generation, channel: channel, account: account, from: from, to: to,
            reportedOn: world.today)
        return cached(key, in: \.adReports) {
            world.adDays(
                splitting: adGroupDays(channel, account: account, from: from, to: to, in: world), channel,
                account: account)
        }
    }

    /// A report from `table`, or computed and kept there; reports of older states are dropped.
    private func cached<Rows: Sendable>(
        _ key: ReportKey, in table: WritableKeyPath<Transient, [ReportKey: Rows]>,
        compute: () -> Rows
    ) -> Rows {
        if let cached = transient.withLock({ $0[keyPath: table][key] }) { return cached }
        let rows = compute()
        transient.withLock { state in
            state[keyPath: table] = state[keyPath: table].filter { $0.key.generation == key.generation }
            if state[keyPath: table].count >= Self.cachedReports { state[keyPath: table].removeAll() }
            state[keyPath: table][key] = rows
        }
        return rows
    }

    // MARK: Request ids, rate limits, request log

    /// A fresh number for request ids; deterministic per seed and run.
    func nextRequestNumber() -> (seed: UInt64, number: UInt64) {
        let seed = read { $0.seed }
        return (
            seed,
            transient.withLock {
                $0.requestCounter += 1; return $0.requestCounter
            }
        )
    }

    /// Counts a call against the account's per-minute budget; the seconds until the window ends when
    /// the budget is spent.
    func consumeRequestBudget(channel: AdChannel, account: String?, now: Date = Date()) -> Int? {
        let limit = read { $0.requestsPerMinute[channel] } ?? Self.defaultRequestsPerMinute
        let key = "\(channel.rawValue)/\(account ?? "-")"
        return transient.withLock { state -> Int? in
            var window = state.rateWindows[key] ?? RateWindow(start: now, count: 0)
            if now.timeIntervalSince(window.start) >= 60 { window = RateWindow(start: now, count: 0) }
            window.count += 1
            state.rateWindows[key] = window
            guard window.count > limit else { return nil }
            return max(1, Int((60 - now.timeIntervalSince(window.start)).rounded(.up)))
        }
    }

    func resetTransient() {
        transient.withLock {
            $0.rateWindows = [:]; $0.requestLog = []
        }
    }

    func log(_ entry: LoggedRequest) {
        transient.withLock { state in
            state.requestLog.append(entry)
            if state.requestLog.count > Self.requestLogLimit {
                state.requestLog.removeFirst(state.requestLog.count - Self.requestLogLimit)
            }
        }
    }

    func requestLog(channel: AdChannel?) -> [LoggedRequest] {
        transient.withLock { state in state.requestLog.filter { channel == nil || $0.channel == channel } }
    }
}

/// One request the sandbox received, without bodies or credentials.
struct LoggedRequest: Sendable {
    var time: Date
    var channel: AdChannel?
    var method: String
    var path: String
    var account: String?
    var operation: String
    var status: Int
    var fault: String?

    var json: JSONValue {
        var object: [String: JSONValue] = [
            "time": .string(ISO8601DateFormatter().string(from: time)),
            "method": .string(method), "path": .string(path), "operation": .string(operation),
            "status": .int(Int64(status)),
        ]
        if let channel { object["channel"] = .string(channel.rawValue) }
        if let account { object["account"] = .string(account) }
        if let fault { object["fault"] = .string(fault) }
        return .object(object)
    }
}

/// Deterministic pseudo-random numbers: SHA-256 of the seed and a key, so a figure depends only on
/// what it names (seed, channel, account, campaign, day), never on call order.
enum SeededHash {
    static func words(_ parts: [String]) -> [UInt64] {
        let digest = SHA256.hash(data: Data(parts.joined(separator: "|").utf8))
        let bytes = Array(digest)
        return (0..<4).map { word in
            bytes[(word * 8)..<(word * 8 + 8)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
    }

    /// Uniform numbers in [0, 1).
    static func units(_ parts: [String]) -> [Double] {
        words(parts).map { Double($0 >> 11) / Double(UInt64(1) << 53) }
    }

    /// `length` characters from `alphabet`, derived from the key.
    static func text(_ parts: [String], length: Int, alphabet: String) -> String {
        let characters = Array(alphabet)
        var out = ""
        var round = 0
        while out.count < length {
            for word in words(parts + [String(round)]) {
                var value = word
                for _ in 0..<8 where out.count < length {
                    out.append(characters[Int(value % UInt64(characters.count))])
                    value /= UInt64(characters.count)
                }
            }
            round += 1
        }
        return out
    }
}
