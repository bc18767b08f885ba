import Foundation
import NexAudit

/// Reads records appended since the last poll: remembers the segment and byte offset reached and
/// never consumes a line without its newline (it may still be being written).
struct AuditFollower {
    let directory: String
    private var segment: String?
    private var offset = 0

    init(directory: String) {
        self.directory = directory
    }

    mutating func poll(_ body: (AuditRecord) -> Void) throws {
        // Records under the prepared name only (a crash before nexd named their segment) are
        // followed under the name the segment gets, so the offset reached carries over to it.
        var files: [(name: String, file: String)] = []
        for file in try AuditReader(directory: directory).segments() {
            if file != AuditSegments.preparedName {
                files.append((file, file))
            } else if let name = nameOfPreparedSegment() {
                files.append((name, file))
            }
        }
        let start = segment.flatMap { current in files.firstIndex { file in file.name == current } } ?? 0
        guard start < files.count else { return }
        for (name, file) in files[start...] {
            if name != segment { segment = name; offset = 0 }
            guard let handle = FileHandle(forReadingAtPath: directory + "/" + file) else { continue }
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(offset))
            let bytes = [UInt8](handle.readDataToEndOfFile())
            var start = 0
            while let end = bytes[start...].firstIndex(of: 0x0A) {
                if let record = AuditRecord(segment: file, line: 0, bytes: Array(bytes[start..<end])) { body(record) }
                start = end + 1
            }
            offset += start
        }
    }

    /// The segment name `next-segment.jsonl` gets (its first record's sequence), or nil while the
    /// file does not yet begin with a complete `{"seq":N,`.
    private func nameOfPreparedSegment() -> String? {
        guard let handle = FileHandle(forReadingAtPath: directory + "/" + AuditSegments.preparedName) else { return nil }
        defer { try? handle.close() }
        let head = [UInt8](handle.readData(ofLength: 32))
        let prefix = Array(#"{"seq":"#.utf8)
        guard head.starts(with: prefix) else { return nil }
        let digits = head[prefix.count...].prefix { (48...57).contains($0) }
        guard !digits.isEmpty, digits.endIndex < head.count, head[digits.endIndex] == UInt8(ascii: ","),
              let sequence = UInt64(String(decoding: digits, as: UTF8.self))
        else { return nil }
        return AuditSegments.fileName(firstSequence: sequence)
    }
}
