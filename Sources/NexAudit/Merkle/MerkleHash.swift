import NexCrypto

/// RFC 6962 §2.1 hashing: leaves and interior nodes use distinct one-byte prefixes so a leaf can
/// never be passed off as a node (second-preimage resistance).
///
/// <https://www.rfc-editor.org/rfc/rfc6962#section-2.1>
public enum MerkleHash {
    /// The root of the empty tree: SHA-256 of the empty string.
    public static let emptyRoot = SHA256.hash([UInt8]())

    /// `SHA-256(0x00 ‖ data)`.
    public static func leaf(_ data: some Collection<UInt8>) -> SHA256Digest {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(data.count + 1)
        buffer.append(0)
        buffer.append(contentsOf: data)
        return SHA256.hash(buffer)
    }

    /// `SHA-256(0x01 ‖ left ‖ right)`.
    public static func node(_ left: SHA256Digest, _ right: SHA256Digest) -> SHA256Digest {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(65)
        buffer.append(1)
        buffer.append(contentsOf: left.bytes)
        buffer.append(contentsOf: right.bytes)
        return SHA256.hash(buffer)
    }

    /// MTH(D[range]) over leaf hashes, computed from scratch (RFC 6962 §2.1).
    public static func root(of leaves: ArraySlice<SHA256Digest>) -> SHA256Digest {
        switch leaves.count {
        case 0: return emptyRoot
        case 1: return leaves[leaves.startIndex]
        default:
            let split = leaves.startIndex + largestPowerOfTwo(below: leaves.count)
            return node(root(of: leaves[leaves.startIndex..<split]), root(of: leaves[split...]))
        }
    }

    /// The largest power of two strictly smaller than `n` (n ≥ 2).
    static func largestPowerOfTwo(below n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }
}
