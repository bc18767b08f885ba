#if canImport(Glibc)
import Glibc
#endif

/// A disk failure the writer pretends to see: a test hook for the fail-closed and recovery paths.
///
/// CI runs without mount rights, so a full or failing disk cannot be made for real; the writer's
/// write and fsync wrappers consult the injected fault instead. Never set outside tests.
public enum AuditFault: Sendable, Equatable {
    /// Every write fails at once with `errno` (nothing reaches the file).
    case failWrites(errno: Int32)
    /// Every write puts the first `bytes` bytes of its batch into the file, then fails with `errno`
    /// (a torn batch, as a full disk leaves it).
    case failAfterPartialWrite(bytes: Int, errno: Int32)
    /// Writes succeed, every fsync fails with `errno`.
    case failSync(errno: Int32)
    /// The audit files queue's directory fsyncs fail with `errno` (after a switch to the prepared
    /// segment, and after creating the next one): the writer's own writes and syncs succeed.
    case failDirectorySync(errno: Int32)
    /// Creating the next `next-segment.jsonl` fails with `errno` (EEXIST, EMFILE, ENOSPC, …).
    case failSegmentCreation(errno: Int32)
}

extension AuditLog {
    /// **Test hook.** Makes the writer fail its writes or fsyncs as `fault` says, from its next
    /// write on, until cleared with `nil`. Safe from any queue.
    ///
    /// The log reacts as to a real failure: a failed write or fsync fails it closed, cuts the file
    /// back to the last durable offset and retries every ``Configuration/recoveryRetryInterval``;
    /// a failed directory fsync or segment creation on the files queue keeps the writer in its
    /// segment (and keeps a prepared name that is not yet redundant) and retries as often.
    public func injectFault(_ fault: AuditFault?) {
        injectedFault.withLock { $0 = fault }
    }

    /// Writer queue: writes all of `buffer` to the current segment (or fails as the injected fault says).
    func writeAll(_ buffer: [UInt8]) throws(AuditError) {
        var limit = buffer.count
        var injectedErrno: Int32?
        switch injectedFault.withLock({ $0 }) {
        case .failWrites(let code):
            limit = 0
            injectedErrno = code
        case .failAfterPartialWrite(let bytes, let code):
            limit = min(max(bytes, 0), buffer.count)
            injectedErrno = code
        case .failSync, .failDirectorySync, .failSegmentCreation, nil:
            break
        }
        var offset = 0
        while offset < limit {
            let written = buffer.withUnsafeBytes { raw in
                Glibc.write(fileDescriptor, raw.baseAddress! + offset, limit - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw AuditError(.writeFailed, "write to the audit log failed: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        if let injectedErrno {
            throw AuditError(.writeFailed, "write to the audit log failed: \(String(cString: strerror(injectedErrno)))")
        }
    }

    /// Writer queue: `fdatasync`s the current segment, or fails as the injected fault says. The
    /// writer never runs a full `fsync` (D48: a full segment is synced on the files queue).
    func syncSegment() throws(AuditError) {
        if case .failSync(let code) = injectedFault.withLock({ $0 }) {
            throw AuditError(.writeFailed, "fsync of the audit log failed: \(String(cString: strerror(code)))")
        }
        guard fdatasync(fileDescriptor) == 0 else {
            throw AuditError(.writeFailed, "fsync of the audit log failed: \(String(cString: strerror(errno)))")
        }
    }
}
