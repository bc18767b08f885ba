internal import COpenSSL

/// Classifying `EVP_PKEY` values into ``SignatureAlgorithm``.
enum KeyInspection {
    /// The algorithm of `key`, or `nil` for anything other than Ed25519 or EC on P-256.
    static func algorithm(of key: OpaquePointer) -> SignatureAlgorithm? {
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_ED25519:
            return .ed25519
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1 else { return nil }
            let group = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return ["prime256v1", "P-256", "secp256r1"].contains(group) ? .ecdsaP256SHA256 : nil
        default:
            return nil
        }
    }

    /// The DER `SubjectPublicKeyInfo` of `key`, or `nil` if it cannot be encoded.
    static func subjectPublicKeyInfo(of key: OpaquePointer) -> [UInt8]? {
        let length = i2d_PUBKEY(key, nil)
        guard length > 0 else { return nil }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_PUBKEY(key, &cursor)
        }
        return written == length ? out : nil
    }

    /// The base address of `bytes`, or a valid dummy address for an empty buffer.
    ///
    /// Some OpenSSL entry points (`BIO_new_mem_buf`, one-shot signatures) reject a NULL pointer even
    /// with length 0. The dummy is never read because the length passed with it is 0.
    static func nonNullBase(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawPointer {
        bytes.baseAddress ?? UnsafeRawPointer(emptyBufferBase)
    }

    /// One byte, allocated once and never freed, that empty buffers point at.
    nonisolated(unsafe) private static let emptyBufferBase = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
}
