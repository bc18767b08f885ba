import NexCrypto
import Testing
@testable import NexAudit

/// Inclusion and consistency proofs over many tree sizes; each must fail when any byte changes.
@Suite struct MerkleProofTests {
    static let leaves: [SHA256Digest] = (0..<2100).map { MerkleHash.leaf(Array("record \($0)".utf8)) }

    private func flipped(_ digest: SHA256Digest, at offset: Int) -> SHA256Digest {
        var bytes = digest.bytes
        bytes[offset] ^= 0x01
        return SHA256Digest(bytes: bytes)!
    }

    /// The byte offsets to flip in each 32-byte hash: all of them for small trees, a spread otherwise.
    private func offsets(size: Int) -> [Int] { size <= 24 ? Array(0..<32) : [0, 13, 31] }

    private func checkInclusion(size: Int, index: Int) {
        let leaves = Self.leaves.prefix(size)
        let root = MerkleHash.root(of: leaves)
        let proof = MerkleProof.inclusion(index: index, leaves: leaves)
        let leaf = Self.leaves[index]
        #expect(MerkleVerifier.isValidInclusion(leafHash: leaf, index: UInt64(index), size: UInt64(size), proof: proof, root: root),
                "size \(size) index \(index)")
        for offset in offsets(size: size) {
            #expect(!MerkleVerifier.isValidInclusion(leafHash: flipped(leaf, at: offset), index: UInt64(index), size: UInt64(size), proof: proof, root: root))
            for element in proof.indices {
                var bad = proof
                bad[element] = flipped(bad[element], at: offset)
                #expect(!MerkleVerifier.isValidInclusion(leafHash: leaf, index: UInt64(index), size: UInt64(size), proof: bad, root: root),
                        "size \(size) index \(index): flipped byte \(offset) of proof element \(element) still verifies")
            }
        }
        if size > 1 {
            #expect(!MerkleVerifier.isValidInclusion(leafHash: leaf, index: UInt64((index + 1) % size), size: UInt64(size), proof: proof, root: root))
            #expect(!MerkleVerifier.isValidInclusion(leafHash: leaf, index: UInt64(index), size: UInt64(size), proof: proof.dropLast(), root: root))
        }
        #expect(!MerkleVerifier.isValidInclusion(leafHash: leaf, index: UInt64(index), size: UInt64(size), proof: proof + [leaf], root: root))
    }

    private func checkConsistency(old: Int, new: Int) {
        let oldRoot = MerkleHash.root(of: Self.leaves.prefix(old))
        let newRoot = MerkleHash.root(of: Self.leaves.prefix(new))
        let proof = MerkleProof.consistency(oldSize: old, leaves: Self.leaves.prefix(new))
        #expect(MerkleVerifier.isValidConsistency(oldSize: UInt64(old), oldRoot: oldRoot, newSize: UInt64(new), newRoot: newRoot, proof: proof),
                "\(old) → \(new)")
        guard old > 0, old < new else { return }
        for offset in offsets(size: new) {
            #expect(!MerkleVerifier.isValidConsistency(oldSize: UInt64(old), oldRoot: flipped(oldRoot, at: offset), newSize: UInt64(new), newRoot: newRoot, proof: proof))
            #expect(!MerkleVerifier.isValidConsistency(oldSize: UInt64(old), oldRoot: oldRoot, newSize: UInt64(new), newRoot: flipped(newRoot, at: offset), proof: proof))
            for element in proof.indices {
                var bad = proof
                bad[element] = flipped(bad[element], at: offset)
                #expect(!MerkleVerifier.isValidConsistency(oldSize: UInt64(old), oldRoot: oldRoot, newSize: UInt64(new), newRoot: newRoot, proof: bad),
                        "\(old) → \(new): flipped byte \(offset) of element \(element) still verifies")
            }
        }
        // A tree that differs in one of the old leaves is not an extension.
        var changed = Array(Self.leaves.prefix(new))
        changed[old - 1] = flipped(changed[old - 1], at: 0)
        #expect(!MerkleVerifier.isValidConsistency(oldSize: UInt64(old), oldRoot: oldRoot, newSize: UInt64(new), newRoot: MerkleHash.root(of: changed[...]), proof: proof))
    }

    @Test(arguments: 1...64)
    func inclusionForEveryLeafOfSmallTrees(size: Int) {
        for index in 0..<size { checkInclusion(size: size, index: index) }
    }

    @Test(arguments: 1...64)
    func consistencyForEveryOlderSizeOfSmallTrees(size: Int) {
        for old in 0...size { checkConsistency(old: old, new: size) }
    }

    @Test(arguments: [65, 100, 127, 128, 129, 255, 1000, 1023, 1025, 2049])
    func randomProofsInLargerTrees(size: Int) {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<6 {
            checkInclusion(size: size, index: Int.random(in: 0..<size, using: &generator))
            checkConsistency(old: Int.random(in: 1...size, using: &generator), new: size)
        }
    }

    @Test func frontierRootEqualsTheTreeHeadAtEverySize() {
        var frontier = MerkleFrontier()
        for size in 1...300 {
            frontier.append(leafHash: Self.leaves[size - 1])
            #expect(frontier.root == MerkleHash.root(of: Self.leaves.prefix(size)))
        }
        #expect(MerkleFrontier(size: 300, hashes: frontier.hashes) == frontier)
        #expect(MerkleFrontier(size: 301, hashes: frontier.hashes) == nil)
    }
}
