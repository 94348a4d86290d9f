/// Aho-Corasick over folded scalars: every occurrence of every phrase in one pass over a text,
/// however many phrases there are. Built once per set of rule packs; reading is lock-free and
/// allocation-light, so one automaton serves every request.
struct PhraseAutomaton: Sendable {
    /// Goto edges, keyed by `node << 21 | scalar` (a scalar fits in 21 bits).
    private let edges: [UInt64: Int32]
    /// Failure links: the node of the longest proper suffix of a node's path that is also a path.
    private let failure: [Int32]
    /// The phrases ending at each node, those reached through failure links included.
    private let outputs: [[Int32]]
    /// Each phrase's length in scalars.
    let lengths: [Int]

    init(_ phrases: [[Unicode.Scalar]]) {
        var edges: [UInt64: Int32] = [:]
        var outputs: [[Int32]] = [[]]
        var children: [[Int32]] = [[]]
        var labels: [UInt32] = [0]
        for (index, phrase) in phrases.enumerated() where !phrase.isEmpty {
            var node: Int32 = 0
            for scalar in phrase {
                let key = UInt64(node) << 21 | UInt64(scalar.value)
                if let next = edges[key] {
                    node = next
                } else {
                    let next = Int32(outputs.count)
                    edges[key] = next
                    outputs.append([])
                    children.append([])
                    labels.append(scalar.value)
                    children[Int(node)].append(next)
                    node = next
                }
            }
            outputs[Int(node)].append(Int32(index))
        }
        // Breadth first, so a node's failure target is settled before its children need it.
        var failure = [Int32](repeating: 0, count: outputs.count)
        var queue = children[0]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for child in children[Int(node)] {
                var fallback = failure[Int(node)]
                let label = UInt64(labels[Int(child)])
                while true {
                    if let next = edges[UInt64(fallback) << 21 | label], next != child {
                        failure[Int(child)] = next
                        break
                    }
                    if fallback == 0 { break }
                    fallback = failure[Int(fallback)]
                }
                outputs[Int(child)] += outputs[Int(failure[Int(child)])]
                queue.append(child)
            }
        }
        self.edges = edges
        self.failure = failure
        self.outputs = outputs
        self.lengths = phrases.map(\.count)
    }

    /// Every occurrence: the phrase's index and the folded range it covers, in order of its end.
    func occurrences(in scalars: [Unicode.Scalar]) -> [(phrase: Int, range: Range<Int>)] {
        var found: [(phrase: Int, range: Range<Int>)] = []
        var node: Int32 = 0
        for (position, scalar) in scalars.enumerated() {
            let label = UInt64(scalar.value)
            while true {
                if let next = edges[UInt64(node) << 21 | label] {
                    node = next
                    break
                }
                if node == 0 { break }
                node = failure[Int(node)]
            }
            for phrase in outputs[Int(node)] {
                let length = lengths[Int(phrase)]
                found.append((Int(phrase), (position + 1 - length)..<(position + 1)))
            }
        }
        return found
    }
}
