import Foundation
import NexCrypto

/// Resumes the writer's Merkle frontier at start-up: from the frontier stored in the last
/// `checkpoint` record, then the leaves of the records after it (the whole log when it has none).
enum AuditTreeRecovery {
    struct Resumed {
        var frontier = MerkleFrontier()
        var recordsSinceCheckpoint = 0
        var latest: SignedCheckpoint?
        /// Whether the record ``latest`` came from is, by its parsed JSON, a plain `checkpoint`
        /// (no `reason` or `detail`, which its signature does not cover).
        var latestIsPlainCheckpoint = false
    }

    /// Reads the log in `directory` (after ``AuditRecovery`` repaired its tail).
    /// - Throws: ``AuditError`` when a segment is unreadable or the last checkpoint is malformed.
    static func resume(directory: String) throws(AuditError) -> Resumed {
        let segments = try AuditSegments.list(in: directory)
        var contents: [Int: [UInt8]] = [:]
        func bytes(_ index: Int) throws(AuditError) -> [UInt8] {
            if let cached = contents[index] { return cached }
            let path = directory + "/" + segments[index]
            guard let data = FileManager.default.contents(atPath: path) else {
                throw AuditError(.unreadable, "cannot read audit segment \(path)")
            }
            contents[index] = [UInt8](data)
            return contents[index]!
        }
        // Find the last checkpoint record, newest segment first.
        var start: (segment: Int, offset: Int)?
        var resumed = Resumed()
        for index in segments.indices.reversed() {
            let data = try bytes(index)
            var lastCheckpoint: Range<Int>?
            LineScan.forEachLine(in: data) { range, torn in
                if !torn, LineScan.isCheckpoint(data[range]) { lastCheckpoint = range }
                return true
            }
            guard let range = lastCheckpoint else {
                contents[index] = nil  // Re-read later if needed; keeps memory to one segment.
                continue
            }
            guard let record = AuditRecord(segment: segments[index], line: 0, bytes: Array(data[range])) else {
                throw AuditError(.corrupt, "the last checkpoint record in \(segments[index]) is not valid JSON; run `nex audit verify`")
            }
            let (checkpoint, frontier): (SignedCheckpoint, MerkleFrontier)
            do { (checkpoint, frontier) = try SignedCheckpoint.fromRecord(record) } catch {
                throw AuditError(.corrupt, "the last checkpoint record in \(segments[index]) is malformed (\(error.message)); run `nex audit verify`")
            }
            guard frontier.root == checkpoint.rootHash, record.sequence == checkpoint.treeSize + 1 else {
                throw AuditError(.corrupt, "the last checkpoint record in \(segments[index]) does not fit the log; run `nex audit verify`")
            }
            resumed.frontier = frontier
            resumed.latest = checkpoint
            resumed.latestIsPlainCheckpoint = record.event == "checkpoint" && record.members["reason"] == nil
                && record.members["detail"] == nil
                && AuditFormat.canonicalFormProblem(data[range], members: record.members) == nil
                && Self.linksToPreviousLine(data, range)
            resumed.frontier.append(leafHash: MerkleHash.leaf(data[range]))
            start = (index, range.upperBound + 1)
            break
        }
        let first = start ?? (0, 0)
        guard first.segment < segments.count else { return resumed }
        for index in first.segment..<segments.count {
            let data = try bytes(index)
            LineScan.forEachLine(in: data, from: index == first.segment ? first.offset : 0) { range, torn in
                guard !torn else { return false }
                resumed.frontier.append(leafHash: MerkleHash.leaf(data[range]))
                if !LineScan.isCheckpoint(data[range]) { resumed.recordsSinceCheckpoint += 1 }
                return true
            }
            contents[index] = nil
        }
        return resumed
    }

    /// Whether the line at `range` names, as its `prev`, the hash of the line before it in the same
    /// segment (false for a segment's first line: start-up then takes the careful path).
    static func linksToPreviousLine(_ data: [UInt8], _ range: Range<Int>) -> Bool {
        guard range.lowerBound >= 2 else { return false }
        let previousEnd = range.lowerBound - 1  // the `\n` before this line
        guard previousEnd >= 66 else { return false }
        let previousHash = data[(previousEnd - 66)..<(previousEnd - 2)]
        let prevStart = range.upperBound - AuditLine.hashSuffixLength - 74 + 9
        guard prevStart >= range.lowerBound else { return false }
        return data[prevStart..<(prevStart + 64)].elementsEqual(previousHash)
    }
}
