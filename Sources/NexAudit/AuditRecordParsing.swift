import NexCrypto

/// The record parsing that ``AuditVerifier``, start-up recovery and the message index do, reachable
/// from the fuzz target `Fuzz/FuzzAuditRecord`. `package` access: only this package's targets see
/// it, and the verifier's own types stay internal.
package enum AuditRecordParsing {
    /// N from a line starting `{"seq":N,`, as the verifier reads it.
    package static func leadingSequence(_ line: ArraySlice<UInt8>) -> UInt64? {
        AuditVerifierWalk.leadingSequence(line)
    }

    /// N from a record core, as start-up recovery reads it.
    package static func leadingSequence(ofCore core: [UInt8]) -> UInt64? {
        AuditRecovery.leadingSequence(of: core)
    }

    /// The line ranges of `bytes`, each with whether it lacks its newline (``LineScan``).
    package static func lines(in bytes: [UInt8]) -> [(range: Range<Int>, isTorn: Bool)] {
        var lines: [(range: Range<Int>, isTorn: Bool)] = []
        LineScan.forEachLine(in: bytes) { range, torn in
            lines.append((range, torn))
            return true
        }
        return lines
    }

    /// The byte-level reads of a line without a JSON parse: its event, whether it is a checkpoint,
    /// its `msg`, and the index keys it is filed under.
    package static func scanFields(of line: ArraySlice<UInt8>) -> (event: ArraySlice<UInt8>?, isCheckpoint: Bool, message: ArraySlice<UInt8>?, keys: [UInt64]) {
        (LineScan.event(of: line), LineScan.isCheckpoint(line),
         LineScan.stringValue(after: Array(#","msg":""#.utf8), in: line), AuditIndex.keys(of: line))
    }

    /// The checkpoint a `checkpoint` record stores, and its frontier, or `nil` when malformed.
    package static func checkpoint(of record: AuditRecord) -> (checkpoint: SignedCheckpoint, frontierSize: UInt64)? {
        guard let (checkpoint, frontier) = try? SignedCheckpoint.fromRecord(record) else { return nil }
        return (checkpoint, frontier.size)
    }

    /// Runs the verifier's walk over `lines` as one segment whose first record is `firstSequence`;
    /// the last line may be torn. Returns what the verifier would report.
    package static func verify(lines: [ArraySlice<UInt8>], lastIsTorn: Bool = false, firstSequence: UInt64 = 1,
                               options: AuditVerifier.Options = .init()) -> AuditVerification {
        var walk = AuditVerifierWalk(options: options)
        let segment = AuditSegments.fileName(firstSequence: firstSequence)
        var last = (segment: segment, line: 0)
        for (number, bytes) in lines.enumerated() {
            let line = AuditReader.Line(segment: segment, number: number + 1, bytes: bytes,
                                        isTorn: lastIsTorn && number == lines.count - 1)
            last.line = number + 1
            guard walk.visit(line, isLastSegment: true) else { break }
        }
        if walk.result.problem == nil { walk.finish(after: last) }
        return walk.result
    }
}
