import Foundation
import NexCrypto
import NexWire

/// Walks the whole log and checks it: every record's own hash, the chain links, the sequence, every
/// stored certificate's fingerprint and every stored notice signature.
///
/// Findings are values (``AuditVerification``), not throws: the first problem stops the walk and
/// names the record.
public enum AuditVerifier {
    /// Verifies the log in `directory`.
    /// - Throws: ``AuditError`` only when the log cannot be read at all.
    public static func verify(directory: String) throws -> AuditVerification {
        let reader = AuditReader(directory: directory)
        var result = AuditVerification()
        var expectedSequence: UInt64 = 1
        var previousHash = AuditLine.genesisHash
        var certificates: [String: Certificate] = [:]
        let segments = try reader.segments()
        result.segmentCount = segments.count
        try reader.forEachLine(in: segments) { line in
            if line.isTorn {
                if line.segment == segments.last {
                    result.tornTail = AuditVerification.Location(segment: line.segment, line: line.number, sequence: expectedSequence)
                    // A complete record that only lost its line end is still checked (and counted).
                    if check(line, expectedSequence: expectedSequence, previousHash: previousHash,
                             certificates: &certificates, result: &result) == nil {
                        previousHash = AuditLine.split(line.bytes)!.storedHash
                        result.recordCount += 1
                        result.tornTailIsCompleteRecord = true
                    }
                } else {
                    result.problem = .init(segment: line.segment, line: line.number, sequence: expectedSequence,
                                           reason: "record has no line end in the middle of the log")
                }
                return false
            }
            if let problem = check(line, expectedSequence: expectedSequence, previousHash: previousHash,
                                   certificates: &certificates, result: &result) {
                result.problem = problem
                return false
            }
            // check() validated the frame, so split() succeeds here.
            previousHash = AuditLine.split(line.bytes)!.storedHash
            expectedSequence += 1
            result.recordCount += 1
            return true
        }
        result.lastHash = previousHash
        return result
    }

    private static func check(
        _ line: AuditReader.Line, expectedSequence: UInt64, previousHash: SHA256Digest,
        certificates: inout [String: Certificate], result: inout AuditVerification
    ) -> AuditVerification.Problem? {
        func problem(_ reason: String) -> AuditVerification.Problem {
            .init(segment: line.segment, line: line.number, sequence: expectedSequence, reason: reason)
        }
        guard let (core, storedHash) = AuditLine.split(line.bytes) else {
            return problem("record is not framed (no trailing hash member); it was altered or is not an audit record")
        }
        guard SHA256.hash(core) == storedHash else {
            return problem("record content does not match its hash: the record was altered")
        }
        guard let record = AuditRecord(segment: line.segment, line: line.number, bytes: Array(line.bytes)) else {
            return problem("record is not valid JSON")
        }
        guard let sequence = record.sequence else { return problem("record has no sequence number") }
        guard sequence == expectedSequence else {
            return problem("sequence \(sequence) where \(expectedSequence) was expected: records were removed, inserted or reordered")
        }
        guard record.string("prev") == previousHash.hex else {
            return problem("link to the previous record does not match its hash: a record before it was altered, removed or reordered")
        }
        if line.number == 1, AuditSegments.firstSequence(ofFileName: line.segment) != sequence {
            return problem("segment name announces another first sequence: segments were renamed or removed")
        }
        switch record.event {
        case "certificate":
            guard let der = record.base64("certificate"), let certificate = try? Certificate(der: der) else {
                return problem("stored certificate cannot be decoded")
            }
            guard certificate.fingerprint.hex == record.string("cert") else {
                return problem("stored certificate does not match its fingerprint")
            }
            certificates[certificate.fingerprint.hex] = certificate
        case "publish" where record.string("outcome") == "accepted":
            if let reason = checkSignature(record, certificates: certificates) { return problem(reason) }
            result.verifiedSignatures += 1
        default:
            break
        }
        return nil
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

/// The outcome of ``AuditVerifier/verify(directory:)``.
public struct AuditVerification: Sendable {
    /// Where in the log.
    public struct Location: Sendable, Equatable {
        public var segment: String
        public var line: Int
        public var sequence: UInt64
    }

    /// The first problem found.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var segment: String
        public var line: Int
        /// The sequence number the record should have.
        public var sequence: UInt64
        public var reason: String

        public var description: String {
            "record \(sequence) (\(segment) line \(line)): \(reason)"
        }
    }

    public var segmentCount = 0
    public var recordCount = 0
    public var verifiedSignatures = 0
    public var lastHash = AuditLine.genesisHash
    /// Set when the log has been tampered with (or damaged beyond a torn tail).
    public var problem: Problem?
    /// Set when the last record is torn (a crash artefact nexd repairs at its next start).
    public var tornTail: Location?
    /// True when the torn final line is a complete, valid record that lacks only its line end
    /// (nexd restores the line end and keeps the record).
    public var tornTailIsCompleteRecord = false

    /// True when the log verified completely and has no torn tail.
    public var isIntact: Bool { problem == nil && tornTail == nil }
}
