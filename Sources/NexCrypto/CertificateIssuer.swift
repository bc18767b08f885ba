internal import COpenSSL
import Foundation

/// Makes certificates in process, for the development PKI and tests (no `openssl` command).
///
/// Serial numbers are 16 random bytes. ECDSA issuers sign with SHA-256; Ed25519 issuers sign
/// with the pure Ed25519 scheme.
public enum CertificateIssuer {
    /// A self-signed certificate for `key` (typically a root CA).
    /// - Throws: `CryptoError.issuanceFailed` with OpenSSL's reason.
    public static func selfSigned(_ profile: CertificateProfile, key: PrivateKey) throws(CryptoError) -> Certificate {
        try build(profile, subjectKey: key.publicKey, issuer: nil, signingKey: key)
    }

    /// A certificate for `subjectKey` signed by `issuer`, whose private key is `issuerKey`.
    /// - Throws: `CryptoError.issuanceFailed` if `issuerKey` does not match `issuer` or OpenSSL fails.
    public static func issue(
        _ profile: CertificateProfile,
        for subjectKey: PublicKey,
        issuer: Certificate,
        issuerKey: PrivateKey
    ) throws(CryptoError) -> Certificate {
        OpenSSLErrorQueue.clear()
        guard X509_check_private_key(issuer.x509, issuerKey.key) == 1 else {
            throw CryptoError.openSSL(
                .issuanceFailed, "issuer key does not match issuer certificate \(issuer.subjectDescription)")
        }
        return try build(profile, subjectKey: subjectKey, issuer: issuer, signingKey: issuerKey)
    }

    private static func build(
        _ profile: CertificateProfile,
        subjectKey: PublicKey,
        issuer: Certificate?,
        signingKey: PrivateKey
    ) throws(CryptoError) -> Certificate {
        guard profile.notValidBefore <= profile.notValidAfter else {
            throw CryptoError(code: .issuanceFailed, message: "validity ends before it starts")
        }
        if let usage = profile.extendedKeyUsage, usage.isEmpty {
            throw CryptoError(code: .issuanceFailed, message: "extended key usage must name a purpose, or be nil")
        }
        let subjectAltName = try profile.subjectAltNameValue()

        OpenSSLErrorQueue.clear()
        guard let x509 = X509_new() else { throw CryptoError.openSSL(.issuanceFailed, "out of memory") }
        var handedOver = false
        defer { if !handedOver { X509_free(x509) } }

        func check(_ ok: Bool, _ what: @autoclosure () -> String) throws(CryptoError) {
            if !ok { throw CryptoError.openSSL(.issuanceFailed, "\(what()) (\(profile.subjectCommonName))") }
        }

        try check(X509_set_version(x509, Int(X509_VERSION_3)) == 1, "cannot set version")
        try check(setRandomSerial(x509), "cannot set serial number")
        let subjectName = try makeName(profile)
        defer { X509_NAME_free(subjectName) }
        try check(X509_set_subject_name(x509, subjectName) == 1, "cannot set subject name")
        let issuerName = issuer.map { X509_get_subject_name($0.x509) } ?? subjectName
        try check(X509_set_issuer_name(x509, issuerName) == 1, "cannot set issuer name")
        try check(ASN1_TIME_set(X509_getm_notBefore(x509), time_t(profile.notValidBefore.timeIntervalSince1970)) != nil,
                  "cannot set notBefore")
        try check(ASN1_TIME_set(X509_getm_notAfter(x509), time_t(profile.notValidAfter.timeIntervalSince1970)) != nil,
                  "cannot set notAfter")
        try check(X509_set_pubkey(x509, subjectKey.key) == 1, "cannot set public key")

        var context = X509V3_CTX()
        // For a self-signed certificate the issuer is the certificate being built.
        X509V3_set_ctx(&context, issuer?.x509 ?? x509, x509, nil, nil, 0)
        func add(_ nid: Int32, _ value: String) throws(CryptoError) {
            guard let extensionValue = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw CryptoError.openSSL(.issuanceFailed, "cannot build extension \(value) (\(profile.subjectCommonName))")
            }
            defer { X509_EXTENSION_free(extensionValue) }
            try check(X509_add_ext(x509, extensionValue, -1) == 1, "cannot add extension \(value)")
        }
        if profile.isCertificateAuthority {
            try add(NID_basic_constraints, "critical,CA:TRUE")
            try add(NID_key_usage, "critical,keyCertSign,cRLSign")
        } else {
            try add(NID_basic_constraints, "CA:FALSE")
            try add(NID_key_usage, "critical,digitalSignature")
        }
        // The subject key identifier must exist before a self-signed authority key identifier reads it.
        try add(NID_subject_key_identifier, "hash")
        if issuer != nil {
            try add(NID_authority_key_identifier, "keyid:always")
        }
        if let usage = profile.extendedKeyUsage {
            try add(NID_ext_key_usage, usage.confValue)
        }
        if let subjectAltName {
            try add(NID_subject_alt_name, subjectAltName)
        }

        // Ed25519 has no separate digest: X509_sign must be given NULL.
        let md = signingKey.algorithm == .ed25519 ? nil : Digests.sha256.md
        try check(X509_sign(x509, signingKey.key, md) > 0, "signing failed")

        handedOver = true
        do {
            return try Certificate(taking: x509)
        } catch {
            throw CryptoError(code: .issuanceFailed, message: error.message)
        }
    }

    /// Sets a positive 16-byte random serial number.
    private static func setRandomSerial(_ x509: OpaquePointer) -> Bool {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&bytes, Int32(bytes.count)) == 1 else { return false }
        // Top bit clear keeps the INTEGER positive; bit 6 set keeps it exactly 16 bytes long.
        bytes[0] = bytes[0] & 0x7f | 0x40
        guard let number = BN_bin2bn(bytes, Int32(bytes.count), nil) else { return false }
        defer { BN_free(number) }
        guard let serial = BN_to_ASN1_INTEGER(number, nil) else { return false }
        defer { ASN1_INTEGER_free(serial) }
        return X509_set_serialNumber(x509, serial) == 1
    }

    /// A new `X509_NAME` with O (if any) then CN; the caller frees it.
    private static func makeName(_ profile: CertificateProfile) throws(CryptoError) -> OpaquePointer {
        guard let name = X509_NAME_new() else { throw CryptoError.openSSL(.issuanceFailed, "out of memory") }
        let entries = [("O", profile.organization), ("CN", profile.subjectCommonName)]
        for case let (field, value?) in entries {
            let bytes = Array(value.utf8)
            guard X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, bytes, Int32(bytes.count), -1, 0) == 1 else {
                X509_NAME_free(name)
                throw CryptoError.openSSL(.issuanceFailed, "cannot set \(field)=\(value)")
            }
        }
        return name
    }
}
