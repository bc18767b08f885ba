internal import COpenSSL

/// A TLS alert description received from the peer (RFC 8446 §6: `AlertDescription`), e.g. 116
/// `certificate required` when a server refuses a client without a certificate.
///
/// In TLS 1.3 a client sees the server's refusal of its certificate as an alert on its first read
/// after the handshake, not in the handshake itself.
public struct TLSAlert: Sendable, Equatable, CustomStringConvertible {
    /// The alert description number (RFC 8446 §6), e.g. 48 for `unknown_ca`.
    public let code: UInt8

    /// An alert with description `code`.
    public init(code: UInt8) {
        self.code = code
    }

    /// OpenSSL's name for the alert, e.g. `"certificate required"`, `"unknown CA"`.
    public var name: String {
        String(cString: SSL_alert_desc_string_long(Int32(code)))
    }

    /// `"<name> (<code>)"`.
    public var description: String { "\(name) (\(code))" }
}
