import NexCrypto
import NexWire

/// How the audit log records batch signatures from format 6 on (D74, docs/AUDIT.md §Batch
/// signatures): the root signature once, in a `batch` record; each accepted notice's envelope with
/// the root signature cut out, bound to that record by its claim.
extension EnvelopeBatch.Claim {
    /// The claim's key: `SHA-256(certificate fingerprint ‖ header)`. A `batch` record and the
    /// notices bound to it share it; the signature is not part of it (any valid one vouches).
    public func recordKey(certificate fingerprint: SHA256Digest) -> SHA256Digest {
        let hasher = SHA256Hasher()
        hasher.update(fingerprint.bytes)
        hasher.update(header)
        return hasher.finalize()
    }

    /// The `batch` record of this claim, by `node` (its certificate `fingerprint`) on `connection`.
    public func auditEvent(node: String, certificate fingerprint: SHA256Digest, connection: UInt64?, timeMillis: Int64) -> AuditEvent {
        var event = AuditEvent(.batch, timeMillis: timeMillis)
        event.connection = connection
        event.node = node
        event.certificateFingerprint = fingerprint.hex
        event.batchSize = batchSize
        event.batchRoot = root.hex
        event.restrictionsDigest = restrictionsDigest.hex
        event.batchSignature = rootSignature
        return event
    }
}

extension EnvelopeBatch {
    /// The envelope as the audit log stores it: the seal with an empty root signature.
    public static func storedWireBytes(of signed: SignedEnvelope, seal: BatchSeal) -> [UInt8] {
        signed.wireBytes(sealedWith: seal, rootSignature: [])
    }

    /// The claim of a `batch` record (its `size`, `root`, `restrictionsDigest`, `signature`), or nil
    /// when one of them is missing or malformed.
    public static func claim(ofBatchRecord record: AuditRecord) -> Claim? {
        guard let size = record.integer("size"), size >= 1, size <= Int64(BatchSeal.maximumBatchSize),
              let root = record.string("root").flatMap(SHA256Digest.init(hex:)),
              let restrictions = record.string("restrictionsDigest").flatMap(SHA256Digest.init(hex:)),
              let signature = record.base64("signature") else { return nil }
        return Claim(batchSize: UInt32(size), root: root, restrictionsDigest: restrictions, rootSignature: signature)
    }

    /// A stored batch-signed envelope (format 6): its seal, parsed with the root signature allowed
    /// empty, and the claim its proof makes (with that signature: empty when stored as nexd does).
    /// - Throws: `WireError` when the seal does not parse; nil when the proof leads to no root.
    public static func storedClaim(of signed: SignedEnvelope, digest: SHA256Digest) throws(WireError) -> (seal: BatchSeal, claim: Claim)? {
        let seal = try BatchSeal(parsing: signed.signature, allowsEmptyRootSignature: true)
        guard let claim = claim(of: signed, seal: seal, digest: digest) else { return nil }
        return (seal, claim)
    }

    /// Whether a `batch` record's signature verifies with `key`, whose algorithm must be one a
    /// batch may use (ECDSA P-256: a DER signature of at most 72 bytes; Ed25519: 64 bytes).
    public static func isAuthentic(_ claim: Claim, key: PublicKey) -> Bool {
        let fits = switch key.algorithm.rawValue {
        case Envelope.SignatureAlgorithm.ed25519: claim.rootSignature.count == 64
        default: !claim.rootSignature.isEmpty && claim.rootSignature.count <= 72
        }
        return fits && key.isValidSignature(claim.rootSignature, for: claim.header)
    }
}

extension EnvelopeBatch {
    /// Whether a record line is a `batch` record, read from its bytes without a parse.
    public static func isBatchRecord(_ line: ArraySlice<UInt8>) -> Bool {
        LineScan.event(of: line)?.elementsEqual("batch".utf8) == true
    }
}
