import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension AuditIndex {
    /// Records of message `id` (publish, route, receipts naming it), in log order. Updates the index first.
    /// - Throws: ``AuditError`` when the log or index cannot be read.
    public func records(message id: String) throws(AuditError) -> [AuditRecord] {
        try update()
        return lookup(Self.key(message: id)).filter { record in
            record.string("msg") == id || (record.members["received"] as? [String])?.contains(id) == true
        }
    }

    /// The `certificate` record with `fingerprint`, if any (the index must be current).
    public func certificateRecord(fingerprint: String) -> AuditRecord? {
        lookup(Self.key(certificate: fingerprint)).first { $0.event == "certificate" && $0.string("cert") == fingerprint }
    }

    /// Binary search of the sorted entry file with `pread`: a lookup touches O(log n) pages.
    func lookup(_ key: UInt64) -> [AuditRecord] {
        let fd = open(entriesPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return [] }
        let count = (Int(info.st_size) - 8) / 24
        func entry(_ index: Int) -> Entry? {
            var buffer = [UInt8](repeating: 0, count: 24)
            let read = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 24, off_t(8 + index * 24)) }
            guard read == 24 else { return nil }
            return Entry(key: Self.integer(buffer, 0), segment: Self.integer(buffer, 8), offset: Self.integer(buffer, 16))
        }
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            guard let found = entry(middle) else { return [] }
            if found.key < key { low = middle + 1 } else { high = middle }
        }
        var records: [AuditRecord] = []
        var index = low
        while index < count, let found = entry(index), found.key == key {
            let name = AuditSegments.fileName(firstSequence: found.segment)
            if let line = readLine(segment: name, offset: found.offset),
               let record = AuditRecord(segment: name, line: 0, bytes: line) {
                records.append(record)
            }
            index += 1
        }
        return records
    }

    /// The line starting at `offset` in `segment` (without its newline), read with `pread`.
    func readLine(segment: String, offset: UInt64) -> [UInt8]? {
        let fd = open(directory + "/" + segment, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var line: [UInt8] = []
        var position = off_t(offset)
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            let read = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, position) }
            guard read > 0 else { return nil }
            if let end = chunk[0..<read].firstIndex(of: 0x0A) {
                line.append(contentsOf: chunk[0..<end])
                return line
            }
            line.append(contentsOf: chunk[0..<read])
            position += off_t(read)
        }
    }
}
