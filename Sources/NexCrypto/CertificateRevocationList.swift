internal import COpenSSL
import Foundation

/// A certificate revocation list ([RFC 5280 §5](https://www.rfc-editor.org/rfc/rfc5280#section-5)):
/// the serial numbers a CA has revoked, signed by that CA.
///
/// Immutable; every field is read from the owned `X509_CRL`, which nothing mutates after
/// initialisation, so an instance is safe to share. Make one with ``issue(issuer:issuerKey:revoked:thisUpdate:nextUpdate:crlNumber:)``
/// or parse one with ``init(pem:)``; give it to ``TLSContext/server(certificate:chain:key:trustRoots:revocationLists:)``
/// to refuse revoked clients.
public final class CertificateRevocationList: @unchecked Sendable {
    /// The owned `X509_CRL`.
    let crl: OpaquePointer
    /// The DER encoding.
    public let derBytes: [UInt8]

    /// Takes ownership of `crl`; frees it and throws if it cannot be encoded.
    init(taking crl: OpaquePointer) throws(CryptoError) {
        self.derBytes = try Self.derEncoding(taking: crl)
        self.crl = crl
    }

    /// The DER encoding of `crl`; frees `crl` before throwing.
    private static func derEncoding(taking crl: OpaquePointer) throws(CryptoError) -> [UInt8] {
        let length = i2d_X509_CRL(crl, nil)
        var der = [UInt8](repeating: 0, count: max(Int(length), 0))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_X509_CRL(crl, &cursor)
        }
        guard length > 0, written == length else {
            X509_CRL_free(crl)
            throw CryptoError.openSSL(.invalidRevocationList, "cannot DER-encode revocation list")
        }
        return der
    }

    deinit {
        X509_CRL_free(crl)
    }

    /// Parses the first CRL (`-----BEGIN X509 CRL-----`) in PEM text.
    /// - Throws: `CryptoError.invalidRevocationList` if there is none or it is malformed.
    public init(pem: String) throws(CryptoError) {
        OpenSSLErrorQueue.clear()
        let parsed = MemoryBIO.reading(Array(pem.utf8)) { bio in PEM_read_bio_X509_CRL(bio, nil, nil, nil) }
        guard let parsed, let crl = parsed else {
            throw CryptoError.openSSL(.invalidRevocationList, "no readable revocation list in PEM input")
        }
        // A designated initialiser (the public API promises one), so it cannot delegate to init(taking:).
        self.derBytes = try Self.derEncoding(taking: crl)
        self.crl = crl
    }

    /// Parses the first CRL in a PEM file.
    /// - Throws: `CryptoError.fileUnreadable`, or `.invalidRevocationList` naming the file.
    public convenience init(pemFile path: String) throws(CryptoError) {
        let bytes = try FileBytes.read(path)
        do {
            try self.init(pem: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw CryptoError(code: error.code, message: "\(path): \(error.message)")
        }
    }

    /// When this list was issued (`thisUpdate`).
    public var thisUpdate: Date {
        Certificate.date(X509_CRL_get0_lastUpdate(crl))
    }

    /// When the next list is due (`nextUpdate`), or `nil` if the list gives none. OpenSSL treats a
    /// list past this date as expired and refuses every certificate it covers.
    public var nextUpdate: Date? {
        X509_CRL_get0_nextUpdate(crl).map { Certificate.date($0) }
    }

    /// The CRL number extension ([RFC 5280 §5.2.3](https://www.rfc-editor.org/rfc/rfc5280#section-5.2.3)),
    /// or `nil` if absent or larger than 64 bits.
    public var crlNumber: UInt64? {
        guard let raw = X509_CRL_get_ext_d2i(crl, NID_crl_number, nil, nil) else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        // X509_CRL_get_ext_d2i returns a new ASN1_INTEGER for NID_crl_number, owned here.
        let number = raw.assumingMemoryBound(to: ASN1_INTEGER.self)
        defer { ASN1_INTEGER_free(number) }
        var value: UInt64 = 0
        guard ASN1_INTEGER_get_uint64(&value, number) == 1 else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        return value
    }

    /// The key identifier of the authority key identifier extension (RFC 5280 §5.2.1), or `nil`
    /// when the list has none: how OpenSSL tells apart the lists of two CAs with one subject name.
    public var authorityKeyIdentifier: [UInt8]? {
        guard let raw = X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, nil, nil) else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        // A new AUTHORITY_KEYID, owned here.
        let identifier = raw.assumingMemoryBound(to: AUTHORITY_KEYID.self)
        defer { AUTHORITY_KEYID_free(identifier) }
        guard let keyID = identifier.pointee.keyid else { return nil }
        return Certificate.bytes(of: keyID)
    }

    /// The revoked certificates, in the list's order (sorted by serial number when issued here).
    public var revoked: [RevokedCertificate] {
        guard let stack = X509_CRL_get_REVOKED(crl) else { return [] }
        return (0..<nex_sk_X509_REVOKED_num(stack)).compactMap { index in
            guard let entry = nex_sk_X509_REVOKED_value(stack, index) else { return nil }
            return RevokedCertificate(
                serialNumberHex: Certificate.hex(X509_REVOKED_get0_serialNumber(entry)),
                revocationDate: Certificate.date(X509_REVOKED_get0_revocationDate(entry)))
        }
    }

    /// Whether the list names the serial number `serialNumberHex` (any spelling
    /// ``RevokedCertificate/init(serialNumberHex:revocationDate:)`` accepts).
    public func isRevoked(serialNumberHex: String) -> Bool {
        let wanted = RevokedCertificate.canonical(serialNumberHex)
        return revoked.contains { $0.serialNumberHex == wanted }
    }

    /// Whether the list's signature verifies with `issuer`'s public key (`X509_CRL_verify`).
    ///
    /// Checks the signature only, not the issuer name or the dates.
    public func isSigned(by issuer: Certificate) -> Bool {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        return X509_CRL_verify(crl, issuer.publicKey.key) == 1
    }

    /// The issuer name in RFC 4514 form, as ``Certificate/subjectDescription`` spells it.
    public var issuerDescription: String {
        Certificate.describe(X509_CRL_get_issuer(crl))
    }

    /// The list as a PEM block (`-----BEGIN X509 CRL-----`).
    public func pemEncoded() -> String {
        PEM.encode(derBytes, label: "X509 CRL")
    }
}
