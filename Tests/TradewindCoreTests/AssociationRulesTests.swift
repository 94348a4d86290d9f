import Foundation
import Testing
import TradewindCore

@Suite("Association rules")
struct AssociationRulesTests {
    /// mlxtend's user-guide basket (5 transactions; the last repeats Onion, which must count once).
    static let baskets = [
        ["Milk", "Onion", "Nutmeg", "Kidney Beans", "Eggs", "Yogurt"],
        ["Dill", "Onion", "Nutmeg", "Kidney Beans", "Eggs", "Yogurt"],
        ["Milk", "Apple", "Kidney Beans", "Eggs"],
        ["Milk", "Unicorn", "Corn", "Kidney Beans", "Yogurt"],
        ["Corn", "Onion", "Onion", "Kidney Beans", "Ice cream", "Eggs"],
    ]

    static func expectClose(_ actual: Double, _ expected: Double, _ note: String) {
        if expected.isInfinite {
            #expect(actual == expected, "\(note): \(actual) != \(expected)")
        } else {
            #expect(abs(actual - expected) < 1e-12, "\(note): \(actual) != \(expected)")
        }
    }

    static func describe(_ rule: AssociationRule) -> String {
        rule.antecedents.joined(separator: ",") + " => " + rule.consequents.joined(separator: ",")
    }

    @Test("Classic basket, min_support 0.6: the 11 frequent itemsets with their supports")
    func classicItemsets() throws {
        // Counts out of 5: Kidney Beans 5, Eggs 4, Milk / Onion / Yogurt 3 (Onion twice in one
        // basket counts once); pairs Eggs+KB 4, Eggs+Onion / KB+Milk / KB+Onion / KB+Yogurt 3;
        // triple Eggs+KB+Onion 3. Everything else appears at most twice (< 0.6 × 5).
        let itemsets = try AssociationRules.frequentItemsets(Self.baskets, minSupport: 0.6)
        #expect(
            itemsets.map { $0.items.joined(separator: "+") + ":\($0.count)" } == [
                "Kidney Beans:5", "Eggs:4", "Milk:3", "Onion:3", "Yogurt:3",
                "Eggs+Kidney Beans:4", "Eggs+Onion:3", "Kidney Beans+Milk:3", "Kidney Beans+Onion:3",
                "Kidney Beans+Yogurt:3", "Eggs+Kidney Beans+Onion:3",
            ])
        #expect(itemsets.map(\.support) == [1, 0.8, 0.6, 0.6, 0.6, 0.8, 0.6, 0.6, 0.6, 0.6, 0.6])
    }

    @Test("Classic basket, min_confidence 0.7: the 12 rules mlxtend gives, metrics by hand, in order")
    func classicRules() throws {
        // Hand computation with sA, sC, sAC from the itemsets above:
        //   Eggs => Onion: sA .8, sC .6, sAC .6: confidence .6/.8 = .75, lift .75/.6 = 1.25,
        //     leverage .6 - .8·.6 = .12, conviction (1 - .6)/(1 - .75) = 1.6,
        //     Zhang .12 / max(.6·(1 - .8), .8·(.6 - .6)) = .12/.12 = 1.
        //   Onion => Eggs: confidence .6/.6 = 1, lift 1/.8 = 1.25, leverage .12, conviction ∞,
        //     Zhang .12 / max(.6·.4, .6·.2) = .5.
        //   Kidney Beans => Eggs: confidence .8/1 = .8, lift .8/.8 = 1, leverage .8 - .8 = 0,
        //     conviction (1 - .8)/(1 - .8) = 1, Zhang 0 (denominator max(0, 0) = 0).
        //   Kidney Beans => Milk / Onion / Yogurt and Kidney Beans => Eggs+Onion have confidence .6 < .7.
        // Order: support .8 first; then confidence 1 before .75; then antecedents, consequents.
        let result = try AssociationRules.rules(Self.baskets, minSupport: 0.6, minConfidence: 0.7)
        typealias Expected = (
            rule: String, sA: Double, sC: Double, s: Double, confidence: Double, lift: Double, leverage: Double,
            conviction: Double, zhang: Double
        )
        let inf = Double.infinity
        let expected: [Expected] = [
            ("Eggs => Kidney Beans", 0.8, 1, 0.8, 1, 1, 0, inf, 0),
            ("Kidney Beans => Eggs", 1, 0.8, 0.8, 0.8, 1, 0, 1, 0),
            ("Eggs,Onion => Kidney Beans", 0.6, 1, 0.6, 1, 1, 0, inf, 0),
            ("Kidney Beans,Onion => Eggs", 0.6, 0.8, 0.6, 1, 1.25, 0.12, inf, 0.5),
            ("Milk => Kidney Beans", 0.6, 1, 0.6, 1, 1, 0, inf, 0),
            ("Onion => Eggs", 0.6, 0.8, 0.6, 1, 1.25, 0.12, inf, 0.5),
            ("Onion => Eggs,Kidney Beans", 0.6, 0.8, 0.6, 1, 1.25, 0.12, inf, 0.5),
            ("Onion => Kidney Beans", 0.6, 1, 0.6, 1, 1, 0, inf, 0),
            ("Yogurt => Kidney Beans", 0.6, 1, 0.6, 1, 1, 0, inf, 0),
            ("Eggs => Kidney Beans,Onion", 0.8, 0.6, 0.6, 0.75, 1.25, 0.12, 1.6, 1),
            ("Eggs => Onion", 0.8, 0.6, 0.6, 0.75, 1.25, 0.12, 1.6, 1),
            ("Eggs,Kidney Beans => Onion", 0.8, 0.6, 0.6, 0.75, 1.25, 0.12, 1.6, 1),
        ]
        #expect(result.transactions == 5)
        #expect(result.itemsets == 11)
        #expect(result.totalRules == 12)
        #expect(!result.truncated)
        #expect(result.rules.map(Self.describe) == expected.map(\.rule))
        for (rule, want) in zip(result.rules, expected) {
            Self.expectClose(rule.antecedentSupport, want.sA, "\(want.rule) antecedent support")
            Self.expectClose(rule.consequentSupport, want.sC, "\(want.rule) consequent support")
            Self.expectClose(rule.support, want.s, "\(want.rule) support")
            Self.expectClose(rule.confidence, want.confidence, "\(want.rule) confidence")
            Self.expectClose(rule.lift, want.lift, "\(want.rule) lift")
            Self.expectClose(rule.leverage, want.leverage, "\(want.rule) leverage")
            Self.expectClose(rule.conviction, want.conviction, "\(want.rule) conviction")
            Self.expectClose(rule.zhangsMetric, want.zhang, "\(want.rule) zhangs_metric")
        }
    }

    @Test("Confidence 1 gives infinite conviction; the reverse rule is finite (by hand)")
    func confidenceOne() throws {
        // n = 4: sA = .5, sB = .75, sAB = .5.
        // a => b: confidence 1, lift 1/.75 = 4/3, leverage .5 - .375 = .125, conviction ∞,
        //   Zhang .125 / max(.5·.5, .5·(.75 - .5)) = .5.
        // b => a: confidence .5/.75 = 2/3, lift (2/3)/.5 = 4/3, leverage .125,
        //   conviction (1 - .5)/(1 - 2/3) = 1.5, Zhang .125 / max(.5·.25, .75·0) = 1.
        let result = try AssociationRules.rules(
            [["a", "b"], ["b", "a"], ["c"], ["b"]], minSupport: 0.5, minConfidence: 0)
        #expect(result.rules.map(Self.describe) == ["a => b", "b => a"])
        let (ab, ba) = (result.rules[0], result.rules[1])
        #expect(ab.confidence == 1)
        #expect(ab.conviction == .infinity)
        Self.expectClose(ab.lift, 4.0 / 3, "a => b lift")
        Self.expectClose(ab.leverage, 0.125, "a => b leverage")
        Self.expectClose(ab.zhangsMetric, 0.5, "a => b zhang")
        Self.expectClose(ba.confidence, 2.0 / 3, "b => a confidence")
        Self.expectClose(ba.lift, 4.0 / 3, "b => a lift")
        Self.expectClose(ba.conviction, 1.5, "b => a conviction")
        Self.expectClose(ba.zhangsMetric, 1, "b => a zhang")
    }

    @Test("min_support is inclusive with mlxtend's count / n >= min_support (7/25 passes 0.28)")
    func minSupportBoundary() throws {
        // 7 / 25 == 0.28 in floating point, but 0.28 × 25 is 7.000000000000001: a threshold of
        // ceil(min_support · n) = 8 would wrongly drop "a", which mlxtend's apriori keeps.
        let transactions = Array(repeating: ["a"], count: 7) + Array(repeating: ["b"], count: 18)
        let itemsets = try AssociationRules.frequentItemsets(transactions, minSupport: 0.28)
        #expect(itemsets.map(\.items) == [["b"], ["a"]])
        #expect(itemsets.map(\.support) == [0.72, 0.28])
        #expect(try AssociationRules.frequentItemsets(transactions, minSupport: 0.28001).map(\.items) == [["b"]])
    }

    @Test("min_support 1 keeps only items in every transaction; a tiny one keeps every co-occurrence")
    func minSupportExtremes() throws {
        let all = try AssociationRules.frequentItemsets(Self.baskets, minSupport: 1)
        #expect(all.map(\.items) == [["Kidney Beans"]])
        let tiny = try AssociationRules.frequentItemsets([["x", "y", "z"], ["x"]], minSupport: 1e-9)
        // Every non-empty subset of {x, y, z}: 7 itemsets; x appears twice, the rest once.
        #expect(tiny.count == 7)
        #expect(tiny.first?.items == ["x"] && tiny.first?.count == 2)
    }

    @Test("Duplicates within a transaction count once")
    func duplicates() throws {
        let itemsets = try AssociationRules.frequentItemsets([["a", "a", "b"], ["b"]], minSupport: 0.1)
        #expect(itemsets.map { "\($0.items):\($0.count)" } == ["[\"b\"]:2", "[\"a\"]:1", "[\"a\", \"b\"]:1"])
    }

    @Test("max_len caps itemset length: 1 gives no rules, 2 only single-item rules")
    func maxLen() throws {
        let single = try AssociationRules.rules(Self.baskets, minSupport: 0.6, maxLen: 1, minConfidence: 0)
        #expect(single.itemsets == 5 && single.rules.isEmpty)
        let pairs = try AssociationRules.rules(Self.baskets, minSupport: 0.6, maxLen: 2, minConfidence: 0.7)
        // The 12 classic rules minus the five that use the triple Eggs+Kidney Beans+Onion.
        #expect(pairs.itemsets == 10)
        #expect(pairs.totalRules == 7)
        #expect(pairs.rules.allSatisfy { $0.antecedents.count == 1 && $0.consequents.count == 1 })
    }

    @Test("min_lift drops rules below it")
    func minLift() throws {
        let result = try AssociationRules.rules(Self.baskets, minSupport: 0.6, minConfidence: 0.7, minLift: 1.2)
        // Only the six rules linking Eggs and Onion have lift 1.25; the rest have lift 1.
        #expect(result.totalRules == 6)
        #expect(result.rules.allSatisfy { abs($0.lift - 1.25) < 1e-12 })
    }

    @Test("max_rules truncates to the first rules of the full order and says so")
    func truncation() throws {
        let full = try AssociationRules.rules(Self.baskets, minSupport: 0.6, minConfidence: 0.7)
        let cut = try AssociationRules.rules(Self.baskets, minSupport: 0.6, minConfidence: 0.7, maxRules: 3)
        #expect(cut.truncated)
        #expect(cut.totalRules == 12)
        #expect(cut.rules == Array(full.rules.prefix(3)))
    }

    @Test("No transactions, or only empty ones, give no itemsets and no rules")
    func empty() throws {
        let none = try AssociationRules.rules([], minSupport: 0.5)
        #expect(none.transactions == 0 && none.itemsets == 0 && none.rules.isEmpty && !none.truncated)
        let blank = try AssociationRules.rules([[], []], minSupport: 0.5)
        #expect(blank.transactions == 2 && blank.itemsets == 0 && blank.rules.isEmpty)
    }

    @Test("Out-of-range parameters are rejected, naming the request field")
    func invalidParameters() {
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
        let data = Self.baskets
        for minSupport in [0, -0.1, 1.5, .nan] {
            #expect(field { _ = try AssociationRules.rules(data, minSupport: minSupport) } == "min_support")
            #expect(field { _ = try AssociationRules.frequentItemsets(data, minSupport: minSupport) } == "min_support")
        }
        #expect(field { _ = try AssociationRules.rules(data, minSupport: 0.5, maxLen: 0) } == "max_len")
        for confidence in [-0.1, 1.1, .nan] {
            #expect(
                field { _ = try AssociationRules.rules(data, minSupport: 0.5, minConfidence: confidence) }
                    == "min_confidence")
        }
        for lift in [-1, .infinity, .nan] {
            #expect(field { _ = try AssociationRules.rules(data, minSupport: 0.5, minLift: lift) } == "min_lift")
        }
        for maxRules in [0, AssociationRules.ruleLimit + 1] {
            #expect(field { _ = try AssociationRules.rules(data, minSupport: 0.5, maxRules: maxRules) } == "max_rules")
        }
        #expect(field { _ = try AssociationRules.rules(data, minSupport: 1, minConfidence: 1, minLift: 0) } == nil)
    }
}
