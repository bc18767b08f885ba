internal import COpenSSL
import Foundation

/// An X.509 certificate ([RFC 5280](https://www.rfc-editor.org/rfc/rfc5280)) whose key is ECDSA
/// P-256 or Ed25519.
///
/// Immutable; every field is decoded once at initialisation, so an instance is safe to share.
/// Equality and hashing use the DER encoding.
public final class Certificate: @unchecked Sendable, Hashable {
    /// The owned `X509`.
    let x509: OpaquePointer
    /// The DER encoding.
    public let derBytes: [UInt8]
    /// SHA-256 of ``derBytes``, the usual certificate fingerprint.
    public let fingerprint: SHA256Digest
    /// The subject's public key.
    public let publicKey: PublicKey

    /// Takes ownership of `x509`; frees it and throws if it cannot be encoded or has an unsupported key.
    init(taking x509: OpaquePointer) throws(CryptoError) {
        let length = i2d_X509(x509, nil)
        var der = [UInt8](repeating: 0, count: max(Int(length), 0))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_X509(x509, &cursor)
        }
        guard length > 0, written == length else {
            X509_free(x509)
            throw CryptoError.openSSL(.invalidCertificate, "cannot DER-encode certificate")
        }
        // X509_get_pubkey returns a new reference, owned by the PublicKey from here on.
        guard let key = X509_get_pubkey(x509) else {
            X509_free(x509)
            throw CryptoError.openSSL(.invalidCertificate, "certificate has an unreadable public key")
        }
        do {
            self.publicKey = try PublicKey(taking: key)
        } catch {
            X509_free(x509)
            throw CryptoError(code: .invalidCertificate, message: "certificate: \(error.message)")
        }
        self.x509 = x509
        self.derBytes = der
        self.fingerprint = SHA256.hash(der)
    }

    deinit {
        X509_free(x509)
    }

    /// Parses one DER-encoded certificate; trailing bytes are an error.
    /// - Throws: `CryptoError.invalidCertificate`.
    public convenience init(der: [UInt8]) throws(CryptoError) {
        OpenSSLErrorQueue.clear()
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            guard let x509 = d2i_X509(nil, &cursor, buffer.count) else { return nil }
            guard cursor == buffer.baseAddress.map({ $0 + buffer.count }) else {
                X509_free(x509)
                return nil
            }
            return x509
        }
        guard let parsed else {
            throw CryptoError.openSSL(.invalidCertificate, "malformed DER certificate")
        }
        try self.init(taking: parsed)
    }

    /// Parses the first certificate in PEM input.
    /// - Throws: `CryptoError.invalidCertificate` if there is none or it is malformed.
    public convenience init(pem: [UInt8]) throws(CryptoError) {
        OpenSSLErrorQueue.clear()
        let parsed = MemoryBIO.reading(pem) { bio in PEM_read_bio_X509(bio, nil, nil, nil) }
        guard let parsed, let x509 = parsed else {
            throw CryptoError.openSSL(.invalidCertificate, "no readable certificate in PEM input")
        }
        try self.init(taking: x509)
    }

    /// Every certificate in PEM input, in order.
    /// - Throws: `CryptoError.invalidCertificate` if there is none or one is malformed.
    public static func certificates(pem: [UInt8]) throws(CryptoError) -> [Certificate] {
        OpenSSLErrorQueue.clear()
        var failure: CryptoError?
        let parsed = MemoryBIO.reading(pem) { bio -> [Certificate] in
            var found: [Certificate] = []
            while let x509 = PEM_read_bio_X509(bio, nil, nil, nil) {
                do throws(CryptoError) {
                    found.append(try Certificate(taking: x509))
                } catch {
                    failure = error
                    return found
                }
            }
            // The loop ends with "no start line" at the end of input; anything else is a bad block.
            let last = ERR_peek_last_error()
            if !(ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE) {
                failure = CryptoError.openSSL(.invalidCertificate, "malformed certificate #\(found.count + 1) in PEM input")
            }
            OpenSSLErrorQueue.clear()
            return found
        } ?? []
        if let failure { throw failure }
        guard !parsed.isEmpty else {
            throw CryptoError(code: .invalidCertificate, message: "no certificate in PEM input")
        }
        return parsed
    }

    /// Every certificate in a PEM file, in order.
    /// - Throws: `CryptoError.fileUnreadable`, or `.invalidCertificate` naming the file.
    public static func certificates(pemFile path: String) throws(CryptoError) -> [Certificate] {
        let bytes = try FileBytes.read(path)
        do {
            return try certificates(pem: bytes)
        } catch {
            throw CryptoError(code: error.code, message: "\(path): \(error.message)")
        }
    }

    /// The certificate as a PEM block (`-----BEGIN CERTIFICATE-----`).
    public func pemEncoded() -> String {
        PEM.encode(derBytes, label: "CERTIFICATE")
    }

    /// Whether this certificate's signature verifies with `issuer`'s public key (`X509_verify`).
    ///
    /// Checks the signature only: not names, validity or CA constraints.
    public func isSigned(by issuer: Certificate) -> Bool {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        return X509_verify(x509, issuer.publicKey.key) == 1
    }

    /// Certificates are equal when their DER encodings are.
    public static func == (lhs: Certificate, rhs: Certificate) -> Bool {
        lhs.derBytes == rhs.derBytes
    }

    /// Hashes the DER encoding.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(derBytes)
    }
}
