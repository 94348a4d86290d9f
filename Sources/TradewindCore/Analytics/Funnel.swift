import Foundation

/// One funnel step: the event names that count as reaching it (usually one; several when
/// alternatives such as `signup_web` and `signup_app` should count alike).
public struct FunnelStep: Sendable, Hashable {
    public var names: [String]

    public init(_ name: String) {
        self.names = [name]
    }

    public init(anyOf names: [String]) {
        self.names = names
    }
}

/// How the steps of a funnel must follow each other (PostHog's step order).
public enum FunnelOrder: Sendable, Hashable {
    /// Steps in sequence; other events may happen between them.
    case ordered
    /// Steps in sequence as consecutive events of the person: any other event of the person in
    /// between, a repeat of the step just reached included, breaks the attempt (an event of the
    /// first step starts a new one).
    case strict
    /// Steps in any order. Step k then means "completed k + 1 of the steps", so its times and
    /// breakdown step refer to the (k + 1)-th step completed, whichever it was.
    case unordered
}

/// Which event of a person's counted attempt gives the breakdown value (PostHog's breakdown
/// attribution).
public enum FunnelBreakdownAttribution: Sendable, Hashable {
    /// The event of the first step.
    case firstTouch
    /// The event of the furthest step the attempt reached.
    case lastTouch
    /// The event of this step (0-based); people whose attempt did not reach it get `""`.
    case step(Int)
}

/// A breakdown: one funnel per value of `property`, read from the event `attribution` names.
/// Events without the property, and attempts that did not reach the attributed step, count under
/// the value `""`.
public struct FunnelBreakdown: Sendable, Hashable {
    public var property: String
    public var attribution: FunnelBreakdownAttribution

    public init(property: String, attribution: FunnelBreakdownAttribution = .step(0)) {
        self.property = property
        self.attribution = attribution
    }
}

/// What one step of a funnel counts.
public struct FunnelStepResult: Sendable, Hashable {
    /// People whose counted attempt reached this step.
    public var people: Int
    /// `people` over the people at the first step (1 at the first step; 0 when nobody entered).
    public var conversionFromFirst: Double
    /// `people` over the people at the previous step (1 at the first step; 0 when nobody entered).
    public var conversionFromPrevious: Double
    /// People at the previous step who did not reach this one (0 at the first step).
    public var droppedOff: Int
    /// Median seconds from the previous step's event to this step's (the mean of the two middle
    /// values for an even count); `nil` at the first step or when nobody reached the step.
    public var medianSecondsFromPrevious: Double?
    /// Mean seconds from the previous step's event to this step's; `nil` as for the median.
    public var averageSecondsFromPrevious: Double?
}

/// A funnel's steps, for everyone or for one breakdown value.
public struct FunnelResult: Sendable, Hashable {
    /// The breakdown value; `nil` without a breakdown.
    public var breakdownValue: String?
    public var steps: [FunnelStepResult]
}

/// Conversion funnels over behaviour events, with PostHog's semantics: each person may start
/// several attempts (every event of the first step starts one); an attempt must reach each step
/// within `conversionWindow` of its first step's time (inclusive); the attempt reaching furthest
/// counts, and among those the first to get there. Events are taken per person in time order,
/// ties in input order.
public enum Funnel {
    public static let minSteps = 2
    public static let maxSteps = 20
    public static let maxConversionWindow: TimeInterval = 365 * 86_400

    /// The funnel for everyone.
    public static func compute(
        _ events: [BehaviorEvent], steps: [FunnelStep], order: FunnelOrder = .ordered,
        conversionWindow: TimeInterval
    ) throws(ValidationFailure) -> FunnelResult {
        try validate(steps: steps, order: order, conversionWindow: conversionWindow)
        let attempts = bestAttempts(events, steps: steps, order: order, conversionWindow: conversionWindow)
        return summarize(attempts, events: events, stepCount: steps.count, breakdownValue: nil)
    }

    /// One funnel per breakdown value, sorted by people at the first step (most first), then by
    /// value.
    public static func compute(
        _ events: [BehaviorEvent], steps: [FunnelStep], order: FunnelOrder = .ordered,
        conversionWindow: TimeInterval, breakdown: FunnelBreakdown
    ) throws(ValidationFailure) -> [FunnelResult] {
        try validate(steps: steps, order: order, conversionWindow: conversionWindow)
        guard !breakdown.property.isEmpty else {
            throw .invalidParameter(field: "breakdown_property", reason: "must not be empty")
        }
        if case .step(let index) = breakdown.attribution, !steps.indices.contains(index) {
            throw .invalidParameter(field: "breakdown_step", reason: "must be in 0..<\(steps.count)")
        }
        let attempts = bestAttempts(events, steps: steps, order: order, conversionWindow: conversionWindow)
        var groups: [String: [[Int]]] = [:]
        for attempt in attempts {
            let source: Int?
            switch breakdown.attribution {
            case .firstTouch: source = attempt.first
            case .lastTouch: source = attempt.last
            case .step(let index): source = index < attempt.count ? attempt[index] : nil
            }
            let value = source.flatMap { events[$0].properties[breakdown.property] } ?? ""
            groups[value, default: []].append(attempt)
        }
        return groups.map { summarize($1, events: events, stepCount: steps.count, breakdownValue: $0) }
            .sorted { first, second in
                if first.steps[0].people != second.steps[0].people {
                    return first.steps[0].people > second.steps[0].people
                }
                return (first.breakdownValue ?? "") < (second.breakdownValue ?? "")
            }
    }

    private static func validate(
        steps: [FunnelStep], order: FunnelOrder, conversionWindow: TimeInterval
    ) throws(ValidationFailure) {
        guard (minSteps...maxSteps).contains(steps.count) else {
            throw .invalidParameter(field: "steps", reason: "must have \(minSteps) to \(maxSteps) steps")
        }
        guard steps.allSatisfy({ !$0.names.isEmpty && !$0.names.contains("") }) else {
            throw .invalidParameter(field: "steps", reason: "every step needs at least one non-empty event name")
        }
        // An unordered funnel counts steps by the events found in the window; an event matching
        // two steps would make that count ambiguous.
        let names = steps.flatMap { Set($0.names) }
        if order == .unordered, Set(names).count != names.count {
            throw .invalidParameter(field: "steps", reason: "steps of an unordered funnel must not share an event name")
        }
        guard conversionWindow > 0, conversionWindow <= maxConversionWindow else {
            throw .invalidParameter(field: "conversion_window_seconds", reason: "must be in (0, 365 days]")
        }
    }

    /// Each person's counted attempt, as the indices in `events` of the events that reached
    /// steps 0, 1, ...; people who never reached the first step are left out.
    private static func bestAttempts(
        _ events: [BehaviorEvent], steps: [FunnelStep], order: FunnelOrder, conversionWindow: TimeInterval
    ) -> [[Int]] {
        var stepsByName: [String: [Int]] = [:]
        for (index, step) in steps.enumerated() {
            for name in Set(step.names) { stepsByName[name, default: []].append(index) }
        }
        // A strict funnel must see every event of the person, since any of them breaks a chain.
        let timelines = personTimelines(events) { order == .strict || stepsByName[$0.name] != nil }
        return timelines.compactMap { timeline in
            let attempt: [Int]
            switch order {
            case .ordered, .strict:
                attempt = sequentialAttempt(
                    timeline, events: events, stepsByName: stepsByName, stepCount: steps.count,
                    strict: order == .strict, window: conversionWindow)
            case .unordered:
                attempt = unorderedAttempt(
                    timeline, events: events, stepsByName: stepsByName, stepCount: steps.count,
                    window: conversionWindow)
            }
            return attempt.isEmpty ? nil : attempt
        }
    }

    /// Ordered and strict funnels. `slots[k]` holds the attempt that started latest among those
    /// that reached step k: a later start leaves more of the window for the steps after, so this
    /// finds the furthest step any attempt reaches in one pass.
    private static func sequentialAttempt(
        _ timeline: [Int], events: [BehaviorEvent], stepsByName: [String: [Int]], stepCount: Int,
        strict: Bool, window: TimeInterval
    ) -> [Int] {
        var slots = [[Int]?](repeating: nil, count: stepCount)
        var best: [Int] = []
        for index in timeline {
            let matched = stepsByName[events[index].name] ?? []
            // Reads see the slots as they were before this event, so that one event cannot serve
            // two steps of the same attempt. Strict: a slot survives only if this event advanced it.
            var next = strict ? [[Int]?](repeating: nil, count: stepCount) : slots
            for step in matched {
                let reached: [Int]
                if step == 0 {
                    reached = [index]
                } else if let previous = slots[step - 1],
                    events[index].time.timeIntervalSince(events[previous[0]].time) <= window,
                    // An attempt that already reached this step keeps its earlier time.
                    slots[step]?.first != previous[0]
                {
                    reached = previous + [index]
                } else {
                    continue
                }
                next[step] = reached
                if reached.count > best.count { best = reached }
            }
            slots = next
        }
        return best
    }

    /// Unordered funnels: every event of a step may start an attempt, which reaches as many
    /// distinct steps as have an event in `[start, start + window]`. A sliding window counts them.
    private static func unorderedAttempt(
        _ timeline: [Int], events: [BehaviorEvent], stepsByName: [String: [Int]], stepCount: Int,
        window: TimeInterval
    ) -> [Int] {
        // Steps do not share names (validated), so each event belongs to exactly one step.
        let stepOf = timeline.map { stepsByName[events[$0].name]?.first ?? 0 }
        var inWindow = [Int](repeating: 0, count: stepCount)
        var covered = 0
        var end = 0
        var bestStart = -1
        var bestCovered = 0
        for start in timeline.indices {
            let startTime = events[timeline[start]].time
            while end < timeline.count, events[timeline[end]].time.timeIntervalSince(startTime) <= window {
                if inWindow[stepOf[end]] == 0 { covered += 1 }
                inWindow[stepOf[end]] += 1
                end += 1
            }
            if covered > bestCovered {
                bestCovered = covered
                bestStart = start
            }
            inWindow[stepOf[start]] -= 1
            if inWindow[stepOf[start]] == 0 { covered -= 1 }
        }
        guard bestStart >= 0 else { return [] }
        // The attempt's events: the first event of each step from the start on, in time order.
        var seen = Set<Int>()
        var attempt: [Int] = []
        let startTime = events[timeline[bestStart]].time
        for position in bestStart..<timeline.count {
            guard events[timeline[position]].time.timeIntervalSince(startTime) <= window else { break }
            if seen.insert(stepOf[position]).inserted { attempt.append(timeline[position]) }
        }
        return attempt
    }

    private static func summarize(
        _ attempts: [[Int]], events: [BehaviorEvent], stepCount: Int, breakdownValue: String?
    ) -> FunnelResult {
        var people = [Int](repeating: 0, count: stepCount)
        var durations = [[Double]](repeating: [], count: stepCount)
        for attempt in attempts {
            for (step, index) in attempt.enumerated() {
                people[step] += 1
                if step > 0 {
                    durations[step].append(events[index].time.timeIntervalSince(events[attempt[step - 1]].time))
                }
            }
        }
        let steps = (0..<stepCount).map { step in
            let previous = step == 0 ? people[0] : people[step - 1]
            let sorted = durations[step].sorted()
            let median: Double? =
                sorted.isEmpty
                ? nil
                : sorted.count % 2 == 1
                    ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            return FunnelStepResult(
                people: people[step],
                conversionFromFirst: people[0] > 0 ? Double(people[step]) / Double(people[0]) : 0,
                conversionFromPrevious: previous > 0 ? Double(people[step]) / Double(previous) : 0,
                droppedOff: previous - people[step],
                medianSecondsFromPrevious: median,
                averageSecondsFromPrevious: sorted.isEmpty ? nil : sorted.reduce(0, +) / Double(sorted.count))
        }
        return FunnelResult(breakdownValue: breakdownValue, steps: steps)
    }

    /// The indices of the events `include` keeps, grouped by person (people in order of first
    /// appearance) and sorted by time, ties in input order. Paths use it too.
    static func personTimelines(_ events: [BehaviorEvent], include: (BehaviorEvent) -> Bool) -> [[Int]] {
        var slotOf: [String: Int] = [:]
        var timelines: [[Int]] = []
        for (index, event) in events.enumerated() where include(event) {
            if let slot = slotOf[event.person] {
                timelines[slot].append(index)
            } else {
                slotOf[event.person] = timelines.count
                timelines.append([index])
            }
        }
        return timelines.map { timeline in timeline.sorted { (events[$0].time, $0) < (events[$1].time, $1) } }
    }
}
