import Foundation

/// One order as RFM reads it: who bought, when, and for how much.
public struct RFMOrder: Sendable, Hashable {
    public var customer: String
    public var time: Date
    /// Order value in micros of the reporting currency (refunds may be negative).
    public var valueMicros: Int64

    public init(customer: String, time: Date, valueMicros: Int64) {
        self.customer = customer
        self.time = time
        self.valueMicros = valueMicros
    }
}

/// The 11 named RFM segments (Putler's names). How scores map to them is in `RFMSegment.init`.
public enum RFMSegment: String, Sendable, Hashable, CaseIterable {
    case champions = "Champions"
    case loyalCustomers = "Loyal Customers"
    case potentialLoyalist = "Potential Loyalist"
    case newCustomers = "New Customers"
    case promising = "Promising"
    case needAttention = "Need Attention"
    case aboutToSleep = "About To Sleep"
    case atRisk = "At Risk"
    case cantLoseThem = "Can't Lose Them"
    case hibernating = "Hibernating"
    case lost = "Lost"

    /// The segment of a recency score and a combined frequency/monetary score, both 1...5.
    ///
    /// The grid is the widely used R×F segment map (the `seg_map` of the common pandas recipe)
    /// read with FM in place of F, and with its bottom-left "hibernating" block split so that the
    /// oldest customers (R = 1) are `Lost`. Every one of the 25 cells has exactly one segment:
    ///
    ///     R \ FM   1               2                   3                   4                 5
    ///     5        New Customers   Potential Loyalist  Potential Loyalist  Champions         Champions
    ///     4        Promising       Potential Loyalist  Potential Loyalist  Loyal Customers   Loyal Customers
    ///     3        About To Sleep  About To Sleep      Need Attention      Loyal Customers   Loyal Customers
    ///     2        Hibernating     Hibernating         At Risk             At Risk           Can't Lose Them
    ///     1        Lost            Lost                At Risk             At Risk           Can't Lose Them
    public init(recencyScore r: Int, frequencyMonetaryScore fm: Int) {
        switch (r, fm) {
        case (5, 4...5): self = .champions
        case (3...4, 4...5): self = .loyalCustomers
        case (4...5, 2...3): self = .potentialLoyalist
        case (5, 1): self = .newCustomers
        case (4, 1): self = .promising
        case (3, 3): self = .needAttention
        case (3, 1...2): self = .aboutToSleep
        case (1...2, 5): self = .cantLoseThem
        case (1...2, 3...4): self = .atRisk
        case (2, 1...2): self = .hibernating
        default: self = .lost
        }
    }
}

/// One customer's RFM values, quintile scores and segment.
public struct RFMCustomer: Sendable, Hashable {
    public var customer: String
    public var lastOrder: Date
    /// Whole days (24-hour periods, rounded down) from the last order to the as-of date.
    public var recencyDays: Int
    /// Number of orders up to the as-of date.
    public var frequency: Int
    /// Sum of order values, in micros.
    public var monetaryMicros: Int64
    /// 1...5, 5 for the most recent buyers.
    public var recencyScore: Int
    /// 1...5, 5 for the most orders.
    public var frequencyScore: Int
    /// 1...5, 5 for the highest spend.
    public var monetaryScore: Int
    public var segment: RFMSegment

    /// The combined F/M score the segment map reads: the mean of F and M, rounded half up.
    public var frequencyMonetaryScore: Int { RFM.combined(frequencyScore, monetaryScore) }
}

/// Totals of one segment.
public struct RFMSegmentSummary: Sendable, Hashable {
    public var segment: RFMSegment
    public var customers: Int
    /// Fraction of all scored customers (0 when there are none).
    public var share: Double
    /// Mean recency in days (0 for an empty segment).
    public var averageRecencyDays: Double
    /// Mean number of orders (0 for an empty segment).
    public var averageFrequency: Double
    /// Total spend of the segment, in micros.
    public var monetaryMicros: Int64
}

/// The result of an RFM analysis.
public struct RFMResult: Sendable, Hashable {
    /// One row per customer with an order up to the as-of date, sorted by customer.
    public var customers: [RFMCustomer]
    /// Every segment, in `RFMSegment.allCases` order, empty ones included so tables stay stable.
    public var segments: [RFMSegmentSummary]
}

/// Why an RFM analysis could not be computed.
public enum RFMError: Error, Hashable {
    /// A customer's or a segment's total spend does not fit in Int64 micros.
    case monetaryOverflow(segment: RFMSegment?, customer: String?)
}

/// Recency / frequency / monetary segmentation.
///
/// Scores are quintiles of the percentile rank, so that equal values always share a score:
/// a value with `below` customers strictly worse and `equal` customers tied (itself included)
/// has percentile rank `(below + equal / 2) / n` (the textbook mid-rank definition), and score
/// `1 + floor(5 × rank)`, computed in integers. With many distinct values this is exactly the
/// usual equal-count quintile split; ties take the score of their middle. With fewer than five
/// customers (or few distinct values) the scores simply do not span 1...5: they stay centred, so
/// a lone customer, or customers who are all equal, score 3 (two distinct customers score 2 and
/// 4), rather than being pushed to an extreme.
public enum RFM {
    /// Scores every customer with an order at or before `asOf`; later orders are ignored, as they
    /// had not happened at that date.
    public static func analyze(_ orders: [RFMOrder], asOf: Date) throws -> RFMResult {
        var totals: [String: (last: Date, frequency: Int, monetary: Int64)] = [:]
        for order in orders where order.time <= asOf {
            var total = totals[order.customer] ?? (order.time, 0, 0)
            let (sum, overflow) = total.monetary.addingReportingOverflow(order.valueMicros)
            guard !overflow else { throw RFMError.monetaryOverflow(segment: nil, customer: order.customer) }
            total = (max(total.last, order.time), total.frequency + 1, sum)
            totals[order.customer] = total
        }
        let entries = totals.sorted { $0.key < $1.key }
        let names = entries.map(\.key)
        let rows = entries.map(\.value)
        let recency = rows.map { Int((asOf.timeIntervalSince($0.last) / 86_400).rounded(.down)) }
        // Fewer days since the last order is better, hence the negated key.
        let recencyScores = quintileScores(recency.map { -Int64($0) })
        let frequencyScores = quintileScores(rows.map { Int64($0.frequency) })
        let monetaryScores = quintileScores(rows.map(\.monetary))

        let customers = names.indices.map { index in
            RFMCustomer(
                customer: names[index], lastOrder: rows[index].last, recencyDays: recency[index],
                frequency: rows[index].frequency, monetaryMicros: rows[index].monetary,
                recencyScore: recencyScores[index], frequencyScore: frequencyScores[index],
                monetaryScore: monetaryScores[index],
                segment: RFMSegment(
                    recencyScore: recencyScores[index],
                    frequencyMonetaryScore: combined(frequencyScores[index], monetaryScores[index])))
        }
        return RFMResult(customers: customers, segments: try summarize(customers))
    }

    /// The F/M score: the mean of F and M, rounded half up (F 4 and M 3 give 4).
    static func combined(_ frequencyScore: Int, _ monetaryScore: Int) -> Int {
        (frequencyScore + monetaryScore + 1) / 2
    }

    /// Scores 1...5 from the mid-rank percentile of each key (higher key, higher score).
    static func quintileScores(_ keys: [Int64]) -> [Int] {
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        var scores = [Int](repeating: 0, count: keys.count)
        var below = 0
        while below < order.count {
            var end = below
            while end < order.count && keys[order[end]] == keys[order[below]] { end += 1 }
            // 1 + floor(5 × (below + equal / 2) / n); (2 below + equal) < 2n, so at most 5.
            let score = 1 + 5 * (2 * below + (end - below)) / (2 * order.count)
            for position in below..<end { scores[order[position]] = score }
            below = end
        }
        return scores
    }

    private static func summarize(_ customers: [RFMCustomer]) throws -> [RFMSegmentSummary] {
        var groups: [RFMSegment: [RFMCustomer]] = [:]
        for customer in customers { groups[customer.segment, default: []].append(customer) }
        return try RFMSegment.allCases.map { segment in
            let members = groups[segment] ?? []
            var monetary: Int64 = 0
            for member in members {
                let (sum, overflow) = monetary.addingReportingOverflow(member.monetaryMicros)
                guard !overflow else { throw RFMError.monetaryOverflow(segment: segment, customer: nil) }
                monetary = sum
            }
            let count = Double(members.count)
            return RFMSegmentSummary(
                segment: segment, customers: members.count,
                share: customers.isEmpty ? 0 : count / Double(customers.count),
                averageRecencyDays: members.isEmpty ? 0 : Double(members.reduce(0) { $0 + $1.recencyDays }) / count,
                averageFrequency: members.isEmpty ? 0 : Double(members.reduce(0) { $0 + $1.frequency }) / count,
                monetaryMicros: monetary)
        }
    }
}
