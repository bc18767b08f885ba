internal import COpenSSL

/// A TLS protocol version.
public enum TLSProtocolVersion: Sendable {
    /// TLS 1.2 ([RFC 5246](https://www.rfc-editor.org/rfc/rfc5246)); only for test clients.
    case tls12
    /// TLS 1.3 ([RFC 8446](https://www.rfc-editor.org/rfc/rfc8446)); the only version NoticeExchange accepts.
    case tls13

    /// OpenSSL's version constant.
    var openSSLValue: Int32 {
        switch self {
        case .tls12: TLS1_2_VERSION
        case .tls13: TLS1_3_VERSION
        }
    }
}

extension TLSProtocolVersion: Comparable {
    /// Older versions sort first.
    public static func < (lhs: TLSProtocolVersion, rhs: TLSProtocolVersion) -> Bool {
        lhs.openSSLValue < rhs.openSSLValue
    }
}
