import Foundation
import NexCrypto
import Testing
@testable import NexAudit

/// The RFC 6962 known-answer vectors (Fixtures/rfc6962.json, a copy of the shared vectors).
@Suite struct MerkleVectorTests {
    struct Vectors: Decodable {
        struct Inclusion: Decodable { var index: Int; var tree_size: Int; var proof: [String] }
        struct Consistency: Decodable { var first: Int; var second: Int; var proof: [String] }
        var leaves_hex: [String]
        var leaf_hashes: [String]
        var roots_by_size: [String: String]
        var inclusion: [Inclusion]
        var consistency: [Consistency]
    }

    static let vectors: Vectors = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/rfc6962.json")
        return try! JSONDecoder().decode(Vectors.self, from: Data(contentsOf: path))
    }()

    static func bytes(_ hex: String) -> [UInt8] {
        stride(from: 0, to: hex.count, by: 2).map { offset in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
        }
    }

    static var leafHashes: [SHA256Digest] { vectors.leaves_hex.map { MerkleHash.leaf(bytes($0)) } }

    @Test func leafHashesMatch() {
        #expect(Self.leafHashes.map(\.hex) == Self.vectors.leaf_hashes)
    }

    @Test(arguments: 0...8)
    func rootsMatchFromScratchAndFromTheFrontier(size: Int) {
        let expected = Self.vectors.roots_by_size[String(size)]
        #expect(MerkleHash.root(of: Self.leafHashes.prefix(size)).hex == expected)
        var frontier = MerkleFrontier()
        for leaf in Self.leafHashes.prefix(size) { frontier.append(leafHash: leaf) }
        #expect(frontier.root.hex == expected)
        #expect(frontier.size == UInt64(size))
        #expect(frontier.hashes.count == size.nonzeroBitCount)
    }

    @Test(arguments: vectors.inclusion.indices)
    func inclusionProofsMatchAndVerify(case index: Int) {
        let vector = Self.vectors.inclusion[index]
        let leaves = Self.leafHashes.prefix(vector.tree_size)
        let proof = MerkleProof.inclusion(index: vector.index, leaves: leaves)
        #expect(proof.map(\.hex) == vector.proof)
        let root = SHA256Digest(hex: Self.vectors.roots_by_size[String(vector.tree_size)]!)!
        #expect(MerkleVerifier.isValidInclusion(
            leafHash: Self.leafHashes[vector.index], index: UInt64(vector.index), size: UInt64(vector.tree_size),
            proof: vector.proof.map { SHA256Digest(hex: $0)! }, root: root))
    }

    @Test(arguments: vectors.consistency.indices)
    func consistencyProofsMatchAndVerify(case index: Int) {
        let vector = Self.vectors.consistency[index]
        let proof = MerkleProof.consistency(oldSize: vector.first, leaves: Self.leafHashes.prefix(vector.second))
        #expect(proof.map(\.hex) == vector.proof)
        #expect(MerkleVerifier.isValidConsistency(
            oldSize: UInt64(vector.first), oldRoot: SHA256Digest(hex: Self.vectors.roots_by_size[String(vector.first)]!)!,
            newSize: UInt64(vector.second), newRoot: SHA256Digest(hex: Self.vectors.roots_by_size[String(vector.second)]!)!,
            proof: vector.proof.map { SHA256Digest(hex: $0)! }))
    }
}
