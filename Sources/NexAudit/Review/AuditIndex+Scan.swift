import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension AuditIndex {
    /// Records of message `id` found by reading the whole log, without the index: what the index
    /// must agree with. Costs a read of every segment (see docs/AUDIT.md §Index for figures).
    /// - Throws: ``AuditError`` when a segment cannot be read.
    public func scan(message id: String) throws(AuditError) -> [AuditRecord] {
        try scan(for: id) { $0.names(message: id) }
    }

    /// Records whose line contains `"<text>"` (quoted) and that pass `isMatch`, in log order, in
    /// `segments` (default: every segment ``AuditReader/segments()`` reads, the prepared one with
    /// records too). Only lines holding the quoted text are decoded; a torn final line is skipped,
    /// as the reader does.
    func scan(for text: String, in segments: [String]? = nil, where isMatch: (AuditRecord) -> Bool) throws(AuditError) -> [AuditRecord] {
        let needle = Array(("\"" + text + "\"").utf8)
        var records: [AuditRecord] = []
        var names = segments ?? []
        if segments == nil { names = try AuditReader(directory: directory).segments() }
        for name in names {
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
                throw AuditError(.unreadable, "cannot read audit segment \(directory)/\(name)")
            }
            data.withUnsafeBytes { raw in
                for line in Self.lines(in: raw, containing: needle) {
                    if let record = AuditRecord(segment: name, line: 0, bytes: line), isMatch(record) { records.append(record) }
                }
            }
        }
        return records
    }

    /// The complete lines of `bytes` that contain `needle`, each once.
    static func lines(in bytes: UnsafeRawBufferPointer, containing needle: [UInt8]) -> [[UInt8]] {
        guard let base = bytes.baseAddress, !needle.isEmpty else { return [] }
        var lines: [[UInt8]] = []
        var from = 0
        while from < bytes.count {
            guard let at = find(needle, in: bytes, from: from) else { break }
            guard let end = memchr(base + at, 0x0A, bytes.count - at).map({ base.distance(to: UnsafeRawPointer($0)) }) else { break }
            var start = at
            while start > 0, bytes[start - 1] != 0x0A { start -= 1 }
            lines.append(Array(bytes[start..<end]))
            from = end + 1
        }
        return lines
    }

    /// The first offset of `needle` in `bytes` at or after `from`: `memchr` for its first byte (a
    /// quote, rare in the base64 bulk of a record), then `memcmp`. Glibc's `memmem` is not exported
    /// to Swift.
    private static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var from = from
        return needle.withUnsafeBytes { pattern in
            while bytes.count - from >= pattern.count {
                guard let hit = memchr(base + from, Int32(pattern[0]), bytes.count - from - pattern.count + 1) else { return nil }
                let at = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(hit, pattern.baseAddress!, pattern.count) == 0 { return at }
                from = at + 1
            }
            return nil
        }
    }
}
