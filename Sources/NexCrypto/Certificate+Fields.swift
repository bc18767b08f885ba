internal import COpenSSL
import Foundation

extension Certificate {
    /// The first common name (CN) of the subject, or `nil` if it has none.
    public var subjectCommonName: String? {
        let name = X509_get_subject_name(x509)
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index),
              let data = X509_NAME_ENTRY_get_data(entry)
        else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        defer { nex_OPENSSL_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    /// The subject name on one line in RFC 4514 form, most specific first, e.g.
    /// `"CN=bcp.rw.rusumo,O=NoticeExchange development"`.
    public var subjectDescription: String {
        Self.describe(X509_get_subject_name(x509))
    }

    /// The issuer name, in the same form as ``subjectDescription``.
    public var issuerDescription: String {
        Self.describe(X509_get_issuer_name(x509))
    }

    /// The subject key identifier extension (RFC 5280 §4.2.1.2), or `nil` when absent.
    public var subjectKeyIdentifier: [UInt8]? {
        X509_get0_subject_key_id(x509).map { Certificate.bytes(of: $0) }
    }

    /// The bytes of an ASN.1 string (an OCTET STRING's contents).
    static func bytes(of string: UnsafePointer<ASN1_OCTET_STRING>) -> [UInt8] {
        let count = Int(ASN1_STRING_length(string))
        guard count > 0, let data = ASN1_STRING_get0_data(string) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: count))
    }

    /// The serial number as lowercase hexadecimal digits without separators (`-` prefix if negative):
    /// two digits per byte of the magnitude, no leading zero bytes (the form of
    /// ``RevokedCertificate/serialNumberHex``).
    public var serialNumberHex: String {
        Self.hex(X509_get0_serialNumber(x509))
    }

    /// The start of the validity period.
    public var notValidBefore: Date {
        Self.date(X509_get0_notBefore(x509))
    }

    /// The end of the validity period.
    public var notValidAfter: Date {
        Self.date(X509_get0_notAfter(x509))
    }

    /// The extended key usage purposes, or `nil` when the extension is absent.
    ///
    /// Present but listing only purposes unknown to ``ExtendedKeyUsage`` gives an empty set.
    public var extendedKeyUsage: ExtendedKeyUsage? {
        guard X509_get_extension_flags(x509) & UInt32(EXFLAG_XKUSAGE) != 0 else { return nil }
        return ExtendedKeyUsage(openSSLFlags: X509_get_extended_key_usage(x509))
    }

    /// Whether the key may sign (RFC 5280 §4.2.1.3): true when the key usage extension is absent or
    /// lists `digitalSignature`. False for a certificate with an extension OpenSSL could not decode
    /// (EXFLAG_INVALID): a malformed key usage sets that flag, not EXFLAG_KUSAGE, and must not read
    /// as "absent".
    public var keyUsageAllowsDigitalSignature: Bool {
        let flags = X509_get_extension_flags(x509)
        guard flags & UInt32(EXFLAG_INVALID) == 0 else { return false }
        guard flags & UInt32(EXFLAG_KUSAGE) != 0 else { return true }
        return X509_get_key_usage(x509) & UInt32(KU_DIGITAL_SIGNATURE) != 0
    }

    /// Whether basic constraints mark this certificate as a CA (`CA:TRUE`).
    public var isCertificateAuthority: Bool {
        X509_get_extension_flags(x509) & UInt32(EXFLAG_CA) != 0
    }

    /// An ASN.1 INTEGER as ``serialNumberHex`` spells it.
    static func hex(_ integer: UnsafePointer<ASN1_INTEGER>?) -> String {
        guard let integer else { return "" }
        let length = Int(ASN1_STRING_length(integer))
        guard length > 0, let data = ASN1_STRING_get0_data(integer) else { return "00" }
        let digits = Hex.encode(UnsafeBufferPointer(start: data, count: length))
        return ASN1_STRING_type(integer) == V_ASN1_NEG_INTEGER ? "-" + digits : digits
    }

    /// An `X509_NAME` in RFC 4514 form, as ``subjectDescription`` spells it.
    static func describe(_ name: OpaquePointer?) -> String {
        guard let name else { return "" }
        let bytes = MemoryBIO.collecting { bio in
            X509_NAME_print_ex(bio, name, 0, nex_XN_FLAG_RFC2253_UTF8) >= 0
        }
        return bytes.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// An `ASN1_TIME` as a `Date` (the epoch if it cannot be read).
    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date {
        var fields = tm()
        guard let time, ASN1_TIME_to_tm(time, &fields) == 1 else {
            return Date(timeIntervalSince1970: 0)
        }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&fields)))
    }
}
