import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `<audit dir>/checkpoint.json`: the latest checkpoint as a witness file, kept by nexd itself.
///
/// Written after the checkpoint record is durable (replace by rename, not fsynced: the record in the
/// log is the durable copy), so the file never claims more than the log holds. `nex audit verify`
/// treats it as a local witness: a log cut at a record boundary behind it is reported.
public enum AuditCheckpointFile {
    /// The file name inside the audit directory.
    public static let name = "checkpoint.json"

    /// Replaces the file with `checkpoint` (mode 0600). Failures are ignored: it is a convenience copy.
    static func write(_ checkpoint: SignedCheckpoint, directory: String) {
        let path = directory + "/" + name
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let text = Array((checkpoint.jsonText() + "\n").utf8)
        let written = text.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == text.count else { unlink(temporary); return }
        rename(temporary, path)
    }

    /// The checkpoint in `directory`, if the directory has an entry of that name.
    ///
    /// Any entry counts (`lstat`): a dangling symlink, a directory or an unreadable file named
    /// `checkpoint.json` is a witness that cannot be read, never a missing one.
    /// - Throws: ``AuditError`` when the entry exists but cannot be read or is not in the form
    ///   ``SignedCheckpoint/jsonText()`` writes.
    public static func read(directory: String) throws(AuditError) -> SignedCheckpoint? {
        let path = directory + "/" + name
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return try SignedCheckpoint(contentsOfFile: path)
    }
}
