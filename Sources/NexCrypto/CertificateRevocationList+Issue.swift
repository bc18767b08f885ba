internal import COpenSSL
import Foundation

extension CertificateRevocationList {
    /// A v2 CRL issued by `issuer`: authority key identifier and CRL number extensions, entries
    /// sorted by serial number, signed with `issuerKey` (SHA-256 for ECDSA, pure Ed25519 for Ed25519).
    ///
    /// Publish one even when nothing is revoked: a server checking revocation refuses every client
    /// of a CA whose list it lacks.
    /// - Parameters:
    ///   - issuer: The CA certificate; its subject becomes the list's issuer.
    ///   - issuerKey: The CA's private key.
    ///   - revoked: The revoked certificates; serial numbers must be unique.
    ///   - thisUpdate: The issue date (second precision).
    ///   - nextUpdate: When the next list is due; not before `thisUpdate`. `nil` omits it, which
    ///     RFC 5280 §5.1.2.5 forbids a conforming CA: such a list never goes stale, and nexd refuses
    ///     it (`tls.crl`). Only for testing that refusal.
    ///   - crlNumber: The list's sequence number; each new list of a CA should increase it.
    /// - Throws: `CryptoError.issuanceFailed` for a key that does not match `issuer`, bad dates, a
    ///   duplicate or malformed serial number, or an OpenSSL failure.
    public static func issue(
        issuer: Certificate,
        issuerKey: PrivateKey,
        revoked: [RevokedCertificate],
        thisUpdate: Date,
        nextUpdate: Date?,
        crlNumber: UInt64
    ) throws(CryptoError) -> CertificateRevocationList {
        guard thisUpdate <= nextUpdate ?? .distantFuture else {
            throw CryptoError(code: .issuanceFailed, message: "revocation list: nextUpdate is before thisUpdate")
        }
        let serials = revoked.map { RevokedCertificate.canonical($0.serialNumberHex) }
        if let duplicate = Dictionary(grouping: serials, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw CryptoError(code: .issuanceFailed, message: "revocation list: serial \(duplicate) is listed twice")
        }
        OpenSSLErrorQueue.clear()
        guard X509_check_private_key(issuer.x509, issuerKey.key) == 1 else {
            throw CryptoError.openSSL(
                .issuanceFailed, "issuer key does not match issuer certificate \(issuer.subjectDescription)")
        }
        guard let crl = X509_CRL_new() else { throw CryptoError.openSSL(.issuanceFailed, "out of memory") }
        var handedOver = false
        defer { if !handedOver { X509_CRL_free(crl) } }

        func check(_ ok: Bool, _ what: @autoclosure () -> String) throws(CryptoError) {
            if !ok { throw CryptoError.openSSL(.issuanceFailed, "revocation list of \(issuer.subjectDescription): \(what())") }
        }

        try check(X509_CRL_set_version(crl, Int(X509_CRL_VERSION_2)) == 1, "cannot set version")
        try check(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer.x509)) == 1, "cannot set issuer name")
        try check(setTime(thisUpdate, { X509_CRL_set1_lastUpdate(crl, $0) }), "cannot set thisUpdate")
        if let nextUpdate {
            try check(setTime(nextUpdate, { X509_CRL_set1_nextUpdate(crl, $0) }), "cannot set nextUpdate")
        }
        for (entry, serial) in zip(revoked, serials) {
            try check(addRevoked(crl, serial: serial, date: entry.revocationDate), "cannot add serial \(serial)")
        }
        try check(X509_CRL_sort(crl) == 1, "cannot sort entries")

        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer.x509, nil, nil, crl, 0)
        guard let authorityKeyID = X509V3_EXT_conf_nid(nil, &context, NID_authority_key_identifier, "keyid:always") else {
            throw CryptoError.openSSL(.issuanceFailed, "cannot build the authority key identifier (does the CA have a subject key identifier?)")
        }
        defer { X509_EXTENSION_free(authorityKeyID) }
        try check(X509_CRL_add_ext(crl, authorityKeyID, -1) == 1, "cannot add authority key identifier")
        try check(addNumber(crl, crlNumber), "cannot add CRL number")

        // Ed25519 has no separate digest: X509_CRL_sign must be given NULL, as X509_sign is.
        let md = issuerKey.algorithm == .ed25519 ? nil : Digests.sha256.md
        try check(X509_CRL_sign(crl, issuerKey.key, md) > 0, "signing failed")

        handedOver = true
        do {
            return try CertificateRevocationList(taking: crl)
        } catch {
            throw CryptoError(code: .issuanceFailed, message: error.message)
        }
    }

    /// Calls `set` with a temporary `ASN1_TIME` for `date`.
    private static func setTime(_ date: Date, _ set: (UnsafePointer<ASN1_TIME>) -> Int32) -> Bool {
        guard let time = ASN1_TIME_set(nil, time_t(date.timeIntervalSince1970)) else { return false }
        defer { ASN1_TIME_free(time) }
        return set(time) == 1
    }

    /// Appends an entry; `serial` is canonical hexadecimal.
    private static func addRevoked(_ crl: OpaquePointer, serial: String, date: Date) -> Bool {
        guard let entry = X509_REVOKED_new() else { return false }
        var number: OpaquePointer?
        guard BN_hex2bn(&number, serial) == serial.count, let number else {
            X509_REVOKED_free(entry)
            return false
        }
        defer { BN_free(number) }
        guard let integer = BN_to_ASN1_INTEGER(number, nil) else {
            X509_REVOKED_free(entry)
            return false
        }
        defer { ASN1_INTEGER_free(integer) }
        // Both setters copy; X509_CRL_add0_revoked takes ownership of the entry.
        guard X509_REVOKED_set_serialNumber(entry, integer) == 1,
              setTime(date, { X509_REVOKED_set_revocationDate(entry, UnsafeMutablePointer(mutating: $0)) }),
              X509_CRL_add0_revoked(crl, entry) == 1
        else {
            X509_REVOKED_free(entry)
            return false
        }
        return true
    }

    /// Adds the non-critical CRL number extension.
    private static func addNumber(_ crl: OpaquePointer, _ value: UInt64) -> Bool {
        guard let integer = ASN1_INTEGER_new() else { return false }
        defer { ASN1_INTEGER_free(integer) }
        return ASN1_INTEGER_set_uint64(integer, value) == 1
            && X509_CRL_add1_ext_i2d(crl, NID_crl_number, integer, 0, UInt(X509V3_ADD_DEFAULT)) == 1
    }
}
