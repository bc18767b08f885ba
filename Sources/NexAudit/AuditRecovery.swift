import Foundation
import NexCrypto

#if canImport(Glibc)
import Glibc
#endif

/// What opening the log found: where the chain ends, and whether a torn final record was cut off.
///
/// A crash can leave a final record half written (no trailing newline). That tail is truncated and
/// the repair recorded; a complete final line whose own hash does not match is *not* a crash
/// artefact, so start-up refuses it rather than guess.
public struct AuditRecovery: Sendable {
    /// The segment the writer continues (nil for a new, empty log).
    public var lastSegment: String?
    /// Sequence of the last complete record (0 when empty).
    public var lastSequence: UInt64
    /// Hash of the last complete record (the genesis hash when empty).
    public var lastHash: SHA256Digest
    /// Bytes of a torn final record that were cut off (0 when none).
    public var tornBytes: Int

    /// Creates the directory if needed (mode 0700), then finds and repairs the tail.
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
        let segments = try AuditSegments.list(in: directory)
        var tornBytes = 0
        for name in segments.reversed() {
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else {
                throw AuditError(.unreadable, "cannot read audit segment \(path)")
            }
            var bytes = [UInt8](data)
            if let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")), lastNewline != bytes.count - 1 {
                tornBytes = bytes.count - lastNewline - 1
                try truncate(path: path, to: lastNewline + 1)
                bytes.removeLast(tornBytes)
            } else if !bytes.isEmpty, !bytes.contains(UInt8(ascii: "\n")) {
                tornBytes = bytes.count
                try truncate(path: path, to: 0)
                bytes = []
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
            return AuditRecovery(lastSegment: segments.last, lastSequence: sequence, lastHash: stored, tornBytes: tornBytes)
        }
        return AuditRecovery(lastSegment: segments.last, lastSequence: 0, lastHash: AuditLine.genesisHash, tornBytes: tornBytes)
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

    private static func truncate(path: String, to length: Int) throws(AuditError) {
        guard Glibc.truncate(path, off_t(length)) == 0 else {
            throw AuditError(.unreadable, "cannot repair torn tail of \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// fsyncs a directory so a new segment's name is durable.
    static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
