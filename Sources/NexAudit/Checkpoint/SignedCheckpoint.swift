import NexCrypto

/// A signed tree head: the audit log's Merkle tree of `treeSize` records had root `rootHash` at
/// `timeMillis`, signed with the audit key.
///
/// Checkpoints are what nodes keep as witnesses: a later log must extend every checkpoint ever
/// handed out. The signed bytes have their own domain separator (``signingDomain``), so a
/// checkpoint signature is never valid as an envelope signature or the other way round.
/// Formats: ``encoded()`` (binary, for wire frames), ``jsonText()`` (witness files), docs/AUDIT.md.
public struct SignedCheckpoint: Sendable, Equatable {
    /// `"NoticeExchange" 0x00 "v1" 0x00 "checkpoint"` (28 bytes).
    public static let signingDomain: [UInt8] = Array("NoticeExchange\u{0}v1\u{0}checkpoint".utf8)
    /// `"NoticeExchange" 0x00 "v1" 0x00 "crash-seal"` (28 bytes): a crash seal's signature covers its
    /// label too, so a seal cannot pass for a plain checkpoint nor a plain one for a seal.
    public static let crashSealSigningDomain: [UInt8] = Array("NoticeExchange\u{0}v1\u{0}crash-seal".utf8)
    /// Version byte of ``encoded()``.
    public static let encodingVersion: UInt8 = 1

    /// Number of records the tree covers (records 1…treeSize).
    public let treeSize: UInt64
    /// RFC 6962 root of those records' leaves.
    public let rootHash: SHA256Digest
    /// When the checkpoint was made, Unix milliseconds.
    public let timeMillis: Int64
    /// SHA-256 of the audit certificate's DER: which key signed it.
    public let certificateFingerprint: SHA256Digest
    /// The signature over ``signingBytes`` (DER ECDSA or Ed25519).
    public let signature: [UInt8]
    /// For a crash seal (a `checkpoint` record with reason `sealed-after-crash`): the first record it
    /// seals, which its signature covers. `nil` for a plain checkpoint. Crash seals are never handed
    /// out as witnesses.
    public let sealedFrom: UInt64?

    /// Creates a checkpoint from its parts (no check; see ``isValid(signedBy:)``).
    public init(treeSize: UInt64, rootHash: SHA256Digest, timeMillis: Int64, certificateFingerprint: SHA256Digest, signature: [UInt8],
                sealedFrom: UInt64? = nil) {
        self.sealedFrom = sealedFrom
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.timeMillis = timeMillis
        self.certificateFingerprint = certificateFingerprint
        self.signature = signature
    }

    /// `signingDomain ‖ u64 treeSize ‖ root (32) ‖ i64 timeMillis`, integers big-endian.
    public static func signingBytes(treeSize: UInt64, rootHash: SHA256Digest, timeMillis: Int64) -> [UInt8] {
        var bytes = signingDomain
        bytes.reserveCapacity(signingDomain.count + 48)
        appendBigEndian(treeSize, to: &bytes)
        bytes.append(contentsOf: rootHash.bytes)
        appendBigEndian(UInt64(bitPattern: timeMillis), to: &bytes)
        return bytes
    }

    /// `crashSealSigningDomain ‖ u64 treeSize ‖ root (32) ‖ i64 timeMillis ‖ u64 sealedFrom`,
    /// integers big-endian.
    public static func crashSealSigningBytes(treeSize: UInt64, rootHash: SHA256Digest, timeMillis: Int64, sealedFrom: UInt64) -> [UInt8] {
        var bytes = crashSealSigningDomain
        appendBigEndian(treeSize, to: &bytes)
        bytes.append(contentsOf: rootHash.bytes)
        appendBigEndian(UInt64(bitPattern: timeMillis), to: &bytes)
        appendBigEndian(sealedFrom, to: &bytes)
        return bytes
    }

    /// The bytes this checkpoint's signature covers.
    public var signingBytes: [UInt8] {
        if let sealedFrom {
            return Self.crashSealSigningBytes(treeSize: treeSize, rootHash: rootHash, timeMillis: timeMillis, sealedFrom: sealedFrom)
        }
        return Self.signingBytes(treeSize: treeSize, rootHash: rootHash, timeMillis: timeMillis)
    }

    /// Whether `certificate` is the one named and its key made ``signature``.
    public func isValid(signedBy certificate: Certificate) -> Bool {
        certificate.fingerprint == certificateFingerprint
            && certificate.publicKey.isValidSignature(signature, for: signingBytes)
    }

    /// `u8 version (1) ‖ u64 treeSize ‖ root (32) ‖ i64 timeMillis ‖ certificate fingerprint (32) ‖
    /// u16 signatureLength ‖ signature`; integers big-endian.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [Self.encodingVersion]
        bytes.reserveCapacity(1 + 8 + 32 + 8 + 32 + 2 + signature.count)
        Self.appendBigEndian(treeSize, to: &bytes)
        bytes.append(contentsOf: rootHash.bytes)
        Self.appendBigEndian(UInt64(bitPattern: timeMillis), to: &bytes)
        bytes.append(contentsOf: certificateFingerprint.bytes)
        bytes.append(UInt8(signature.count >> 8))
        bytes.append(UInt8(signature.count & 0xFF))
        bytes.append(contentsOf: signature)
        return bytes
    }

    /// Parses ``encoded()`` bytes.
    /// - Throws: ``AuditError`` (`malformed`) for another version, a short or over-long input.
    public init(parsing bytes: [UInt8]) throws(AuditError) {
        let fixed = 1 + 8 + 32 + 8 + 32 + 2
        guard bytes.count >= fixed else { throw AuditError(.malformed, "checkpoint is \(bytes.count) bytes; at least \(fixed) expected") }
        guard bytes[0] == Self.encodingVersion else {
            throw AuditError(.malformed, "checkpoint version \(bytes[0]) is not supported (expected \(Self.encodingVersion))")
        }
        func integer(_ at: Int) -> UInt64 { bytes[at..<(at + 8)].reduce(0) { $0 << 8 | UInt64($1) } }
        let length = Int(bytes[81]) << 8 | Int(bytes[82])
        guard bytes.count == fixed + length else {
            throw AuditError(.malformed, "checkpoint is \(bytes.count) bytes; its signature length says \(fixed + length)")
        }
        self.init(
            treeSize: integer(1), rootHash: SHA256Digest(bytes: Array(bytes[9..<41]))!,
            timeMillis: Int64(bitPattern: integer(41)),
            certificateFingerprint: SHA256Digest(bytes: Array(bytes[49..<81]))!, signature: Array(bytes[83...]))
    }

    static func appendBigEndian(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}
