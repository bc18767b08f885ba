import NexCrypto

/// The compact range of a Merkle tree: the roots of its perfect subtrees, largest first, one per set
/// bit of the tree size (at most 64 hashes).
///
/// Appending a leaf costs its hash plus, amortised, one node hash; the root costs O(log n) node
/// hashes. This is all the writer keeps of the tree.
public struct MerkleFrontier: Sendable, Equatable {
    /// The number of leaves.
    public private(set) var size: UInt64 = 0
    /// Perfect-subtree roots from the left edge of the tree, largest subtree first.
    public private(set) var hashes: [SHA256Digest] = []

    /// An empty tree.
    public init() {}

    /// A frontier restored from storage; `nil` when `hashes` does not fit `size` (one per set bit).
    public init?(size: UInt64, hashes: [SHA256Digest]) {
        guard size.nonzeroBitCount == hashes.count else { return nil }
        self.size = size
        self.hashes = hashes
    }

    /// Appends a leaf given its leaf hash (``MerkleHash/leaf(_:)``).
    public mutating func append(leafHash: SHA256Digest) {
        var hash = leafHash
        var remaining = size
        // Each trailing one bit of the old size is a perfect subtree that now gets a right sibling.
        while remaining & 1 == 1 {
            hash = MerkleHash.node(hashes.removeLast(), hash)
            remaining >>= 1
        }
        hashes.append(hash)
        size += 1
    }

    /// The tree head (MTH of all leaves so far).
    public var root: SHA256Digest {
        guard var result = hashes.last else { return MerkleHash.emptyRoot }
        for hash in hashes.dropLast().reversed() {
            result = MerkleHash.node(hash, result)
        }
        return result
    }
}
