import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// What the writer knows about the failure the log is in: for the `repair` record that ends it.
/// Writer-queue state.
struct AuditOutage {
    /// The first error: what the repair record says failed.
    var error: AuditError
    /// Bytes of unsynced records cut from the segments since the failure.
    var truncatedBytes = 0
    /// Appends (with events) that completed with the failure in failed batches, and their events.
    var failedAppends = 0
    var failedEvents = 0

    /// Counts the appends of a batch that completed with the failure.
    mutating func countRefused(_ batch: [AuditLog.PendingEntry]) {
        for entry in batch where !entry.isCheckpoint && !entry.members.isEmpty {
            failedAppends += 1
            failedEvents += entry.members.count
        }
    }
}

extension AuditLog {
    /// Calls `handler` on the writer queue when the log fails closed (with the error) and when it
    /// is writable again after recording the repair (with `nil`). It must not block; hop to
    /// another queue.
    public func onHealthChange(_ handler: @escaping @Sendable (AuditError?) -> Void) {
        healthHandlers.withLock { $0.append(handler) }
    }

    /// Calls `handler` on the writer queue after each batch is written (and synced, with
    /// `audit.fsync`): how many records it held, how long the sync took (next to nothing without
    /// fsync) and the log's last sequence. One handler; it must be quick (nexd's metrics count it).
    public func onBatchWritten(_ handler: @escaping @Sendable (_ records: Int, _ sync: Duration, _ lastSequence: UInt64) -> Void) {
        batchHandler.withLock { $0 = BatchHandler(call: handler) }
    }

    /// Writer queue: a batch failed. Refuses every later append, cuts the torn batch off and starts
    /// the retries.
    func failClosed(_ error: AuditError) {
        dispatchPrecondition(condition: .onQueue(queue))
        // Under the lock that numbers appends: from here on none gets a number, so the numbers
        // handed out so far are the only ones that can be stale (they all fail in `drain`).
        pending.withLock { $0.failure = error }
        var outage = AuditOutage(error: error)
        outage.truncatedBytes = cutBackToDurableOffset().cut
        self.outage = outage
        notifyHealth(error)
        scheduleRecoveryAttempt()
    }

    /// Writer queue: truncates the current segment to the end of the last synced batch, so no
    /// part of a failed batch stays in the file. Returns the bytes cut, and whether the file now
    /// ends exactly there: only then may anything be appended (writes go to the end of the file).
    ///
    /// Not synced here: the repair record's fsync makes the new length durable before anything is
    /// written after it.
    func cutBackToDurableOffset() -> (cut: Int, endsAtDurableOffset: Bool) {
        var status = stat()
        guard fstat(fileDescriptor, &status) == 0 else { return (0, false) }
        let size = Int(status.st_size)
        if size == segmentBytes { return (0, true) }
        // Shorter than what was synced: cut by someone else; appending would hide the loss.
        guard size > segmentBytes, ftruncate(fileDescriptor, off_t(segmentBytes)) == 0 else { return (0, false) }
        return (size - segmentBytes, true)
    }

    /// Calls `handler` when a rotation step on the audit files queue fails — the directory fsync
    /// that makes a new segment's name durable, creating the next segment, the full segment's
    /// fsync — or the writer cannot link the next segment, with what failed (once per kind), and
    /// with `nil` once a next segment is prepared again. The log stays writable meanwhile (no
    /// acknowledged record depends on these steps, D48): the writer stays in its segment, which
    /// grows past ``Configuration/segmentMaximumBytes``, and the step is retried every
    /// ``Configuration/recoveryRetryInterval``. Runs on the files or the writer queue; it must not
    /// block.
    public func onRotationProblem(_ handler: @escaping @Sendable (String?) -> Void) {
        nextSegment.onProblem(handler)
    }

    /// A `Duration` as a Dispatch interval, at least 1 ms.
    static func dispatchInterval(_ interval: Duration) -> DispatchTimeInterval {
        let nanoseconds = Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
        return .nanoseconds(max(nanoseconds, 1_000_000))
    }

    private func scheduleRecoveryAttempt() {
        queue.asyncAfter(deadline: .now() + Self.dispatchInterval(configuration.recoveryRetryInterval)) { [weak self] in
            self?.attemptRecovery()
        }
    }

    /// Writer queue: tries to write and sync the repair record (and, with a signer, a checkpoint
    /// after it). On success the log is writable again and numbers continue after those records;
    /// otherwise the file is cut back again and the next attempt scheduled.
    func attemptRecovery() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard outage != nil, !pending.withLock({ $0.closed }) else { return }
        // Entries numbered before the failure whose drain is still queued: fail them now, so that
        // nothing holding a stale number is left when numbering restarts.
        drain()
        guard var outage else { return }
        let cutBack = cutBackToDurableOffset()
        outage.truncatedBytes += cutBack.cut
        guard cutBack.endsAtDurableOffset else {
            self.outage = outage
            scheduleRecoveryAttempt()
            return
        }
        let refused = pending.withLock { ($0.refusedAppends, $0.refusedEvents) }
        let appends = outage.failedAppends + refused.0
        let events = outage.failedEvents + refused.1
        var event = AuditEvent(.repair, timeMillis: Self.nowMillis())
        event.reason = outage.error.code.rawValue
        event.count = UInt64(appends)
        event.detail = "\(outage.error.message); cut \(outage.truncatedBytes) bytes of unsynced records, "
            + "back to offset \(segmentBytes) of \(segmentName); refused \(appends) appends (\(events) events) "
            + "while the log could not be written"
        var batch = [PendingEntry(members: [event.encodedMembers()])]
        if configuration.checkpointSigner != nil {
            // A signed checkpoint right after the repair: witnesses learn the repaired log at once.
            batch.append(PendingEntry(members: [], isCheckpoint: true))
        }
        let written: WrittenBatch
        do throws(AuditError) {
            written = try writeRecords(batch)
        } catch {
            outage.truncatedBytes += cutBackToDurableOffset().cut
            self.outage = outage
            scheduleRecoveryAttempt()
            return
        }
        self.outage = nil
        pending.withLock { state in
            // Still failed up to here, so nothing was numbered since the failure: the next append
            // follows the repair record (and its checkpoint) without a gap.
            state.nextSequence = lastSequence + 1
            // Batch records numbered since the failure were never written.
            state.batchRecords.removeAll()
            state.failure = nil
            // Appends refused while the repair was being synced are not in its count (a window of
            // one write and fsync); they belong to this outage, not to a later one.
            state.refusedAppends = 0
            state.refusedEvents = 0
        }
        for checkpoint in written.checkpoints { publish(checkpoint) }
        notifyHealth(nil)
    }

    private func notifyHealth(_ failure: AuditError?) {
        let handlers = healthHandlers.withLock { $0 }
        for handler in handlers { handler(failure) }
    }
}
