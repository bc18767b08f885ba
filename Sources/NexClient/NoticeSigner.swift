import NexAudit
import NexCrypto
import NexWire

/// Builds and signs envelopes with a node's key.
public enum NoticeSigner {
    /// Signs `envelope` (its `signatureAlgorithm` is set from the key first).
    /// - Throws: ``CryptoError`` when signing fails.
    public static func sign(_ envelope: Envelope, with key: PrivateKey) throws(CryptoError) -> SignedEnvelope {
        var envelope = envelope
        envelope.signatureAlgorithm = key.algorithm.rawValue
        let signature = try key.signature(for: envelope.bytesToSign())
        return SignedEnvelope(envelope: envelope, signature: signature)
    }

    /// Signs `envelopes` as one batch (D73): one signature over their tree's root, each sealed with
    /// its inclusion proof. They must carry the same restrictions; 1 … 4096 of them.
    /// - Throws: ``CryptoError`` when signing fails.
    public static func signBatch(_ envelopes: [Envelope], with key: PrivateKey) throws(CryptoError) -> [SignedEnvelope] {
        try EnvelopeBatch.sign(envelopes, with: key)
    }

    /// Signs `envelopes` one by one, or, with `batch`, in consecutive batches of that many (the last
    /// may be shorter; D73).
    /// - Throws: ``CryptoError`` when signing fails.
    public static func sign(_ envelopes: [Envelope], batch: Int?, with key: PrivateKey) throws(CryptoError) -> [SignedEnvelope] {
        guard let batch else { return try envelopes.map { envelope throws(CryptoError) in try sign(envelope, with: key) } }
        var signed: [SignedEnvelope] = []
        signed.reserveCapacity(envelopes.count)
        for start in stride(from: 0, to: envelopes.count, by: batch) {
            signed += try signBatch(Array(envelopes[start..<min(start + batch, envelopes.count)]), with: key)
        }
        return signed
    }

    /// Checks a delivered envelope's signature with the originator's certificate (end to end): a
    /// single signature, or a batch seal's proof and batch signature (D73).
    public static func isValid(_ signed: SignedEnvelope, from certificate: Certificate) -> Bool {
        EnvelopeBatch.isAuthentic(signed, key: certificate.publicKey)
    }
}
