import Foundation
import Testing
import TradewindCore

@Suite("Funnel")
struct FunnelTests {
    static let base = Date(timeIntervalSince1970: 1_790_000_000)

    static func event(
        _ person: String, _ name: String, at seconds: Double, _ properties: [String: String] = [:]
    ) -> BehaviorEvent {
        BehaviorEvent(person: person, name: name, time: base.addingTimeInterval(seconds), properties: properties)
    }

    static func people(_ result: FunnelResult) -> [Int] { result.steps.map(\.people) }

    static func run(
        _ events: [BehaviorEvent], _ steps: [String], order: FunnelOrder = .ordered, window: TimeInterval = 3_600
    ) throws -> FunnelResult {
        try Funnel.compute(events, steps: steps.map(FunnelStep.init), order: order, conversionWindow: window)
    }

    @Test("ordered funnel: counts, rates, drop-off and times to convert, from unsorted input")
    func ordered() throws {
        let events = [
            Self.event("p1", "view", at: 0), Self.event("p1", "cart", at: 100), Self.event("p1", "buy", at: 400),
            Self.event("p2", "view", at: 0), Self.event("p2", "other", at: 10), Self.event("p2", "cart", at: 50),
            Self.event("p3", "view", at: 0),
            // Never saw the first step: not in the funnel at all.
            Self.event("p4", "cart", at: 0), Self.event("p4", "buy", at: 10),
            // The buy before the cart does not count; the one after does.
            Self.event("p5", "view", at: 0), Self.event("p5", "buy", at: 5), Self.event("p5", "cart", at: 30),
            Self.event("p5", "buy", at: 90),
        ]
        let result = try Self.run(events.reversed(), ["view", "cart", "buy"])
        #expect(result.breakdownValue == nil)
        // By hand: view p1 p2 p3 p5 = 4; cart p1 p2 p5 = 3; buy p1 p5 = 2.
        #expect(Self.people(result) == [4, 3, 2])
        #expect(result.steps.map(\.conversionFromFirst) == [1, 0.75, 0.5])
        #expect(result.steps.map(\.conversionFromPrevious) == [1, 0.75, 2.0 / 3])
        #expect(result.steps.map(\.droppedOff) == [0, 1, 1])
        // view -> cart: p1 100, p2 50, p5 30 (median 50, mean 60); cart -> buy: p1 300, p5 60.
        #expect(result.steps.map(\.medianSecondsFromPrevious) == [nil, 50, 180])
        #expect(result.steps.map(\.averageSecondsFromPrevious) == [nil, 60, 180])
    }

    @Test("strict order: any other event, or a repeated step, between two steps breaks the attempt")
    func strictVersusOrdered() throws {
        let events = [
            // Another event between view and cart: ordered 3 steps, strict 1.
            Self.event("p1", "view", at: 0), Self.event("p1", "other", at: 10), Self.event("p1", "cart", at: 20),
            Self.event("p1", "buy", at: 30),
            // Consecutive: 3 steps either way.
            Self.event("p2", "view", at: 0), Self.event("p2", "cart", at: 10), Self.event("p2", "buy", at: 20),
            // Second attempt view, cart broken by other before buy: strict 2.
            Self.event("p3", "view", at: 0), Self.event("p3", "cart", at: 10), Self.event("p3", "view", at: 20),
            Self.event("p3", "cart", at: 30), Self.event("p3", "other", at: 35), Self.event("p3", "buy", at: 40),
            // A repeated cart breaks the strict attempt after cart: strict 2.
            Self.event("p4", "view", at: 0), Self.event("p4", "cart", at: 10), Self.event("p4", "cart", at: 20),
            Self.event("p4", "buy", at: 30),
            // A repeated first step just starts a new attempt: strict 3.
            Self.event("p5", "view", at: 0), Self.event("p5", "view", at: 5), Self.event("p5", "cart", at: 10),
            Self.event("p5", "buy", at: 20),
        ]
        let steps = ["view", "cart", "buy"]
        #expect(Self.people(try Self.run(events, steps)) == [5, 5, 5])
        let strict = try Self.run(events, steps, order: .strict)
        #expect(Self.people(strict) == [5, 4, 2])
        // Strict view -> cart times: p2 10, p3 10 (its first attempt got there first), p4 10, p5 5.
        #expect(strict.steps[1].averageSecondsFromPrevious == 8.75)
        #expect(strict.steps[2].medianSecondsFromPrevious == 10)
    }

    @Test("conversion window: inclusive, measured from the first step, and the latest attempt wins")
    func windowExpiry() throws {
        let events = [
            // C comes 150 s after A: expired, 2 steps.
            Self.event("p1", "A", at: 0), Self.event("p1", "B", at: 50), Self.event("p1", "C", at: 150),
            // First attempt expires; the second (A at 120) completes: B +50, C +40.
            Self.event("p2", "A", at: 0), Self.event("p2", "B", at: 50), Self.event("p2", "A", at: 120),
            Self.event("p2", "B", at: 170), Self.event("p2", "C", at: 210),
            // Exactly at the window edge counts.
            Self.event("p3", "A", at: 0), Self.event("p3", "B", at: 100),
            Self.event("p4", "A", at: 0), Self.event("p4", "B", at: 101),
            // B follows both As; only the later A leaves room for C (140 - 60 = 80): B +10, C +70.
            Self.event("p5", "A", at: 0), Self.event("p5", "A", at: 60), Self.event("p5", "B", at: 70),
            Self.event("p5", "C", at: 140),
        ]
        let result = try Self.run(events, ["A", "B", "C"], window: 100)
        #expect(Self.people(result) == [5, 4, 2])
        // A -> B: 50, 50, 100, 10 (median 50, mean 52.5); B -> C: 40, 70.
        #expect(result.steps[1].medianSecondsFromPrevious == 50)
        #expect(result.steps[1].averageSecondsFromPrevious == 52.5)
        #expect(result.steps[2].medianSecondsFromPrevious == 55)
        #expect(result.steps[2].averageSecondsFromPrevious == 55)
    }

    @Test("a repeated step keeps the attempt's first time at it")
    func repeatedStepTime() throws {
        let events = [
            Self.event("p1", "A", at: 0), Self.event("p1", "B", at: 10), Self.event("p1", "B", at: 50),
            Self.event("p1", "C", at: 60),
        ]
        // A -> B is 10 s (the first B), B -> C is 50 s from that B.
        let result = try Self.run(events, ["A", "B", "C"])
        #expect(result.steps.map(\.medianSecondsFromPrevious) == [nil, 10, 50])
    }

    @Test("unordered: steps in any order within the window, compared with ordered on the same events")
    func unordered() throws {
        let events = [
            Self.event("p1", "C", at: 0), Self.event("p1", "A", at: 10), Self.event("p1", "B", at: 20),
            // Two Bs are still one step; A comes too late for either.
            Self.event("p2", "B", at: 0), Self.event("p2", "B", at: 50), Self.event("p2", "A", at: 200),
            // Starting at A covers A, C; starting at C covers C, B: 2 either way, the first start counts.
            Self.event("p3", "A", at: 0), Self.event("p3", "C", at: 90), Self.event("p3", "B", at: 150),
        ]
        let result = try Self.run(events, ["A", "B", "C"], order: .unordered, window: 100)
        #expect(Self.people(result) == [3, 2, 1])
        // Second step completed: p1 10 s after its first, p3 90 s; third: p1 10 s.
        #expect(result.steps[1].averageSecondsFromPrevious == 50)
        #expect(result.steps[2].averageSecondsFromPrevious == 10)
        // Ordered: p1 A, B (C came first); p2 A only; p3 A then B 150 s later, expired.
        #expect(Self.people(try Self.run(events, ["A", "B", "C"], window: 100)) == [3, 1, 0])
    }

    @Test("breakdown attributed to a later step's event, and to first and last touch")
    func breakdown() throws {
        let events = [
            Self.event("p1", "visit", at: 0, ["channel": "seo"]),
            Self.event("p1", "signup", at: 10, ["channel": "ads"]),
            Self.event("p1", "purchase", at: 20),
            Self.event("p2", "visit", at: 0, ["channel": "seo"]),
            Self.event("p2", "signup", at: 10, ["channel": "email"]),
            Self.event("p3", "visit", at: 0, ["channel": "ads"]),
            Self.event("p4", "visit", at: 0), Self.event("p4", "signup", at: 5, ["channel": "ads"]),
            Self.event("p4", "purchase", at: 6),
        ]
        let steps = ["visit", "signup", "purchase"].map(FunnelStep.init)
        func run(_ attribution: FunnelBreakdownAttribution) throws -> [String: [Int]] {
            let funnels = try Funnel.compute(
                events, steps: steps, conversionWindow: 86_400,
                breakdown: FunnelBreakdown(property: "channel", attribution: attribution))
            return Dictionary(uniqueKeysWithValues: funnels.map { ($0.breakdownValue ?? "nil", Self.people($0)) })
        }
        func order(_ attribution: FunnelBreakdownAttribution) throws -> [String?] {
            try Funnel.compute(
                events, steps: steps, conversionWindow: 86_400,
                breakdown: FunnelBreakdown(property: "channel", attribution: attribution)
            ).map(\.breakdownValue)
        }
        // Signup's channel: p1 ads, p2 email, p4 ads; p3 never signed up, so "".
        #expect(try run(.step(1)) == ["ads": [2, 2, 2], "email": [1, 1, 0], "": [1, 0, 0]])
        // Sorted by people at the first step, ties by value.
        #expect(try order(.step(1)) == ["ads", "", "email"])
        // The default is the first step: p1 seo, p2 seo, p3 ads, p4 has no channel on its visit.
        #expect(try run(.step(0)) == ["seo": [2, 2, 1], "ads": [1, 0, 0], "": [1, 1, 1]])
        #expect(try run(.firstTouch) == run(.step(0)))
        #expect(try order(.firstTouch) == ["seo", "", "ads"])
        // Furthest step reached: p1 and p4 purchase (no channel), p2 signup email, p3 visit ads.
        #expect(try run(.lastTouch) == ["": [2, 2, 2], "ads": [1, 0, 0], "email": [1, 1, 0]])
    }

    @Test("steps with alternative names, a step repeated, and ties broken by input order")
    func alternativesRepeatsAndTies() throws {
        let signup = FunnelStep(anyOf: ["signup_web", "signup_app"])
        let alternatives = try Funnel.compute(
            [
                Self.event("p1", "visit", at: 0), Self.event("p1", "signup_app", at: 5),
                Self.event("p2", "visit", at: 0), Self.event("p2", "signup_web", at: 5),
                Self.event("p3", "visit", at: 0), Self.event("p3", "signup_tv", at: 5),
            ], steps: [FunnelStep("visit"), signup], conversionWindow: 60)
        #expect(Self.people(alternatives) == [3, 2])
        // One A cannot be both steps of A -> A; two can.
        let repeated = try Self.run(
            [Self.event("p1", "A", at: 0), Self.event("p2", "A", at: 0), Self.event("p2", "A", at: 10)], ["A", "A"])
        #expect(Self.people(repeated) == [2, 1])
        // Same time: the input order decides, so B-then-A does not convert and A-then-B does.
        let ties = try Self.run(
            [
                Self.event("p1", "B", at: 5), Self.event("p1", "A", at: 5), Self.event("p2", "A", at: 5),
                Self.event("p2", "B", at: 5),
            ], ["A", "B"])
        #expect(Self.people(ties) == [2, 1])
        #expect(ties.steps[1].medianSecondsFromPrevious == 0)
    }

    @Test("no events: zero people, zero rates, no times; no breakdown groups")
    func empty() throws {
        let result = try Self.run([], ["A", "B"])
        #expect(Self.people(result) == [0, 0])
        #expect(result.steps.map(\.conversionFromFirst) == [0, 0])
        #expect(result.steps.map(\.medianSecondsFromPrevious) == [nil, nil])
        let groups = try Funnel.compute(
            [], steps: [FunnelStep("A"), FunnelStep("B")], conversionWindow: 60,
            breakdown: FunnelBreakdown(property: "channel"))
        #expect(groups.isEmpty)
    }

    @Test("invalid parameters name the request field")
    func validation() {
        let two = [FunnelStep("A"), FunnelStep("B")]
        func field(
            _ steps: [FunnelStep] = two, order: FunnelOrder = .ordered, window: TimeInterval = 60,
            breakdown: FunnelBreakdown? = nil
        ) -> String? {
            do {
                if let breakdown {
                    _ = try Funnel.compute(
                        [], steps: steps, order: order, conversionWindow: window, breakdown: breakdown)
                } else {
                    _ = try Funnel.compute([], steps: steps, order: order, conversionWindow: window)
                }
                return nil
            } catch {
                return error.field
            }
        }
        #expect(field() == nil)
        #expect(field([FunnelStep("A")]) == "steps")
        #expect(field(Array(repeating: FunnelStep("A"), count: 21)) == "steps")
        #expect(field(Array(repeating: FunnelStep("A"), count: 20)) == nil)
        #expect(field([FunnelStep("A"), FunnelStep("")]) == "steps")
        #expect(field([FunnelStep("A"), FunnelStep(anyOf: [])]) == "steps")
        // Unordered steps may not share a name; ordered ones may.
        #expect(field([FunnelStep("A"), FunnelStep(anyOf: ["A", "B"])], order: .unordered) == "steps")
        #expect(field([FunnelStep("A"), FunnelStep(anyOf: ["A", "B"])]) == nil)
        #expect(field(window: 0) == "conversion_window_seconds")
        #expect(field(window: .nan) == "conversion_window_seconds")
        #expect(field(window: 366 * 86_400) == "conversion_window_seconds")
        #expect(field(window: 365 * 86_400) == nil)
        #expect(field(breakdown: FunnelBreakdown(property: "c", attribution: .step(2))) == "breakdown_step")
        #expect(field(breakdown: FunnelBreakdown(property: "c", attribution: .step(-1))) == "breakdown_step")
        #expect(field(breakdown: FunnelBreakdown(property: "")) == "breakdown_property")
        #expect(field(breakdown: FunnelBreakdown(property: "c", attribution: .lastTouch)) == nil)
    }
}
