internal import COpenSSL

/// Incremental SHA-256, for hashing `prefix ‖ data` without copying into one buffer.
///
/// Not thread-safe: confine an instance to one thread or queue. ``finalize()`` returns the digest and
/// resets the hasher, so an instance can be reused.
///
/// SHA-256 fails only when memory runs out, and then traps: the error queue is drained into the
/// trap's message but not cleared before each call (a clear per update costs more than the update
/// of a short input; the audit writer and the verification pool hash several times per notice).
public final class SHA256Hasher {
    /// The owned `EVP_MD_CTX`.
    private let context: OpaquePointer

    /// Creates a hasher for an empty message.
    public init() {
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        self.context = context
        reset()
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// Appends `bytes` to the message.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        let status = EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
        precondition(status == 1, "SHA-256 update failed: \(OpenSSLErrorQueue.drain())")
    }

    /// Appends `bytes` to the message.
    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Appends `bytes` to the message.
    public func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Returns the digest of everything appended since creation or the last `finalize()`, then resets.
    public func finalize() -> SHA256Digest {
        var out = [UInt8](repeating: 0, count: SHA256Digest.byteCount)
        var length: UInt32 = 0
        let status = EVP_DigestFinal_ex(context, &out, &length)
        precondition(status == 1 && length == 32, "SHA-256 final failed: \(OpenSSLErrorQueue.drain())")
        reset()
        return SHA256Digest(bytes: out)!
    }

    private func reset() {
        let status = EVP_DigestInit_ex(context, Digests.sha256.md, nil)
        precondition(status == 1, "SHA-256 init failed: \(OpenSSLErrorQueue.drain())")
    }
}
