import Foundation
import NexCrypto

#if canImport(Glibc)
import Glibc
#endif

extension AuditRecovery {
    /// What a run left under the prepared name (``AuditSegments/preparedName``, D48), before the
    /// tail is looked for:
    /// - a second name of the **last** segment (same device and inode: a crash before the prepared
    ///   name was removed) is removed, and nothing in it counted (the tail is repaired under the
    ///   segment's own name);
    /// - an empty file is removed;
    /// - a file whose first line is a complete record with a valid own hash, numbered right after
    ///   the last named segment's last record (a crash after the writer switched to it, before its
    ///   new name was durable), is renamed to the segment name that record's sequence makes;
    /// - a file holding only a torn first record is removed, and its bytes returned as torn.
    ///
    /// Anything else is refused before any entry is touched, as the verifiers report it.
    /// - Throws: ``AuditError/Code/corrupt`` when the entry is not a regular file, is a second name
    ///   of a segment other than the last, its first line does not match its own hash or does not
    ///   continue the last named segment, or a different segment already has its name.
    static func adoptPreparedSegment(directory: String) throws(AuditError) -> Int {
        let path = directory + "/" + AuditSegments.preparedName
        var status = stat()
        guard lstat(path, &status) == 0 else { return 0 }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw AuditError(.corrupt, "\(path) is not a regular file; move it out of the audit directory after an auditor has looked at it")
        }
        let segments = try AuditSegments.list(in: directory)
        if let named = segments.first(where: { isSameFile(directory + "/" + $0, as: status) }) {
            guard named == segments.last else {
                throw AuditError(.corrupt, "\(path) is a second name of \(named), which is not the last segment; run `nex audit verify` and investigate before starting nexd")
            }
            unlink(path)
            syncDirectory(directory)
            return 0
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditError(.unreadable, "cannot read \(path)")
        }
        let bytes = [UInt8](data)
        let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\n"))
        var torn = 0
        if let (core, stored) = AuditLine.split(bytes[..<(lineEnd ?? bytes.count)]), SHA256.hash(core) == stored,
           let sequence = leadingSequence(of: core) {
            let expected = try nextSequence(after: segments.last, directory: directory)
            guard sequence == expected else {
                throw AuditError(.corrupt, "\(path) begins with record \(sequence) but the log's named segments end before record \(expected); run `nex audit verify` and investigate before starting nexd")
            }
            let target = directory + "/" + AuditSegments.fileName(firstSequence: sequence)
            var existing = stat()
            guard lstat(target, &existing) != 0 else {
                throw AuditError(.corrupt, "\(path) holds record \(sequence) but \(target) exists too; run `nex audit verify` and investigate before starting nexd")
            }
            guard rename(path, target) == 0 else {
                throw AuditError(.unreadable, "cannot name \(path) \(target): \(String(cString: strerror(errno)))")
            }
        } else if lineEnd != nil {
            throw AuditError(.corrupt, "the first record of \(path) does not match its own hash; run `nex audit verify` before starting nexd")
        } else {
            torn = bytes.count  // empty, or nothing but a torn first record
            unlink(path)
        }
        syncDirectory(directory)
        return torn
    }

    private static func isSameFile(_ path: String, as status: stat) -> Bool {
        var other = stat()
        return lstat(path, &other) == 0 && other.st_ino == status.st_ino && other.st_dev == status.st_dev
    }

    /// The sequence the record after `lastSegment` must have: one after its last complete record's
    /// (a final record whose line end was lost counts), or the sequence its name announces when it
    /// holds none; 1 without segments.
    private static func nextSequence(after lastSegment: String?, directory: String) throws(AuditError) -> UInt64 {
        guard let lastSegment else { return 1 }
        let path = directory + "/" + lastSegment
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditError(.unreadable, "cannot read audit segment \(path)")
        }
        let bytes = [UInt8](data)
        let tailStart = (bytes.lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1
        if let (core, stored) = AuditLine.split(bytes[tailStart...]), SHA256.hash(core) == stored,
           let sequence = leadingSequence(of: core) {
            return sequence + 1
        }
        if let end = bytes.lastIndex(of: UInt8(ascii: "\n")) {
            let start = (bytes[..<end].lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1
            if let sequence = leadingSequence(of: Array(bytes[start..<end])) { return sequence + 1 }
        }
        return AuditSegments.firstSequence(ofFileName: lastSegment) ?? 1
    }
}
