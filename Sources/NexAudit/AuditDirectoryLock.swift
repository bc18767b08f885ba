import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on an audit directory (`<dir>/nexd.lock`, flock), held while a writer has the
/// log open: a second nexd on the same directory would interleave records and "repair" the tail
/// the first one is still writing, so it is refused at start-up.
final class AuditDirectoryLock: @unchecked Sendable {
    private var fileDescriptor: Int32

    /// Creates the directory if needed (0700) and takes the lock.
    /// - Throws: ``AuditError/Code/inUse`` when another process holds it.
    init(directory: String) throws(AuditError) {
        if !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw AuditError(.unreadable, "cannot create audit directory \(directory): \(error.localizedDescription)")
            }
        }
        let path = directory + "/nexd.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw AuditError(.unreadable, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = read(fd, &buffer, buffer.count)
            let holder = count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
            close(fd)
            throw AuditError(.inUse, "another nexd (pid \(holder)) is using the audit directory \(directory); stop it first or give this one its own audit.directory")
        }
        // Record our pid for the message above (best effort).
        _ = ftruncate(fd, 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pwrite(fd, pid, pid.count, 0)
        fileDescriptor = fd
    }

    /// Releases the lock (idempotent).
    func release() {
        guard fileDescriptor >= 0 else { return }
        close(fileDescriptor)
        fileDescriptor = -1
    }

    deinit {
        release()
    }
}

/// Whether a writer holds an audit directory's lock, for readers that explain a verdict (an
/// unsealed tail is expected while nexd runs). Never takes the lock for longer than the probe.
public enum AuditDirectoryLockProbe {
    /// True when another process holds `<directory>/nexd.lock`.
    public static func isHeld(directory: String) -> Bool {
        let fd = open(directory + "/nexd.lock", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else { return errno == EWOULDBLOCK }
        flock(fd, LOCK_UN)
        return false
    }
}
