import NexCrypto

/// The audit identity that signs checkpoints: a private key and the certificate the CA issued for it.
public struct CheckpointSigner: Sendable {
    /// The audit signing key (ECDSA P-256 or Ed25519).
    public let key: PrivateKey
    /// The audit certificate; its fingerprint is named in every checkpoint.
    public let certificate: Certificate

    /// Creates a signer. The key must be the certificate's key (checked by signing once at the
    /// first checkpoint; a mismatch makes every checkpoint fail verification, never silently).
    public init(key: PrivateKey, certificate: Certificate) {
        self.key = key
        self.certificate = certificate
    }

    /// Signs the tree head (`size`, `root`) at `timeMillis`.
    /// - Throws: ``AuditError`` (`writeFailed`) when the key cannot sign.
    /// With `sealedFrom`, a crash seal of records `sealedFrom…size` (its own signing domain).
    public func sign(size: UInt64, root: SHA256Digest, timeMillis: Int64, sealedFrom: UInt64? = nil) throws(AuditError) -> SignedCheckpoint {
        let message = sealedFrom.map {
            SignedCheckpoint.crashSealSigningBytes(treeSize: size, rootHash: root, timeMillis: timeMillis, sealedFrom: $0)
        } ?? SignedCheckpoint.signingBytes(treeSize: size, rootHash: root, timeMillis: timeMillis)
        do {
            let signature = try key.signature(for: message)
            return SignedCheckpoint(
                treeSize: size, rootHash: root, timeMillis: timeMillis,
                certificateFingerprint: certificate.fingerprint, signature: signature, sealedFrom: sealedFrom)
        } catch {
            throw AuditError(.writeFailed, "cannot sign an audit checkpoint: \(error)")
        }
    }
}
