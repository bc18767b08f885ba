import NexCrypto
import NexWire

/// Batch signatures (capability `batch.1`, D73): one signature over the RFC 6962 root of N
/// envelopes, each envelope still verifiable on its own with its inclusion proof (``BatchSeal``).
///
/// Shared by the publisher (``sign(_:with:)``), nexd's verification pool, subscribers and the
/// audit verifiers, so all four compute leaves, roots and headers the same way.
public enum EnvelopeBatch {
    /// A notice's digest: `SHA-256(Envelope.signingDomain ‖ body)` — what a single signature signs
    /// and the audit log records as `digest`, whichever way the notice is signed.
    public static func digest(ofBody body: [UInt8]) -> SHA256Digest {
        let hasher = SHA256Hasher()
        hasher.update(Envelope.signingDomain)
        hasher.update(body)
        return hasher.finalize()
    }

    /// The batch leaf of a notice with `digest`: `SHA-256(0x00 ‖ digest)`.
    public static func leaf(ofDigest digest: SHA256Digest) -> SHA256Digest {
        MerkleHash.leaf(digest.bytes)
    }

    /// The SHA-256 of the envelope's restriction lists as its body encodes them.
    public static func restrictionsDigest(of envelope: Envelope) -> SHA256Digest {
        SHA256.hash(envelope.encodedRestrictions())
    }

    /// What one batch-signed notice claims: the root its proof leads to, the header the originator
    /// must have signed, and the signature that says so.
    public struct Claim: Sendable, Equatable {
        public let batchSize: UInt32
        public let root: SHA256Digest
        public let restrictionsDigest: SHA256Digest
        public let rootSignature: [UInt8]

        public init(batchSize: UInt32, root: SHA256Digest, restrictionsDigest: SHA256Digest, rootSignature: [UInt8]) {
            self.batchSize = batchSize
            self.root = root
            self.restrictionsDigest = restrictionsDigest
            self.rootSignature = rootSignature
        }

        /// The bytes the root signature must verify over.
        public var header: [UInt8] {
            BatchSeal.header(batchSize: batchSize, root: root.bytes, restrictionsDigest: restrictionsDigest.bytes)
        }
    }

    /// The claim of `signed` under `seal`, its notice's digest being `digest`.
    public static func claim(of signed: SignedEnvelope, seal: BatchSeal, digest: SHA256Digest) -> Claim? {
        let path = seal.path.compactMap { SHA256Digest(bytes: $0) }
        guard path.count == seal.path.count,
              let root = MerkleVerifier.root(leafHash: leaf(ofDigest: digest), index: UInt64(seal.leafIndex),
                                             size: UInt64(seal.batchSize), proof: path) else { return nil }
        return Claim(batchSize: seal.batchSize, root: root, restrictionsDigest: restrictionsDigest(of: signed.envelope),
                     rootSignature: seal.rootSignature)
    }

    /// Whether `signed` (a single or a batch-signed envelope) verifies with `key`: a single
    /// signature over `domain ‖ body`, or a well-formed seal whose proof leads to a root the
    /// originator signed with this notice's restrictions. The algorithm byte must fit the key.
    public static func isAuthentic(_ signed: SignedEnvelope, key: PublicKey) -> Bool {
        let algorithm = signed.envelope.signatureAlgorithm
        guard Envelope.SignatureAlgorithm.keyAlgorithm(of: algorithm) == key.algorithm.rawValue else { return false }
        guard Envelope.SignatureAlgorithm.isBatch(algorithm) else {
            return key.isValidSignature(signed.signature, for: signed.bytesToSign)
        }
        guard let seal = try? signed.batchSeal(), let claim = claim(of: signed, seal: seal, digest: digest(ofBody: signed.body)) else {
            return false
        }
        return key.isValidSignature(claim.rootSignature, for: claim.header)
    }

    /// Signs `envelopes` as one batch with `key`: sets each one's algorithm to the key's batch
    /// algorithm, builds the tree of their leaves, signs the header once, and seals each.
    /// - Precondition: 1 … `BatchSeal.maximumBatchSize` envelopes, all with the same restrictions.
    public static func sign(_ envelopes: [Envelope], with key: PrivateKey) throws(CryptoError) -> [SignedEnvelope] {
        precondition(!envelopes.isEmpty && envelopes.count <= Int(BatchSeal.maximumBatchSize), "a batch holds 1…4096 envelopes")
        let batchAlgorithm = Envelope.SignatureAlgorithm.batch(of: key.algorithm.rawValue)
        var bodies: [(Envelope, [UInt8])] = []
        bodies.reserveCapacity(envelopes.count)
        for var envelope in envelopes {
            envelope.signatureAlgorithm = batchAlgorithm
            bodies.append((envelope, envelope.encodedBody()))
        }
        let restrictions = restrictionsDigest(of: bodies[0].0)
        precondition(bodies.allSatisfy { restrictionsDigest(of: $0.0) == restrictions }, "every envelope of a batch carries the same restrictions")
        let leaves = bodies.map { leaf(ofDigest: digest(ofBody: $0.1)) }
        let (root, paths) = MerkleProof.allInclusions(leaves: leaves)
        let size = UInt32(envelopes.count)
        let signature = try key.signature(for: BatchSeal.header(batchSize: size, root: root.bytes, restrictionsDigest: restrictions.bytes))
        return bodies.enumerated().map { index, item in
            let seal = BatchSeal(batchSize: size, leafIndex: UInt32(index), path: paths[index].map(\.bytes), rootSignature: signature)
            return SignedEnvelope(envelope: item.0, signature: seal.encoded)
        }
    }
}
