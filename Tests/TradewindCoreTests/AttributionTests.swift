import Foundation
import Testing
import TradewindCore

@Suite("Attribution")
struct AttributionTests {
    static func shares(_ credits: [ChannelCredit]) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: credits.map { ($0.channel, $0.conversions) })
    }

    static func expectClose(_ actual: [String: Double], _ expected: [String: Double], _ note: String = "") {
        #expect(Set(actual.keys) == Set(expected.keys), "\(note)")
        for (channel, value) in expected {
            #expect(
                abs((actual[channel] ?? .nan) - value) < 1e-12,
                "\(note) \(channel): \(actual[channel] ?? .nan) != \(value)")
        }
    }

    /// Bryl's public example: C1>C2>C3 converts once, C1 and C2>C3 each end without conversion.
    static let bryl = [
        Journey.path(["C1", "C2", "C3"], conversions: 1, nulls: 0),
        Journey.path(["C1"], conversions: 0, nulls: 1),
        Journey.path(["C2", "C3"], conversions: 0, nulls: 1),
    ]

    @Test("Bryl's example: Markov credits 0.2 / 0.4 / 0.4, Shapley a third each")
    func brylVector() {
        let markov = Attribution.credit(Self.bryl, model: .markov)
        Self.expectClose(Self.shares(markov), ["C1": 0.2, "C2": 0.4, "C3": 0.4], "markov")
        Self.expectClose(
            Dictionary(uniqueKeysWithValues: markov.map { ($0.channel, $0.removalEffect ?? .nan) }),
            ["C1": 0.5, "C2": 1, "C3": 1], "removal effects")
        Self.expectClose(
            Self.shares(Attribution.credit(Self.bryl, model: .shapley)), ["C1": 1.0 / 3, "C2": 1.0 / 3, "C3": 1.0 / 3],
            "shapley")
    }

    @Test("Markov collapses consecutive repeats: A>A>B is A>B (by hand: A 1/3, B 2/3)")
    func repeats() {
        let repeated = [
            Journey.path(["A", "A", "B"], conversions: 1, nulls: 0), Journey.path(["B"], conversions: 0, nulls: 1),
        ]
        let plain = [
            Journey.path(["A", "B"], conversions: 1, nulls: 0), Journey.path(["B"], conversions: 0, nulls: 1),
        ]
        let credits = Self.shares(Attribution.credit(repeated, model: .markov))
        Self.expectClose(credits, ["A": 1.0 / 3, "B": 2.0 / 3], "repeats")
        Self.expectClose(credits, Self.shares(Attribution.credit(plain, model: .markov)), "same as without repeats")
    }

    @Test("Markov with a loop A>B>A (by hand: P = 1/2, removal effects A 1, B 1/2, credit A 2/3, B 1/3)")
    func loops() {
        let journeys = [
            Journey.path(["A", "B", "A"], conversions: 1, nulls: 0), Journey.path(["B"], conversions: 0, nulls: 1),
        ]
        let markov = Attribution.credit(journeys, model: .markov)
        Self.expectClose(Self.shares(markov), ["A": 2.0 / 3, "B": 1.0 / 3], "loop")
        Self.expectClose(
            Dictionary(uniqueKeysWithValues: markov.map { ($0.channel, $0.removalEffect ?? .nan) }),
            ["A": 1, "B": 0.5],
            "loop removal effects")
        Self.expectClose(
            Self.shares(Attribution.credit(journeys, model: .shapley)), ["A": 0.5, "B": 0.5], "loop shapley")
    }

    @Test("rule-based models on A, B, C one day apart, converting a day after C")
    func ruleBased() {
        let day: TimeInterval = 86_400
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let journey = Journey(
            touches: ["A", "B", "C"].enumerated().map {
                Touch(channel: $1, time: start.addingTimeInterval(Double($0) * day))
            },
            convertedAt: start.addingTimeInterval(3 * day), conversions: 1, nulls: 0, revenueMicros: 100_000_000)
        func run(_ model: AttributionModel, lookback: TimeInterval? = nil) -> [String: Double] {
            Self.shares(Attribution.credit([journey], model: model, lookback: lookback))
        }
        Self.expectClose(run(.firstTouch), ["A": 1, "B": 0, "C": 0], "first")
        Self.expectClose(run(.lastTouch), ["A": 0, "B": 0, "C": 1], "last")
        Self.expectClose(run(.linear), ["A": 1.0 / 3, "B": 1.0 / 3, "C": 1.0 / 3], "linear")
        Self.expectClose(run(.positionBased), ["A": 0.4, "B": 0.2, "C": 0.4], "position")
        // Ages 3, 2 and 1 half-lives: weights 1/8, 1/4, 1/2 of 7/8.
        Self.expectClose(run(.timeDecay(halfLife: day)), ["A": 1.0 / 7, "B": 2.0 / 7, "C": 4.0 / 7], "time decay")
        // A is 3 days before the conversion: outside a 2.5-day lookback.
        Self.expectClose(run(.linear, lookback: 2.5 * day), ["A": 0, "B": 0.5, "C": 0.5], "lookback")
        let revenue = Attribution.credit([journey], model: .linear).map(\.revenueMicros)
        #expect(revenue == [33_333_333, 33_333_333, 33_333_333])
        let two = Journey.path(["A", "B"], conversions: 2, nulls: 0)
        Self.expectClose(
            Self.shares(Attribution.credit([two], model: .positionBased)), ["A": 1, "B": 1], "two touches")
    }

    @Test("credits add up to the conversions, whatever the model")
    func conservation() {
        let journeys =
            Self.bryl + [
                Journey.path(["C3", "C1", "C1", "C4"], conversions: 3, nulls: 2),
                Journey.path(["C4"], conversions: 1, nulls: 5),
            ]
        for model in [
            AttributionModel.firstTouch, .lastTouch, .linear, .positionBased, .timeDecay(halfLife: 3), .markov,
            .shapley,
        ] {
            let total = Attribution.credit(journeys, model: model).map(\.conversions).reduce(0, +)
            #expect(abs(total - 5) < 1e-9, "\(model): \(total)")
        }
    }
}
