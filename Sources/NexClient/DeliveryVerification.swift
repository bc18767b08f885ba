import NexWire

/// The outcome of re-verifying one delivery end to end: the originator's signature, checked with
/// an originator certificate that was itself validated against the subscriber's own CA.
///
/// A normal outcome, not an error: a subscriber prints or records either case. Only
/// ``DeliveryVerifier`` makes one.
public enum DeliveryVerification: Sendable, Equatable {
    /// Every check held; the envelope is the originator's, as signed.
    case verified(SignedEnvelope)
    /// A check failed; nothing in the delivery should be trusted as the originator's.
    case notVerified(DeliveryVerificationFailure)

    /// Whether every check held.
    public var isVerified: Bool {
        if case .verified = self { true } else { false }
    }
}

/// Why a delivery could not be verified: a stable code and a sentence naming the input at fault.
public struct DeliveryVerificationFailure: Sendable, Equatable, CustomStringConvertible {
    /// Which check failed, in the order ``DeliveryVerifier`` makes them. The raw values are
    /// stable (printed by `nex subscribe --json` as `signatureProblem`).
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// The envelope bytes do not parse.
        case malformedEnvelope = "malformed-envelope"
        /// nexd did not return a certificate for the delivery's fingerprint.
        case certificateUnavailable = "certificate-unavailable"
        /// nexd returned a certificate whose fingerprint is not the one in the delivery.
        case fingerprintMismatch = "fingerprint-mismatch"
        /// The certificate was not issued (directly) by a CA the subscriber trusts, or is a CA itself.
        case untrustedCertificate = "untrusted-certificate"
        /// The certificate, or its CA, was not valid when nexd accepted the notice.
        case notValidAtAcceptance = "not-valid-at-acceptance"
        /// The envelope's signed `issuedAt` lies outside the certificate's validity: it was signed
        /// when the certificate was not (yet, or any longer) valid.
        case notValidAtSigning = "not-valid-at-signing"
        /// The certificate lacks the clientAuth extended key usage nexd requires of nodes.
        case missingClientAuth = "missing-client-auth"
        /// The certificate's key usage extension is present without `digitalSignature`: its key
        /// may not sign notices.
        case keyUsageForbidsSigning = "key-usage-forbids-signing"
        /// The certificate's CN is not the envelope's sender, or the sender is not the origin nexd names.
        case senderMismatch = "sender-mismatch"
        /// The signature does not verify with the certificate's key.
        case badSignature = "bad-signature"
    }

    /// Which check failed.
    public let code: Code
    /// What failed, on which input.
    public let reason: String

    /// A failure with its code and reason.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}
