import NexCrypto
import NexWire

/// Why nexd refuses a peer whose TLS handshake succeeded: the identity checks OpenSSL does not
/// make. Stable codes, in the audit record and the log.
enum SessionRefusal: String, Sendable, Equatable {
    case noCertificate = "no-certificate"
    case invalidPurpose = "invalid-purpose"
    case notInRoster = "not-in-roster"
    case auditUnavailable = "audit-unavailable"
    case tooManyConnectionsForNode = "too-many-connections-for-node"
    case connectRate = "connect-rate"
    case certificateRevoked = "certificate-revoked"

    /// The code of the error frame the peer receives.
    var wireCode: WireErrorCode {
        switch self {
        case .notInRoster: .notInRoster
        case .auditUnavailable: .auditUnavailable
        case .tooManyConnectionsForNode, .connectRate: .overloaded
        case .noCertificate, .invalidPurpose, .certificateRevoked: .permissionDenied
        }
    }
}

/// The outcome of the identity checks after a successful TLS handshake.
enum IdentityCheck: Sendable, Equatable {
    /// The node is on the roster and admitted.
    case accepted
    /// The peer is refused, with the detail recorded and sent in the error frame.
    case refused(SessionRefusal, detail: String)
}

/// How a connection ended before its node was identified and said hello (each is recorded as a
/// refused `connect`).
enum HandshakeEnd: Sendable, Equatable {
    /// The peer closed the connection during the TLS handshake.
    case abandoned
    /// The TLS handshake failed.
    case failed(TLSError)
    /// No handshake and hello within `limits.handshakeTimeoutSeconds`.
    case timedOut
    /// Evicted from the full pending-handshake queue to admit a newer connection.
    case evicted
}

/// nexd ends an established session: the disconnect record's reason and detail, and the error
/// frame the node receives before the close.
struct SessionEnding: Sendable, Equatable {
    /// Stable reason of the disconnect record (`shutdown`, `control-frame-rate`, …).
    let code: String
    /// Detail of the disconnect record.
    let detail: String
    /// Code of the error frame.
    let errorCode: WireErrorCode
    /// Reason of the error frame.
    let errorReason: String
}

extension SessionEnding {
    /// The ending a reload decided (``SessionEnd``): the error frame repeats the record's detail.
    init(afterReload end: SessionEnd) {
        self.init(code: end.reason, detail: end.detail, errorCode: end.code, errorReason: end.detail)
    }
}
