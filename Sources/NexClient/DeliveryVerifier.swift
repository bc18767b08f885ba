import Foundation
import NexAudit
import NexCrypto
import NexWire

/// Re-verifies a delivery end to end, trusting nothing nexd says about the originator's certificate.
///
/// nexd hands out the originator certificate by fingerprint (`certificateRequest`, on the connection
/// that received the delivery: nexd answers no other node's, docs/PROTOCOL.md §0x40); a subscriber
/// must not take nexd's word that it belongs to a node. The certificate counts only if, like
/// nexd's own handshake check and `nex audit verify`:
/// 1. its fingerprint is the delivery's,
/// 2. it was issued directly by one of the self-signed CAs among the subscriber's trust roots
///    (its `--ca`; chains are one level, docs/SECURITY.md) and is not itself a CA,
/// 3. it and that CA were valid when nexd accepted the notice (the deliver frame's `receivedAt`),
///    and it was valid at the envelope's signed `issuedAt`,
/// 4. it carries the clientAuth extended key usage (for nexd's `expire`: the timeStamping one of
///    the audit certificate, and not clientAuth, D61), and its key usage (if present) allows
///    `digitalSignature`,
/// 5. its CN is the envelope's sender, which is the origin nexd names;
///
/// then the signature must verify with its key. Pure: no I/O, no clock.
public enum DeliveryVerifier {
    /// Verifies `delivery` with `certificate` (nexd's answer for its fingerprint, nil if none).
    /// - Parameters:
    ///   - delivery: The deliver frame as received.
    ///   - certificate: The certificate nexd returned for `delivery.certificateFingerprint`.
    ///   - trustRoots: The CAs the subscriber trusts (those it verifies nexd's TLS certificate with).
    public static func verify(_ delivery: Deliver, certificate: Certificate?,
                              trustRoots: [Certificate]) -> DeliveryVerification {
        guard let signed = try? SignedEnvelope(parsing: delivery.envelope) else {
            return .notVerified(.init(.malformedEnvelope, "the delivered envelope cannot be parsed"))
        }
        guard let certificate else {
            return .notVerified(.init(.certificateUnavailable, "nexd returned no certificate for the originator fingerprint"))
        }
        if let failure = check(certificate, for: signed.envelope, in: delivery, trustRoots: trustRoots) {
            return .notVerified(failure)
        }
        guard NoticeSigner.isValid(signed, from: certificate) else {
            return .notVerified(.init(.badSignature, "the signature does not verify with the originator certificate"))
        }
        return .verified(signed)
    }

    /// The first check of the originator certificate that fails, or nil.
    private static func check(_ certificate: Certificate, for envelope: Envelope, in delivery: Deliver,
                              trustRoots: [Certificate]) -> DeliveryVerificationFailure? {
        guard certificate.fingerprint.bytes == delivery.certificateFingerprint else {
            return .init(.fingerprintMismatch, "nexd returned certificate \(certificate.fingerprint.hex), not the one the delivery names")
        }
        let name = "originator certificate \(certificate.subjectDescription)"
        // Only self-signed CAs are anchors, as in nexd's tls.ca: an intermediate in the --ca file
        // (say, nexd's own issuer) must not vouch for nodes.
        guard let issuer = certificate.issuer(among: trustRoots.filter { $0.isIssued(by: $0) }) else {
            return .init(.untrustedCertificate, "\(name) is not issued by a trusted CA (issuer \(certificate.issuerDescription))")
        }
        guard !certificate.isCertificateAuthority else {
            return .init(.untrustedCertificate, "\(name) is a CA certificate, not a node's")
        }
        let acceptedAt = Date(timeIntervalSince1970: Double(delivery.receivedAtMillis) / 1000)
        for (what, held) in [(name, certificate), ("its CA \(issuer.subjectDescription)", issuer)] where !held.isValid(at: acceptedAt) {
            return .init(.notValidAtAcceptance, "\(what) was not valid when nexd accepted the notice (\(time(acceptedAt)); valid \(time(held.notValidBefore))…\(time(held.notValidAfter)))")
        }
        // The time the originator signed at: nexd checked it lies within its replay window of
        // acceptance, but not that the certificate was valid then.
        let signedAt = Date(timeIntervalSince1970: Double(envelope.issuedAtMillis) / 1000)
        guard certificate.isValid(at: signedAt) else {
            return .init(.notValidAtSigning, "\(name) was not valid when the notice was signed (issued-at \(time(signedAt)); valid \(time(certificate.notValidBefore))…\(time(certificate.notValidAfter)))")
        }
        // nexd's own `expire` is signed with its audit key, whose certificate has the timeStamping
        // purpose and not clientAuth; nothing else is (D61).
        if envelope.kind == "expire" {
            guard certificate.hasAuditPurpose else {
                return .init(.untrustedCertificate, "\(name) is not nexd's audit certificate (timeStamping): only nexd's audit key signs an expire")
            }
        } else if certificate.extendedKeyUsage?.contains(.clientAuth) != true {
            return .init(.missingClientAuth, "\(name) lacks the clientAuth extended key usage")
        }
        guard certificate.keyUsageAllowsDigitalSignature else {
            return .init(.keyUsageForbidsSigning, "\(name) has a key usage without digitalSignature: its key may not sign notices")
        }
        guard certificate.subjectCommonName == envelope.sender else {
            return .init(.senderMismatch, "\(name) is issued to \(certificate.subjectCommonName ?? "no common name"), not to the sender \(envelope.sender)")
        }
        guard envelope.sender == delivery.originNode else {
            return .init(.senderMismatch, "the envelope's sender \(envelope.sender) is not the origin nexd names (\(delivery.originNode))")
        }
        return nil
    }

    /// The times come from the delivery and the envelope (peer data, up to 2^63 − 1 ms, which a
    /// Double rounds up past Int64): clamped, never trapped on.
    private static func time(_ date: Date) -> String {
        let millis = (date.timeIntervalSince1970 * 1000).rounded(.down)
        return Timestamp.format(millis: Int64(exactly: millis) ?? (millis < 0 ? .min : .max))
    }
}
