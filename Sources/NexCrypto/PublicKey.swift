internal import COpenSSL

/// A public verification key: ECDSA P-256 or Ed25519.
///
/// Immutable; ``isValidSignature(_:for:)-(UnsafeRawBufferPointer,_)`` may run concurrently on one
/// instance from many threads (each call has its own `EVP_MD_CTX`; the digest is fetched once).
public final class PublicKey: @unchecked Sendable, Hashable {
    /// The owned `EVP_PKEY` (public part only).
    let key: OpaquePointer
    /// The key's algorithm.
    public let algorithm: SignatureAlgorithm
    /// The DER-encoded `SubjectPublicKeyInfo` ([RFC 5280 §4.1.2.7](https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.7)).
    public let subjectPublicKeyInfo: [UInt8]

    /// Parses a DER `SubjectPublicKeyInfo`.
    /// - Throws: `CryptoError.invalidKey` for malformed input or an unsupported algorithm.
    public convenience init(subjectPublicKeyInfo der: [UInt8]) throws(CryptoError) {
        OpenSSLErrorQueue.clear()
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            let key = d2i_PUBKEY(nil, &cursor, buffer.count)
            // Trailing bytes after the structure make the input invalid, not silently truncated.
            guard let key, cursor == buffer.baseAddress.map({ $0 + buffer.count }) else {
                EVP_PKEY_free(key)
                return nil
            }
            return key
        }
        guard let parsed else {
            throw CryptoError.openSSL(.invalidKey, "malformed SubjectPublicKeyInfo")
        }
        try self.init(taking: parsed)
    }

    /// Takes ownership of a public `EVP_PKEY`; frees it and throws if its algorithm is unsupported.
    init(taking key: OpaquePointer) throws(CryptoError) {
        guard let algorithm = KeyInspection.algorithm(of: key),
              let spki = KeyInspection.subjectPublicKeyInfo(of: key)
        else {
            EVP_PKEY_free(key)
            throw CryptoError(code: .invalidKey, message: "unsupported public key type (need EC P-256 or Ed25519)")
        }
        self.key = key
        self.algorithm = algorithm
        self.subjectPublicKeyInfo = spki
        self.digestVerifyTemplate = algorithm == .ecdsaP256SHA256 ? Self.makeDigestVerifyTemplate(key) : nil
    }

    deinit {
        if let digestVerifyTemplate { EVP_PKEY_CTX_free(digestVerifyTemplate) }
        EVP_PKEY_free(key)
    }

    /// ECDSA only: an `EVP_PKEY_CTX` set up once for verifying SHA-256 digests. Each verification
    /// duplicates it (cheap) instead of initialising a context (OpenSSL 3 fetches the algorithm
    /// from the provider store on every init). Never used for an operation itself, only read.
    private let digestVerifyTemplate: OpaquePointer?

    private static func makeDigestVerifyTemplate(_ key: OpaquePointer) -> OpaquePointer? {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        guard let context = EVP_PKEY_CTX_new(key, nil) else { return nil }
        guard EVP_PKEY_verify_init(context) == 1, EVP_PKEY_CTX_set_signature_md(context, Digests.sha256.md) == 1 else {
            EVP_PKEY_CTX_free(context)
            return nil
        }
        return context
    }

    /// Whether `signature` (ECDSA, DER) is valid for a message whose SHA-256 is `digest`. Lets a
    /// caller that needs the digest anyway hash the message once. Ed25519 signs messages, not
    /// digests: it returns false for Ed25519 keys. Thread-safe.
    ///
    /// Nothing reads OpenSSL's error queue here, so it is cleared only after a failure (which leaves
    /// errors on this thread's queue): the hot path, a valid signature, makes no `ERR_clear_error`
    /// call (each one looks up the thread's error state).
    public func isValidSignature(_ signature: [UInt8], forSHA256Digest digest: SHA256Digest) -> Bool {
        guard algorithm == .ecdsaP256SHA256, !signature.isEmpty, digest.bytes.count == 32 else { return false }
        let context: OpaquePointer?
        if let digestVerifyTemplate {
            context = EVP_PKEY_CTX_dup(digestVerifyTemplate)
        } else {
            context = Self.makeDigestVerifyTemplate(key)
        }
        guard let context else {
            OpenSSLErrorQueue.clear()
            return false
        }
        defer { EVP_PKEY_CTX_free(context) }
        let isValid = signature.withUnsafeBufferPointer { signatureBuffer in
            digest.bytes.withUnsafeBufferPointer { digestBuffer in
                EVP_PKEY_verify(context, signatureBuffer.baseAddress, signatureBuffer.count, digestBuffer.baseAddress, 32) == 1
            }
        }
        // A rejected signature leaves errors on this thread's queue; do not leak them to the next caller.
        if !isValid { OpenSSLErrorQueue.clear() }
        return isValid
    }

    /// SHA-256 of ``subjectPublicKeyInfo``: a stable identifier for the key.
    public var fingerprint: SHA256Digest { SHA256.hash(subjectPublicKeyInfo) }

    /// Whether `signature` is a valid signature by this key over `message`.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        signature.withUnsafeBytes { signatureBuffer in
            message.withUnsafeBytes { isValidSignature(signatureBuffer, for: $0) }
        }
    }

    /// Whether `signature` is a valid signature by this key over `message`. Thread-safe.
    public func isValidSignature(_ signature: UnsafeRawBufferPointer, for message: UnsafeRawBufferPointer) -> Bool {
        guard signature.count > 0, let signatureBase = signature.baseAddress else { return false }
        OpenSSLErrorQueue.clear()
        // A rejected signature leaves errors on this thread's queue; do not leak them to the next caller.
        defer { OpenSSLErrorQueue.clear() }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        let md = algorithm == .ed25519 ? nil : Digests.sha256.md
        guard EVP_DigestVerifyInit(context, nil, md, nil, key) == 1 else { return false }
        let base = KeyInspection.nonNullBase(message)
        return EVP_DigestVerify(context, signatureBase, signature.count, base, message.count) == 1
    }

    /// Keys are equal when their `SubjectPublicKeyInfo` encodings are.
    public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool {
        lhs.subjectPublicKeyInfo == rhs.subjectPublicKeyInfo
    }

    /// Hashes the `SubjectPublicKeyInfo` encoding.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(subjectPublicKeyInfo)
    }
}
