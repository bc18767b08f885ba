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
        let segments = try AuditSegments.list(in: directory)
        let start = segment.flatMap { segments.firstIndex(of: $0) } ?? 0
        guard start < segments.count else { return }
        for index in start..<segments.count {
            let name = segments[index]
            if name != segment { segment = name; offset = 0 }
            guard let handle = FileHandle(forReadingAtPath: directory + "/" + name) else { continue }
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(offset))
            let bytes = [UInt8](handle.readDataToEndOfFile())
            var start = 0
            while let end = bytes[start...].firstIndex(of: 0x0A) {
                if let record = AuditRecord(segment: name, line: 0, bytes: Array(bytes[start..<end])) { body(record) }
                start = end + 1
            }
            offset += start
        }
    }
}
