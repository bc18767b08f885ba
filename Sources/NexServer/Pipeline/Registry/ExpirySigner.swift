import NexAudit
import NexBroker
import NexCrypto
import NexNotices
import NexWire

/// Makes nexd's `expire` follow-ups (D61): when an active record's `expires_at` passes, nexd —
/// not a node — tells its holders, in an envelope signed with the **audit key** (the key that signs
/// checkpoints; its certificate, issued by the CA with the timeStamping purpose, is the originator
/// certificate subscribers fetch and `nex audit verify` checks). The envelope's signing domain
/// differs from a checkpoint's, so neither signature can stand for the other.
struct ExpirySigner: Sendable {
    let key: PrivateKey
    let certificate: Certificate
    /// The sender of every `expire`: the audit certificate's CN (`nexd-audit` in the development PKI).
    let identity: NodeIdentity

    /// Why `signer` cannot sign expiries, or nil: its certificate must have the audit purpose
    /// (timeStamping, not clientAuth), as subscribers and verifiers require of an `expire`'s
    /// signer, and a CN that names no roster node.
    static func problem(with signer: CheckpointSigner, roster: Set<String>) -> String? {
        guard signer.certificate.hasAuditPurpose else {
            return "the audit certificate lacks the timeStamping extended key usage or also has clientAuth"
        }
        guard let name = signer.certificate.subjectCommonName, !name.isEmpty else { return "the audit certificate has no common name" }
        guard !roster.contains(name) else { return "the audit certificate's common name \(name) is a roster node's" }
        return nil
    }

    /// nil when ``problem(with:roster:)`` finds one.
    init?(_ signer: CheckpointSigner, roster: Set<String>) {
        guard Self.problem(with: signer, roster: roster) == nil, let name = signer.certificate.subjectCommonName else { return nil }
        key = signer.key
        certificate = signer.certificate
        // Not a roster node: no role or country is recorded for it, and no rule reads them on the
        // path an expiry takes (it is routed to the original's holders, D61).
        identity = .nexd(id: name, certificate: signer.certificate)
    }

    /// The signed `expire` of `original`, whose `expires_at` was `expiresAtMillis`, issued at
    /// `nowMillis`; nil when the key cannot sign (the broker logs it and tries again later).
    func expire(_ original: NoticeRegistry.View, expiresAtMillis: Int64, nowMillis: Int64) -> VerifiedPublish? {
        let document = Array(#"{"kind":"expire","original":"\#(original.id)","reason":"expired","expires_at":"\#(Timestamp.format(millis: expiresAtMillis))"}"#.utf8)
        var envelope = Envelope(messageID: .random(), sender: identity.id, topic: original.topic, kind: NoticeKind.expire.rawValue,
                                issuedAtMillis: nowMillis, payload: document)
        envelope.signatureAlgorithm = key.algorithm.rawValue
        // The original's topic was validated when it was accepted.
        guard let signature = try? key.signature(for: envelope.bytesToSign()), let topic = try? Topic(validating: original.topic) else {
            return nil
        }
        let signed = SignedEnvelope(envelope: envelope, signature: signature)
        let hasher = SHA256Hasher()
        hasher.update(Envelope.signingDomain)
        hasher.update(signed.body)
        return VerifiedPublish(signedByNexd: signed, topic: topic, kind: .expire, digest: hasher.finalize(), identity: identity,
                               original: original.id)
    }
}
