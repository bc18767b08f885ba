import Dispatch
import NexSync

#if canImport(Glibc)
import Glibc
#endif

/// The segment file the writer switches to next: `<audit dir>/next-segment.jsonl`, created and made
/// durable (directory fsync) on the audit files queue long before it is needed, so that a rotation
/// on the writer queue is one `rename` and no sync (docs/AUDIT.md §Files, D48).
///
/// The writer ``take()``s the prepared descriptor, links the file under the segment name (its first
/// sequence) and writes on; then ``retire(_:)`` runs on the files queue: `fsync` and `close` of the
/// old segment, a directory fsync that makes the new name durable, the removal of the prepared name
/// and the next preparation. Until that fsync a crash may leave the new segment under the prepared
/// name only, records and all: start-up names it (``AuditRecovery``) and both verifiers read it as
/// the last segment; while both names exist, readers take the segment name (one file).
final class AuditNextSegment: @unchecked Sendable {
    private enum State {
        /// A preparation is queued on the files queue (or the file was just taken: its retire
        /// prepares the next one).
        case preparing
        /// Prepared and durable: the descriptor of the empty file.
        case ready(Int32)
        /// The file could not be created; the writer stays in its segment and asks again.
        case failed
        /// The log stopped: nothing more is prepared.
        case stopped
    }

    /// The audit directory.
    let directory: String
    /// The audit files queue (serial; shared with the `checkpoint.json` writer).
    let queue: DispatchQueue
    private let state = Locked<State>(.preparing)

    /// The prepared file's path.
    var path: String { directory + "/" + AuditSegments.preparedName }

    init(directory: String, queue: DispatchQueue) {
        self.directory = directory
        self.queue = queue
    }

    /// Starts preparing the first file, once start-up succeeded (``AuditRecovery`` has removed or
    /// named whatever an earlier run left under the prepared name).
    func start() {
        queue.async { self.create() }
    }

    deinit {
        if case .ready(let fd) = state.withLock({ $0 }) { close(fd) }
    }

    /// Writer queue: the prepared file's descriptor, or `nil` when it could not be created (a new
    /// attempt is queued; the writer stays in its segment). Waits for a preparation still under way
    /// — only when a segment fills before the previous rotation's syncs are done (tiny segments in
    /// tests; never at 64 MiB), so rotation stays as predictable as it was.
    func take() -> Int32? {
        var current = state.withLock { $0 }
        if case .preparing = current {
            queue.sync {}
            current = state.withLock { $0 }
        }
        switch current {
        case .ready(let fd):
            state.withLock { $0 = .preparing }
            return fd
        case .failed:
            state.withLock { $0 = .preparing }
            queue.async { self.create() }
            return nil
        case .preparing, .stopped:
            return nil
        }
    }

    /// Writer queue: a taken file that could not be renamed stays prepared.
    func giveBack(_ fd: Int32) {
        state.withLock { $0 = .ready(fd) }
    }

    /// Writer queue, right after a switch: on the files queue, syncs and closes the old segment,
    /// makes the new name durable, removes the prepared name and prepares the next file. The old segment's records were already
    /// made durable batch by batch when fsync is on; this full `fsync` adds its times (and is the
    /// only sync when fsync is off).
    func retire(_ oldSegment: Int32) {
        queue.async {
            _ = fsync(oldSegment)
            close(oldSegment)
            AuditRecovery.syncDirectory(self.directory)
            // The segment's own name is durable: the prepared name may go (after a crash before
            // this point start-up finds the file under both names, or only the prepared one).
            unlink(self.path)
            self.create()
        }
    }

    /// Files queue: creates the empty file (0600) and makes its directory entry durable.
    private func create() {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 { AuditRecovery.syncDirectory(directory) }
        let closeNow = state.withLock { current -> Bool in
            if case .stopped = current { return fd >= 0 }
            current = fd >= 0 ? .ready(fd) : .failed
            return false
        }
        if closeNow { close(fd) }
    }

    /// Waits for the files queue, then prepares nothing more. On a clean stop (`removingFile`) the
    /// unused prepared file is removed; a simulated crash leaves it, as a crash would.
    func stop(removingFile: Bool) {
        queue.sync {}
        let prepared = state.withLock { current -> Int32? in
            defer { current = .stopped }
            if case .ready(let fd) = current { return fd }
            return nil
        }
        if let prepared { close(prepared) }
        if removingFile { unlink(path) }
    }
}
