import Foundation
import NexCrypto

/// The state of one verification walk over the log's lines (see ``AuditVerifier``).
struct AuditVerifierWalk {
    struct Witness {
        var label: String
        var checkpoint: SignedCheckpoint
    }

    let options: AuditVerifier.Options
    var witnesses: [Witness]
    var result = AuditVerification()
    private var expectedSequence: UInt64 = 1
    private var previousHashHex = [UInt8](repeating: UInt8(ascii: "0"), count: 64)
    private var certificates: [String: Certificate] = [:]
    private var frontier = MerkleFrontier()
    private let hasher = SHA256Hasher()
    private static let hexDigits = Array("0123456789abcdef".utf8)
    private static let prevKey = Array(#","prev":""#.utf8)

    init(options: AuditVerifier.Options) {
        self.options = options
        self.witnesses = options.witnesses.map { Witness(label: $0.label, checkpoint: $0.checkpoint) }
    }

    /// Checks one line; false stops the walk.
    mutating func visit(_ line: AuditReader.Line, isLastSegment: Bool) -> Bool {
        if line.isTorn {
            if isLastSegment {
                result.tornTail = .init(segment: line.segment, line: line.number, sequence: expectedSequence)
                // A complete record that only lost its line end is still checked (and counted).
                if check(line) == nil {
                    accept(line)
                    result.tornTailIsCompleteRecord = true
                }
            } else {
                result.problem = problem(line, "record has no line end in the middle of the log")
            }
            return false
        }
        if let reason = check(line) {
            result.problem = problem(line, reason)
            return false
        }
        accept(line)
        return result.problem == nil
    }

    /// After the last line: witnesses that claim more records than the log holds.
    mutating func finish(after last: (segment: String, line: Int)) {
        result.treeSize = frontier.size
        result.rootHash = frontier.root
        for witness in witnesses where witness.checkpoint.treeSize > frontier.size {
            result.problem = .init(
                segment: last.segment, line: last.line + 1, sequence: frontier.size + 1,
                reason: "the log ends after record \(frontier.size) but this checkpoint covers \(witness.checkpoint.treeSize) records: records \(frontier.size + 1)…\(witness.checkpoint.treeSize) were removed (the log was truncated)",
                witness: witness.label)
            return
        }
    }

    private func problem(_ line: AuditReader.Line, _ reason: String) -> AuditVerification.Problem {
        .init(segment: line.segment, line: line.number, sequence: expectedSequence, reason: reason)
    }

    private mutating func accept(_ line: AuditReader.Line) {
        let bytes = line.bytes
        previousHashHex = Array(bytes[(bytes.endIndex - 66)..<(bytes.endIndex - 2)])
        hasher.update([0])
        hasher.update(bytes)
        frontier.append(leafHash: hasher.finalize())
        expectedSequence += 1
        result.recordCount += 1
        result.lastHash = SHA256Digest(hex: String(decoding: previousHashHex, as: UTF8.self)) ?? result.lastHash
        result.treeSize = frontier.size
        checkWitnesses(line)
    }

    private mutating func checkWitnesses(_ line: AuditReader.Line) {
        guard witnesses.contains(where: { $0.checkpoint.treeSize == frontier.size }) else { return }
        let root = frontier.root
        for witness in witnesses where witness.checkpoint.treeSize == frontier.size {
            if witness.checkpoint.rootHash != root {
                result.problem = .init(
                    segment: line.segment, line: line.number, sequence: frontier.size,
                    reason: "the log does not extend this checkpoint: records 1…\(frontier.size) are not the ones it covers (root \(witness.checkpoint.rootHash.hex), log root \(root.hex)); \(suspects(upTo: frontier.size))",
                    witness: witness.label)
                return
            }
            result.witnessesChecked.append(witness.label)
        }
    }

    private func suspects(upTo size: UInt64) -> String {
        let from = result.lastCheckpoint.map { min($0.treeSize + 1, size) } ?? 1
        return "a record among \(from)…\(size) was altered, replaced or removed after the witness saw it"
    }

    /// Checks a line's frame, own hash, sequence and link, then its event-specific content.
    private mutating func check(_ line: AuditReader.Line) -> String? {
        let bytes = line.bytes
        guard bytes.count > AuditLine.hashSuffixLength + 76, bytes.last == UInt8(ascii: "}"),
              bytes[bytes.endIndex - 2] == UInt8(ascii: "\""),
              bytes[(bytes.endIndex - AuditLine.hashSuffixLength)...].starts(with: #","hash":""#.utf8)
        else { return "record is not framed (no trailing hash member); it was altered or is not an audit record" }
        let suffixStart = bytes.endIndex - AuditLine.hashSuffixLength
        hasher.update(bytes[..<suffixStart])
        hasher.update([UInt8(ascii: "}")])
        let digest = hasher.finalize().bytes
        let stored = bytes[(bytes.endIndex - 66)..<(bytes.endIndex - 2)]
        var index = stored.startIndex
        for byte in digest {
            guard stored[index] == Self.hexDigits[Int(byte >> 4)], stored[index + 1] == Self.hexDigits[Int(byte & 0x0F)] else {
                return "record content does not match its hash: the record was altered"
            }
            index += 2
        }
        guard let sequence = Self.leadingSequence(bytes) else { return "record has no sequence number" }
        guard sequence == expectedSequence else {
            return "sequence \(sequence) where \(expectedSequence) was expected: records were removed, inserted or reordered"
        }
        let prevStart = suffixStart - 74
        guard bytes[prevStart..<(prevStart + 9)].elementsEqual(Self.prevKey),
              bytes[(prevStart + 9)..<(prevStart + 73)].elementsEqual(previousHashHex)
        else {
            return "link to the previous record does not match its hash: a record before it was altered, removed or reordered"
        }
        if line.number == 1, AuditSegments.firstSequence(ofFileName: line.segment) != sequence {
            return "segment name announces another first sequence: segments were renamed or removed"
        }
        let event = LineScan.event(of: bytes)
        let needsRecord = options.checksSignatures || event.map {
            $0.elementsEqual("certificate".utf8) || $0.elementsEqual("checkpoint".utf8)
        } ?? true
        guard needsRecord else { return nil }
        guard let record = AuditRecord(segment: line.segment, line: line.number, bytes: Array(bytes)) else {
            return "record is not valid JSON"
        }
        return checkContent(record)
    }

    private mutating func checkContent(_ record: AuditRecord) -> String? {
        switch record.event {
        case "certificate":
            guard let der = record.base64("certificate"), let certificate = try? Certificate(der: der) else {
                return "stored certificate cannot be decoded"
            }
            guard certificate.fingerprint.hex == record.string("cert") else {
                return "stored certificate does not match its fingerprint"
            }
            certificates[certificate.fingerprint.hex] = certificate
        case "checkpoint":
            return checkCheckpoint(record)
        case "publish" where record.string("outcome") == "accepted" && options.checksSignatures:
            if let reason = AuditVerifier.checkSignature(record, certificates: certificates) { return reason }
            result.verifiedSignatures += 1
        default:
            break
        }
        return nil
    }

    /// A checkpoint record covers every record before it: its root must be the recomputed one,
    /// and its signature must verify with the audit certificate.
    private mutating func checkCheckpoint(_ record: AuditRecord) -> String? {
        let checkpoint: SignedCheckpoint, stored: MerkleFrontier
        do { (checkpoint, stored) = try SignedCheckpoint.fromRecord(record) } catch {
            return "checkpoint record is malformed: \(error.message)"
        }
        let covered = expectedSequence - 1
        guard checkpoint.treeSize == covered else {
            return "checkpoint claims tree size \(checkpoint.treeSize) but covers the \(covered) records before it"
        }
        if let certificate = options.auditCertificate {
            guard checkpoint.certificateFingerprint == certificate.fingerprint else {
                return "checkpoint names signing certificate \(checkpoint.certificateFingerprint.hex), not the audit certificate \(certificate.fingerprint.hex): a forged checkpoint"
            }
            guard checkpoint.isValid(signedBy: certificate) else {
                return "checkpoint signature does not verify with the audit certificate: a forged checkpoint"
            }
        } else {
            result.uncheckedCheckpointSignatures += 1
        }
        guard checkpoint.rootHash == frontier.root else {
            return "checkpoint root does not match the tree of records 1…\(covered): \(suspects(upTo: covered)) (and the chain re-hashed)"
        }
        guard stored == frontier else { return "checkpoint's stored frontier does not match the tree" }
        if let previous = result.lastCheckpoint, checkpoint.timeMillis < previous.timeMillis {
            return "checkpoint time goes back before the previous checkpoint's"
        }
        // Both roots were recomputed from the same leaves, so this checkpoint is consistent with
        // the previous one by construction.
        result.lastCheckpoint = checkpoint
        result.checkpointCount += 1
        return nil
    }

    /// N from a line starting `{"seq":N,`.
    static func leadingSequence(_ line: ArraySlice<UInt8>) -> UInt64? {
        guard line.starts(with: #"{"seq":"#.utf8) else { return nil }
        var value: UInt64 = 0
        var index = line.startIndex + 7
        while index < line.endIndex, (48...57).contains(line[index]) {
            value = value &* 10 &+ UInt64(line[index] - 48)
            index += 1
        }
        return index > line.startIndex + 7 && index < line.endIndex && line[index] == UInt8(ascii: ",") ? value : nil
    }
}
