import NexAudit
import NexBroker
import NexCrypto
import NexNotices
import NexWire

/// A publish whose signature verified with the certificate of the node that sent it: what the
/// broker may accept. Made only by ``SignatureVerification``.
struct VerifiedPublish: Sendable {
    let signed: SignedEnvelope
    let topic: Topic
    let kind: NoticeKind
    /// SHA-256 of signing domain ‖ body: identifies a byte-identical re-send in the replay cache.
    let digest: SHA256Digest
    /// The envelope's bytes exactly as received.
    let wireBytes: [UInt8]
    /// nexd's clock when the frame was read (Unix milliseconds).
    let receivedAtMillis: Int64
    /// The node that sent it (its certificate verified the signature).
    let identity: NodeIdentity
    /// The document's priority and handling codes (D58).
    let markings: NoticeMarkings
    /// How its deliveries are ordered on a connection: priority, and a follow-up's original.
    let order: DeliveryOrder
    /// For a batch-signed envelope (D73): its seal and the claim its proof makes, which the audit
    /// log records once per batch (D74).
    let batch: BatchProof?

    /// A batch-signed notice's seal and claim.
    struct BatchProof: Sendable {
        let seal: BatchSeal
        let claim: EnvelopeBatch.Claim
    }

    var envelope: Envelope { signed.envelope }

    /// The envelope as the audit log stores it: as received, or for a batch-signed one without its
    /// root signature, which the log records once in a `batch` record (format 6, D74).
    var storedWireBytes: [UInt8] {
        guard let batch else { return wireBytes }
        return EnvelopeBatch.storedWireBytes(of: signed, seal: batch.seal)
    }

    /// Only the verifier vouches for a signature.
    fileprivate init(_ unverified: UnverifiedPublish, digest: SHA256Digest, identity: NodeIdentity, batch: BatchProof? = nil) {
        signed = unverified.signed
        topic = unverified.topic
        kind = unverified.kind
        self.digest = digest
        wireBytes = unverified.wireBytes
        receivedAtMillis = unverified.receivedAtMillis
        self.identity = identity
        markings = unverified.markings
        order = DeliveryOrder(priority: unverified.markings.priority, original: unverified.original)
        self.batch = batch
    }
}

extension VerifiedPublish {
    /// nexd's own message (an `expire`, D61), signed by nexd with its audit key: no node sent it,
    /// so no verifier made it. `identity` names the audit certificate.
    init(signedByNexd signed: SignedEnvelope, topic: Topic, kind: NoticeKind, digest: SHA256Digest, identity: NodeIdentity,
         original: MessageID) {
        self.signed = signed
        self.topic = topic
        self.kind = kind
        self.digest = digest
        wireBytes = signed.wireBytes
        receivedAtMillis = signed.envelope.issuedAtMillis
        self.identity = identity
        markings = .unmarked
        order = DeliveryOrder(priority: .normal, original: original)
        batch = nil
    }

    /// Whether nexd itself sent it (an `expire`, signed with the audit key; D61).
    var isSentByNexd: Bool { kind.isSentByNexd }
}

/// Checks an ``UnverifiedPublish``'s signature with its node's certificate (on the verification
/// pool: the costly step, ~85–100 µs per P-256 signature). A batch-signed envelope (D73) costs
/// hashes only once its batch signature is in the connection's ``BatchSealCache``.
struct SignatureVerification: Sendable {
    /// The node whose certificate's key must verify the signature.
    let identity: NodeIdentity
    /// The batch signatures checked on this connection.
    var batchSeals = BatchSealCache()

    /// Why a publish was refused, and whether a signature check was spent on it (only those
    /// count against the node's failed-verification budget).
    struct Failure: Error {
        let error: WireError
        let checkedSignature: Bool
    }

    /// The verified publish, or `bad-signature`. One pass over domain ‖ body gives the digest the
    /// replay cache needs; ECDSA verifies that digest directly, so the message is hashed once
    /// (Ed25519 signs the message itself).
    func verify(_ unverified: UnverifiedPublish) -> Result<VerifiedPublish, Failure> {
        let signed = unverified.signed
        let publicKey = identity.certificate.publicKey
        let digest = EnvelopeBatch.digest(ofBody: signed.body)
        if let seal = unverified.seal {
            return verifyBatched(unverified, seal: seal, digest: digest, key: publicKey)
        }
        let isValid = publicKey.algorithm == .ecdsaP256SHA256
            ? publicKey.isValidSignature(signed.signature, forSHA256Digest: digest)
            : publicKey.isValidSignature(signed.signature, for: signed.bytesToSign)
        guard isValid else {
            return .failure(Failure(error: WireError(.badSignature, "signature does not verify with the certificate of \(identity.id)"),
                                    checkedSignature: true))
        }
        return .success(VerifiedPublish(unverified, digest: digest, identity: identity))
    }

    /// A batch-signed envelope: its proof leads to a root (hashes); the batch signature over that
    /// root, the batch size and this notice's restrictions is checked once per connection.
    private func verifyBatched(_ unverified: UnverifiedPublish, seal: BatchSeal, digest: SHA256Digest,
                               key: PublicKey) -> Result<VerifiedPublish, Failure> {
        let place = "leaf \(seal.leafIndex) of a batch of \(seal.batchSize)"
        guard let claim = EnvelopeBatch.claim(of: unverified.signed, seal: seal, digest: digest) else {
            return .failure(Failure(error: WireError(.badSignature, "the inclusion proof of \(place) does not lead to a root"), checkedSignature: false))
        }
        let (known, checkedHere) = batchSeals.verdict(for: claim) { key.isValidSignature(claim.rootSignature, for: claim.header) }
        if known.claim == claim {
            guard known.isValid else {
                let reason = checkedHere
                    ? "the batch signature does not verify with the certificate of \(identity.id) over the root the proof of \(place) leads to"
                    : "the batch signature does not verify with the certificate of \(identity.id) (\(place); refused for an earlier notice of the batch too)"
                return .failure(Failure(error: WireError(.badSignature, reason), checkedSignature: checkedHere))
            }
            return .success(VerifiedPublish(unverified, digest: digest, identity: identity, batch: VerifiedPublish.BatchProof(seal: seal, claim: claim)))
        }
        // The signature is good for another claim: this notice's proof or restrictions are not the batch's.
        let what = known.claim.root != claim.root || known.claim.batchSize != claim.batchSize
            ? "its inclusion proof does not lead to the batch root the signature signs"
            : "its restrictions are not the batch's (every notice of a batch carries the same)"
        return .failure(Failure(error: WireError(.badSignature, "\(place): \(what)"), checkedSignature: false))
    }
}
