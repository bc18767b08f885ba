import Dispatch
import NexCrypto
import NexWire

/// `certificateRequest` (connection queue): nexd hands out a certificate only to a node that has a
/// reason to hold it, so the frame cannot be used to look up arbitrary nodes (D33).
extension Connection {
    /// Whether this connection may fetch the certificate with `fingerprint`: its node's own, or the
    /// originator's of a notice delivered on this connection (a `deliver` names it).
    func mayFetchCertificate(_ fingerprint: SHA256Digest) -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        return identity?.certificate.fingerprint == fingerprint || deliveries.deliveredOriginators.contains(fingerprint)
    }

    /// Answers with the certificate, or with an empty `der` — the same answer whether nexd does not
    /// know the fingerprint or will not give it to this node, so a refusal says nothing about
    /// which certificates nexd holds.
    func handleCertificateRequest(_ fingerprint: [UInt8]) {
        // Every path answers through the outbox: counted until the answer is in the output.
        controlFrameAwaitsAnswer()
        // The decoder reads exactly 32 bytes, so `digest` is nil only for a frame built in process.
        guard let digest = SHA256Digest(bytes: fingerprint), mayFetchCertificate(digest) else {
            logger.debug("certificate request refused: neither the node's own nor an originator delivered to it",
                         metadata: ["cert.fingerprint": "\(SHA256Digest(bytes: fingerprint)?.hex ?? "?")"])
            send(.certificateResponse(fingerprint: fingerprint, der: []))
            return
        }
        if let identity, identity.certificate.fingerprint == digest {
            send(.certificateResponse(fingerprint: fingerprint, der: identity.certificate.derBytes))
            return
        }
        let broker = context.broker
        broker.queue.async {
            let der = broker.certificateDER(for: digest) ?? []
            self.send(.certificateResponse(fingerprint: fingerprint, der: der))
        }
    }
}
