/// How many unexpired ids each node has remembered in the replay cache: what its share is charged.
///
/// Nodes with none are absent, so the table holds at most the nodes that published inside the last
/// three windows (the roster, plus nodes removed since): a few thousand keys, whose rehash copies
/// little. Confined to the broker queue (a part of `ReplayCache`).
struct ReplayNodeCounts {
    private var counts: [String: Int] = [:]

    /// The ids `node` has remembered.
    subscript(node: String) -> Int { counts[node, default: 0] }

    /// Charges one more id to `node`.
    mutating func charge(_ node: String) {
        counts[node, default: 0] += 1
    }

    /// Releases one of `node`'s ids (expired or removed).
    mutating func release(_ node: String) {
        let remaining = counts[node, default: 0] - 1
        counts[node] = remaining > 0 ? remaining : nil
    }
}
