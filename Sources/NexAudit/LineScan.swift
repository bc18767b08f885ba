#if canImport(Glibc)
import Glibc
#endif

/// Byte-level helpers for reading records fast, without a JSON parse: the writer's fixed member
/// order (`seq`, `time`, `event` first; `prev`, `hash` last) makes these positions reliable, and
/// every such read is backed by the record's own hash.
enum LineScan {
    /// Calls `body` with each line's range (without the newline) and whether it lacks its newline.
    static func forEachLine(in bytes: [UInt8], from start: Int = 0, _ body: (Range<Int>, Bool) throws -> Bool) rethrows {
        var start = start
        let count = bytes.count
        while start < count {
            let end: Int = bytes.withUnsafeBytes { raw in
                guard let found = memchr(raw.baseAddress! + start, 0x0A, count - start) else { return -1 }
                return raw.baseAddress!.distance(to: UnsafeRawPointer(found))
            }
            let lineEnd = end < 0 ? count : end
            guard try body(start..<lineEnd, end < 0) else { return }
            start = lineEnd + 1
        }
    }

    /// The first offset of `needle` in `bytes`, or `nil`. Over raw bytes with `memchr` and
    /// `memcmp`: start-up feeds every line of the log through this, and generic slice code is
    /// slow there in debug builds.
    static func find(_ needle: [UInt8], in bytes: ArraySlice<UInt8>) -> Int? {
        guard !needle.isEmpty, bytes.count >= needle.count else { return nil }
        return bytes.withUnsafeBytes { haystack -> Int? in
            needle.withUnsafeBytes { pattern -> Int? in
                // Sound: both buffers are non-empty and live for the call; every read stays below
                // `last + pattern.count <= haystack.count`.
                let base = haystack.baseAddress!
                let first = Int32(pattern[0])
                let last = haystack.count - pattern.count
                var offset = 0
                while offset <= last {
                    guard let hit = memchr(base + offset, first, last - offset + 1) else { return nil }
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + at, pattern.baseAddress!, pattern.count) == 0 { return bytes.startIndex + at }
                    offset = at + 1
                }
                return nil
            }
        }
    }

    private static let eventKey = Array(#","event":""#.utf8)

    /// The value of the `event` member (the third member of every record).
    static func event(of line: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        stringValue(after: eventKey, in: line, searchLimit: 96)
    }

    /// The JSON string value that follows `key` (which ends with the opening quote), if found
    /// within the first `searchLimit` bytes. Only for values known to hold no escapes.
    static func stringValue(after key: [UInt8], in line: ArraySlice<UInt8>, searchLimit: Int = .max) -> ArraySlice<UInt8>? {
        let window = line.prefix(searchLimit)
        guard let at = find(key, in: window) else { return nil }
        let valueStart = at + key.count
        guard let end = line[valueStart...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return line[valueStart..<end]
    }

    /// Whether the record is a checkpoint record.
    static func isCheckpoint(_ line: ArraySlice<UInt8>) -> Bool {
        event(of: line).map { $0.elementsEqual("checkpoint".utf8) } ?? false
    }
}
