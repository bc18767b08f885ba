// libFuzzer target for the audit record parsing that the verifier uses (see scripts/fuzz.sh).
//
// The input is read as a segment: its first 16 lines. For each line: the byte-level reads the
// verifier, recovery and the index do without a JSON parse (leading sequence, event, msg, index
// keys), AuditLine.split, AuditRecord(segment:line:bytes:) and its accessors, and for a checkpoint
// record SignedCheckpoint.fromRecord. Then the verifier's walk over the lines as they are, and over
// the same records re-framed (sequence 1…n, each line's members re-chained and re-hashed with
// AuditLine.make) so that its content checks (certificates, signatures, checkpoints) run on fuzzed
// members instead of stopping at the first hash mismatch. It must never trap. Checked properties
// (a violation is a bug: fatalError):
//   - a line AuditLine.make framed splits back into a core whose SHA-256 is its stored hash, and
//     both leading-sequence readers read its sequence;
//   - the walk never reports a framing, hash, sequence or link problem for re-framed lines.
//
// Built with `-Xswiftc -D -Xswiftc FUZZING` (scripts/fuzz.sh) it defines LLVMFuzzerTestOneInput.
// Seeds: records of a generated log and of the README walk-through, in Fuzz/corpus/audit.
import NexAudit
import NexCrypto

/// Problems the walk must not report for a line that AuditLine.make framed.
let framingReasons = ["record is not framed", "record content does not match its hash", "record has no sequence number",
                      "sequence ", "link to the previous record", "segment name announces"]

/// The members of a framed record (between `{"seq":N,` and `,"prev":"…"}`), else the line itself.
func members(of line: ArraySlice<UInt8>) -> [UInt8] {
    if let (core, _) = AuditLine.split(line), core.count > 75 + 8, let comma = core.firstIndex(of: UInt8(ascii: ",")),
       comma + 1 <= core.count - 75 {
        return Array(core[(comma + 1)..<(core.count - 75)])
    }
    return Array(line)
}

func readEveryField(of line: ArraySlice<UInt8>) {
    _ = AuditRecordParsing.leadingSequence(line)
    _ = AuditRecordParsing.scanFields(of: line)
    if let (core, stored) = AuditLine.split(line) {
        _ = AuditRecordParsing.leadingSequence(ofCore: core)
        _ = SHA256.hash(core) == stored
    }
    guard let record = AuditRecord(segment: "segment-000000000001.jsonl", line: 1, bytes: Array(line)) else { return }
    _ = (record.sequence, record.event, record.timeMillis, record.integer("conn"), record.base64("envelope"))
    _ = (record.strings("received"), record.objects("recipients"))
    if record.event == "checkpoint" { _ = AuditRecordParsing.checkpoint(of: record) }
}

func check(_ bytes: [UInt8]) {
    let lines = AuditRecordParsing.lines(in: bytes).prefix(16)
    for (range, _) in lines { readEveryField(of: bytes[range]) }
    _ = AuditRecordParsing.verify(lines: lines.map { bytes[$0.range] }, lastIsTorn: lines.last?.isTorn ?? false)

    var framed: [ArraySlice<UInt8>] = []
    var previous = AuditLine.genesisHash
    for (index, (range, _)) in lines.enumerated() {
        let sequence = UInt64(index + 1)
        let (line, hash) = AuditLine.make(sequence: sequence, members: members(of: bytes[range]), previous: previous)
        let withoutNewline = line.dropLast()
        guard let (core, stored) = AuditLine.split(withoutNewline), stored == hash, SHA256.hash(core) == hash else {
            fatalError("AuditLine: a line it framed does not split back into a core with its hash")
        }
        guard AuditRecordParsing.leadingSequence(withoutNewline) == sequence,
              AuditRecordParsing.leadingSequence(ofCore: core) == sequence
        else {
            fatalError("AuditLine: the leading sequence of a framed record \(sequence) reads back differently")
        }
        readEveryField(of: withoutNewline)
        framed.append(withoutNewline)
        previous = hash
    }
    let result = AuditRecordParsing.verify(lines: framed)
    if let problem = result.problem, framingReasons.contains(where: problem.reason.hasPrefix) {
        fatalError("AuditVerifier: a correctly framed and chained record is reported as \"\(problem.reason)\"")
    }
}

func seeds() -> [[UInt8]] { [] }

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#else
// Plain build (no fuzzer runtime): a reproducer and seed writer (FuzzReproducer).
import FuzzSupport

// The fuzz build compiles this file with -parse-as-library (SwiftPM adds it for -sanitize=fuzzer),
// which refuses top-level statements even in an inactive #if branch: a global's initialiser runs
// the reproducer instead (eagerly, as top-level code, in the plain build).
let reproducerRan: Void = FuzzReproducer.run(name: "FuzzAuditRecord", check: check, seeds: seeds)
#endif
