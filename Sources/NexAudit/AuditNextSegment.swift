import Dispatch
import NexSync

#if canImport(Glibc)
import Glibc
#endif

/// The segment file the writer switches to next: `<audit dir>/next-segment.jsonl`, created and made
/// durable (directory fsync) on the audit files queue long before it is needed, so that a rotation
/// on the writer queue is one `link` and no sync (docs/AUDIT.md §Files, D48).
///
/// The writer ``take()``s the prepared descriptor, links the file under the segment name (its first
/// sequence) and writes on; then ``retire(_:)`` runs on the files queue: `fsync` and `close` of the
/// old segment, a directory fsync that makes the new name durable, the removal of the prepared name
/// and the next preparation. Until that fsync a crash may leave the new segment under the prepared
/// name only, records and all: start-up names it (``AuditRecovery``) and both verifiers read it as
/// the last segment; while both names exist, readers take the segment name (one file).
///
/// Failures never fail the log closed (no acknowledged record depends on them) and never make the
/// writer wait: if that directory fsync fails the prepared name is kept (it is then the current
/// segment's only durable name) and the writer stays in its segment; if the next file cannot be
/// created or synced, or linked, likewise. Each is retried on the files queue (the link by the
/// writer) at most once per retry interval, and reported once per kind to ``onProblem(_:)``
/// handlers until a preparation succeeds again.
final class AuditNextSegment: @unchecked Sendable {
    private enum Phase {
        /// A preparation was asked for (at start, or by the last rotation's ``retire(_:)``) and is
        /// queued or under way on the files queue: the only phase ``take()`` waits in.
        case preparing
        /// Prepared and durable: the descriptor of the empty file.
        case ready(Int32)
        /// A step failed; a retry is scheduled on the files queue. The writer stays in its segment.
        case failed
        /// The log stopped: nothing more is prepared.
        case stopped
    }

    /// A rotation step that can fail; each kind is reported once until a preparation succeeds.
    private enum Step: Hashable { case syncOldSegment, syncDirectory, createFile, linkSegment }

    private struct State {
        var phase = Phase.preparing
        /// The prepared name is still a name of the current segment and, its own name's directory
        /// fsync having failed, the only durable one: it is removed only after a directory fsync
        /// succeeds (never at a crash, never by a clean stop that cannot sync the directory).
        var namesCurrentSegment = false
        /// After a failed link: the writer does not take the prepared file again before this.
        var notBefore: DispatchTime?
        var reported: Set<Step> = []
        var handlers: [@Sendable (String?) -> Void] = []
    }

    /// The audit directory.
    let directory: String
    /// The audit files queue (serial; shared with the `checkpoint.json` writer).
    let queue: DispatchQueue
    /// How long after a failure the failed step is tried again.
    let retryInterval: DispatchTimeInterval
    private let fault: Locked<AuditFault?>
    private let state = Locked(State())

    /// The prepared file's path.
    var path: String { directory + "/" + AuditSegments.preparedName }

    init(directory: String, queue: DispatchQueue, retryInterval: DispatchTimeInterval, fault: Locked<AuditFault?>) {
        self.directory = directory
        self.queue = queue
        self.retryInterval = retryInterval
        self.fault = fault
    }

    /// Starts preparing the first file, once start-up succeeded (``AuditRecovery`` has removed or
    /// named whatever an earlier run left under the prepared name).
    func start() {
        queue.async { self.create() }
    }

    deinit {
        if case .ready(let fd) = state.withLock({ $0.phase }) { close(fd) }
    }

    /// Calls `handler` with what failed when a rotation step fails (once per kind of failure), and
    /// with `nil` once a next segment is prepared again. Runs on the files or the writer queue; it
    /// must not block.
    func onProblem(_ handler: @escaping @Sendable (String?) -> Void) {
        state.withLock { $0.handlers.append(handler) }
    }

    /// Writer queue: the prepared file's descriptor, or `nil` when none is ready (a failed step is
    /// retried on the files queue; the writer stays in its segment and asks with a later batch).
    /// Waits only for a preparation asked for at start or by the previous rotation and not yet
    /// done — when a segment fills before the previous rotation's syncs are done (tiny segments in
    /// tests; never at 64 MiB), so rotation stays predictable; never after a failure.
    func take() -> Int32? {
        if case .preparing = state.withLock({ $0.phase }) { queue.sync {} }
        return state.withLock { state -> Int32? in
            guard case .ready(let fd) = state.phase else { return nil }
            if let notBefore = state.notBefore, DispatchTime.now() < notBefore { return nil }
            state.phase = .preparing  // the rotation's retire prepares the next one
            state.notBefore = nil
            return fd
        }
    }

    /// Writer queue: a taken file that could not be linked as `name` (`code`: its errno) stays
    /// prepared; the writer takes it again after the retry interval at the earliest.
    func giveBack(_ fd: Int32, linking name: String, failedWith code: Int32) {
        state.withLock { state in
            state.phase = .ready(fd)
            state.notBefore = .now() + retryInterval
        }
        report(.linkSegment, "cannot link \(path) as \(name) (\(Self.describe(code))); the writer stays in its segment, past the segment size, and retries")
    }

    /// Writer queue, right after a switch: on the files queue, syncs and closes the old segment,
    /// makes the new name durable, removes the prepared name and prepares the next file. The old
    /// segment's records were already made durable batch by batch when fsync is on; this full
    /// `fsync` adds its times (and is the only sync when fsync is off).
    func retire(_ oldSegment: Int32) {
        queue.async {
            if fsync(oldSegment) != 0 {
                self.report(.syncOldSegment, "fsync of the full audit segment failed (\(Self.describe(errno))); its records were synced batch by batch when fsync is on")
            }
            close(oldSegment)
            self.state.withLock { $0.namesCurrentSegment = true }
            self.removePreparedNameAndPrepare()
        }
    }

    /// Files queue: once a directory fsync has made the current segment's own name durable, removes
    /// the prepared name and prepares the next file. If the fsync fails the prepared name stays
    /// (after a crash start-up and the verifiers read the file under either name or both).
    private func removePreparedNameAndPrepare() {
        if let code = syncDirectory() {
            report(.syncDirectory, "fsync of the audit directory \(directory) failed (\(Self.describe(code))); \(AuditSegments.preparedName) is kept as the current segment's durable name, the writer stays in that segment past the segment size, and the fsync is retried")
            fail()
            return
        }
        state.withLock { $0.namesCurrentSegment = false }
        unlink(path)
        create()
    }

    /// Files queue: creates the empty file (0600) and makes its directory entry durable; only then
    /// is it ready. On a failure the file is removed again and creation retried later.
    private func create() {
        if case .stopped = state.withLock({ $0.phase }) { return }
        var fd: Int32 = -1
        var failure: Int32?
        if case .failSegmentCreation(let code) = fault.withLock({ $0 }) {
            failure = code
        } else {
            fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd < 0 { failure = errno }
        }
        if let failure {
            report(.createFile, "cannot create \(path) (\(Self.describe(failure))); the writer stays in its segment, past the segment size, and creation is retried")
            fail()
            return
        }
        if let code = syncDirectory() {
            close(fd)
            unlink(path)
            report(.syncDirectory, "fsync of the audit directory \(directory) failed (\(Self.describe(code))) after creating \(path); removed, the writer stays in its segment past the segment size, and creation is retried")
            fail()
            return
        }
        let resolved = state.withLock { state -> [@Sendable (String?) -> Void] in
            state.phase = .ready(fd)
            guard !state.reported.isEmpty else { return [] }
            state.reported = []
            return state.handlers
        }
        for handler in resolved { handler(nil) }
    }

    /// Files queue: after a failed step, tries again after the retry interval.
    private func fail() {
        state.withLock { state in
            if case .stopped = state.phase { return }
            state.phase = .failed
        }
        queue.asyncAfter(deadline: .now() + retryInterval) { [weak self] in self?.retry() }
    }

    private func retry() {
        let namesCurrentSegment = state.withLock { state -> Bool? in
            guard case .failed = state.phase else { return nil }
            return state.namesCurrentSegment
        }
        guard let namesCurrentSegment else { return }
        if namesCurrentSegment { removePreparedNameAndPrepare() } else { create() }
    }

    /// Files queue: the directory fsync's errno, or `nil` when it succeeded (or the injected fault).
    private func syncDirectory() -> Int32? {
        if case .failDirectorySync(let code) = fault.withLock({ $0 }) { return code }
        return AuditRecovery.syncDirectory(directory)
    }

    private func report(_ step: Step, _ message: String) {
        let handlers = state.withLock { $0.reported.insert(step).inserted ? $0.handlers : [] }
        for handler in handlers { handler(message) }
    }

    private static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// Waits for the files queue, then prepares nothing more. On a clean stop (`removingFile`) the
    /// unused prepared file is removed, and a prepared name still naming the current segment once a
    /// directory fsync succeeds; a simulated crash leaves them, as a crash would. A file this log
    /// did not create is never removed.
    func stop(removingFile: Bool) {
        queue.sync {
            let (prepared, namesCurrentSegment) = state.withLock { state -> (Int32?, Bool) in
                defer { state.phase = .stopped }
                if case .ready(let fd) = state.phase { return (fd, false) }
                return (nil, state.namesCurrentSegment)
            }
            if let prepared {
                close(prepared)
                if removingFile { unlink(path) }
            } else if namesCurrentSegment, removingFile, syncDirectory() == nil {
                unlink(path)
            }
        }
    }
}
