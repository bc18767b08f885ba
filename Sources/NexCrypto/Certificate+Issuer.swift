internal import COpenSSL
import Foundation

extension Certificate {
    /// Whether `authority` issued this certificate directly: `authority` is a CA (basicConstraints
    /// CA:TRUE), its subject is this certificate's issuer (and key identifiers and key usage agree,
    /// `X509_check_issued`), and its public key verifies this certificate's signature.
    ///
    /// No chain building and no validity-period check: callers that need "valid at time T" compare
    /// ``notValidBefore`` and ``notValidAfter`` themselves, for the time that matters to them
    /// (an audit record's time, not today).
    public func isIssued(by authority: Certificate) -> Bool {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        guard authority.isCertificateAuthority else { return false }
        guard X509_check_issued(authority.x509, x509) == X509_V_OK else { return false }
        return X509_verify(x509, authority.publicKey.key) == 1
    }

    /// The first of `authorities` that issued this certificate directly (``isIssued(by:)``).
    public func issuer(among authorities: [Certificate]) -> Certificate? {
        authorities.first { isIssued(by: $0) }
    }

    /// Whether `date` lies within the validity period (both ends inclusive, as RFC 5280 says).
    public func isValid(at date: Date) -> Bool {
        notValidBefore <= date && date <= notValidAfter
    }
}
