import Foundation
import Testing
import TradewindCore

@Suite("RFM")
struct RFMTests {
    static let asOf = Date(timeIntervalSince1970: 1_700_000_000)

    static func ago(_ days: Double) -> Date { asOf.addingTimeInterval(-days * 86_400) }

    /// `count` orders, the last `lastDaysAgo` days before the as-of date and the others one day
    /// apart before it; the first carries the whole `totalMicros`, the rest are worth 0.
    static func orders(_ customer: String, count: Int, lastDaysAgo: Double, totalMicros: Int64) -> [RFMOrder] {
        (0..<count).map { index in
            RFMOrder(
                customer: customer, time: ago(lastDaysAgo + Double(index)), valueMicros: index == 0 ? totalMicros : 0)
        }
    }

    static func scores(_ result: RFMResult) -> [String: [Int]] {
        Dictionary(
            uniqueKeysWithValues: result.customers.map {
                ($0.customer, [$0.recencyScore, $0.frequencyScore, $0.monetaryScore])
            })
    }

    static func segments(_ result: RFMResult) -> [String: RFMSegment] {
        Dictionary(uniqueKeysWithValues: result.customers.map { ($0.customer, $0.segment) })
    }

    @Test("Five distinct customers take scores 1...5 and the matching segments")
    func fiveDistinct() throws {
        // n = 5, no ties: the k-th worst has below = k - 1, equal = 1, score 1 + 5(2k - 1)/10 = k.
        // Segments: 555 Champions, 444 (FM 4, R 4) Loyal, 333 Need Attention, 222 Hibernating, 111 Lost.
        let input =
            Self.orders("a", count: 5, lastDaysAgo: 1, totalMicros: 500)
            + Self.orders("b", count: 4, lastDaysAgo: 10, totalMicros: 400)
            + Self.orders("c", count: 3, lastDaysAgo: 20, totalMicros: 300)
            + Self.orders("d", count: 2, lastDaysAgo: 40, totalMicros: 200)
            + Self.orders("e", count: 1, lastDaysAgo: 80, totalMicros: 100)
        let result = try RFM.analyze(Array(input.reversed()), asOf: Self.asOf)
        #expect(result.customers.map(\.customer) == ["a", "b", "c", "d", "e"])
        #expect(result.customers.map(\.recencyDays) == [1, 10, 20, 40, 80])
        #expect(result.customers.map(\.frequency) == [5, 4, 3, 2, 1])
        #expect(result.customers.map(\.monetaryMicros) == [500, 400, 300, 200, 100])
        #expect(result.customers.map(\.lastOrder) == [1, 10, 20, 40, 80].map { Self.ago($0) })
        #expect(
            Self.scores(result) == [
                "a": [5, 5, 5], "b": [4, 4, 4], "c": [3, 3, 3], "d": [2, 2, 2], "e": [1, 1, 1],
            ])
        #expect(
            Self.segments(result) == [
                "a": .champions, "b": .loyalCustomers, "c": .needAttention, "d": .hibernating, "e": .lost,
            ])
    }

    /// Ten customers with tied recency and frequency and distinct spend.
    static let tied: [RFMOrder] = [
        (0.0, 1, 10), (0, 1, 20), (5, 1, 30), (5, 1, 40), (5, 1, 50), (5, 1, 60), (9, 2, 70), (9, 2, 80),
        (9, 3, 90), (30, 4, 100),
    ].enumerated().flatMap { index, row in
        orders("c\(index)", count: row.1, lastDaysAgo: row.0, totalMicros: Int64(row.2))
    }

    @Test("Ties share one score, from the mid-rank percentile (by hand)")
    func ties() throws {
        // n = 10, score = 1 + floor(5 (2 below + equal) / 20).
        // Recency days 30 | 9 ×3 | 5 ×4 | 0 ×2 (worst first): below 0, 1, 4, 8 → R 1, 2, 4, 5.
        // Frequency 1 ×6 | 2 ×2 | 3 | 4: below 0, 6, 8, 9 → F 2, 4, 5, 5.
        // Spend 10...100 all distinct: below i → M 1, 1, 2, 2, 3, 3, 4, 4, 5, 5.
        // FM = (F + M + 1) / 2, rounded half up: c4 has F 2, M 3 → FM 3.
        let result = try RFM.analyze(Self.tied, asOf: Self.asOf)
        #expect(
            Self.scores(result) == [
                "c0": [5, 2, 1], "c1": [5, 2, 1], "c2": [4, 2, 2], "c3": [4, 2, 2], "c4": [4, 2, 3],
                "c5": [4, 2, 3], "c6": [2, 4, 4], "c7": [2, 4, 4], "c8": [2, 5, 5], "c9": [1, 5, 5],
            ])
        #expect(result.customers.map(\.frequencyMonetaryScore) == [2, 2, 2, 2, 3, 3, 4, 4, 5, 5])
        // R 4-5 with FM 2-3: Potential Loyalist; R 2, FM 4: At Risk; R 1-2, FM 5: Can't Lose Them.
        #expect(
            result.customers.map(\.segment) == [
                .potentialLoyalist, .potentialLoyalist, .potentialLoyalist, .potentialLoyalist, .potentialLoyalist,
                .potentialLoyalist, .atRisk, .atRisk, .cantLoseThem, .cantLoseThem,
            ])
    }

    @Test("Segment summary: counts, shares, averages and spend; every segment listed in order")
    func summary() throws {
        let result = try RFM.analyze(Self.tied, asOf: Self.asOf)
        #expect(result.segments.map(\.segment) == RFMSegment.allCases)
        let bySegment = Dictionary(uniqueKeysWithValues: result.segments.map { ($0.segment, $0) })
        // Potential Loyalist c0...c5: recency (0+0+5+5+5+5)/6, one order each, spend 10+...+60.
        let potential = try #require(bySegment[.potentialLoyalist])
        #expect(potential.customers == 6 && potential.share == 0.6 && potential.monetaryMicros == 210)
        #expect(abs(potential.averageRecencyDays - 20.0 / 6) < 1e-12 && potential.averageFrequency == 1)
        // At Risk c6, c7: recency 9, two orders each, spend 150.
        let atRisk = try #require(bySegment[.atRisk])
        #expect(atRisk.customers == 2 && atRisk.share == 0.2 && atRisk.monetaryMicros == 150)
        #expect(atRisk.averageRecencyDays == 9 && atRisk.averageFrequency == 2)
        // Can't Lose Them c8, c9: recency (9+30)/2, orders (3+4)/2, spend 190.
        let cantLose = try #require(bySegment[.cantLoseThem])
        #expect(cantLose.customers == 2 && cantLose.share == 0.2 && cantLose.monetaryMicros == 190)
        #expect(cantLose.averageRecencyDays == 19.5 && cantLose.averageFrequency == 3.5)
        let empty = result.segments.filter { ![.potentialLoyalist, .atRisk, .cantLoseThem].contains($0.segment) }
        #expect(empty.count == 8)
        #expect(
            empty.allSatisfy {
                $0.customers == 0 && $0.share == 0 && $0.averageRecencyDays == 0 && $0.averageFrequency == 0
                    && $0.monetaryMicros == 0
            })
    }

    @Test("Fewer than five customers: scores stay centred (1 → 3; 2 → 2 and 4; all equal → 3)")
    func fewCustomers() throws {
        // One customer: below 0, equal 1, n 1 → 1 + 5·1/2 = 3 on every axis → Need Attention.
        let one = try RFM.analyze(Self.orders("solo", count: 2, lastDaysAgo: 3, totalMicros: 7), asOf: Self.asOf)
        #expect(Self.scores(one) == ["solo": [3, 3, 3]])
        #expect(one.customers.first?.segment == .needAttention)
        #expect(one.segments.first { $0.segment == .needAttention }?.share == 1)
        // Two distinct customers: 1 + 5·1/4 = 2 and 1 + 5·3/4 = 4 → Loyal (R 4, FM 4) and Hibernating.
        let two = try RFM.analyze(
            Self.orders("new", count: 3, lastDaysAgo: 1, totalMicros: 30)
                + Self.orders("old", count: 1, lastDaysAgo: 60, totalMicros: 5),
            asOf: Self.asOf)
        #expect(Self.scores(two) == ["new": [4, 4, 4], "old": [2, 2, 2]])
        #expect(Self.segments(two) == ["new": .loyalCustomers, "old": .hibernating])
        // Three identical customers: below 0, equal 3 → 1 + 5·3/6 = 3.
        let same = try RFM.analyze(
            ["x", "y", "z"].flatMap { Self.orders($0, count: 2, lastDaysAgo: 4, totalMicros: 9) }, asOf: Self.asOf)
        #expect(Self.scores(same) == ["x": [3, 3, 3], "y": [3, 3, 3], "z": [3, 3, 3]])
    }

    @Test("Recency counts whole days, rounding down; orders after the as-of date are ignored")
    func asOfHandling() throws {
        let result = try RFM.analyze(
            [
                RFMOrder(customer: "a", time: Self.ago(1.9), valueMicros: 5),
                RFMOrder(customer: "a", time: Self.ago(-2), valueMicros: 1_000),
                RFMOrder(customer: "b", time: Self.asOf, valueMicros: 1),
                RFMOrder(customer: "future", time: Self.ago(-0.5), valueMicros: 1),
            ], asOf: Self.asOf)
        #expect(result.customers.map(\.customer) == ["a", "b"])
        #expect(result.customers.map(\.recencyDays) == [1, 0])
        #expect(result.customers.map(\.frequency) == [1, 1])
        #expect(result.customers.map(\.monetaryMicros) == [5, 1])
    }

    @Test("No orders: no customers, and the 11 segments all empty")
    func empty() throws {
        let result = try RFM.analyze([], asOf: Self.asOf)
        #expect(result.customers.isEmpty)
        #expect(result.segments.map(\.segment) == RFMSegment.allCases)
        #expect(result.segments.allSatisfy { $0.customers == 0 && $0.share == 0 })
    }

    @Test("Spend overflowing Int64 micros is an error, for a customer and for a segment")
    func overflow() {
        let half = Int64.max / 2 + 1
        #expect(throws: RFMError.monetaryOverflow(segment: nil, customer: "big")) {
            try RFM.analyze(
                [
                    RFMOrder(customer: "big", time: Self.ago(1), valueMicros: half),
                    RFMOrder(customer: "big", time: Self.ago(2), valueMicros: half),
                ], asOf: Self.asOf)
        }
        // Two identical customers tie on everything (3, 3, 3), so their spend adds up in one segment.
        #expect(throws: RFMError.monetaryOverflow(segment: .needAttention, customer: nil)) {
            try RFM.analyze(
                ["p", "q"].map { RFMOrder(customer: $0, time: Self.ago(1), valueMicros: .max) }, asOf: Self.asOf)
        }
    }

    @Test("The segment grid: all 25 (R, FM) cells, as documented on RFMSegment.init")
    func grid() {
        let table: [Int: [RFMSegment]] = [
            5: [.newCustomers, .potentialLoyalist, .potentialLoyalist, .champions, .champions],
            4: [.promising, .potentialLoyalist, .potentialLoyalist, .loyalCustomers, .loyalCustomers],
            3: [.aboutToSleep, .aboutToSleep, .needAttention, .loyalCustomers, .loyalCustomers],
            2: [.hibernating, .hibernating, .atRisk, .atRisk, .cantLoseThem],
            1: [.lost, .lost, .atRisk, .atRisk, .cantLoseThem],
        ]
        var seen = Set<RFMSegment>()
        for r in 1...5 {
            for fm in 1...5 {
                let segment = RFMSegment(recencyScore: r, frequencyMonetaryScore: fm)
                #expect(segment == table[r]?[fm - 1], "R \(r) FM \(fm)")
                seen.insert(segment)
            }
        }
        #expect(seen == Set(RFMSegment.allCases))
    }
}
