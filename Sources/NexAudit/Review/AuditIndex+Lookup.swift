import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension AuditIndex {
    /// Records of message `id` (publish, route, receipts naming it), in log order. Updates the index
    /// first; every entry used is bounds-checked, and the log is scanned instead whenever the index
    /// cannot be taken at its word: it found nothing, or an entry did not hold up.
    /// - Throws: ``AuditError`` when the log or the index cannot be read.
    public func find(message id: String) throws(AuditError) -> AuditIndexAnswer {
        try update()
        let marks = loadState()?.marks ?? []
        var found = lookup(Self.key(message: id), marks: marks)
        found.records.removeAll { !$0.names(message: id) }
        // The index covers named segments only: records under the prepared name alone (after a
        // crash, before nexd named the segment) are scanned; they come after every indexed one.
        let segments = try AuditReader(directory: directory).segments()
        if segments.last == AuditSegments.preparedName, found.ignoredEntries.isEmpty, !found.records.isEmpty {
            found.records += try scan(for: id, in: [AuditSegments.preparedName]) { $0.names(message: id) }
        }
        guard !found.ignoredEntries.isEmpty || found.records.isEmpty else { return found }
        let scanned = try scan(message: id)
        if found.ignoredEntries.isEmpty, !scanned.isEmpty {
            found.ignoredEntries.append("the index has no entry for the \(scanned.count) records of message \(id) in the log; ignored — rebuild with nex audit index")
        }
        if !found.ignoredEntries.isEmpty { invalidate() }
        return AuditIndexAnswer(records: scanned, ignoredEntries: found.ignoredEntries, isFromScan: true)
    }

    /// Records of message `id`, in log order (``find(message:)`` without its warnings).
    /// - Throws: ``AuditError`` when the log or the index cannot be read.
    public func records(message id: String) throws(AuditError) -> [AuditRecord] {
        try find(message: id).records
    }

    /// The `certificate` record with `fingerprint`, if any (the index must be current); the log is
    /// scanned when the index has no sound entry for it.
    public func certificateRecord(fingerprint: String) -> AuditRecord? {
        let marks = loadState()?.marks ?? []
        let isMatch = { (record: AuditRecord) in record.event == "certificate" && record.string("cert") == fingerprint }
        if let record = lookup(Self.key(certificate: fingerprint), marks: marks).records.first(where: isMatch) { return record }
        return (try? scan(for: fingerprint, where: isMatch))?.first
    }

    /// The `batch` records of batch root `root` (hex), in log order (the index must be current); the
    /// log is scanned when the index has none (an index built before format 6 has no such keys).
    public func batchRecords(root: String) -> [AuditRecord] {
        let marks = loadState()?.marks ?? []
        let isMatch = { (record: AuditRecord) in record.event == "batch" && record.string("root") == root }
        let found = lookup(Self.key(batchRoot: root), marks: marks).records.filter(isMatch)
        if !found.isEmpty { return found }
        return (try? scan(for: root, where: isMatch)) ?? []
    }

    /// Binary search of the sorted entry file with `pread` (a lookup touches O(log n) pages), then
    /// each entry under `key` is checked against the log before its record is believed: its segment
    /// is one indexed, its offset lies within what was indexed there, the byte before it ends a
    /// line, and the line there is a record filed under `key`. Entries that fail are reported.
    func lookup(_ key: UInt64, marks: [State.Mark]) -> AuditIndexAnswer {
        var answer = AuditIndexAnswer(records: [], ignoredEntries: [], isFromScan: false)
        let fd = open(entriesPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return answer }
        defer { close(fd) }
        var info = stat()
        var magic = [UInt8](repeating: 0, count: 8)
        guard fstat(fd, &info) == 0, info.st_size >= 8,
              magic.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, 8, 0) }) == 8, magic == Self.magic
        else {
            answer.ignoredEntries.append("\(entriesPath) is not an index file; ignored — rebuild with nex audit index")
            return answer
        }
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
            guard let found = entry(middle) else { return answer }
            if found.key < key { low = middle + 1 } else { high = middle }
        }
        var index = low
        while index < count, let found = entry(index), found.key == key {
            switch check(found, marks: marks) {
            case .success(let record): answer.records.append(record)
            case .failure(let problem): answer.ignoredEntries.append("index entry \(index + 1) of \(count) \(problem.reason); ignored — rebuild with nex audit index")
            }
            index += 1
        }
        return answer
    }

    /// Why an index entry was not believed.
    struct EntryProblem: Error {
        var reason: String
    }

    /// The record an entry points at, if the entry holds up against the log.
    private func check(_ entry: Entry, marks: [State.Mark]) -> Result<AuditRecord, EntryProblem> {
        guard let mark = marks.first(where: { AuditSegments.firstSequence(ofFileName: $0.name) == entry.segment }) else {
            return .failure(EntryProblem(reason: "names a segment with first sequence \(entry.segment), which is not in the log"))
        }
        // Compared as UInt64: an offset of 2^63 or more is no file position at all.
        guard entry.offset < UInt64(mark.size) else {
            return .failure(EntryProblem(reason: "points outside \(mark.name) (offset \(entry.offset), \(mark.size) bytes indexed)"))
        }
        if entry.offset > 0, byte(in: mark.name, at: entry.offset - 1) != 0x0A {
            return .failure(EntryProblem(reason: "points into the middle of a line of \(mark.name) (offset \(entry.offset))"))
        }
        guard let line = readLine(segment: mark.name, offset: entry.offset),
              let record = AuditRecord(segment: mark.name, line: 0, bytes: line),
              Self.keys(of: line[...]).contains(entry.key)
        else {
            return .failure(EntryProblem(reason: "points at a line of \(mark.name) (offset \(entry.offset)) that is not a record filed under its key"))
        }
        return .success(record)
    }

    private func byte(in segment: String, at offset: UInt64) -> UInt8? {
        guard let position = off_t(exactly: offset) else { return nil }
        let fd = open(directory + "/" + segment, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var value: UInt8 = 0
        return pread(fd, &value, 1, position) == 1 ? value : nil
    }

    /// The line starting at `offset` in `segment` (without its newline), read with `pread`; `nil`
    /// when there is no complete line there.
    func readLine(segment: String, offset: UInt64) -> [UInt8]? {
        guard var position = off_t(exactly: offset) else { return nil }
        let fd = open(directory + "/" + segment, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var line: [UInt8] = []
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

extension AuditRecord {
    /// Whether the record is one of message `id`'s: its `msg`, or a receipt listing it.
    func names(message id: String) -> Bool {
        string("msg") == id || (members["received"] as? [String])?.contains(id) == true
    }
}
