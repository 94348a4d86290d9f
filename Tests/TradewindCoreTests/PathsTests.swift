import Foundation
import Testing
import TradewindCore

@Suite("Paths")
struct PathsTests {
    static let base = Date(timeIntervalSince1970: 1_790_000_000)

    static func walk(_ person: String, _ steps: [(String, Double)]) -> [BehaviorEvent] {
        steps.map { BehaviorEvent(person: person, name: $0.0, time: base.addingTimeInterval($0.1)) }
    }

    /// Collapsed walks: p1 home, pricing, signup, docs (pricing twice in a row); p2 home, pricing,
    /// docs, pricing, signup; p3 pricing, home; p4 blog, home, pricing, signup; p5 pricing, faq,
    /// pricing, faq.
    static let events: [BehaviorEvent] = Array(
        (walk("p1", [("home", 0), ("pricing", 10), ("pricing", 12), ("signup", 20), ("docs", 30)])
            + walk("p2", [("home", 0), ("pricing", 5), ("docs", 100), ("pricing", 200), ("signup", 210)])
            + walk("p3", [("pricing", 0), ("home", 5)])
            + walk("p4", [("blog", 0), ("home", 3), ("pricing", 4), ("signup", 5)])
            + walk("p5", [("pricing", 0), ("faq", 1), ("pricing", 2), ("faq", 3)])).reversed())

    static func summary(_ sequences: [PathSequence]) -> [String] {
        sequences.map { "\($0.steps.joined(separator: ">")) \($0.occurrences)/\($0.persons)" }
    }

    @Test("depth 2 around pricing: next and previous sequences, shorter where the walk ends")
    func depthTwo() throws {
        let result = try Paths.around(Self.events, anchor: "pricing", depth: 2)
        // Anchors: p1 once (collapsed), p2 twice, p3, p4, p5 twice.
        #expect(result.anchorOccurrences == 7)
        #expect(result.anchorPersons == 5)
        // Next: p1 signup>docs; p2 docs>pricing and signup; p3 home; p4 signup; p5 faq>pricing and faq.
        #expect(
            Self.summary(result.next) == [
                "signup 2/2", "docs>pricing 1/1", "faq 1/1", "faq>pricing 1/1", "home 1/1", "signup>docs 1/1",
            ])
        // Previous: p1 home; p2 home and pricing>docs; p4 blog>home; p5 pricing>faq; p3 none.
        #expect(Self.summary(result.previous) == ["home 2/2", "blog>home 1/1", "pricing>docs 1/1", "pricing>faq 1/1"])
        #expect(
            Self.summary(try Paths.around(Self.events, anchor: "pricing", depth: 2, topN: 2).next) == [
                "signup 2/2", "docs>pricing 1/1",
            ])
    }

    @Test("depth 1 ranks by occurrences first: faq twice by one person beats docs once")
    func depthOne() throws {
        let result = try Paths.around(Self.events, anchor: "pricing")
        #expect(Self.summary(result.next) == ["signup 3/3", "faq 2/1", "docs 1/1", "home 1/1"])
        #expect(Self.summary(result.previous) == ["home 3/3", "docs 1/1", "faq 1/1"])
    }

    @Test("without collapsing, the repeated pricing is a step of its own")
    func repeatsKept() throws {
        let result = try Paths.around(Self.events, anchor: "pricing", depth: 2, collapseRepeats: false)
        #expect(result.anchorOccurrences == 8)
        // p1 now adds pricing>signup (first pricing) and signup>docs (second).
        #expect(Self.summary(result.next).contains("pricing>signup 1/1"))
        #expect(Self.summary(result.previous).contains("home>pricing 1/1"))
    }

    @Test("a maximum gap cuts walks: p2's pricing at 5 s has nothing within 50 s after it")
    func maxGap() throws {
        let p2 = Self.walk("p2", [("home", 0), ("pricing", 5), ("docs", 100), ("pricing", 200), ("signup", 210)])
        let result = try Paths.around(p2, anchor: "pricing", depth: 2, maxGap: 50)
        #expect(result.anchorOccurrences == 2)
        #expect(Self.summary(result.next) == ["signup 1/1"])
        #expect(Self.summary(result.previous) == ["home 1/1"])
        #expect(
            try Paths.topTransitions(p2, maxGap: 50).map { "\($0.from)>\($0.to)" } == [
                "home>pricing", "pricing>signup",
            ])
    }

    @Test("top transitions: ranked by occurrences, persons, then names; limited to top N")
    func transitions() throws {
        let all = try Paths.topTransitions(Self.events, topN: 1_000)
        // home>pricing p1 p2 p4; pricing>signup p1 p2 p4; pricing>faq twice by p5; the rest once.
        #expect(
            all.map { "\($0.from)>\($0.to) \($0.occurrences)/\($0.persons)" } == [
                "home>pricing 3/3", "pricing>signup 3/3", "pricing>faq 2/1", "blog>home 1/1", "docs>pricing 1/1",
                "faq>pricing 1/1", "pricing>docs 1/1", "pricing>home 1/1", "signup>docs 1/1",
            ])
        #expect(try Paths.topTransitions(Self.events, topN: 4) == Array(all.prefix(4)))
        let uncollapsed = try Paths.topTransitions(Self.events, topN: 1_000, collapseRepeats: false)
        #expect(uncollapsed.count == 10)
        #expect(uncollapsed.contains { $0.from == "pricing" && $0.to == "pricing" && $0.occurrences == 1 })
    }

    @Test("an absent anchor and no events give empty results")
    func empty() throws {
        let missing = try Paths.around(Self.events, anchor: "checkout", depth: 3)
        #expect(missing.anchorOccurrences == 0)
        #expect(missing.anchorPersons == 0)
        #expect(missing.next.isEmpty && missing.previous.isEmpty)
        #expect(try Paths.topTransitions([]).isEmpty)
        let lone = try Paths.around(Self.walk("p", [("pricing", 0)]), anchor: "pricing")
        #expect(lone.anchorOccurrences == 1)
        #expect(lone.next.isEmpty && lone.previous.isEmpty)
    }

    @Test("invalid parameters name the request field")
    func validation() {
        func field(_ body: () throws -> Void) -> String? {
            do {
                try body()
                return nil
            } catch let error as ValidationFailure {
                return error.field
            } catch {
                return "unexpected \(error)"
            }
        }
        #expect(field { _ = try Paths.around([], anchor: "") } == "anchor")
        #expect(field { _ = try Paths.around([], anchor: "a", depth: 0) } == "depth")
        #expect(field { _ = try Paths.around([], anchor: "a", depth: 6) } == "depth")
        #expect(field { _ = try Paths.around([], anchor: "a", depth: 5, topN: 1_000) } == nil)
        #expect(field { _ = try Paths.around([], anchor: "a", topN: 0) } == "top_n")
        #expect(field { _ = try Paths.topTransitions([], topN: 1_001) } == "top_n")
        #expect(field { _ = try Paths.topTransitions([], maxGap: 0) } == "max_gap_seconds")
        #expect(field { _ = try Paths.topTransitions([], maxGap: .infinity) } == "max_gap_seconds")
        #expect(field { _ = try Paths.topTransitions([], maxGap: .nan) } == "max_gap_seconds")
    }
}
