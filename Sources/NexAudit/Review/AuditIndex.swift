import Foundation
import NexCrypto

#if canImport(Glibc)
import Glibc
#endif

/// A lookup index by message id (and certificate fingerprint), derived from the log and kept in
/// `<audit dir>/index/`. Never written by nexd: `nex audit index`, `query --msg` and `trace` build or
/// update it on demand; deleting it loses nothing.
///
/// `messages.idx` is `"NEXIDX01"` then sorted 24-byte entries `u64 key ‖ u64 segment first sequence ‖
/// u64 byte offset of the line`, key = the first 8 bytes (big-endian) of SHA-256 of `msg:<id>` or
/// `cert:<fingerprint>`. `state.json` says how far the log is indexed, and the hash of that last
/// record: if the log no longer has that record there, the index is rebuilt.
public struct AuditIndex {
    struct Entry: Comparable {
        var key: UInt64
        var segment: UInt64
        var offset: UInt64
        static func < (a: Entry, b: Entry) -> Bool {
            (a.key, a.segment, a.offset) < (b.key, b.segment, b.offset)
        }
    }

    struct State: Codable {
        var version = 1
        var segment: String
        var offset: Int
        var lineStart: Int
        var hash: String
    }

    static let magic = Array("NEXIDX01".utf8)
    public let directory: String
    var indexDirectory: String { directory + "/index" }
    var entriesPath: String { indexDirectory + "/messages.idx" }
    var statePath: String { indexDirectory + "/state.json" }

    /// The index of the log in `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    /// The lookup key of a message id.
    static func key(message id: some StringProtocol) -> UInt64 { key("msg:" + id) }
    /// The lookup key of a certificate fingerprint.
    static func key(certificate fingerprint: some StringProtocol) -> UInt64 { key("cert:" + fingerprint) }
    private static func key(_ text: String) -> UInt64 {
        SHA256.hash(Array(text.utf8)).bytes.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Brings the index up to date with the log; returns how many entries were added and whether it
    /// was rebuilt from scratch.
    /// - Throws: ``AuditError`` when the log or the index directory cannot be read or written.
    @discardableResult
    public func update() throws(AuditError) -> (added: Int, rebuilt: Bool) {
        let segments = try AuditSegments.list(in: directory)
        var state = loadState().flatMap { isCurrent($0, segments: segments) ? $0 : nil }
        let rebuilt = state == nil
        if let current = state, current.segment == segments.last, fileSize(directory + "/" + current.segment) == current.offset {
            return (0, false)
        }
        var fresh: [Entry] = []
        let startIndex = state.flatMap { segments.firstIndex(of: $0.segment) } ?? 0
        for index in startIndex..<segments.count {
            let name = segments[index]
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
                throw AuditError(.unreadable, "cannot read audit segment \(directory)/\(name)")
            }
            let bytes = [UInt8](data)
            let first = AuditSegments.firstSequence(ofFileName: name) ?? 0
            let from = (state?.segment == name) ? state!.offset : 0
            LineScan.forEachLine(in: bytes, from: from) { range, torn in
                guard !torn, range.count > 80 else { return false }
                for key in Self.keys(of: bytes[range]) {
                    fresh.append(Entry(key: key, segment: first, offset: UInt64(range.lowerBound)))
                }
                let hash = String(decoding: bytes[(range.upperBound - 66)..<(range.upperBound - 2)], as: UTF8.self)
                state = State(segment: name, offset: range.upperBound + 1, lineStart: range.lowerBound, hash: hash)
                return true
            }
        }
        var entries = rebuilt ? [] : readEntries()
        entries.append(contentsOf: fresh)
        entries.sort()
        try write(entries, state: state)
        return (fresh.count, rebuilt)
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
            }
        }
        return keys
    }

    private func loadState() -> State? {
        guard let data = FileManager.default.contents(atPath: statePath) else { return nil }
        return try? JSONDecoder().decode(State.self, from: data)
    }

    /// Whether the record the state names is still where it was, with the same hash.
    private func isCurrent(_ state: State, segments: [String]) -> Bool {
        guard state.version == 1, segments.contains(state.segment), FileManager.default.fileExists(atPath: entriesPath),
              let line = readLine(segment: state.segment, offset: UInt64(state.lineStart)),
              line.count == state.offset - 1 - state.lineStart
        else { return false }
        return String(decoding: line.suffix(66).prefix(64), as: UTF8.self) == state.hash
    }

    private func fileSize(_ path: String) -> Int {
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

    private func write(_ entries: [Entry], state: State?) throws(AuditError) {
        var bytes = Self.magic
        bytes.reserveCapacity(8 + entries.count * 24)
        for entry in entries {
            SignedCheckpoint.appendBigEndian(entry.key, to: &bytes)
            SignedCheckpoint.appendBigEndian(entry.segment, to: &bytes)
            SignedCheckpoint.appendBigEndian(entry.offset, to: &bytes)
        }
        do {
            try FileManager.default.createDirectory(atPath: indexDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try Data(bytes).write(to: URL(fileURLWithPath: entriesPath), options: .atomic)
            chmod(entriesPath, 0o600)
            if let state {
                try JSONEncoder().encode(state).write(to: URL(fileURLWithPath: statePath), options: .atomic)
                chmod(statePath, 0o600)
            }
        } catch {
            throw AuditError(.unreadable, "cannot write the audit index in \(indexDirectory): \(error.localizedDescription); check its permissions")
        }
    }
}
