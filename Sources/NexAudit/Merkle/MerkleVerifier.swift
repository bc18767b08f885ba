import NexCrypto

/// Verifies RFC 6962 proofs with the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2.
///
/// Results are plain booleans: a proof either proves its claim or it does not.
public enum MerkleVerifier {
    /// Whether `proof` shows the leaf with hash `leafHash` at `index` is in the tree of `size`
    /// leaves with head `root`.
    public static func isValidInclusion(
        leafHash: SHA256Digest, index: UInt64, size: UInt64, proof: [SHA256Digest], root: SHA256Digest
    ) -> Bool {
        self.root(leafHash: leafHash, index: index, size: size, proof: proof) == root
    }

    /// The root that `proof` leads to from the leaf with hash `leafHash` at `index` of a tree of
    /// `size` leaves, or nil when the proof has the wrong length for that place.
    public static func root(leafHash: SHA256Digest, index: UInt64, size: UInt64, proof: [SHA256Digest]) -> SHA256Digest? {
        guard index < size else { return nil }
        var fn = index, sn = size - 1
        var r = leafHash
        for p in proof {
            guard sn != 0 else { return nil }
            if fn & 1 == 1 || fn == sn {
                r = MerkleHash.node(p, r)
                while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
            } else {
                r = MerkleHash.node(r, p)
            }
            fn >>= 1; sn >>= 1
        }
        return sn == 0 ? r : nil
    }

    /// Whether `proof` shows the tree (`oldSize`, `oldRoot`) is a prefix of (`newSize`, `newRoot`).
    public static func isValidConsistency(
        oldSize: UInt64, oldRoot: SHA256Digest, newSize: UInt64, newRoot: SHA256Digest, proof: [SHA256Digest]
    ) -> Bool {
        guard oldSize <= newSize else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        if oldSize == 0 { return proof.isEmpty }
        guard !proof.isEmpty else { return false }
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = oldSize - 1, sn = newSize - 1
        while fn & 1 == 1 { fn >>= 1; sn >>= 1 }
        var fr = path[0], sr = path[0]
        for c in path.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHash.node(c, fr)
                sr = MerkleHash.node(c, sr)
                while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
            } else {
                sr = MerkleHash.node(sr, c)
            }
            fn >>= 1; sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}
