/// Why a TLS connection failed.
///
/// `reason` is stable and meant for audit records and metrics; `message` is for logs and includes
/// OpenSSL's error queue text and, where a certificate was rejected, the verification result.
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable failure categories. Raw values are stable strings for audit records.
    public enum Reason: String, Sendable {
        /// The peer sent no certificate although one is required.
        case noPeerCertificate = "no-certificate"
        /// The peer's certificate does not chain to a trusted root (or its signature is invalid).
        case unknownIssuer = "unknown-ca"
        /// The peer's certificate (or one in its chain) has expired.
        case certificateExpired = "certificate-expired"
        /// The peer's certificate (or one in its chain) is not valid yet.
        case certificateNotYetValid = "certificate-not-yet-valid"
        /// The peer's certificate is not allowed for this use (extended key usage).
        case invalidPurpose = "invalid-purpose"
        /// The peer's certificate is revoked.
        case certificateRevoked = "certificate-revoked"
        /// The revocation list of the peer's CA is past its `nextUpdate`: every peer of that CA is
        /// refused until a new list is published.
        case crlExpired = "crl-expired"
        /// The revocation list of the peer's CA is not valid yet (`thisUpdate` in the future).
        case crlNotYetValid = "crl-not-yet-valid"
        /// Revocation is checked but there is no revocation list for the peer's CA.
        case crlUnavailable = "crl-unavailable"
        /// The revocation list of the peer's CA is unusable: bad signature, malformed dates, or an
        /// issuer not allowed to sign lists.
        case crlInvalid = "crl-invalid"
        /// The peer offered no acceptable protocol version (TLS 1.3 only).
        case protocolVersion = "protocol-version"
        /// The peer's certificate was rejected for another reason (e.g. host name mismatch).
        case badCertificate = "bad-certificate"
        /// The peer sent a fatal alert, e.g. `unknown ca` after rejecting our certificate.
        case peerAlert = "peer-alert"
        /// A socket error.
        case io = "io"
        /// Any other TLS failure.
        case other = "tls-error"
    }

    /// The failure category.
    public let reason: Reason
    /// Human-readable detail: OpenSSL's error text and verification result.
    public let message: String
    /// The fatal alert the peer sent, when that is what ended the session (``Reason/peerAlert``).
    public let alert: TLSAlert?

    /// Creates an error.
    public init(reason: Reason, message: String, alert: TLSAlert? = nil) {
        self.reason = reason
        self.message = message
        self.alert = alert
    }

    /// `"<reason>: <message>"`.
    public var description: String { "\(reason.rawValue): \(message)" }
}
