import Testing
@testable import NexServer

@Suite struct EarliestExpiryTreeTests {
    /// The root is the minimum of the leaves, whatever order they are raised or lowered in, and the
    /// leaf it points to holds that minimum.
    @Test func theRootFollowsTheEarliestLeafAsLeavesRiseAndFall() {
        var tree = EarliestExpiryTree(leafCount: 64)
        var leaves = Array(repeating: Int64.max, count: 64)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let leaf = Int.random(in: 0..<64, using: &generator)
            let value = Bool.random(using: &generator) ? Int64.max : Int64.random(in: 0..<1_000, using: &generator)
            tree.set(leaf, to: value)
            leaves[leaf] = value
            let earliest = leaves.min()!
            #expect(tree.earliest == earliest)
            #expect(tree[leaf] == value)
            if let found = tree.leaf(expiringBy: earliest) {
                #expect(leaves[found] == earliest)
            } else {
                #expect(earliest == .max)
            }
        }
    }

    @Test func noLeafIsDueBeforeTheEarliestExpiry() {
        var tree = EarliestExpiryTree(leafCount: 8)
        #expect(tree.leaf(expiringBy: .max - 1) == nil)
        tree.set(5, to: 2_000)
        tree.set(3, to: 1_000)
        #expect(tree.leaf(expiringBy: 999) == nil)
        #expect(tree.leaf(expiringBy: 1_000) == 3)
        tree.set(3, to: 3_000)
        #expect(tree.leaf(expiringBy: 2_500) == 5)
    }

    @Test func aSingleLeafIsItsOwnRoot() {
        var tree = EarliestExpiryTree(leafCount: 1)
        tree.set(0, to: 7)
        #expect(tree.earliest == 7 && tree.leaf(expiringBy: 7) == 0 && tree.leaf(expiringBy: 6) == nil)
    }
}
