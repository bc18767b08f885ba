import Foundation
import NexCrypto
import NexWire

#if canImport(Glibc)
import Glibc
#endif

/// Walks the whole log and checks it: every record's own hash, the chain links, the sequence, the
/// time order, the format, the Merkle tree against every signed checkpoint, witness checkpoints,
/// every stored originator certificate against the given CAs and (unless turned off) every stored
/// notice signature. docs/AUDIT.md §Verification is the specification.
///
/// Findings are values (``AuditVerification``), not throws: the first problem stops the walk and
/// names the record (or the witness); ``AuditVerification/verdict`` says what the keys vouch for.
public enum AuditVerifier {
    /// What to check beyond the log itself. The anchors come from the auditor, never from the log.
    public struct Options: Sendable {
        /// Re-verify every accepted notice's signature and originator (and parse every record as
        /// JSON). Default true.
        public var checksSignatures = true
        /// With ``checksSignatures`` false: still check notices of records after this sequence
        /// (nexd re-verifies the unsealed tail of a crashed run this way). Default: none.
        public var checksSignaturesAfter: UInt64?
        /// The CAs originator and audit certificates must be issued by (a rotated CA: several).
        /// Without any, certificates are not checked and the verdict is "cannot verify".
        public var certificateAuthorities: [Certificate] = []
        /// The certificates whose keys may sign checkpoints (a rotated audit key: several).
        /// Without any, checkpoint signatures are not checked and the verdict is "cannot verify".
        public var auditCertificates: [Certificate] = []
        /// Treat checkpoints naming another signing certificate as unchecked instead of forged (nexd
        /// re-verifying its own log knows only its current audit key). Default false.
        public var skipsCheckpointsOfOtherSigners = false
        /// Checkpoints nodes saw, with a label for reports: the log must extend each.
        public var witnesses: [(label: String, checkpoint: SignedCheckpoint)] = []
        /// Also use `<dir>/checkpoint.json` (nexd's latest) as a witness. Default true.
        public var usesCheckpointFile = true

        /// Default options: everything, no anchors, no witnesses.
        public init() {}

        /// The audit certificate, for callers that have one (sets ``auditCertificates``).
        public var auditCertificate: Certificate? {
            get { auditCertificates.first }
            set { auditCertificates = newValue.map { [$0] } ?? [] }
        }
    }

    /// Verifies the log in `directory` with the default options.
    /// - Throws: ``AuditError`` only when the log cannot be read at all.
    public static func verify(directory: String) throws -> AuditVerification {
        try verify(directory: directory, options: Options())
    }

    /// Verifies the log in `directory`.
    /// - Throws: ``AuditError`` only when the log cannot be read at all.
    public static func verify(directory: String, options: Options) throws -> AuditVerification {
        var walk = AuditVerifierWalk(options: options)
        walk.result.anchorProblem = anchorProblem(options)
        // Witnesses in order — the given ones, then checkpoint.json — each parsed and its signature
        // checked before the walk, as scripts/verify_audit.py does.
        if !walk.checkWitnessSignatures() { return walk.result }
        if options.usesCheckpointFile {
            let label = AuditCheckpointFile.name
            do {
                if let latest = try AuditCheckpointFile.read(directory: directory) {
                    walk.witnesses.append(.init(label: label, checkpoint: latest))
                    if !walk.checkWitnessSignatures() { return walk.result }
                }
            } catch {
                walk.result.problem = .init(segment: "", line: 0, sequence: 0, reason: "cannot be parsed: \(error.message)", witness: label)
                return walk.result
            }
        }
        let reader = AuditReader(directory: directory)
        var (segments, strays) = try AuditSegments.scan(in: directory)
        if let stray = strays.first {
            walk.result.segmentCount = segments.count
            walk.result.problem = .init(segment: stray, line: 0, sequence: 0, reason: AuditSegments.strayReason, file: stray)
            return walk.result
        }
        // The prepared next segment, when it holds records (a crash before its new name was durable),
        // is the last segment; its name announces no sequence (docs/AUDIT.md §Files).
        switch preparedSegmentState(directory: directory, lastSegment: segments.last) {
        case .absentOrEmpty: break
        case .holdsRecords: segments.append(AuditSegments.preparedName)
        case .notARegularFile:
            let name = AuditSegments.preparedName
            walk.result.segmentCount = segments.count
            walk.result.problem = .init(segment: name, line: 0, sequence: 0, reason: "is not a regular file", file: name)
            return walk.result
        }
        walk.result.segmentCount = segments.count
        if segments.isEmpty {
            walk.result.nothingToVerify = "no segment files in \(directory): nothing to verify"
            return walk.result
        }
        walk.checkEmptyWitnesses()
        if walk.result.problem != nil { return walk.result }
        var lastLocation = (segment: segments.last ?? "", line: 0)
        try reader.forEachLine(in: segments) { line in
            lastLocation = (line.segment, line.number)
            return walk.visit(line, isLastSegment: line.segment == segments.last)
        }
        if walk.result.problem == nil {
            walk.finish(after: lastLocation)
        }
        return walk.result
    }

    enum PreparedSegmentState { case absentOrEmpty, holdsRecords, notARegularFile }

    /// What `next-segment.jsonl` is: absent, empty or a second name of the last segment (ignored:
    /// nexd removes the prepared name once the segment's own name is durable), a regular file with
    /// bytes (read as the last segment), or something else of that name (TAMPERED).
    static func preparedSegmentState(directory: String, lastSegment: String?) -> PreparedSegmentState {
        var status = stat()
        guard lstat(directory + "/" + AuditSegments.preparedName, &status) == 0 else { return .absentOrEmpty }
        guard status.st_mode & S_IFMT == S_IFREG else { return .notARegularFile }
        guard status.st_size > 0 else { return .absentOrEmpty }
        var last = stat()
        if let lastSegment, lstat(directory + "/" + lastSegment, &last) == 0,
           last.st_ino == status.st_ino, last.st_dev == status.st_dev {
            return .absentOrEmpty
        }
        return .holdsRecords
    }

    /// Why the anchors cannot be used, or `nil`: at least one CA and one audit certificate; each
    /// audit certificate issued by a given CA, not a CA itself, with the timeStamping purpose.
    public static func anchorProblem(_ options: Options) -> String? {
        guard !options.certificateAuthorities.isEmpty else {
            return "no CA was given: pass --ca with the CA certificate (PEM) you trust"
        }
        guard !options.auditCertificates.isEmpty else {
            return "no audit certificate was given: pass --audit-cert with the certificate (PEM) of nexd's audit key"
        }
        for certificate in options.auditCertificates {
            let name = "the audit certificate \(certificate.fingerprint.hex) (\(certificate.subjectDescription))"
            guard certificate.issuer(among: options.certificateAuthorities) != nil else {
                return "\(name) is not issued by a given CA"
            }
            guard !certificate.isCertificateAuthority else { return "\(name) is a CA certificate" }
            guard certificate.extendedKeyUsage?.contains(.timeStamping) == true else {
                return "\(name) lacks the timeStamping extended key usage"
            }
        }
        return nil
    }

    /// Where the signature of a stored batch-signed envelope is (docs/AUDIT.md §Batch signatures).
    enum BatchSignatures {
        /// In its seal (runs of format 5 and older).
        case inSeal
        /// In a `batch` record (format 6): whether one of this claim key, its signature verified,
        /// is in the window before the publish.
        case recorded((EnvelopeBatch.Claim, SHA256Digest) -> Bool)
        /// Either (a review of one notice that does not know its run's format).
        case inSealOrRecorded((EnvelopeBatch.Claim, SHA256Digest) -> Bool)
    }

    /// Re-verifies an accepted publish's stored envelope against its stored originator certificate
    /// (and, for a batch-signed one, its batch's signature as `batches` says).
    static func checkSignature(_ record: AuditRecord, certificates: [String: Certificate],
                               batches: BatchSignatures = .inSeal) -> String? {
        guard let wire = record.base64("envelope") else { return "accepted publish has no stored envelope" }
        let signed: SignedEnvelope
        do { signed = try SignedEnvelope(parsing: wire) } catch { return "stored envelope cannot be parsed: \(error)" }
        guard let fingerprint = record.string("cert"), let certificate = certificates[fingerprint] else {
            return "originator certificate \(record.string("cert") ?? "?") is not stored earlier in the log"
        }
        let envelope = signed.envelope
        guard envelope.messageID.description == record.string("msg"), envelope.sender == record.string("node"),
              envelope.topic == record.string("topic")
        else { return "record fields differ from the stored envelope" }
        let digest = EnvelopeBatch.digest(ofBody: signed.body)
        guard digest.hex == record.string("digest") else {
            return "stored digest does not match the envelope's signed bytes"
        }
        if Envelope.SignatureAlgorithm.isBatch(envelope.signatureAlgorithm) {
            switch batches {
            case .inSeal:
                break
            case .recorded(let isRecorded):
                return checkRecordedBatch(signed, digest: digest, fingerprint: fingerprint, key: certificate.publicKey,
                                          isRecorded: isRecorded)
            case .inSealOrRecorded(let isRecorded):
                if let seal = try? BatchSeal(parsing: signed.signature, allowsEmptyRootSignature: true), seal.rootSignature.isEmpty {
                    return checkRecordedBatch(signed, digest: digest, fingerprint: fingerprint, key: certificate.publicKey,
                                              isRecorded: isRecorded)
                }
            }
        }
        // A single signature, or a batch seal (D73) whose proof and batch signature verify.
        guard EnvelopeBatch.isAuthentic(signed, key: certificate.publicKey)
        else { return "notice signature does not verify with the stored originator certificate" }
        return nil
    }

    /// A batch-signed envelope as a format-6 log stores it: the seal without its root signature,
    /// its proof leading to a root, and a `batch` record of that claim before it.
    private static func checkRecordedBatch(_ signed: SignedEnvelope, digest: SHA256Digest, fingerprint: String, key: PublicKey,
                                           isRecorded: (EnvelopeBatch.Claim, SHA256Digest) -> Bool) -> String? {
        let algorithm = signed.envelope.signatureAlgorithm
        guard Envelope.SignatureAlgorithm.keyAlgorithm(of: algorithm) == key.algorithm.rawValue else {
            return "signature algorithm \(algorithm) does not fit the stored originator certificate's key"
        }
        let stored: (seal: BatchSeal, claim: EnvelopeBatch.Claim)?
        do { stored = try EnvelopeBatch.storedClaim(of: signed, digest: digest) } catch {
            return "stored batch seal cannot be parsed: \(error.reason)"
        }
        guard let stored else { return "the stored inclusion proof does not lead to a root" }
        guard stored.seal.rootSignature.isEmpty else {
            return "the stored envelope carries its batch's root signature: a format-6 nexd records it once, in a batch record"
        }
        guard let certificate = SHA256Digest(hex: fingerprint), isRecorded(stored.claim, stored.claim.recordKey(certificate: certificate)) else {
            let claim = stored.claim
            return "no batch record of this notice's batch (cert \(fingerprint), size \(claim.batchSize), root \(claim.root.hex), restrictions \(claim.restrictionsDigest.hex)) among the \(BatchRecordWindow<Void>.records) records before it"
        }
        return nil
    }
}
