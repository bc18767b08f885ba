import Foundation

/// Reads the log's lines in order, segment by segment. For start-up rebuilds and `nex audit`.
public struct AuditReader {
    /// One raw line: where it is, and its bytes without the newline. `isTorn` marks a final line
    /// with no newline (a crash artefact nexd repairs at start-up).
    public struct Line {
        public var segment: String
        public var number: Int
        public var bytes: ArraySlice<UInt8>
        public var isTorn: Bool
    }

    public let directory: String

    /// A reader of the log in `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    /// Segment names in order, then `next-segment.jsonl` when it holds records under that name only
    /// (a crash before nexd made the segment's own name durable; start-up names it), as the
    /// verifiers read it (docs/AUDIT.md §Files).
    public func segments() throws(AuditError) -> [String] {
        var names = try AuditSegments.list(in: directory)
        if case .holdsRecords = AuditVerifier.preparedSegmentState(directory: directory, lastSegment: names.last) {
            names.append(AuditSegments.preparedName)
        }
        return names
    }

    /// Calls `body` for each line of the given segments in order; `body` returns false to stop.
    public func forEachLine(in segments: [String], _ body: (Line) throws -> Bool) throws {
        for name in segments {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else {
                throw AuditError(.unreadable, "cannot read audit segment \(path)")
            }
            let bytes = [UInt8](data)
            var number = 0
            var stopped = false
            try LineScan.forEachLine(in: bytes) { range, torn in
                number += 1
                let line = Line(segment: name, number: number, bytes: bytes[range], isTorn: torn)
                guard try body(line) else { stopped = true; return false }
                return true
            }
            if stopped { return }
        }
    }

    /// Calls `body` for each decodable record of every segment; undecodable lines are skipped
    /// (``AuditVerifier`` is the tool that reports them).
    public func forEachRecord(in segments: [String]? = nil, _ body: (AuditRecord) throws -> Bool) throws {
        try forEachLine(in: segments ?? self.segments()) { line in
            guard !line.isTorn, let record = AuditRecord(segment: line.segment, line: line.number, bytes: Array(line.bytes)) else {
                return true
            }
            return try body(record)
        }
    }
}
