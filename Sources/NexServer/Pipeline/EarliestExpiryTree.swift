/// The earliest expiry of each replay-cache shard, kept in a tournament tree: which shard to prune
/// next is read in O(1), and a shard's new earliest expiry is recorded in O(log shards).
///
/// One array of 2 × `leafCount` values, allocated once and never grown: leaf `i` (at
/// `leafCount + i`) holds shard `i`'s earliest expiry (`Int64.max` for none), each inner node the
/// smaller of its two children, so `values[1]` is the earliest of all. Confined to the broker queue
/// (a part of `ReplayCache`).
struct EarliestExpiryTree {
    /// The number of leaves (shards): a power of two.
    let leafCount: Int
    private var values: [Int64]

    init(leafCount: Int) {
        precondition(leafCount > 0 && leafCount & (leafCount - 1) == 0, "leafCount must be a power of two")
        self.leafCount = leafCount
        values = Array(repeating: .max, count: 2 * leafCount)
    }

    /// The earliest expiry of all leaves (`Int64.max` if every leaf is empty).
    var earliest: Int64 { values[1] }

    /// The expiry recorded for `leaf`.
    subscript(leaf: Int) -> Int64 { values[leafCount + leaf] }

    /// A leaf holding the earliest expiry, if that expiry is at or before `nowMillis`.
    func leaf(expiringBy nowMillis: Int64) -> Int? {
        guard values[1] <= nowMillis else { return nil }
        var node = 1
        while node < leafCount {
            node = values[2 * node] == values[node] ? 2 * node : 2 * node + 1
        }
        return node - leafCount
    }

    /// Records `expiry` as `leaf`'s earliest; walks up only while a minimum changes.
    mutating func set(_ leaf: Int, to expiry: Int64) {
        var node = leafCount + leaf
        guard values[node] != expiry else { return }
        values[node] = expiry
        while node > 1 {
            let parent = node / 2
            let minimum = min(values[2 * parent], values[2 * parent + 1])
            if values[parent] == minimum { return }
            values[parent] = minimum
            node = parent
        }
    }
}
