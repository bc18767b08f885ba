import Foundation
import NexCrypto

#if canImport(Glibc)
import Glibc
#endif

/// A lookup index by message id (and certificate fingerprint), derived from the log. Never written
/// by nexd: `nex audit index`, `query --msg` and `trace` build or update it on demand; deleting it
/// loses nothing.
///
/// The index is kept where the auditor controls it, not in the host-writable audit directory
/// (docs/DECISIONS.md D28): by default `$XDG_CACHE_HOME/nex/audit-index/<id of the audit
/// directory>/`. Its `state.json` binds it to the log state it was built for (every indexed
/// segment's size and the hash of its last indexed record, the sequence of the last one); an index
/// whose log no longer has those records there is ignored and rebuilt.
///
/// `messages.idx` is `"NEXIDX01"` then sorted 24-byte entries `u64 key ‖ u64 segment first sequence ‖
/// u64 byte offset of the line`, key = the first 8 bytes (big-endian) of SHA-256 of `msg:<id>` or
/// `cert:<fingerprint>`. Every entry is bounds-checked when used (``find(message:)``), and every
/// "not found" is confirmed by a scan of the log.
public struct AuditIndex {
    struct Entry: Comparable {
        var key: UInt64
        var segment: UInt64
        var offset: UInt64
        static func < (a: Entry, b: Entry) -> Bool {
            (a.key, a.segment, a.offset) < (b.key, b.segment, b.offset)
        }
    }

    static let magic = Array("NEXIDX01".utf8)
    /// The audit directory (the log).
    public let directory: String
    /// Where the index files are kept.
    public let indexDirectory: String
    var entriesPath: String { indexDirectory + "/messages.idx" }
    var statePath: String { indexDirectory + "/state.json" }

    /// The index of the log in `directory`, kept in `indexDirectory` (default:
    /// ``defaultIndexDirectory(for:)``). The index directory must not be writable by the host whose
    /// log it indexes: an index that lies can hide records from a lookup.
    public init(directory: String, indexDirectory: String? = nil) {
        self.directory = directory
        self.indexDirectory = indexDirectory ?? Self.defaultIndexDirectory(for: directory)
    }

    /// The lookup key of a message id.
    static func key(message id: some StringProtocol) -> UInt64 { key("msg:" + id) }
    /// The lookup key of a certificate fingerprint.
    static func key(certificate fingerprint: some StringProtocol) -> UInt64 { key("cert:" + fingerprint) }
    /// The lookup key of a batch root (a `batch` record, format 6).
    static func key(batchRoot root: some StringProtocol) -> UInt64 { key("batch:" + root) }
    private static func key(_ text: String) -> UInt64 {
        SHA256.hash(Array(text.utf8)).bytes.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Brings the index up to date with the log; returns how many entries were added and whether it
    /// was rebuilt from scratch (no index yet, or one built for another log state).
    /// - Throws: ``AuditError`` when the log or the index directory cannot be read or written.
    @discardableResult
    public func update() throws(AuditError) -> (added: Int, rebuilt: Bool) {
        let segments = try AuditSegments.list(in: directory)
        let previous = loadState().flatMap { $0.describesPrefix(of: self, segments: segments) ? $0 : nil }
        var state = previous ?? State(marks: [], entryCount: 0)
        if let last = state.marks.last, last.name == segments.last, fileSize(directory + "/" + last.name) == last.size {
            return (0, false)
        }
        var fresh: [Entry] = []
        let startIndex = state.marks.last.flatMap { segments.firstIndex(of: $0.name) } ?? 0
        for index in startIndex..<segments.count {
            let name = segments[index]
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
                throw AuditError(.unreadable, "cannot read audit segment \(directory)/\(name)")
            }
            let bytes = [UInt8](data)
            let first = AuditSegments.firstSequence(ofFileName: name) ?? 0
            var mark = state.marks.last?.name == name ? state.marks.removeLast() : State.Mark(name: name, size: 0)
            var last: Range<Int>?
            // Every complete line is indexed, framed or not (the scan finds any line that decodes);
            // only a torn final line waits for nexd to repair or finish it.
            LineScan.forEachLine(in: bytes, from: mark.size) { range, torn in
                guard !torn else { return false }
                for key in Self.keys(of: bytes[range]) {
                    fresh.append(Entry(key: key, segment: first, offset: UInt64(range.lowerBound)))
                }
                last = range
                return true
            }
            if let last {
                mark = State.Mark(name: name, size: last.upperBound + 1, lastLineStart: last.lowerBound,
                                  lastLineHash: SHA256.hash(bytes[last]).hex)
                state.lastSequence = AuditVerifierWalk.leadingSequence(bytes[last]) ?? state.lastSequence
            }
            state.marks.append(mark)
        }
        var entries = previous == nil ? [] : readEntries()
        entries.append(contentsOf: fresh)
        entries.sort()
        state.entryCount = entries.count
        try write(entries, state: state)
        return (fresh.count, previous == nil)
    }

    /// The keys a record line is found under.
    static func keys(of line: ArraySlice<UInt8>) -> [UInt64] {
        var keys: [UInt64] = []
        if let id = LineScan.stringValue(after: Array(#","msg":""#.utf8), in: line) {
            keys.append(key(message: String(decoding: id, as: UTF8.self)))
        }
        if let event = LineScan.event(of: line) {
            if event.elementsEqual("receipt".utf8), let start = LineScan.find(Array(#","received":["#.utf8), in: line) {
                let listStart = start + 13
                if let end = line[listStart...].firstIndex(of: UInt8(ascii: "]")) {
                    for item in line[listStart..<end].split(separator: UInt8(ascii: ",")) where item.count > 2 {
                        keys.append(key(message: String(decoding: item.dropFirst().dropLast(), as: UTF8.self)))
                    }
                }
            } else if event.elementsEqual("certificate".utf8), let fingerprint = LineScan.stringValue(after: Array(#","cert":""#.utf8), in: line) {
                keys.append(key(certificate: String(decoding: fingerprint, as: UTF8.self)))
            } else if event.elementsEqual("batch".utf8), let root = LineScan.stringValue(after: Array(#","root":""#.utf8), in: line) {
                keys.append(key(batchRoot: String(decoding: root, as: UTF8.self)))
            }
        }
        return keys
    }

    func loadState() -> State? {
        guard let data = FileManager.default.contents(atPath: statePath) else { return nil }
        return try? JSONDecoder().decode(State.self, from: data)
    }

    /// Forgets the log state the index was built for, so that the next update rebuilds it.
    func invalidate() {
        unlink(statePath)
    }

    func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : -1
    }

    private func readEntries() -> [Entry] {
        guard let data = FileManager.default.contents(atPath: entriesPath), data.count >= 8 else { return [] }
        let bytes = [UInt8](data)
        return stride(from: 8, to: bytes.count - 23, by: 24).map { at in
            Entry(key: Self.integer(bytes, at), segment: Self.integer(bytes, at + 8), offset: Self.integer(bytes, at + 16))
        }
    }

    static func integer(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        bytes[at..<(at + 8)].reduce(0) { $0 << 8 | UInt64($1) }
    }

    private func write(_ entries: [Entry], state: State) throws(AuditError) {
        var bytes = Self.magic
        bytes.reserveCapacity(8 + entries.count * 24)
        for entry in entries {
            SignedCheckpoint.appendBigEndian(entry.key, to: &bytes)
            SignedCheckpoint.appendBigEndian(entry.segment, to: &bytes)
            SignedCheckpoint.appendBigEndian(entry.offset, to: &bytes)
        }
        var state = state
        do {
            try FileManager.default.createDirectory(atPath: indexDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            // The state goes last: a crash in between leaves a state that does not match the entries.
            invalidate()
            try Data(bytes).write(to: URL(fileURLWithPath: entriesPath), options: .atomic)
            chmod(entriesPath, 0o600)
            state.entriesFile = State.FileIdentity(path: entriesPath)
            try JSONEncoder().encode(state).write(to: URL(fileURLWithPath: statePath), options: .atomic)
            chmod(statePath, 0o600)
        } catch {
            throw AuditError(.unreadable, "cannot write the audit index in \(indexDirectory): \(error.localizedDescription); check its permissions")
        }
    }
}
