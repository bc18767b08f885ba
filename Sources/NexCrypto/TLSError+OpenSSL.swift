internal import COpenSSL
import Foundation

extension TLSError {
    /// Classifies a failed `SSL_*` call from the verification result and the thread's error queue,
    /// draining the queue.
    ///
    /// A non-OK verification result wins: it is the server's reason for rejecting a client (and the
    /// client's for rejecting a server). Otherwise the first SSL-library reason in the queue decides.
    static func fromOpenSSL(ssl: OpaquePointer, operation: String) -> TLSError {
        var codes: [UInt] = []
        while case let code = ERR_get_error(), code != 0 { codes.append(code) }
        var parts = codes.map(OpenSSLErrorQueue.text(of:))
        let verifyResult = Int32(truncatingIfNeeded: SSL_get_verify_result(ssl))
        var reason: Reason = .other
        if verifyResult != X509_V_OK {
            parts.append("certificate verify result \(verifyResult): \(String(cString: X509_verify_cert_error_string(Int(verifyResult))))")
            reason = Self.reason(forVerifyResult: verifyResult)
        } else if let code = codes.first(where: { ERR_GET_LIB($0) == ERR_LIB_SSL }) {
            reason = Self.reason(forSSLReason: ERR_GET_REASON(code))
        }
        let detail = parts.isEmpty ? "no OpenSSL error detail" : parts.joined(separator: "; ")
        return TLSError(reason: reason, message: "\(operation) failed: \(detail)", alert: receivedAlert(in: codes))
    }

    /// The alert received from the peer, if one is in `codes`: OpenSSL reports it as SSL reason
    /// `SSL_AD_REASON_OFFSET` (1000) + the alert description.
    private static func receivedAlert(in codes: [UInt]) -> TLSAlert? {
        for code in codes where ERR_GET_LIB(code) == ERR_LIB_SSL {
            let reason = ERR_GET_REASON(code)
            if reason >= SSL_AD_REASON_OFFSET, reason - SSL_AD_REASON_OFFSET <= Int32(UInt8.max) {
                return TLSAlert(code: UInt8(reason - SSL_AD_REASON_OFFSET))
            }
        }
        return nil
    }

    /// Whether `code` is OpenSSL 3's report of EOF without `close_notify`.
    static func isUnexpectedEOF(_ code: UInt) -> Bool {
        ERR_GET_LIB(code) == ERR_LIB_SSL && ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING
    }

    private static func reason(forVerifyResult result: Int32) -> Reason {
        switch result {
        case X509_V_ERR_CERT_HAS_EXPIRED: .certificateExpired
        case X509_V_ERR_CERT_NOT_YET_VALID: .certificateNotYetValid
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
             X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
             X509_V_ERR_CERT_SIGNATURE_FAILURE, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE,
             // Issued by an intermediate, not directly by a configured CA (servers allow depth 0).
             X509_V_ERR_CERT_CHAIN_TOO_LONG:
            .unknownIssuer
        case X509_V_ERR_INVALID_PURPOSE: .invalidPurpose
        case X509_V_ERR_CERT_REVOKED: .certificateRevoked
        case X509_V_ERR_CRL_HAS_EXPIRED: .crlExpired
        case X509_V_ERR_CRL_NOT_YET_VALID: .crlNotYetValid
        case X509_V_ERR_UNABLE_TO_GET_CRL: .crlUnavailable
        case X509_V_ERR_CRL_SIGNATURE_FAILURE, X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE,
             X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD, X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD,
             X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER, X509_V_ERR_KEYUSAGE_NO_CRL_SIGN,
             X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
            .crlInvalid
        default: .badCertificate
        }
    }

    private static func reason(forSSLReason reason: Int32) -> Reason {
        switch reason {
        case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
            .noPeerCertificate
        case SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_WRONG_VERSION_NUMBER, SSL_R_VERSION_TOO_LOW,
             SSL_R_NO_PROTOCOLS_AVAILABLE:
            .protocolVersion
        case SSL_R_CERTIFICATE_VERIFY_FAILED:
            .badCertificate
        case SSL_AD_REASON_OFFSET...:
            // Reasons from 1000 up are alerts received from the peer (1000 + alert number).
            .peerAlert
        default:
            .other
        }
    }
}
