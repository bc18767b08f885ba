import Foundation
import NexCrypto

#if canImport(Glibc)
import Glibc
#endif

/// What opening the log found: where the chain ends, and whether a torn final record was cut off.
///
/// A crash can leave a final record half written (no trailing newline). That tail is truncated and
/// the repair recorded; a complete final record that only lacks its newline keeps its place (the
/// newline is restored, and that is recorded too); a complete final line whose own hash does not match is *not* a crash
/// artefact, so start-up refuses it rather than guess.
public struct AuditRecovery: Sendable {
    /// The segment the writer continues (nil for a new, empty log).
    public var lastSegment: String?
    /// Sequence of the last complete record (0 when empty).
    public var lastSequence: UInt64
    /// Hash of the last complete record (the genesis hash when empty).
    public var lastHash: SHA256Digest
    /// Time of the last complete record, Unix milliseconds (`Int64.min` when empty).
    public var lastTimeMillis: Int64 = .min
    /// Bytes of a torn final record that were cut off (0 when none).
    public var tornBytes: Int
    /// The file the torn record was cut from, when it was not the last segment (the prepared next
    /// segment, which is then removed).
    public var tornSegment: String? = nil
    /// Complete final records whose missing line end was restored (0 or 1).
    public var restoredLineEnds: Int
    /// Accepted `publish` records cut from the end because their route record, written in the
    /// same append, was lost (counted in ``tornBytes`` too): never ACKed, so a retry is accepted anew.
    public var unroutedPublishes: Int = 0
    /// The directory, subdirectories and files whose mode let group or others in, and that were
    /// restricted to the owner (0700, 0600) before anything was read; empty when all were private.
    /// For the daemon's log: someone may have read the log while it was open to them.
    public var tightenedPermissions: [AuditPermissionChange] = []

    /// Creates the directory if needed (mode 0700) or restricts an existing one to its owner
    /// (``AuditPermissions``), then finds and repairs the tail.
    /// - Throws: ``AuditError`` when the directory is unusable or the final record is corrupt.
    static func recover(directory: String) throws(AuditError) -> AuditRecovery {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw AuditError(.unreadable, "cannot create audit directory \(directory): \(error.localizedDescription)")
            }
        } else if !isDirectory.boolValue {
            throw AuditError(.unreadable, "audit path \(directory) exists and is not a directory")
        }
        let tightened = try AuditPermissions.tighten(directory: directory)
        let tornInPrepared = try adoptPreparedSegment(directory: directory)
        var recovery = try findTail(directory: directory)
        recovery.tightenedPermissions = tightened
        if tornInPrepared > 0 {
            recovery.tornBytes += tornInPrepared
            recovery.tornSegment = AuditSegments.preparedName
        }
        return recovery
    }

    private static func findTail(directory: String) throws(AuditError) -> AuditRecovery {
        let segments = try AuditSegments.list(in: directory)
        var tornBytes = 0
        var restoredLineEnds = 0
        var unroutedPublishes = 0
        for name in segments.reversed() {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else {
                throw AuditError(.unreadable, "cannot read audit segment \(path)")
            }
            var bytes = [UInt8](data)
            let tailStart = (bytes.lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1
            if tailStart < bytes.count {
                let tail = bytes[tailStart...]
                if let (core, stored) = AuditLine.split(tail), SHA256.hash(core) == stored {
                    // A complete record whose line end was lost: keep the record, restore the end.
                    try appendNewline(path: path)
                    bytes.append(UInt8(ascii: "\n"))
                    restoredLineEnds += 1
                } else {
                    tornBytes += bytes.count - tailStart
                    try truncate(path: path, to: tailStart)
                    bytes.removeLast(bytes.count - tailStart)
                }
            }
            // An accepted publish is always appended with its route record (docs/AUDIT.md): one left
            // last before a torn record lost its route to the crash, so its append never completed
            // and was never ACKed. It goes too — kept, a retry would be answered as accepted although
            // nexd never routed it. Only with a torn tail: without that evidence of a write cut short,
            // a lone publish at the end is for the crash seal's re-verification to judge.
            while tornBytes > 0, !bytes.isEmpty {
                let end = bytes.count - 1
                let start = (bytes[..<end].lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1
                guard InboxLedger.isAcceptedPublish(bytes[start..<end]) else { break }
                tornBytes += bytes.count - start
                unroutedPublishes += 1
                try truncate(path: path, to: start)
                bytes.removeLast(bytes.count - start)
            }
            // An empty segment (fresh rotation, or nothing but a torn record): the chain ends earlier.
            guard !bytes.isEmpty else { continue }
            let lineEnd = bytes.count - 1
            let lineStart = (bytes[..<lineEnd].lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1
            let line = bytes[lineStart..<lineEnd]
            guard let (core, stored) = AuditLine.split(line), SHA256.hash(core) == stored,
                  let sequence = leadingSequence(of: core)
            else {
                throw AuditError(.corrupt, "the last record of \(path) does not match its own hash; run `nex audit verify` before starting nexd")
            }
            let time = LineScan.stringValue(after: Array(#","time":""#.utf8), in: line, searchLimit: 40)
                .flatMap { Timestamp.parse(String(decoding: $0, as: UTF8.self)) }
            return AuditRecovery(lastSegment: segments.last, lastSequence: sequence, lastHash: stored,
                                 lastTimeMillis: time ?? .min, tornBytes: tornBytes, restoredLineEnds: restoredLineEnds,
                                 unroutedPublishes: unroutedPublishes)
        }
        return AuditRecovery(lastSegment: segments.last, lastSequence: 0, lastHash: AuditLine.genesisHash, tornBytes: tornBytes,
                             restoredLineEnds: restoredLineEnds, unroutedPublishes: unroutedPublishes)
    }

    /// Reads N from a core starting `{"seq":N,`.
    static func leadingSequence(of core: [UInt8]) -> UInt64? {
        let prefix = Array(#"{"seq":"#.utf8)
        guard core.count > prefix.count, Array(core[0..<prefix.count]) == prefix else { return nil }
        var value: UInt64 = 0
        var index = prefix.count
        while index < core.count, (48...57).contains(core[index]) {
            value = value &* 10 &+ UInt64(core[index] - 48)
            index += 1
        }
        return index > prefix.count ? value : nil
    }

    private static func appendNewline(path: String) throws(AuditError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else {
            throw AuditError(.unreadable, "cannot repair the tail of \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var newline = UInt8(ascii: "\n")
        guard write(fd, &newline, 1) == 1, fsync(fd) == 0 else {
            throw AuditError(.unreadable, "cannot repair the tail of \(path): \(String(cString: strerror(errno)))")
        }
    }

    private static func truncate(path: String, to length: Int) throws(AuditError) {
        guard Glibc.truncate(path, off_t(length)) == 0 else {
            throw AuditError(.unreadable, "cannot repair torn tail of \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// fsyncs a directory so a new segment's name is durable. Returns the errno of the failed
    /// `open` or `fsync`, or `nil` when the directory was synced: callers must not remove a name
    /// whose replacement is not durable (``AuditNextSegment``).
    @discardableResult
    static func syncDirectory(_ directory: String) -> Int32? {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        let failure = fsync(fd) == 0 ? nil : errno
        close(fd)
        return failure
    }
}
