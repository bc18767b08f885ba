internal import COpenSSL

#if canImport(Glibc)
import Glibc
#endif

/// A private signing key: ECDSA P-256 or Ed25519.
///
/// Immutable after initialisation; one instance may sign from many threads at once (each call uses
/// its own `EVP_MD_CTX`).
public final class PrivateKey: @unchecked Sendable {
    /// The owned `EVP_PKEY`.
    let key: OpaquePointer
    /// The key's algorithm.
    public let algorithm: SignatureAlgorithm
    /// The matching public key (a separate, public-only `EVP_PKEY`).
    public let publicKey: PublicKey

    /// Takes ownership of `key`; frees it and throws if its algorithm is unsupported.
    init(taking key: OpaquePointer) throws(CryptoError) {
        guard let algorithm = KeyInspection.algorithm(of: key) else {
            EVP_PKEY_free(key)
            throw CryptoError(code: .invalidKey, message: "unsupported private key type (need EC P-256 or Ed25519)")
        }
        guard let spki = KeyInspection.subjectPublicKeyInfo(of: key) else {
            EVP_PKEY_free(key)
            throw CryptoError.openSSL(.invalidKey, "cannot extract the public key")
        }
        do {
            self.publicKey = try PublicKey(subjectPublicKeyInfo: spki)
        } catch {
            EVP_PKEY_free(key)
            throw error
        }
        self.key = key
        self.algorithm = algorithm
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// Generates a fresh key.
    /// - Throws: `CryptoError.invalidKey` if OpenSSL cannot generate it.
    public static func generate(_ algorithm: SignatureAlgorithm) throws(CryptoError) -> PrivateKey {
        OpenSSLErrorQueue.clear()
        let providerName = algorithm == .ed25519 ? "ED25519" : "EC"
        guard let context = EVP_PKEY_CTX_new_from_name(nil, providerName, nil) else {
            throw CryptoError.openSSL(.invalidKey, "cannot create a \(algorithm.name) key generator")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else {
            throw CryptoError.openSSL(.invalidKey, "cannot initialise \(algorithm.name) key generation")
        }
        if algorithm == .ecdsaP256SHA256, EVP_PKEY_CTX_set_group_name(context, "P-256") != 1 {
            throw CryptoError.openSSL(.invalidKey, "cannot select curve P-256")
        }
        var key: OpaquePointer?
        guard EVP_PKEY_generate(context, &key) == 1, let key else {
            throw CryptoError.openSSL(.invalidKey, "\(algorithm.name) key generation failed")
        }
        return try PrivateKey(taking: key)
    }

    /// Loads a PEM private key (PKCS#8 or traditional `EC PRIVATE KEY`, unencrypted) from a file.
    /// - Throws: `CryptoError.fileUnreadable` or `.invalidKey`.
    public convenience init(pemFile path: String) throws(CryptoError) {
        try Self.checkPrivate(path)
        let bytes = try FileBytes.read(path)
        do {
            try self.init(pem: bytes)
        } catch {
            throw CryptoError(code: error.code, message: "\(path): \(error.message)")
        }
    }

    /// Refuses a key file that its group or others may read or write: a private key must be 0600
    /// (or stricter), like ssh's keys.
    static func checkPrivate(_ path: String) throws(CryptoError) {
        var status = stat()
        guard stat(path, &status) == 0 else { return }  // unreadable: FileBytes.read reports it
        let mode = status.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw CryptoError(code: .fileUnreadable,
                              message: "private key \(path) is accessible by group or others (mode \(String(mode, radix: 8))); run chmod 600 \(path)")
        }
    }

    /// Parses a PEM private key (PKCS#8 or traditional `EC PRIVATE KEY`, unencrypted).
    /// - Throws: `CryptoError.invalidKey` if no supported key can be read.
    public convenience init(pem: [UInt8]) throws(CryptoError) {
        OpenSSLErrorQueue.clear()
        // A NULL password callback with NULL userdata would prompt on the terminal for an encrypted
        // key; an empty password makes encrypted keys fail instead.
        let parsed = MemoryBIO.reading(pem) { bio in
            PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let parsed, let key = parsed else {
            throw CryptoError.openSSL(.invalidKey, "no readable unencrypted private key in PEM input")
        }
        try self.init(taking: key)
    }

    /// The key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    /// - Throws: `CryptoError.invalidKey` if OpenSSL cannot encode it.
    public func pemEncoded() throws(CryptoError) -> String {
        OpenSSLErrorQueue.clear()
        let bytes = MemoryBIO.collecting { bio in
            PEM_write_bio_PrivateKey(bio, key, nil, nil, 0, nil, nil) == 1
        }
        guard let bytes else { throw CryptoError.openSSL(.invalidKey, "cannot encode private key") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Signs `message`: ECDSA hashes with SHA-256 and returns a DER signature; Ed25519 returns 64 bytes.
    /// - Throws: `CryptoError.signingFailed`.
    public func signature(for message: [UInt8]) throws(CryptoError) -> [UInt8] {
        let result = message.withUnsafeBytes { buffer in
            Result { () throws(CryptoError) -> [UInt8] in try signature(for: buffer) }
        }
        return try result.get()
    }

    /// Signs `message`: ECDSA hashes with SHA-256 and returns a DER signature; Ed25519 returns 64 bytes.
    /// - Throws: `CryptoError.signingFailed`.
    public func signature(for message: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard let context = EVP_MD_CTX_new() else {
            throw CryptoError.openSSL(.signingFailed, "out of memory")
        }
        defer { EVP_MD_CTX_free(context) }
        // Ed25519 is a one-shot scheme with its own internal hash: the digest must be NULL.
        let md = algorithm == .ed25519 ? nil : Digests.sha256.md
        guard EVP_DigestSignInit(context, nil, md, nil, key) == 1 else {
            throw CryptoError.openSSL(.signingFailed, "cannot initialise \(algorithm.name) signing")
        }
        let base = KeyInspection.nonNullBase(message)
        var length = 0
        guard EVP_DigestSign(context, nil, &length, base, message.count) == 1 else {
            throw CryptoError.openSSL(.signingFailed, "cannot size \(algorithm.name) signature")
        }
        var out = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &out, &length, base, message.count) == 1 else {
            throw CryptoError.openSSL(.signingFailed, "\(algorithm.name) signing failed")
        }
        // ECDSA DER signatures are variable-length: the first call gives the maximum.
        out.removeSubrange(length...)
        return out
    }
}
