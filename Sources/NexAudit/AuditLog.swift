import Dispatch
import Foundation
import NexCrypto
import NexSync

#if canImport(Glibc)
import Glibc
#endif

/// The append-only, hash-chained audit log, written with group commit, with an RFC 6962 Merkle tree
/// over its records and signed checkpoints.
///
/// Callers on any queue ``append(_:completion:)`` events; one writer queue numbers them, links them,
/// writes every pending record and fsyncs once per batch, then runs the batch's completions. While a
/// batch is being synced the next one accumulates, so throughput grows with load instead of
/// collapsing to one fsync per record. The writer queue blocks on disk by design, but only in
/// `write` and the batch's `fdatasync`; everything else that waits for the disk (the next segment,
/// a full segment's fsync, directory fsyncs, `checkpoint.json`) runs on the audit files queue,
/// which the writer does not wait for (D48). Completions must only hop to other queues.
///
/// The writer keeps only the tree's frontier (``MerkleFrontier``): per record one leaf hash and,
/// amortised, one node hash. With a ``Configuration/checkpointSigner`` it appends a signed
/// `checkpoint` record every ``Configuration/checkpointEveryRecords`` records or
/// ``Configuration/checkpointInterval``, and on ``writeCheckpointNow()`` / ``close()``.
///
/// If a write or fsync fails the log fails closed: that batch and every later append complete with
/// ``AuditError/Code/writeFailed``; what was already synced stays, and the segment is cut back to
/// the end of the last synced batch. Every ``Configuration/recoveryRetryInterval`` the writer tries
/// to write a `repair` record saying what failed; once that is durable the log accepts appends
/// again, numbering them after it (AuditLog+Recovery.swift).
public final class AuditLog: @unchecked Sendable {
    /// How the log is laid out, synced and checkpointed.
    public struct Configuration: Sendable {
        /// The directory holding the segments (created 0700 if missing).
        public var directory: String
        /// A new segment starts once the current one reaches this size. Default 64 MiB.
        public var segmentMaximumBytes: Int = 64 << 20
        /// Whether each batch is fsynced before its completions run. Default `true`; only
        /// throwaway benchmarks turn it off.
        public var synchronizesWrites: Bool = true
        /// Signs checkpoints; `nil` (the default) writes none.
        public var checkpointSigner: CheckpointSigner?
        /// Certificates of earlier audit keys (a rotation): a log that ends with one's checkpoint
        /// ended cleanly, and start-up re-verification counts their checkpoints and expire messages
        /// as vouched for. Empty: only ``checkpointSigner``'s.
        public var previousAuditCertificates: [Certificate] = []
        /// The CAs that issue node certificates (nexd's `tls.ca`): before sealing what a crashed run
        /// left, start-up re-verifies the log and checks stored originator certificates against
        /// them. Empty: those certificates are not checked.
        public var certificateAuthorities: [Certificate] = []
        /// A checkpoint follows once this many records were written since the last one. Default 1000.
        public var checkpointEveryRecords: Int = 1000
        /// A checkpoint follows once this much time passed since the last one and records were
        /// written. Default 10 s.
        public var checkpointInterval: Duration = .seconds(10)
        /// While the log has failed closed, how often the writer tries to record the repair and
        /// resume; also how often a failed rotation step (directory fsync, creating or linking the
        /// next segment) is tried again. Default 1 s.
        public var recoveryRetryInterval: Duration = .seconds(1)
        /// `checkpoint.json` is rewritten at most this often (the newest checkpoint; the first at
        /// once, and at a clean stop). Default 1 s (D48).
        public var checkpointFileInterval: Duration = .seconds(1)

        /// Creates a configuration for `directory` with the defaults.
        public init(directory: String) {
            self.directory = directory
        }
    }

    /// The sequence numbers given to a batch's events, in order.
    public typealias Completion = @Sendable (Result<[UInt64], AuditError>) -> Void

    struct PendingEntry {
        var members: [[UInt8]]
        /// A checkpoint placeholder: its members are made on the writer queue, from the tree.
        var isCheckpoint = false
        /// For a checkpoint placeholder: a `reason` and `detail` for its record (a crash seal).
        var checkpointNote: (reason: String, detail: String)?
        /// For a crash seal: the first record it seals (signed with the seal).
        var sealedFrom: UInt64?
        /// For an accepted batch-signed notice: its claim, whose `batch` record the lock inserts
        /// before it unless one is in the window (format 6, D74).
        var batch: BatchReference?
        var completion: Completion?
    }

    /// What ``append(_:batch:completion:)`` needs to record a batch-signed notice (format 6,
    /// docs/AUDIT.md §Batch signatures): its claim and who sent it — the `batch` record, built only
    /// when it is written (once per batch, not per notice) — and which event is the accepted `publish`.
    public struct BatchReference: Sendable {
        public let claim: EnvelopeBatch.Claim
        /// The originator: its node id and certificate fingerprint.
        public let node: String
        public let certificate: SHA256Digest
        /// The connection that sent the notice.
        public let connection: UInt64?
        /// The `batch` record's time.
        public let timeMillis: Int64
        /// The index of the accepted `publish` among the appended events.
        public let publishIndex: Int
        /// ``EnvelopeBatch/Claim/recordKey(certificate:)`` of the claim, computed by the initializer.
        public var key: SHA256Digest

        public init(claim: EnvelopeBatch.Claim, node: String, certificate: SHA256Digest, connection: UInt64?, timeMillis: Int64,
                    publishIndex: Int) {
            self.claim = claim
            self.node = node
            self.certificate = certificate
            self.connection = connection
            self.timeMillis = timeMillis
            self.publishIndex = publishIndex
            key = claim.recordKey(certificate: certificate)
        }

        /// The `batch` record, written directly before the publish when the log holds none of this
        /// claim among the ``BatchRecordWindow/records`` records before it.
        var record: AuditEvent {
            claim.auditEvent(node: node, certificate: certificate, connection: connection, timeMillis: timeMillis)
        }
    }

    struct Pending {
        /// The sequence the next appended event gets: numbers are given at append time, in
        /// append order, so callers know them before the records are durable.
        var nextSequence: UInt64
        var entries: [PendingEntry] = []
        var drainScheduled = false
        var failure: AuditError?
        /// Appends (with at least one event) refused at once because the log had failed, and their
        /// events; the repair record reports them.
        var refusedAppends = 0
        var refusedEvents = 0
        var closed = false
        /// The `batch` records numbered within the window (format 6): decided here, where records
        /// get their numbers, so a publish never lands out of its batch record's window.
        var batchRecords = BatchRecordWindow<Void>()
    }

    let configuration: Configuration
    /// At the message path's QoS: every ACK and delivery waits for it (D77).
    let queue = DispatchQueue(label: "nex.audit.writer", qos: MessagePath.qos)
    /// The audit files queue: what the writer must not wait for — preparing the next segment,
    /// syncing and closing a full one, the directory fsyncs, `checkpoint.json` (D48).
    let filesQueue = DispatchQueue(label: "nex.audit.files")
    /// The prepared next segment (files queue; the writer takes it at rotation).
    let nextSegment: AuditNextSegment
    /// Writes `checkpoint.json` on the files queue.
    let checkpointFile: AuditCheckpointFileWriter
    let pending: Locked<Pending>
    let published = Locked<(latest: SignedCheckpoint?, handlers: [@Sendable (SignedCheckpoint) -> Void])>((nil, []))
    let healthHandlers = Locked<[@Sendable (AuditError?) -> Void]>([])
    /// Told of each durable batch (``onBatchWritten(_:)``). Boxed: see ``BatchHandler``.
    let batchHandler = Locked<BatchHandler?>(nil)
    /// Test hook: see ``injectFault(_:)``.
    let injectedFault = Locked<AuditFault?>(nil)

    // Writer-queue state.
    var fileDescriptor: Int32
    /// The current segment's file name.
    var segmentName: String
    /// Bytes of the current segment up to the end of the last synced batch.
    var segmentBytes: Int
    var lastSequence: UInt64
    var lastHash: SHA256Digest
    /// The time of the last record written, as its 24 bytes of RFC 3339 text (empty for an empty
    /// log): no record is stamped earlier (times never go back, even when the clock does or an event
    /// was stamped before one appended ahead of it). Fixed-width text compares in time order, so the
    /// hot path never parses a time.
    var lastTimeText: [UInt8] = []
    var tree: MerkleFrontier
    /// Records (other than checkpoints) written since the last checkpoint.
    var recordsSinceCheckpoint: Int
    var lastCheckpointUptime: ContinuousClock.Instant = .now
    let leafHasher = SHA256Hasher()
    var timer: DispatchSourceTimer?
    /// What went wrong while the log has failed closed (nil while healthy).
    var outage: AuditOutage?

    /// What start-up found: the position of the last record and any torn tail cut off.
    public let recovery: AuditRecovery
    /// The records a crashed run left after its last checkpoint, sealed at start-up (first, last).
    public internal(set) var sealedAfterCrash: (first: UInt64, last: UInt64)?

    /// Opens (or creates) the log in `configuration.directory`, repairing a torn final record and
    /// resuming the Merkle tree from the last checkpoint record (or from the whole log if none).
    ///
    /// A repair is itself recorded as the first new event (`repair`, with the byte count).
    /// - Throws: ``AuditError`` when the directory cannot be used or its tail is corrupt.
    /// Held from open to close: one writer per audit directory.
    private let directoryLock: AuditDirectoryLock

    public init(configuration: Configuration, nowMillis: Int64) throws(AuditError) {
        self.configuration = configuration
        // Before anything reads or repairs the tail: only one writer per directory.
        directoryLock = try AuditDirectoryLock(directory: configuration.directory)
        let recovery = try AuditRecovery.recover(directory: configuration.directory)
        self.recovery = recovery
        nextSegment = AuditNextSegment(directory: configuration.directory, queue: filesQueue,
                                       retryInterval: AuditLog.dispatchInterval(configuration.recoveryRetryInterval),
                                       fault: injectedFault)
        checkpointFile = AuditCheckpointFileWriter(directory: configuration.directory, queue: filesQueue,
                                                   interval: configuration.checkpointFileInterval)
        let resumed = try AuditTreeRecovery.resume(directory: configuration.directory)
        guard resumed.frontier.size == recovery.lastSequence else {
            throw AuditError(.corrupt, "the audit log's tree covers \(resumed.frontier.size) records but its last sequence is \(recovery.lastSequence); run `nex audit verify`")
        }
        tree = resumed.frontier
        recordsSinceCheckpoint = resumed.recordsSinceCheckpoint
        // A crash seal is no witness (its signature covers its label too): nodes get the next plain one.
        published.withLock { $0.latest = resumed.latest?.sealedFrom == nil ? resumed.latest : nil }
        lastSequence = recovery.lastSequence
        pending = Locked(Pending(nextSequence: recovery.lastSequence + 1))
        lastHash = recovery.lastHash
        lastTimeText = recovery.lastTimeMillis == .min ? [] : Array(Timestamp.format(millis: recovery.lastTimeMillis).utf8)
        let segmentName = recovery.lastSegment ?? AuditSegments.fileName(firstSequence: recovery.lastSequence + 1)
        let path = configuration.directory + "/" + segmentName
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw AuditError(.unreadable, "cannot open audit segment \(path): \(String(cString: strerror(errno)))")
        }
        fileDescriptor = fd
        self.segmentName = segmentName
        segmentBytes = Int(lseek(fd, 0, SEEK_END))
        if segmentBytes == 0, AuditSegments.firstSequence(ofFileName: segmentName) != recovery.lastSequence + 1 {
            throw AuditError(.corrupt, "the empty last segment \(segmentName) does not announce record \(recovery.lastSequence + 1), the next one; a file was added or renamed: remove it after checking with `nex audit verify`")
        }
        // Before anything is appended: the first rotation finds the preparation queued.
        nextSegment.start()
        if let signer = configuration.checkpointSigner, recovery.lastSequence > 0,
           !Self.endsWithOwnCheckpoint(resumed, signer: signer, previous: configuration.previousAuditCertificates) {
            do throws(AuditError) { try sealAfterCrash() } catch {
                // No prepared file may appear in a directory this log did not open.
                nextSegment.stop(removingFile: true)
                throw error
            }
        }
        if recovery.tornBytes > 0 || recovery.restoredLineEnds > 0 {
            var event = AuditEvent(.repair, timeMillis: nowMillis)
            event.detail = recovery.tornBytes > 0
                ? "cut a torn final record of \(recovery.tornBytes) bytes from \(recovery.tornSegment ?? segmentName)"
                    + (recovery.unroutedPublishes > 0
                        ? " (with \(recovery.unroutedPublishes) accepted publish whose route record was lost: never acknowledged)" : "")
                : "restored the missing line end of the final record in \(segmentName)"
            append([event])
        }
        if configuration.checkpointSigner != nil { startCheckpointTimer() }
    }

    deinit {
        timer?.cancel()
        Glibc.close(fileDescriptor)
    }

    /// Sequence of the last record written so far (0 for an empty log). For start-up and tests.
    public var currentSequence: UInt64 {
        queue.sync { lastSequence }
    }

    /// Appends `events` as consecutive records and returns their sequence numbers; `completion` runs
    /// on the writer queue once they are durable (or failed). Never blocks the caller.
    ///
    /// Returns an empty array (and completes with the failure at once) when the log has failed
    /// closed or is closed.
    ///
    /// An event listing more than ``AuditEvent/missedMessageIDsLimit`` missed ids is written as
    /// several consecutive records (``AuditEvent/splitIntoRecords()``); the sequences returned and
    /// passed to `completion` are still one per event, that of its first record.
    ///
    /// With `batch`, the event at its `publishIndex` is an accepted batch-signed notice: its `batch`
    /// record is written directly before it when the log holds none of its claim in the window
    /// (``BatchRecordWindow``). That record gets a number too, but neither the returned sequences
    /// nor those passed to `completion` include it: they stay one per event.
    @discardableResult
    public func append(_ events: [AuditEvent], batch: BatchReference? = nil, completion: Completion? = nil) -> [UInt64] {
        guard events.contains(where: \.needsContinuation) else {
            return enqueue(PendingEntry(members: events.map { $0.encodedMembers() }, batch: batch, completion: completion))
        }
        precondition(batch == nil, "a batch-signed notice's records need no continuation")
        var members: [[UInt8]] = []
        var firstRecords: [Int] = []
        for event in events {
            firstRecords.append(members.count)
            members += event.splitIntoRecords().map { $0.encodedMembers() }
        }
        let indices = firstRecords
        var perEventCompletion: Completion?
        if let completion {
            perEventCompletion = { result in completion(result.map { sequences in indices.map { sequences[$0] } }) }
        }
        let sequences = enqueue(PendingEntry(members: members, completion: perEventCompletion))
        return sequences.isEmpty ? [] : indices.map { sequences[$0] }
    }

    /// Queues an entry under the lock, numbering its records; schedules a drain if none is.
    @discardableResult
    func enqueue(_ entry: PendingEntry) -> [UInt64] {
        var entry = entry
        let (sequences, schedule, refusal) = pending.withLock { state -> ([UInt64], Bool, AuditError?) in
            if let failure = state.failure {
                if !entry.isCheckpoint, !entry.members.isEmpty {
                    state.refusedAppends += 1
                    state.refusedEvents += entry.members.count
                }
                return ([], false, failure)
            }
            if state.closed { return ([], false, AuditError(.closed, "the audit log is closed")) }
            let first = state.nextSequence
            let inserted = Self.insertBatchRecordIfNeeded(&entry, firstSequence: first, window: &state.batchRecords)
            let count = entry.isCheckpoint ? 1 : entry.members.count
            state.nextSequence += UInt64(count)
            state.entries.append(entry)
            var numbers = (0..<UInt64(count)).map { first + $0 }
            if let inserted { numbers.remove(at: inserted) }
            if state.drainScheduled { return (numbers, false, nil) }
            state.drainScheduled = true
            return (numbers, true, nil)
        }
        if let refusal {
            // On the writer queue, after earlier batches' completions: answers keep append order.
            if let completion = entry.completion { queue.async { completion(.failure(refusal)) } }
            return []
        }
        if schedule {
            queue.async { self.drain() }
        }
        return sequences
    }

    /// Under the lock: puts the `batch` record of `entry`'s claim before its publish when none is in
    /// the window of the number the publish gets, and notes it; its completion then skips it.
    /// Returns the index of the inserted record.
    private static func insertBatchRecordIfNeeded(_ entry: inout PendingEntry, firstSequence: UInt64,
                                                  window: inout BatchRecordWindow<Void>) -> Int? {
        guard let batch = entry.batch else { return nil }
        let index = batch.publishIndex
        guard !window.contains(batch.key, before: firstSequence + UInt64(index)) else { return nil }
        // Encoded here, under the lock: once per batch (and per window), not once per notice.
        entry.members.insert(batch.record.encodedMembers(), at: index)
        window.note(batch.key, at: firstSequence + UInt64(index))
        if let completion = entry.completion {
            entry.completion = { result in
                completion(result.map { sequences in
                    var numbers = sequences
                    numbers.remove(at: index)
                    return numbers
                })
            }
        }
        return index
    }

    /// Waits until everything appended so far is durable. For shutdown and tests; never on a hot path.
    public func flush() {
        let done = DispatchSemaphore(value: 0)
        append([]) { _ in done.signal() }
        done.wait()
    }

    /// Writes a checkpoint if records were added since the last one (when a signer is configured),
    /// flushes, then refuses further appends.
    public func close() {
        writeCheckpointNow()
        stopWriting(clean: true)
    }

    /// Tests: stops as a crash would — no checkpoint, nothing more written (not even a pending
    /// `checkpoint.json`; the prepared next segment stays) — and releases the directory lock so
    /// that a "next nexd" can open the log.
    func simulateCrash() {
        stopWriting(clean: false)
    }

    /// Flushes, refuses further appends, stops the checkpoint timer, finishes the files queue's
    /// work (a clean stop writes the newest checkpoint to `checkpoint.json` and removes the unused
    /// prepared segment) and releases the directory.
    private func stopWriting(clean: Bool) {
        flush()
        pending.withLock { $0.closed = true }
        queue.sync {
            timer?.cancel()
            timer = nil
        }
        checkpointFile.finish(writing: clean)
        nextSegment.stop(removingFile: clean)
        directoryLock.release()
    }

    /// The write or fsync failure the log has failed closed on, or `nil` while it is writable
    /// (cleared once the repair is recorded). Safe from any queue.
    public var failure: AuditError? {
        pending.withLock { $0.failure }
    }
}

/// ``AuditLog/onBatchWritten(_:)``'s handler in a class: a closure stored directly in a ``Locked``
/// would be re-wrapped in a reabstraction thunk at each read on the writer queue — once per batch,
/// a chain without bound (see ``Locked``).
final class BatchHandler: Sendable {
    let call: @Sendable (_ records: Int, _ sync: Duration, _ lastSequence: UInt64) -> Void

    init(call: @escaping @Sendable (_ records: Int, _ sync: Duration, _ lastSequence: UInt64) -> Void) {
        self.call = call
    }
}
