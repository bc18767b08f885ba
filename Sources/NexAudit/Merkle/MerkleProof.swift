import NexCrypto

/// Builds RFC 6962 audit paths and consistency proofs from a tree's leaf hashes.
///
/// Building costs O(n) node hashes (subtree heads are recomputed); verification
/// (``MerkleVerifier``) needs only the proof.
public enum MerkleProof {
    /// PATH(m, D[n]) (RFC 6962 §2.1.1): the audit path of leaf `index` in the tree of `leaves`.
    public static func inclusion(index: Int, leaves: ArraySlice<SHA256Digest>) -> [SHA256Digest] {
        precondition(index >= 0 && index < leaves.count, "leaf index outside the tree")
        guard leaves.count > 1 else { return [] }
        let k = MerkleHash.largestPowerOfTwo(below: leaves.count)
        let split = leaves.startIndex + k
        if index < k {
            return inclusion(index: index, leaves: leaves[leaves.startIndex..<split]) + [MerkleHash.root(of: leaves[split...])]
        }
        return inclusion(index: index - k, leaves: leaves[split...]) + [MerkleHash.root(of: leaves[leaves.startIndex..<split])]
    }

    /// The root and the audit path of every leaf at once, in O(n) node hashes: the tree built level
    /// by level, an unpaired last node promoted unchanged (which gives RFC 6962's left-balanced
    /// tree: the same root as ``MerkleHash/root(of:)`` and the same paths as ``inclusion(index:leaves:)``).
    public static func allInclusions(leaves: [SHA256Digest]) -> (root: SHA256Digest, paths: [[SHA256Digest]]) {
        guard !leaves.isEmpty else { return (MerkleHash.emptyRoot, []) }
        var paths = [[SHA256Digest]](repeating: [], count: leaves.count)
        // For each node of the current level, the leaves below it (contiguous: start and count).
        var level = leaves
        var spans = (0..<leaves.count).map { (start: $0, count: 1) }
        while level.count > 1 {
            var next: [SHA256Digest] = []
            var nextSpans: [(start: Int, count: Int)] = []
            next.reserveCapacity((level.count + 1) / 2)
            var index = 0
            while index + 1 < level.count {
                let (left, right) = (spans[index], spans[index + 1])
                for leaf in left.start..<left.start + left.count { paths[leaf].append(level[index + 1]) }
                for leaf in right.start..<right.start + right.count { paths[leaf].append(level[index]) }
                next.append(MerkleHash.node(level[index], level[index + 1]))
                nextSpans.append((left.start, left.count + right.count))
                index += 2
            }
            if index < level.count {
                next.append(level[index])
                nextSpans.append(spans[index])
            }
            level = next
            spans = nextSpans
        }
        return (level[0], paths)
    }

    /// PROOF(m, D[n]) (RFC 6962 §2.1.2): proves the tree of the first `oldSize` leaves is a prefix
    /// of the tree of all `leaves`.
    public static func consistency(oldSize: Int, leaves: ArraySlice<SHA256Digest>) -> [SHA256Digest] {
        precondition(oldSize >= 0 && oldSize <= leaves.count, "old size outside the tree")
        guard oldSize > 0, oldSize < leaves.count else { return [] }
        return subproof(oldSize, leaves, complete: true)
    }

    private static func subproof(_ m: Int, _ leaves: ArraySlice<SHA256Digest>, complete: Bool) -> [SHA256Digest] {
        let n = leaves.count
        if m == n { return complete ? [] : [MerkleHash.root(of: leaves)] }
        let k = MerkleHash.largestPowerOfTwo(below: n)
        let split = leaves.startIndex + k
        if m <= k {
            return subproof(m, leaves[leaves.startIndex..<split], complete: complete) + [MerkleHash.root(of: leaves[split...])]
        }
        return subproof(m - k, leaves[split...], complete: false) + [MerkleHash.root(of: leaves[leaves.startIndex..<split])]
    }
}
