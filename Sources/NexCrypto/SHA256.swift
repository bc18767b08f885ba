internal import COpenSSL

/// One-shot SHA-256 ([FIPS 180-4](https://csrc.nist.gov/pubs/fips/180-4/upd1/final)).
///
/// Safe to call from any thread. For hashing data in pieces use ``SHA256Hasher``. Like it, this does
/// not clear OpenSSL's error queue first: only an out-of-memory trap reads it.
public enum SHA256 {
    /// The SHA-256 digest of `bytes`.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> SHA256Digest {
        var out = [UInt8](repeating: 0, count: SHA256Digest.byteCount)
        var length: UInt32 = 0
        let status = out.withUnsafeMutableBufferPointer { digest in
            // EVP_Digest accepts a NULL pointer with length 0 (the empty message).
            EVP_Digest(bytes.baseAddress, bytes.count, digest.baseAddress, &length, Digests.sha256.md, nil)
        }
        // Only an out-of-memory condition can fail here; a wrong digest must never be returned.
        precondition(status == 1 && length == 32, "SHA-256 failed: \(OpenSSLErrorQueue.drain())")
        return SHA256Digest(bytes: out)!
    }

    /// The SHA-256 digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> SHA256Digest {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// The SHA-256 digest of `bytes`.
    public static func hash(_ bytes: ArraySlice<UInt8>) -> SHA256Digest {
        bytes.withUnsafeBytes { hash($0) }
    }
}
