import Foundation

/// A frequent itemset: items bought together in at least `min_support` of the transactions.
public struct AssociationRuleItemset: Sendable, Hashable {
    /// The items, sorted.
    public var items: [String]
    /// Number of transactions that contain every item.
    public var count: Int
    /// `count / transactions`.
    public var support: Double
}

/// A rule "antecedents ⇒ consequents" with the metrics of `mlxtend.frequent_patterns.association_rules`.
///
/// With sA, sC and sAC the supports of the antecedents, the consequents and both together:
/// confidence = sAC / sA, lift = confidence / sC, leverage = sAC − sA·sC,
/// conviction = (1 − sC) / (1 − confidence), and Zhang's metric =
/// leverage / max(sAC·(1 − sA), sA·(sC − sAC)) (0 when that maximum is 0).
public struct AssociationRule: Sendable, Hashable {
    /// Sorted, disjoint from `consequents`.
    public var antecedents: [String]
    /// Sorted.
    public var consequents: [String]
    public var antecedentSupport: Double
    public var consequentSupport: Double
    /// Support of antecedents and consequents together.
    public var support: Double
    public var confidence: Double
    public var lift: Double
    public var leverage: Double
    /// `Double.infinity` when confidence is 1 (the rule never fails), as in mlxtend.
    public var conviction: Double
    public var zhangsMetric: Double
}

/// Rules mined from a set of transactions.
public struct AssociationRuleResult: Sendable, Hashable {
    /// Number of transactions read (empty ones included: they count in every support).
    public var transactions: Int
    /// Number of frequent itemsets found (of every length, singletons included).
    public var itemsets: Int
    /// The rules, best first: support descending, then confidence descending, then antecedents and
    /// then consequents in lexicographic order of their sorted item lists. At most `max_rules`.
    public var rules: [AssociationRule]
    /// How many rules passed the thresholds; more than `rules.count` when the output was truncated.
    public var totalRules: Int

    /// True when only the first `max_rules` rules (in the order above) were kept.
    public var truncated: Bool { totalRules > rules.count }
}

/// Why association rules could not be mined.
public enum AssociationRuleError: Error, Hashable {
    /// More frequent itemsets than `limit`: `min_support` is too low (or `max_len` too high) for
    /// this data.
    case tooManyItemsets(limit: Int)
}

/// Frequent itemsets (FP-growth) and association rules, compatible with mlxtend.
///
/// Results match `apriori(df, min_support, max_len)` followed by
/// `association_rules(itemsets, num_itemsets=len(df), metric="confidence", min_threshold=...)`
/// (mlxtend 0.23.2 and later): an itemset is frequent when `count / transactions >= min_support`
/// in floating point, and the metrics are computed with mlxtend's floating-point formulas, so
/// thresholds behave the same at their boundaries. Duplicate items within a transaction count once.
public enum AssociationRules {
    /// The most rules a call returns; `max_rules` may lower it.
    public static let ruleLimit = 100_000
    /// The most frequent itemsets mined before giving up, which bounds memory and time.
    public static let itemsetLimit = 1_000_000

    /// Every itemset with support at least `minSupport` and at most `maxLen` items, by length,
    /// then support descending, then items.
    public static func frequentItemsets(
        _ transactions: [[String]], minSupport: Double, maxLen: Int? = nil
    ) throws -> [AssociationRuleItemset] {
        try validate(minSupport: minSupport, maxLen: maxLen)
        let mined = try FrequentItemsets(transactions, minSupport: minSupport, maxLen: maxLen)
        let total = Double(mined.transactions)
        return mined.itemsets.indices
            .sorted { lhs, rhs in
                let (a, b) = (mined.itemsets[lhs], mined.itemsets[rhs])
                if a.count != b.count { return a.count < b.count }
                if mined.counts[lhs] != mined.counts[rhs] { return mined.counts[lhs] > mined.counts[rhs] }
                return a.lexicographicallyPrecedes(b)
            }
            .map { index in
                AssociationRuleItemset(
                    items: mined.itemsets[index].map { mined.names[Int($0)] }, count: mined.counts[index],
                    support: Double(mined.counts[index]) / total)
            }
    }

    /// Rules from the frequent itemsets whose confidence is at least `minConfidence` and, when
    /// given, whose lift is at least `minLift`.
    public static func rules(
        _ transactions: [[String]], minSupport: Double, maxLen: Int? = nil, minConfidence: Double = 0.8,
        minLift: Double? = nil, maxRules: Int = ruleLimit
    ) throws -> AssociationRuleResult {
        try validate(minSupport: minSupport, maxLen: maxLen)
        guard minConfidence >= 0 && minConfidence <= 1 else {
            throw ValidationFailure.invalidParameter(field: "min_confidence", reason: "must be in [0, 1]")
        }
        if let minLift, !(minLift >= 0 && minLift.isFinite) {
            throw ValidationFailure.invalidParameter(field: "min_lift", reason: "must be finite and >= 0")
        }
        guard (1...ruleLimit).contains(maxRules) else {
            throw ValidationFailure.invalidParameter(field: "max_rules", reason: "must be in 1...\(ruleLimit)")
        }
        let mined = try FrequentItemsets(transactions, minSupport: minSupport, maxLen: maxLen)
        let countOf = Dictionary(uniqueKeysWithValues: zip(mined.itemsets, mined.counts))
        var kept: [Candidate] = []
        var totalRules = 0
        for (itemset, count) in zip(mined.itemsets, mined.counts) where itemset.count > 1 {
            // Every non-empty proper subset is an antecedent; by downward closure it and its
            // complement are frequent too, so both supports are known.
            for mask in 1..<((1 << itemset.count) - 1) {
                var antecedent: [Int32] = []
                var consequent: [Int32] = []
                for (bit, item) in itemset.enumerated() {
                    if mask & (1 << bit) != 0 { antecedent.append(item) } else { consequent.append(item) }
                }
                let candidate = Candidate(
                    antecedent: antecedent, consequent: consequent,
                    metrics: Metrics(
                        countAC: count, countA: countOf[antecedent]!, countC: countOf[consequent]!,
                        transactions: mined.transactions))
                guard candidate.metrics.confidence >= minConfidence,
                    minLift.map({ candidate.metrics.lift >= $0 }) ?? true
                else { continue }
                totalRules += 1
                kept.append(candidate)
                // Keep memory bounded: cut back to the best `maxRules` whenever twice that many wait.
                if kept.count >= 2 * maxRules {
                    kept.sort(by: Candidate.precedes)
                    kept.removeLast(kept.count - maxRules)
                }
            }
        }
        kept.sort(by: Candidate.precedes)
        let rules = kept.prefix(maxRules).map { candidate in
            let metrics = candidate.metrics
            return AssociationRule(
                antecedents: candidate.antecedent.map { mined.names[Int($0)] },
                consequents: candidate.consequent.map { mined.names[Int($0)] },
                antecedentSupport: metrics.sA, consequentSupport: metrics.sC, support: metrics.sAC,
                confidence: metrics.confidence, lift: metrics.lift, leverage: metrics.leverage,
                conviction: metrics.conviction, zhangsMetric: metrics.zhangsMetric)
        }
        return AssociationRuleResult(
            transactions: mined.transactions, itemsets: mined.itemsets.count, rules: rules, totalRules: totalRules)
    }

    private static func validate(minSupport: Double, maxLen: Int?) throws {
        guard minSupport > 0 && minSupport <= 1 else {
            throw ValidationFailure.invalidParameter(field: "min_support", reason: "must be in (0, 1]")
        }
        if let maxLen, maxLen < 1 {
            throw ValidationFailure.invalidParameter(field: "max_len", reason: "must be at least 1")
        }
    }

    /// A rule before it is named, with items as name ranks (so array order is name order).
    private struct Candidate {
        var antecedent: [Int32]
        var consequent: [Int32]
        var metrics: Metrics

        static func precedes(_ a: Candidate, _ b: Candidate) -> Bool {
            if a.metrics.countAC != b.metrics.countAC { return a.metrics.countAC > b.metrics.countAC }
            if a.metrics.confidence != b.metrics.confidence { return a.metrics.confidence > b.metrics.confidence }
            if a.antecedent != b.antecedent { return a.antecedent.lexicographicallyPrecedes(b.antecedent) }
            return a.consequent.lexicographicallyPrecedes(b.consequent)
        }
    }

    /// mlxtend's formulas, operation for operation (confidence is `sAC·n / (sA·n)` because
    /// mlxtend scales both supports by `num_itemsets`), so results agree to the last bit.
    private struct Metrics {
        var countAC: Int
        var sA: Double
        var sC: Double
        var sAC: Double
        var confidence: Double

        init(countAC: Int, countA: Int, countC: Int, transactions: Int) {
            let n = Double(transactions)
            self.countAC = countAC
            sA = Double(countA) / n
            sC = Double(countC) / n
            sAC = Double(countAC) / n
            confidence = (sAC * n) / (sA * n)
        }

        var lift: Double { confidence / sC }
        var leverage: Double { sAC - sA * sC }
        var conviction: Double { confidence < 1 ? (1 - sC) / (1 - confidence) : .infinity }
        var zhangsMetric: Double {
            let denominator = max(sAC * (1 - sA), sA * (sC - sAC))
            return denominator == 0 ? 0 : leverage / denominator
        }
    }
}

/// Frequent itemsets found by FP-growth (Han, Pei & Yin 2000), with items as ranks in name order.
private struct FrequentItemsets {
    /// Every distinct item, sorted; items elsewhere are indices into it.
    let names: [String]
    let transactions: Int
    /// Each itemset sorted ascending, so also in name order.
    private(set) var itemsets: [[Int32]] = []
    private(set) var counts: [Int] = []

    private let minCount: Int
    private let maxLen: Int?
    /// Name rank of each item of the FP-tree, whose items are ranked by descending frequency.
    private let nameOfTreeItem: [Int32]

    init(_ input: [[String]], minSupport: Double, maxLen: Int?) throws {
        // Intern names, dropping duplicates within each transaction.
        var idOf: [String: Int32] = [:]
        var encoded: [[Int32]] = []
        encoded.reserveCapacity(input.count)
        for transaction in input {
            var ids: [Int32] = []
            ids.reserveCapacity(transaction.count)
            for name in transaction {
                if let id = idOf[name] {
                    ids.append(id)
                } else {
                    let id = Int32(idOf.count)
                    idOf[name] = id
                    ids.append(id)
                }
            }
            ids.sort()
            var distinct: [Int32] = []
            for id in ids where id != distinct.last { distinct.append(id) }
            encoded.append(distinct)
        }
        let names = idOf.keys.sorted()
        var nameRank = [Int32](repeating: 0, count: names.count)
        for (rank, name) in names.enumerated() { nameRank[Int(idOf[name]!)] = Int32(rank) }
        self.names = names
        transactions = input.count
        self.maxLen = maxLen

        // The least count c with c / n >= minSupport, the comparison mlxtend's apriori makes.
        let n = Double(input.count)
        var minCount = max(1, Int((minSupport * n).rounded(.up)))
        while minCount > 1 && Double(minCount - 1) / n >= minSupport { minCount -= 1 }
        while Double(minCount) / n < minSupport { minCount += 1 }
        self.minCount = minCount

        var itemCounts = [Int](repeating: 0, count: names.count)
        for ids in encoded {
            for id in ids { itemCounts[Int(nameRank[Int(id)])] += 1 }
        }
        let frequent = itemCounts.indices.filter { itemCounts[$0] >= minCount }
            .sorted { itemCounts[$0] != itemCounts[$1] ? itemCounts[$0] > itemCounts[$1] : $0 < $1 }
        nameOfTreeItem = frequent.map { Int32($0) }
        var treeItemOfName = [Int32](repeating: -1, count: names.count)
        for (treeItem, name) in frequent.enumerated() { treeItemOfName[name] = Int32(treeItem) }

        var tree = FPTree(itemCount: frequent.count)
        var path: [Int32] = []
        for ids in encoded {
            path.removeAll(keepingCapacity: true)
            for id in ids {
                let item = treeItemOfName[Int(nameRank[Int(id)])]
                if item >= 0 { path.append(item) }
            }
            path.sort()
            tree.insert(path, count: 1)
        }
        try mine(tree, suffix: [])
    }

    /// Emits every frequent itemset ending (in tree order) with one of `tree`'s items, followed by
    /// `suffix`, recursing into each item's conditional tree.
    private mutating func mine(_ tree: FPTree, suffix: [Int32]) throws {
        for item in stride(from: tree.nodesOfItem.count - 1, through: 0, by: -1) {
            let nodes = tree.nodesOfItem[item]
            let support = nodes.reduce(0) { $0 + tree.count[Int($1)] }
            // Conditional trees hold only items frequent with their suffix; the root tree only frequent items.
            guard support >= minCount else { continue }
            let itemset = suffix + [Int32(item)]
            try emit(itemset, count: support)
            if let maxLen, itemset.count >= maxLen { continue }

            // Conditional pattern base: the prefix paths of the item's nodes, weighted by their counts.
            var prefixCounts = [Int](repeating: 0, count: item)
            for node in nodes {
                var ancestor = tree.parent[Int(node)]
                while ancestor > 0 {
                    prefixCounts[Int(tree.item[Int(ancestor)])] += tree.count[Int(node)]
                    ancestor = tree.parent[Int(ancestor)]
                }
            }
            guard let highest = prefixCounts.lastIndex(where: { $0 >= minCount }) else { continue }
            var conditional = FPTree(itemCount: highest + 1)
            var path: [Int32] = []
            for node in nodes {
                path.removeAll(keepingCapacity: true)
                var ancestor = tree.parent[Int(node)]
                while ancestor > 0 {
                    let ancestorItem = tree.item[Int(ancestor)]
                    if prefixCounts[Int(ancestorItem)] >= minCount { path.append(ancestorItem) }
                    ancestor = tree.parent[Int(ancestor)]
                }
                conditional.insert(path.reversed(), count: tree.count[Int(node)])
            }
            try mine(conditional, suffix: itemset)
        }
    }

    private mutating func emit(_ treeItems: [Int32], count: Int) throws {
        guard itemsets.count < AssociationRules.itemsetLimit else {
            throw AssociationRuleError.tooManyItemsets(limit: AssociationRules.itemsetLimit)
        }
        itemsets.append(treeItems.map { nameOfTreeItem[Int($0)] }.sorted())
        counts.append(count)
    }
}

/// An FP-tree stored as parallel arrays; node 0 is the root. Items are tree ranks, most frequent
/// first, and every path from the root lists them in ascending order.
private struct FPTree {
    var item: [Int32] = [-1]
    var count: [Int] = [0]
    var parent: [Int32] = [-1]
    /// The header table: the nodes of each item.
    var nodesOfItem: [[Int32]]
    /// Child of a node for an item, keyed by `node << 32 | item`.
    private var children: [Int64: Int32] = [:]

    init(itemCount: Int) {
        nodesOfItem = Array(repeating: [], count: itemCount)
    }

    /// Adds a path of ascending items with a weight.
    mutating func insert(_ path: some Sequence<Int32>, count weight: Int) {
        var node: Int32 = 0
        for pathItem in path {
            let key = Int64(node) << 32 | Int64(pathItem)
            if let child = children[key] {
                count[Int(child)] += weight
                node = child
            } else {
                let child = Int32(item.count)
                item.append(pathItem)
                count.append(weight)
                parent.append(node)
                nodesOfItem[Int(pathItem)].append(child)
                children[key] = child
                node = child
            }
        }
    }
}
