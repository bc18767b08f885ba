/// Lowercase hexadecimal encoding.
enum Hex {
    private static let alphabet = Array("0123456789abcdef".utf8)

    /// `bytes` as lowercase hexadecimal digits, two per byte.
    static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        bytes.withContiguousStorageIfAvailable(encode(contiguous:))
            ?? Array(bytes).withUnsafeBufferPointer(encode(contiguous:))
    }

    /// Writes the digits straight into the string's storage: one allocation, no per-byte append
    /// (fingerprints and digests are encoded for several audit records per notice).
    private static func encode(contiguous bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            alphabet.withUnsafeBufferPointer { digits in
                var write = 0
                for byte in bytes {
                    out[write] = digits[Int(byte >> 4)]
                    out[write + 1] = digits[Int(byte & 0x0f)]
                    write += 2
                }
                return write
            }
        }
    }
}
