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

    /// Checks a delivered envelope's signature with the originator's certificate (end to end).
    public static func isValid(_ signed: SignedEnvelope, from certificate: Certificate) -> Bool {
        certificate.publicKey.algorithm.rawValue == signed.envelope.signatureAlgorithm
            && certificate.publicKey.isValidSignature(signed.signature, for: signed.bytesToSign)
    }
}
