import Foundation
import NexCrypto
import NexWire

/// Walks the whole log and checks it: every record's own hash, the chain links, the sequence, the
/// Merkle tree against every signed checkpoint, witness checkpoints, every stored certificate's
/// fingerprint and (unless turned off) every stored notice signature.
///
/// Findings are values (``AuditVerification``), not throws: the first problem stops the walk and
/// names the record (or the witness).
public enum AuditVerifier {
    /// What to check beyond the log itself.
    public struct Options: Sendable {
        /// Re-verify every accepted notice's signature (and parse every record as JSON). Default true.
        public var checksSignatures = true
        /// The audit certificate that signs checkpoints; without it their signatures are not checked
        /// (counted in ``AuditVerification/uncheckedCheckpointSignatures``).
        public var auditCertificate: Certificate?
        /// Checkpoints nodes saw, with a label for reports: the log must extend each.
        public var witnesses: [(label: String, checkpoint: SignedCheckpoint)] = []
        /// Also use `<dir>/checkpoint.json` (nexd's latest) as a witness. Default true.
        public var usesCheckpointFile = true

        /// Default options: everything, no audit certificate, no witnesses.
        public init() {}
    }

    /// Verifies the log in `directory` with the default options.
    /// - Throws: ``AuditError`` only when the log cannot be read at all.
    public static func verify(directory: String) throws -> AuditVerification {
        try verify(directory: directory, options: Options())
    }

    /// Verifies the log in `directory`.
    /// - Throws: ``AuditError`` only when the log (or the checkpoint file) cannot be read at all.
    public static func verify(directory: String, options: Options) throws -> AuditVerification {
        var walk = AuditVerifierWalk(options: options)
        if options.usesCheckpointFile, let latest = try AuditCheckpointFile.read(directory: directory) {
            walk.witnesses.append(.init(label: AuditCheckpointFile.name + " (nexd's latest checkpoint)", checkpoint: latest))
        }
        let reader = AuditReader(directory: directory)
        let segments = try reader.segments()
        walk.result.segmentCount = segments.count
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

    /// Re-verifies an accepted publish's stored envelope against its stored originator certificate.
    static func checkSignature(_ record: AuditRecord, certificates: [String: Certificate]) -> String? {
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
        guard SHA256.hash(signed.bytesToSign).hex == record.string("digest") else {
            return "stored digest does not match the envelope's signed bytes"
        }
        guard certificate.publicKey.algorithm.rawValue == envelope.signatureAlgorithm,
              certificate.publicKey.isValidSignature(signed.signature, for: signed.bytesToSign)
        else { return "notice signature does not verify with the stored originator certificate" }
        return nil
    }
}
