import Dispatch
import NexSync

/// Keeps `checkpoint.json` up to date off the writer queue: the writer ``offer(_:)``s each durable
/// checkpoint; the audit files queue writes the newest one, at most once per `interval` (the first
/// at once), by replace-and-rename (``AuditCheckpointFile/write(_:directory:)``).
///
/// Replacing the file frees the old one's blocks, which on a disk mounted with `discard` waits for
/// the device (23–120 ms measured, D48): that wait is the files queue's, never the writer's. The
/// file is written only after its checkpoint record is durable (offers come after the batch's
/// fdatasync), and never an older checkpoint over a newer one (one serial queue takes the newest).
/// ``finish(writing:)`` writes what is pending at once: a clean stop leaves the newest in the file.
final class AuditCheckpointFileWriter: @unchecked Sendable {
    private struct State {
        /// The newest checkpoint offered.
        var newest: SignedCheckpoint?
        /// The tree size of the checkpoint last written (nil: none yet).
        var writtenSize: UInt64?
        var writeScheduled = false
        var lastWrite: DispatchTime?
        var stopped = false
        /// Files written so far (for tests).
        var writes = 0
    }

    let directory: String
    let queue: DispatchQueue
    let interval: DispatchTimeInterval
    /// Writes a checkpoint to the file (``AuditCheckpointFile/write(_:directory:)``; tests slow it).
    private let writeFile: @Sendable (SignedCheckpoint, String) -> Void
    private let state = Locked(State())

    init(directory: String, queue: DispatchQueue, interval: Duration,
         writeFile: @escaping @Sendable (SignedCheckpoint, String) -> Void = { AuditCheckpointFile.write($0, directory: $1) }) {
        self.directory = directory
        self.queue = queue
        self.writeFile = writeFile
        let components = interval.components
        self.interval = .nanoseconds(Int(components.seconds) * 1_000_000_000 + Int(components.attoseconds / 1_000_000_000))
    }

    /// Files written so far. For tests.
    var writeCount: Int { state.withLock { $0.writes } }

    /// Writer queue (after the checkpoint's record is durable): `checkpoint` becomes the one to
    /// write, unless a newer one was offered; schedules a write if none is.
    func offer(_ checkpoint: SignedCheckpoint) {
        let deadline = state.withLock { state -> DispatchTime? in
            guard !state.stopped else { return nil }
            if let newest = state.newest, newest.treeSize >= checkpoint.treeSize { return nil }
            state.newest = checkpoint
            guard !state.writeScheduled else { return nil }
            state.writeScheduled = true
            let now = DispatchTime.now()
            guard let last = state.lastWrite else { return now }
            return max(now, last + interval)
        }
        if let deadline { queue.asyncAfter(deadline: deadline) { self.writeNewest() } }
    }

    /// Files queue: writes the newest checkpoint if it is not in the file yet.
    private func writeNewest() {
        let pending = state.withLock { state -> SignedCheckpoint? in
            state.writeScheduled = false
            guard !state.stopped, let newest = state.newest else { return nil }
            if let written = state.writtenSize, written >= newest.treeSize { return nil }
            // Stamped before the write: an offer made while a slow rename runs is scheduled an
            // interval after this write's start, not at once behind it.
            state.lastWrite = .now()
            return newest
        }
        guard let pending else { return }
        writeFile(pending, directory)
        state.withLock { state in
            state.writtenSize = pending.treeSize
            state.writes += 1
        }
    }

    /// Waits for the files queue; with `writing`, writes the newest checkpoint now if it is not in
    /// the file yet (a clean stop). Nothing is written afterwards.
    func finish(writing: Bool) {
        queue.sync {
            if writing { writeNewest() }
            state.withLock { $0.stopped = true }
        }
    }
}
