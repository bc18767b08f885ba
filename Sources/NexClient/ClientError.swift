import NexCrypto
import NexWire

/// Why a client operation failed.
public struct ClientError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: Sendable, Equatable {
        /// TCP connect failed.
        case connectFailed
        /// The TLS handshake failed or nexd refused the certificate (TLS alert).
        case tlsRefused
        /// nexd answered with an error frame (then closed).
        case refused(WireErrorCode)
        /// No answer in time.
        case timedOut
        /// The connection closed.
        case closed
        /// nexd sent something this client does not understand.
        case protocolError
        /// Credentials cannot be loaded.
        case credentials
    }

    public let code: Code
    public let message: String
    /// The TLS failure behind a ``Code/tlsRefused`` error: its category and the alert nexd sent,
    /// if one ended the session (e.g. 44 `certificate revoked`). What ``ConnectionFailure`` judges by.
    public let tlsError: TLSError?

    /// Creates an error.
    public init(_ code: Code, _ message: String, tlsError: TLSError? = nil) {
        self.code = code
        self.message = message
        self.tlsError = tlsError
    }

    public var description: String { message }
}
