import Dispatch
import Foundation
import NexCrypto

extension AuditLog {
    /// The newest durable checkpoint (from this run, or the last one in the log at start-up).
    /// Safe from any queue.
    public var latestCheckpoint: SignedCheckpoint? {
        published.withLock { $0.latest }
    }

    /// Calls `handler` on the writer queue after each new checkpoint is durable (for example, to
    /// hand it to connected nodes as a witness). It must not block; hop to another queue.
    public func onCheckpoint(_ handler: @escaping @Sendable (SignedCheckpoint) -> Void) {
        published.withLock { $0.handlers.append(handler) }
    }

    /// Appends a checkpoint covering every record before it, if a signer is configured and records
    /// were written since the last checkpoint; returns once it is durable. For shutdown and tests.
    public func writeCheckpointNow() {
        guard configuration.checkpointSigner != nil else { return }
        flush()
        let needed = queue.sync { recordsSinceCheckpoint > 0 || (latestCheckpoint == nil && lastSequence > 0) }
        guard needed else { return }
        let done = DispatchSemaphore(value: 0)
        let sequences = enqueue(PendingEntry(members: [], isCheckpoint: true, completion: { _ in done.signal() }))
        if sequences.isEmpty { return }
        done.wait()
    }

    /// Writer queue: after a batch, queue a checkpoint if enough records or time went by.
    func scheduleCheckpointIfDue() {
        guard configuration.checkpointSigner != nil, recordsSinceCheckpoint > 0 else { return }
        let byCount = recordsSinceCheckpoint >= configuration.checkpointEveryRecords
        let byTime = ContinuousClock.now - lastCheckpointUptime >= configuration.checkpointInterval
        guard byCount || byTime else { return }
        // Counted as done now so that the batches written before the placeholder do not queue more.
        let (records, uptime) = (recordsSinceCheckpoint, lastCheckpointUptime)
        recordsSinceCheckpoint = 0
        lastCheckpointUptime = .now
        if enqueue(PendingEntry(members: [], isCheckpoint: true)).isEmpty {
            // Refused (the log failed or closed): nothing covers those records yet.
            (recordsSinceCheckpoint, lastCheckpointUptime) = (records, uptime)
        }
    }

    /// Writer queue: a durable checkpoint becomes the latest; the handlers learn it, and the files
    /// queue writes it to `checkpoint.json` (coalesced, at most once per
    /// ``Configuration/checkpointFileInterval``).
    func publish(_ checkpoint: SignedCheckpoint) {
        lastCheckpointUptime = .now
        let handlers = published.withLock { state in
            state.latest = checkpoint
            return state.handlers
        }
        checkpointFile.offer(checkpoint)
        for handler in handlers { handler(checkpoint) }
    }

    /// A timer on the writer queue so that a quiet log still gets its last records checkpointed.
    func startCheckpointTimer() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let interval = configuration.checkpointInterval
        let nanoseconds = Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(max(nanoseconds, 1_000_000)))
        timer.setEventHandler { [weak self] in self?.scheduleCheckpointIfDue() }
        timer.resume()
        self.timer = timer
    }
}
