/// What authenticates a **batch-signed** envelope (capability `batch.1`, docs/PROTOCOL.md §3 "Batch
/// signatures", D73): the envelope's place in a batch its originator signed once.
///
/// An envelope whose `signatureAlgorithm` is a batch algorithm (``Envelope/SignatureAlgorithm``
/// `ecdsaP256SHA256Batch` 3, `ed25519Batch` 4) carries a seal where a single envelope carries its
/// signature (the envelope's `bytes16` signature field):
///
/// ```
/// u32 batchSize        1 … maximumBatchSize
/// u32 leafIndex        < batchSize
/// u8  pathCount        the RFC 6962 audit path length of (leafIndex, batchSize)
/// pathCount × 32       the audit path, leaf to root
/// bytes16 rootSignature the originator's signature over the batch header (``header(batchSize:root:restrictionsDigest:)``)
/// ```
///
/// Leaf `i` of the batch is `SHA-256(0x00 ‖ SHA-256(Envelope.signingDomain ‖ body_i))`: the hash of
/// the envelope's digest (the digest a single signature would sign, the audit log's `digest`), so
/// the body is hashed once for both. Pure: hashing and signatures are the verifiers' (NexAudit).
public struct BatchSeal: Sendable, Equatable {
    /// How many envelopes the batch holds.
    public let batchSize: UInt32
    /// This envelope's leaf, from 0.
    public let leafIndex: UInt32
    /// The audit path from this leaf to the root (32-byte hashes, leaf to root).
    public let path: [[UInt8]]
    /// The originator's signature over the batch header.
    public let rootSignature: [UInt8]

    /// The largest batch (a path of at most 12 hashes).
    public static let maximumBatchSize: UInt32 = 4096

    /// The domain-separation prefix of the batch header: `"NoticeExchange" 0x00 "v1" 0x00 "batch"`
    /// (23 bytes), so a batch signature is never valid as an envelope's or a checkpoint's.
    public static let signingDomain: [UInt8] = Array("NoticeExchange".utf8) + [0] + Array("v1".utf8) + [0] + Array("batch".utf8)

    public init(batchSize: UInt32, leafIndex: UInt32, path: [[UInt8]], rootSignature: [UInt8]) {
        self.batchSize = batchSize
        self.leafIndex = leafIndex
        self.path = path
        self.rootSignature = rootSignature
    }

    /// The bytes the originator signs once per batch: `signingDomain ‖ u32 batchSize ‖ root (32) ‖
    /// restrictionsDigest (32)`. The restrictions digest (of ``Envelope/encodedRestrictions()``)
    /// makes every notice of a batch carry the same restrictions: a notice with others would need
    /// a signature over another header.
    public static func header(batchSize: UInt32, root: [UInt8], restrictionsDigest: [UInt8]) -> [UInt8] {
        precondition(root.count == 32 && restrictionsDigest.count == 32, "32-byte hashes")
        var out = signingDomain
        out.reserveCapacity(signingDomain.count + 4 + 64)
        out.writeU32(batchSize)
        out.append(contentsOf: root)
        out.append(contentsOf: restrictionsDigest)
        return out
    }

    /// The RFC 6962 audit path length of leaf `index` in a tree of `size` leaves (0 for one leaf).
    public static func pathLength(index: UInt32, size: UInt32) -> Int {
        var index = index, size = size, length = 0
        while size > 1 {
            var split: UInt32 = 1
            while split << 1 < size { split <<= 1 }   // the largest power of two below size
            if index < split { size = split } else { index -= split; size -= split }
            length += 1
        }
        return length
    }

    /// The seal's bytes (the envelope's signature field).
    public var encoded: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(9 + 32 * path.count + 2 + rootSignature.count)
        out.writeU32(batchSize)
        out.writeU32(leafIndex)
        out.writeU8(UInt8(path.count))
        for hash in path { out.append(contentsOf: hash) }
        out.writeBytes16(rootSignature)
        return out
    }

    /// Parses a seal, checking its structure: a batch of 1 … ``maximumBatchSize``, the index inside
    /// it, the path exactly as long as the index and size require, a non-empty root signature
    /// (empty allowed with `allowsEmptyRootSignature`: the audit log's stored form, format 6).
    /// - Throws: `WireError` `.malformedEnvelope` naming what is wrong.
    public init(parsing bytes: [UInt8], allowsEmptyRootSignature: Bool = false) throws(WireError) {
        let result = bytes.withUnsafeBytes { raw -> Result<BatchSeal, WireError> in
            var reader = WireReader(raw, context: "batch seal", code: .malformedEnvelope)
            do throws(WireError) {
                let size = try reader.readU32("batchSize")
                let index = try reader.readU32("leafIndex")
                guard size >= 1, size <= Self.maximumBatchSize else {
                    throw reader.error("batch size \(size) is outside 1…\(Self.maximumBatchSize)")
                }
                guard index < size else { throw reader.error("leaf index \(index) is not inside the batch of \(size)") }
                let count = Int(try reader.readU8("pathCount"))
                let expected = Self.pathLength(index: index, size: size)
                guard count == expected else {
                    throw reader.error("the path of leaf \(index) of \(size) has \(expected) hashes, not \(count)")
                }
                var path: [[UInt8]] = []
                path.reserveCapacity(count)
                for _ in 0..<count { path.append(try reader.readFixed(32, "path")) }
                let signature = try reader.readBytes16("rootSignature")
                guard !signature.isEmpty || allowsEmptyRootSignature else { throw reader.error("the root signature is empty") }
                try reader.expectEnd()
                return .success(BatchSeal(batchSize: size, leafIndex: index, path: path, rootSignature: signature))
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }
}

extension Envelope.SignatureAlgorithm {
    /// ECDSA P-256 with SHA-256 over a batch header: the signature field is a ``BatchSeal``.
    public static let ecdsaP256SHA256Batch: UInt8 = 3
    /// Ed25519 over a batch header: the signature field is a ``BatchSeal``.
    public static let ed25519Batch: UInt8 = 4

    /// Whether `value` is a batch algorithm (3 or 4).
    public static func isBatch(_ value: UInt8) -> Bool { value == ecdsaP256SHA256Batch || value == ed25519Batch }

    /// The key algorithm (1 or 2) of a batch algorithm, or `value` itself.
    public static func keyAlgorithm(of value: UInt8) -> UInt8 { isBatch(value) ? value - 2 : value }

    /// The batch algorithm of a key algorithm (1 → 3, 2 → 4).
    public static func batch(of keyAlgorithm: UInt8) -> UInt8 { keyAlgorithm + 2 }
}

extension Envelope {
    /// The four restriction lists as the body encodes them (`list16<str16>` each, in body order):
    /// what a batch header's restrictions digest is taken over.
    public func encodedRestrictions() -> [UInt8] {
        var out: [UInt8] = []
        out.writeStringList(allowedCountries)
        out.writeStringList(deniedCountries)
        out.writeStringList(allowedNodes)
        out.writeStringList(deniedNodes)
        return out
    }
}

extension SignedEnvelope {
    /// The wire bytes of this batch-signed envelope with its seal's root signature replaced by
    /// `rootSignature`: the body as it is, `seal` re-encoded. An empty `rootSignature` gives the
    /// form the audit log stores from format 6 on (docs/AUDIT.md §Batch signatures); the batch
    /// record's signature gives back the envelope its originator sent.
    public func wireBytes(sealedWith seal: BatchSeal, rootSignature: [UInt8]) -> [UInt8] {
        let resealed = BatchSeal(batchSize: seal.batchSize, leafIndex: seal.leafIndex, path: seal.path, rootSignature: rootSignature)
        var out = body
        out.writeBytes16(resealed.encoded)
        return out
    }

    /// The seal of a batch-signed envelope (nil for a single signature). Its root signature must
    /// have its algorithm's size: at most 72 bytes (a DER ECDSA P-256 signature) for 3, exactly 64
    /// for 4 (Ed25519).
    /// - Throws: `WireError` `.malformedEnvelope` for a batch algorithm whose seal does not parse.
    public func batchSeal() throws(WireError) -> BatchSeal? {
        let algorithm = envelope.signatureAlgorithm
        guard Envelope.SignatureAlgorithm.isBatch(algorithm) else { return nil }
        let seal = try BatchSeal(parsing: signature)
        let length = seal.rootSignature.count
        let fits = algorithm == Envelope.SignatureAlgorithm.ed25519Batch ? length == 64 : length <= 72
        guard fits else {
            throw WireError(.malformedEnvelope, "batch seal: a root signature of \(length) bytes does not fit algorithm \(algorithm) (\(algorithm == Envelope.SignatureAlgorithm.ed25519Batch ? "64 bytes" : "at most 72 bytes"))")
        }
        return seal
    }
}
