import Foundation

/// A run of steps and how often it was walked.
public struct PathSequence: Sendable, Hashable {
    /// Event names in time order: for a previous sequence the last name is the step just before
    /// the anchor, for a next sequence the first is the step just after it.
    public var steps: [String]
    /// Times the sequence was walked (PostHog counts transitions, not people).
    public var occurrences: Int
    /// Distinct people who walked it.
    public var persons: Int
}

/// One edge of the path graph: `to` directly followed `from`.
public struct PathTransition: Sendable, Hashable {
    public var from: String
    public var to: String
    public var occurrences: Int
    public var persons: Int
}

/// What came before and after an anchor event.
public struct PathsAroundAnchor: Sendable, Hashable {
    public var anchor: String
    /// Times the anchor occurred (after collapsing repeats, when asked) and by how many people.
    public var anchorOccurrences: Int
    public var anchorPersons: Int
    /// The most walked sequences after the anchor: each holds up to `depth` steps, fewer when the
    /// person's events end (or a gap exceeds `maxGap`) earlier. Anchors with nothing after them are
    /// in `anchorOccurrences` only.
    public var next: [PathSequence]
    /// The most walked sequences before the anchor, built the same way backwards.
    public var previous: [PathSequence]
}

/// Paths through behaviour events: each person's events in time order (ties in input order) form
/// one walk. Rankings are by occurrences, then persons (both descending), then names.
///
/// `collapseRepeats` merges consecutive events of the same name into one step (page reloads
/// would otherwise dominate every ranking); `maxGap`, when given, cuts a walk wherever the next
/// event came more than `maxGap` after the previous one, a session boundary of sorts.
public enum Paths {
    public static let maxDepth = 5
    public static let maxTopN = 1000

    /// The `topN` most walked sequences of up to `depth` steps after and before `anchor`.
    public static func around(
        _ events: [BehaviorEvent], anchor: String, depth: Int = 1, topN: Int = 10, collapseRepeats: Bool = true,
        maxGap: TimeInterval? = nil
    ) throws(ValidationFailure) -> PathsAroundAnchor {
        guard !anchor.isEmpty else { throw .invalidParameter(field: "anchor", reason: "must not be empty") }
        guard (1...maxDepth).contains(depth) else {
            throw .invalidParameter(field: "depth", reason: "must be in 1...\(maxDepth)")
        }
        try validate(topN: topN, maxGap: maxGap)
        let graph = PathWalks(events, collapseRepeats: collapseRepeats, maxGap: maxGap)
        var anchorTally = PathTally()
        var next: [[Int]: PathTally] = [:]
        var previous: [[Int]: PathTally] = [:]
        if let anchorID = graph.id(of: anchor) {
            for (person, walk) in graph.walks.enumerated() {
                for position in walk.indices where walk[position].name == anchorID {
                    anchorTally.add(person: person)
                    let after = graph.sequence(in: walk, from: position, direction: 1, count: depth)
                    if !after.isEmpty { next[after, default: PathTally()].add(person: person) }
                    let before = graph.sequence(in: walk, from: position, direction: -1, count: depth)
                    if !before.isEmpty { previous[before.reversed(), default: PathTally()].add(person: person) }
                }
            }
        }
        func ranked(_ tallies: [[Int]: PathTally]) -> [PathSequence] {
            let sequences = tallies.map {
                PathSequence(
                    steps: $0.key.map { graph.names[$0] }, occurrences: $0.value.occurrences,
                    persons: $0.value.persons)
            }
            return Array(
                sequences.sorted {
                    if $0.occurrences != $1.occurrences { return $0.occurrences > $1.occurrences }
                    if $0.persons != $1.persons { return $0.persons > $1.persons }
                    return $0.steps.lexicographicallyPrecedes($1.steps)
                }
                .prefix(topN))
        }
        return PathsAroundAnchor(
            anchor: anchor, anchorOccurrences: anchorTally.occurrences, anchorPersons: anchorTally.persons,
            next: ranked(next), previous: ranked(previous))
    }

    /// The `topN` most walked transitions between consecutive steps, over everyone's walks.
    public static func topTransitions(
        _ events: [BehaviorEvent], topN: Int = 10, collapseRepeats: Bool = true, maxGap: TimeInterval? = nil
    ) throws(ValidationFailure) -> [PathTransition] {
        try validate(topN: topN, maxGap: maxGap)
        let graph = PathWalks(events, collapseRepeats: collapseRepeats, maxGap: maxGap)
        var tallies: [Int: PathTally] = [:]
        let nameCount = graph.names.count
        for (person, walk) in graph.walks.enumerated() {
            for (from, to) in zip(walk, walk.dropFirst()) where graph.connected(from, to) {
                tallies[from.name * nameCount + to.name, default: PathTally()].add(person: person)
            }
        }
        let transitions = tallies.map {
            PathTransition(
                from: graph.names[$0.key / nameCount], to: graph.names[$0.key % nameCount],
                occurrences: $0.value.occurrences, persons: $0.value.persons)
        }
        return Array(
            transitions.sorted {
                if $0.occurrences != $1.occurrences { return $0.occurrences > $1.occurrences }
                if $0.persons != $1.persons { return $0.persons > $1.persons }
                return ($0.from, $0.to) < ($1.from, $1.to)
            }
            .prefix(topN))
    }

    private static func validate(topN: Int, maxGap: TimeInterval?) throws(ValidationFailure) {
        guard (1...maxTopN).contains(topN) else {
            throw .invalidParameter(field: "top_n", reason: "must be in 1...\(maxTopN)")
        }
        if let maxGap, !(maxGap > 0 && maxGap.isFinite) {
            throw .invalidParameter(field: "max_gap_seconds", reason: "must be positive")
        }
    }
}

/// Counts occurrences and distinct people; people must be added one after another (all of one
/// person's occurrences before the next person's), which is how walks are visited.
struct PathTally {
    var occurrences = 0
    var persons = 0
    private var lastPerson = -1

    mutating func add(person: Int) {
        occurrences += 1
        if person != lastPerson {
            persons += 1
            lastPerson = person
        }
    }
}

/// Everyone's walks, with names interned as integers so sequences hash cheaply.
struct PathWalks {
    /// One step: a name, and the times of the first and last event it merges.
    struct Step {
        var name: Int
        var first: Date
        var last: Date
    }

    var names: [String] = []
    var walks: [[Step]] = []
    let maxGap: TimeInterval?
    private var idOf: [String: Int] = [:]

    init(_ events: [BehaviorEvent], collapseRepeats: Bool, maxGap: TimeInterval?) {
        self.maxGap = maxGap
        for timeline in Funnel.personTimelines(events, include: { _ in true }) {
            var walk: [Step] = []
            for index in timeline {
                let event = events[index]
                let name = intern(event.name)
                // Repeats merge only within a connected stretch: a long gap starts a new step.
                if collapseRepeats, let last = walk.last, last.name == name,
                    connected(last, Step(name: name, first: event.time, last: event.time))
                {
                    walk[walk.count - 1].last = event.time
                } else {
                    walk.append(Step(name: name, first: event.time, last: event.time))
                }
            }
            walks.append(walk)
        }
    }

    func id(of name: String) -> Int? { idOf[name] }

    /// The names of up to `count` steps next to `position`, going forwards (`direction` 1) or
    /// backwards (-1) while the walk stays connected, in the order visited.
    func sequence(in walk: [Step], from position: Int, direction: Int, count: Int) -> [Int] {
        var sequence: [Int] = []
        var cursor = position
        while sequence.count < count, walk.indices.contains(cursor + direction) {
            let neighbour = walk[cursor + direction]
            let connects = direction > 0 ? connected(walk[cursor], neighbour) : connected(neighbour, walk[cursor])
            guard connects else { break }
            cursor += direction
            sequence.append(neighbour.name)
        }
        return sequence
    }

    /// Whether `next` continues the walk from `step` (no gap longer than `maxGap`).
    func connected(_ step: Step, _ next: Step) -> Bool {
        guard let maxGap else { return true }
        return next.first.timeIntervalSince(step.last) <= maxGap
    }

    private mutating func intern(_ name: String) -> Int {
        if let id = idOf[name] { return id }
        idOf[name] = names.count
        names.append(name)
        return names.count - 1
    }
}
