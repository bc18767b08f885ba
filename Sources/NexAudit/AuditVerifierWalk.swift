import Foundation
import NexCrypto

/// The state of one verification walk over the log's lines (see ``AuditVerifier``).
///
/// Per line: framing, own hash, sequence, link, segment name, format, time order and the
/// clean-stop rule here; event-specific content (certificates, notices, checkpoints) in
/// `AuditVerifierWalk+Content.swift`.
struct AuditVerifierWalk {
    struct Witness {
        var label: String
        var checkpoint: SignedCheckpoint
    }

    /// An originator certificate stored in the log, and the given CA that issued it (if checked).
    struct StoredCertificate {
        var certificate: Certificate
        var issuer: Certificate?
    }

    let options: AuditVerifier.Options
    var witnesses: [Witness]
    var result = AuditVerification()
    var expectedSequence: UInt64 = 1
    private var previousHashHex = [UInt8](repeating: UInt8(ascii: "0"), count: 64)
    var certificates: [String: StoredCertificate] = [:]
    var frontier = MerkleFrontier()
    /// Format 6: the verified `batch` records of the window before the current record.
    var batches = BatchRecordWindow<Void>()
    private let hasher = SHA256Hasher()
    private var previousTimeMillis: Int64 = .min
    /// Set by a checkpoint that directly follows a `stop`: the next record must be a `start`.
    private var cleanStopCheckpoint: UInt64?
    private var previousEvent: String?
    /// The format the current run declares in its `start` record (docs/AUDIT.md §Versioning);
    /// records before the first `start` are read as the newest format this verifier knows.
    /// The format the run's last `start` record declares (the verifier's own before the first).
    private(set) var runFormat = AuditFormat.version
    private static let hexDigits = Array("0123456789abcdef".utf8)

    init(options: AuditVerifier.Options) {
        self.options = options
        self.witnesses = options.witnesses.map { Witness(label: $0.label, checkpoint: $0.checkpoint) }
    }

    /// Before the walk: every witness must be signed by a given audit certificate. False stops.
    mutating func checkWitnessSignatures() -> Bool {
        guard !options.auditCertificates.isEmpty else { return true }
        for witness in witnesses {
            let signer = options.auditCertificates.first { $0.fingerprint == witness.checkpoint.certificateFingerprint }
            guard let signer, witness.checkpoint.isValid(signedBy: signer) else {
                result.problem = .init(segment: "", line: 0, sequence: 0,
                                       reason: "signature does not verify with a given audit certificate", witness: witness.label)
                return false
            }
        }
        return true
    }

    /// Before the first record: a witness of size 0 must carry the empty tree's root.
    mutating func checkEmptyWitnesses() {
        for witness in witnesses where witness.checkpoint.treeSize == 0 {
            guard witness.checkpoint.rootHash == MerkleHash.emptyRoot else {
                result.problem = .init(segment: "", line: 0, sequence: 0,
                                       reason: "this checkpoint of an empty log does not carry the empty tree's root", witness: witness.label)
                return
            }
            result.witnessesChecked.append(witness.label)
        }
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
        if let problem = check(line) {
            result.problem = problem
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

    func problem(_ line: AuditReader.Line, _ reason: String, kind: AuditVerification.Problem.Kind = .tampered) -> AuditVerification.Problem {
        .init(segment: line.segment, line: line.number, sequence: expectedSequence, reason: reason, kind: kind)
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
        result.frontier = frontier
        result.lastRecordTimeMillis = previousTimeMillis
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
            if !options.auditCertificates.isEmpty { result.sealedThrough = max(result.sealedThrough, frontier.size) }
        }
    }

    func suspects(upTo size: UInt64) -> String {
        let from = result.lastCheckpoint.map { min($0.treeSize + 1, size) } ?? 1
        return "a record among \(from)…\(size) was altered, replaced or removed after the witness saw it"
    }

    /// Checks a line's frame, own hash, sequence and link, its format, time and place, then its
    /// event-specific content.
    private mutating func check(_ line: AuditReader.Line) -> AuditVerification.Problem? {
        let bytes = line.bytes
        guard bytes.count > AuditLine.hashSuffixLength + 76, bytes.last == UInt8(ascii: "}"),
              bytes[bytes.endIndex - 2] == UInt8(ascii: "\""),
              bytes[(bytes.endIndex - AuditLine.hashSuffixLength)...].starts(with: #","hash":""#.utf8)
        else { return problem(line, "record is not framed (no trailing hash member); it was altered or is not an audit record") }
        let suffixStart = bytes.endIndex - AuditLine.hashSuffixLength
        hasher.update(bytes[..<suffixStart])
        hasher.update([UInt8(ascii: "}")])
        let digest = hasher.finalize().bytes
        let stored = bytes[(bytes.endIndex - 66)..<(bytes.endIndex - 2)]
        var index = stored.startIndex
        for byte in digest {
            guard stored[index] == Self.hexDigits[Int(byte >> 4)], stored[index + 1] == Self.hexDigits[Int(byte & 0x0F)] else {
                return problem(line, "record content does not match its hash: the record was altered")
            }
            index += 2
        }
        let shape: AuditLineShape
        do { shape = try AuditLineShape(line: bytes) } catch {
            return problem(line, "record is not in canonical form (\(error.reason))")
        }
        let sequence = shape.sequence
        guard sequence == expectedSequence else {
            return problem(line, "sequence \(sequence) where \(expectedSequence) was expected: records were removed, inserted or reordered")
        }
        guard shape.previousHash.elementsEqual(previousHashHex) else {
            return problem(line, "link to the previous record does not match its hash: a record before it was altered, removed or reordered")
        }
        if line.number == 1, line.segment != AuditSegments.preparedName,
           AuditSegments.firstSequence(ofFileName: line.segment) != sequence {
            return problem(line, "segment name announces another first sequence: segments were renamed or removed")
        }
        if let unknown = AuditFormat.unknownContent(event: shape.event, members: nil) {
            return problem(line, unknown, kind: .unknownFormat)
        }
        let fullChecks = options.checksSignatures || options.checksSignaturesAfter.map { sequence > $0 } ?? false
        var record: AuditRecord?
        // --no-signatures parses only the records whose content the walk needs (docs/AUDIT.md §The walk).
        // Re-verifying only the tail (after a crash), the notices there may refer to `batch`
        // records before it: those are parsed and remembered too.
        let parsesBatch = shape.event == "batch" && options.checksSignaturesAfter != nil
        if fullChecks || parsesBatch || Self.alwaysParsed.contains(shape.event) {
            guard AuditFormat.nestingDepth(bytes) <= AuditFormat.deepestNesting else {
                return problem(line, "record is not valid JSON (nested deeper than \(AuditFormat.deepestNesting))")
            }
            guard let parsed = AuditRecord(segment: line.segment, line: line.number, bytes: Array(bytes)) else {
                return problem(line, "record is not valid JSON")
            }
            if AuditFormat.hasDuplicateMembers(bytes, members: parsed.members) {
                return problem(line, "record is not valid JSON (a member appears twice)")
            }
            if let unknown = AuditFormat.unknownContent(event: parsed.event, members: parsed.members) {
                return problem(line, unknown, kind: .unknownFormat)
            }
            // A `start` record is of the format it declares (the run it begins), others of their run's.
            let format = shape.event == "start" ? AuditFormat.declaredFormat(parsed.members) : runFormat
            if let reason = AuditFormat.canonicalFormProblem(bytes, members: parsed.members, runFormat: format) {
                return problem(line, "record is not in canonical form (\(reason))")
            }
            if let found = AuditFormat.formatProblem(parsed.members) {
                return problem(line, found.reason, kind: found.isUnknownFormat ? .unknownFormat : .tampered)
            }
            if shape.event == "start" { runFormat = AuditFormat.declaredFormat(parsed.members) }
            record = parsed
        }
        if let later = AuditFormat.laterContent(event: shape.event, members: record?.members, runFormat: runFormat) {
            return problem(line, later.reason, kind: later.isTampering ? .tampered : .unknownFormat)
        }
        if let found = checkPlace(line, shape: shape, record: record) { return found }
        guard let record else { return nil }
        return checkContent(record, fullChecks: fullChecks).map { problem(line, $0) }
    }

    /// Records parsed (and checked for canonical form) also with `--no-signatures`.
    private static let alwaysParsed: Set<String> = ["start", "certificate", "checkpoint"]

    /// Time order and the clean-stop rule: times never go back; after the checkpoint that follows
    /// a `stop`, the next record begins a new run with `start`. Uses only values the shape and
    /// canonical-form checks vouch for.
    private mutating func checkPlace(_ line: AuditReader.Line, shape: AuditLineShape, record: AuditRecord?) -> AuditVerification.Problem? {
        let time = shape.timeMillis
        if time < previousTimeMillis {
            return problem(line, "time \(Timestamp.format(millis: time)) is earlier than the previous record's \(Timestamp.format(millis: previousTimeMillis)): records were altered, inserted or reordered")
        }
        previousTimeMillis = time
        if let closed = cleanStopCheckpoint, shape.event != "start" {
            return problem(line, "a record after the final checkpoint of a clean stop (record \(closed)) that does not begin a new start: records were appended after nexd stopped")
        }
        cleanStopCheckpoint = nil
        // A crash seal after a `stop` (whose own checkpoint was torn) is no end of a clean run: the
        // new run's `repair` may follow it. Checkpoint records are always parsed.
        if shape.event == "checkpoint", previousEvent == "stop",
           record?.string("reason") != AuditFormat.sealedAfterCrashReason {
            cleanStopCheckpoint = expectedSequence
        }
        previousEvent = shape.event
        return nil
    }

    /// N from a line starting `{"seq":N,` (proof checks; the walk reads ``AuditLineShape``).
    static func leadingSequence(_ line: ArraySlice<UInt8>) -> UInt64? {
        guard line.starts(with: #"{"seq":"#.utf8) else { return nil }
        var value: UInt64 = 0
        var index = line.startIndex + 7
        while index < line.endIndex, (48...57).contains(line[index]), index < line.startIndex + 27 {
            value = value &* 10 &+ UInt64(line[index] - 48)
            index += 1
        }
        return index > line.startIndex + 7 && index < line.endIndex && line[index] == UInt8(ascii: ",") ? value : nil
    }
}
