internal import COpenSSL

/// The purposes in a certificate's extended key usage extension
/// ([RFC 5280 §4.2.1.12](https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.12)).
///
/// Purposes not listed here are ignored when reading a certificate.
public struct ExtendedKeyUsage: OptionSet, Sendable, Hashable {
    /// The raw bit set.
    public let rawValue: UInt32

    /// Creates a set from raw bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// TLS server authentication (`id-kp-serverAuth`).
    public static let serverAuth = ExtendedKeyUsage(rawValue: 1 << 0)
    /// TLS client authentication (`id-kp-clientAuth`).
    public static let clientAuth = ExtendedKeyUsage(rawValue: 1 << 1)
    /// Code signing (`id-kp-codeSigning`).
    public static let codeSigning = ExtendedKeyUsage(rawValue: 1 << 2)
    /// E-mail protection (`id-kp-emailProtection`).
    public static let emailProtection = ExtendedKeyUsage(rawValue: 1 << 3)
    /// Time stamping (`id-kp-timeStamping`).
    public static let timeStamping = ExtendedKeyUsage(rawValue: 1 << 4)
    /// OCSP response signing (`id-kp-OCSPSigning`).
    public static let ocspSigning = ExtendedKeyUsage(rawValue: 1 << 5)

    /// Each purpose with its OpenSSL `XKU_*` flag and its configuration-file name.
    static let table: [(usage: ExtendedKeyUsage, flag: UInt32, confName: String)] = [
        (.serverAuth, UInt32(XKU_SSL_SERVER), "serverAuth"),
        (.clientAuth, UInt32(XKU_SSL_CLIENT), "clientAuth"),
        (.codeSigning, UInt32(XKU_CODE_SIGN), "codeSigning"),
        (.emailProtection, UInt32(XKU_SMIME), "emailProtection"),
        (.timeStamping, UInt32(XKU_TIMESTAMP), "timeStamping"),
        (.ocspSigning, UInt32(XKU_OCSP_SIGN), "OCSPSigning"),
    ]

    /// The set decoded from OpenSSL's `X509_get_extended_key_usage` flags.
    init(openSSLFlags flags: UInt32) {
        self = Self.table.reduce(into: []) { set, entry in
            if flags & entry.flag != 0 { set.insert(entry.usage) }
        }
    }

    /// The value for `X509V3_EXT_conf_nid(NID_ext_key_usage)`, e.g. `"serverAuth,clientAuth"`.
    var confValue: String {
        Self.table.filter { contains($0.usage) }.map(\.confName).joined(separator: ",")
    }
}
