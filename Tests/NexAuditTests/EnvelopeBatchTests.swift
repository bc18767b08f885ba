import NexCrypto
import NexWire
import Testing
@testable import NexAudit

/// Batch signatures (D73): the one-pass tree equals RFC 6962's, and a batched envelope verifies
/// alone — and only when its proof, restrictions, key and algorithm are right.
@Suite struct EnvelopeBatchTests {
    static func leaves(_ count: Int) -> [SHA256Digest] {
        (0..<count).map { SHA256.hash([UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)]) }
    }

    @Test func allInclusionsMatchesTheRecursiveDefinition() {
        for count in 1...70 {
            let leaves = Self.leaves(count)
            let (root, paths) = MerkleProof.allInclusions(leaves: leaves)
            #expect(root == MerkleHash.root(of: leaves[...]), "size \(count)")
            for index in 0..<count {
                #expect(paths[index] == MerkleProof.inclusion(index: index, leaves: leaves[...]), "leaf \(index) of \(count)")
                #expect(MerkleVerifier.root(leafHash: leaves[index], index: UInt64(index), size: UInt64(count), proof: paths[index]) == root)
            }
        }
    }

    static func envelopes(_ count: Int, allowed: [String] = ["ke"]) -> [Envelope] {
        (0..<count).map { index in
            Envelope(messageID: .random(), sender: "gs.fr.lyon", topic: "notice.red.ke", kind: "red", issuedAtMillis: 1_700_000_000_000 + Int64(index),
                     allowedCountries: allowed, payload: Array("{\"n\":\(index)}".utf8))
        }
    }

    @Test(arguments: [SignatureAlgorithm.ecdsaP256SHA256, .ed25519])
    func everyNoticeOfABatchVerifiesAlone(algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let batch = try EnvelopeBatch.sign(Self.envelopes(7), with: key)
        let signatures = Set(try batch.map { try #require(try $0.batchSeal()).rootSignature })
        #expect(signatures.count == 1, "one signature for the batch")
        for signed in batch {
            let reparsed = try SignedEnvelope(parsing: signed.wireBytes)
            #expect(reparsed.envelope.signatureAlgorithm == algorithm.rawValue + 2)
            #expect(EnvelopeBatch.isAuthentic(reparsed, key: key.publicKey))
        }
        #expect(!EnvelopeBatch.isAuthentic(batch[0], key: try PrivateKey.generate(algorithm).publicKey), "another key")
    }

    @Test func aWrongProofARestrictionChangeOrASingleAlgorithmFails() throws {
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let batch = try EnvelopeBatch.sign(Self.envelopes(4), with: key)
        let seal = try #require(try batch[1].batchSeal())
        // A flipped bit in the path.
        var path = seal.path
        path[0][0] ^= 1
        let badProof = SignedEnvelope(envelope: batch[1].envelope,
                                      signature: BatchSeal(batchSize: 4, leafIndex: 1, path: path, rootSignature: seal.rootSignature).encoded)
        #expect(!EnvelopeBatch.isAuthentic(badProof, key: key.publicKey))
        // Another leaf's place.
        let moved = SignedEnvelope(envelope: batch[1].envelope,
                                   signature: BatchSeal(batchSize: 4, leafIndex: 0, path: seal.path, rootSignature: seal.rootSignature).encoded)
        #expect(!EnvelopeBatch.isAuthentic(moved, key: key.publicKey))
        // The same proof and signature on a notice whose restrictions were changed (its body too).
        var widened = batch[1].envelope
        widened.allowedCountries = []
        #expect(!EnvelopeBatch.isAuthentic(SignedEnvelope(envelope: widened, signature: batch[1].signature), key: key.publicKey))
        // The seal under the single-signature algorithm byte.
        var single = batch[1].envelope
        single.signatureAlgorithm = Envelope.SignatureAlgorithm.ecdsaP256SHA256
        #expect(!EnvelopeBatch.isAuthentic(SignedEnvelope(envelope: single, signature: batch[1].signature), key: key.publicKey))
    }

    /// A tree of notices with different restrictions, signed with the first one's: the others fail,
    /// since each notice's own restrictions enter the header its verifier checks.
    @Test func aNoticeWithOtherRestrictionsThanTheSignedHeaderFails() throws {
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        var bodies = (Self.envelopes(1, allowed: ["ke"]) + Self.envelopes(1, allowed: []))
        for index in bodies.indices { bodies[index].signatureAlgorithm = Envelope.SignatureAlgorithm.ecdsaP256SHA256Batch }
        let leaves = bodies.map { EnvelopeBatch.leaf(ofDigest: EnvelopeBatch.digest(ofBody: $0.encodedBody())) }
        let (root, paths) = MerkleProof.allInclusions(leaves: leaves)
        let signature = try key.signature(for: BatchSeal.header(batchSize: 2, root: root.bytes,
                                                                restrictionsDigest: EnvelopeBatch.restrictionsDigest(of: bodies[0]).bytes))
        let sealed = bodies.indices.map { index in
            SignedEnvelope(envelope: bodies[index], signature: BatchSeal(batchSize: 2, leafIndex: UInt32(index), path: paths[index].map(\.bytes),
                                                                         rootSignature: signature).encoded)
        }
        #expect(EnvelopeBatch.isAuthentic(sealed[0], key: key.publicKey))
        #expect(!EnvelopeBatch.isAuthentic(sealed[1], key: key.publicKey))
    }

    @Test func aBatchOfOneIsTheRootItself() throws {
        let key = try PrivateKey.generate(.ed25519)
        let batch = try EnvelopeBatch.sign(Self.envelopes(1), with: key)
        let seal = try #require(try batch[0].batchSeal())
        #expect(seal.path.isEmpty && seal.batchSize == 1)
        #expect(EnvelopeBatch.isAuthentic(batch[0], key: key.publicKey))
    }
}
