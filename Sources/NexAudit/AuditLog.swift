import Dispatch
import Foundation
import NexCrypto
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The append-only, hash-chained audit log, written with group commit.
///
/// Callers on any queue ``append(_:completion:)`` events; one writer queue numbers them, links them,
/// writes every pending record and fsyncs once per batch, then runs the batch's completions. While a
/// batch is being synced the next one accumulates, so throughput grows with load instead of
/// collapsing to one fsync per record. The writer queue is the one queue that blocks on disk, by
/// design; completions must only hop to other queues.
///
/// If a write or fsync fails the log fails closed: that batch and every later append complete with
/// ``AuditError/Code/writeFailed``; what was already synced stays.
public final class AuditLog: @unchecked Sendable {
    /// How the log is laid out and synced.
    public struct Configuration: Sendable {
        /// The directory holding the segments (created 0700 if missing).
        public var directory: String
        /// A new segment starts once the current one reaches this size. Default 64 MiB.
        public var segmentMaximumBytes: Int = 64 << 20
        /// Whether each batch is fsynced before its completions run. Default `true`; only
        /// throwaway benchmarks turn it off.
        public var synchronizesWrites: Bool = true

        /// Creates a configuration for `directory` with the defaults.
        public init(directory: String) {
            self.directory = directory
        }
    }

    /// The sequence numbers given to a batch's events, in order.
    public typealias Completion = @Sendable (Result<[UInt64], AuditError>) -> Void

    private struct PendingEntry {
        var members: [[UInt8]]
        var completion: Completion?
    }

    private struct Pending {
        /// The sequence the next appended event gets: numbers are given at append time, in
        /// append order, so callers know them before the records are durable.
        var nextSequence: UInt64
        var entries: [PendingEntry] = []
        var drainScheduled = false
        var failure: AuditError?
        var closed = false
    }

    private let configuration: Configuration
    private let queue = DispatchQueue(label: "nex.audit.writer")
    private let pending: Mutex<Pending>

    // Writer-queue state.
    private var fileDescriptor: Int32
    private var segmentBytes: Int
    private var lastSequence: UInt64
    private var lastHash: SHA256Digest

    /// What start-up found: the position of the last record and any torn tail cut off.
    public let recovery: AuditRecovery

    /// Opens (or creates) the log in `configuration.directory`, repairing a torn final record.
    ///
    /// A repair is itself recorded as the first new event (`repair`, with the byte count).
    /// - Throws: ``AuditError`` when the directory cannot be used or its tail is corrupt.
    public init(configuration: Configuration, nowMillis: Int64) throws(AuditError) {
        self.configuration = configuration
        let recovery = try AuditRecovery.recover(directory: configuration.directory)
        self.recovery = recovery
        lastSequence = recovery.lastSequence
        pending = Mutex(Pending(nextSequence: recovery.lastSequence + 1))
        lastHash = recovery.lastHash
        let segmentName = recovery.lastSegment ?? AuditSegments.fileName(firstSequence: recovery.lastSequence + 1)
        let path = configuration.directory + "/" + segmentName
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw AuditError(.unreadable, "cannot open audit segment \(path): \(String(cString: strerror(errno)))")
        }
        fileDescriptor = fd
        segmentBytes = Int(lseek(fd, 0, SEEK_END))
        if recovery.tornBytes > 0 || recovery.restoredLineEnds > 0 {
            var event = AuditEvent(.repair, timeMillis: nowMillis)
            event.detail = recovery.tornBytes > 0
                ? "cut a torn final record of \(recovery.tornBytes) bytes from \(segmentName)"
                : "restored the missing line end of the final record in \(segmentName)"
            append([event])
        }
    }

    deinit {
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
    @discardableResult
    public func append(_ events: [AuditEvent], completion: Completion? = nil) -> [UInt64] {
        let members = events.map { $0.encodedMembers() }
        let (sequences, schedule, refusal) = pending.withLock { state -> ([UInt64], Bool, AuditError?) in
            if let failure = state.failure { return ([], false, failure) }
            if state.closed { return ([], false, AuditError(.closed, "the audit log is closed")) }
            let first = state.nextSequence
            state.nextSequence += UInt64(members.count)
            state.entries.append(PendingEntry(members: members, completion: completion))
            let numbers = (0..<UInt64(members.count)).map { first + $0 }
            if state.drainScheduled { return (numbers, false, nil) }
            state.drainScheduled = true
            return (numbers, true, nil)
        }
        if let refusal {
            // On the writer queue, after earlier batches' completions: answers keep append order.
            if let completion { queue.async { completion(.failure(refusal)) } }
            return []
        }
        if schedule {
            queue.async { self.drain() }
        }
        return sequences
    }

    /// Waits until everything appended so far is durable. For shutdown and tests; never on a hot path.
    public func flush() {
        let done = DispatchSemaphore(value: 0)
        append([]) { _ in done.signal() }
        done.wait()
    }

    /// Flushes, then refuses further appends.
    public func close() {
        flush()
        pending.withLock { $0.closed = true }
    }

    /// Whether the log has failed closed.
    public var failure: AuditError? {
        pending.withLock { $0.failure }
    }

    // MARK: - Writer queue

    private func drain() {
        while true {
            let batch = pending.withLock { state -> [PendingEntry] in
                let taken = state.entries
                state.entries = []
                if taken.isEmpty { state.drainScheduled = false }
                return taken
            }
            if batch.isEmpty { return }
            let result = write(batch)
            for (index, entry) in batch.enumerated() {
                guard let completion = entry.completion else { continue }
                completion(result.map { $0[index] })
            }
        }
    }

    private func write(_ batch: [PendingEntry]) -> Result<[[UInt64]], AuditError> {
        if let failure = pending.withLock({ $0.failure }) { return .failure(failure) }
        var buffer: [UInt8] = []
        var sequences: [[UInt64]] = []
        sequences.reserveCapacity(batch.count)
        var sequence = lastSequence
        var hash = lastHash
        for entry in batch {
            var numbers: [UInt64] = []
            for members in entry.members {
                sequence += 1
                let framed = AuditLine.make(sequence: sequence, members: members, previous: hash)
                buffer.append(contentsOf: framed.line)
                hash = framed.hash
                numbers.append(sequence)
            }
            sequences.append(numbers)
        }
        do throws(AuditError) {
            if !buffer.isEmpty {
                try rotateIfNeeded(nextSequence: lastSequence + 1)
                try writeAll(buffer)
                if configuration.synchronizesWrites, fdatasync(fileDescriptor) != 0 {
                    throw AuditError(.writeFailed, "fsync of the audit log failed: \(String(cString: strerror(errno)))")
                }
            }
        } catch {
            pending.withLock { $0.failure = error }
            return .failure(error)
        }
        lastSequence = sequence
        lastHash = hash
        segmentBytes += buffer.count
        return .success(sequences)
    }

    private func writeAll(_ buffer: [UInt8]) throws(AuditError) {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { raw in
                Glibc.write(fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw AuditError(.writeFailed, "write to the audit log failed: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// Starts a new segment once the current one is full. If the new file cannot be created (for
    /// example, out of descriptors for a moment) the batch goes to the current segment and rotation
    /// is tried again with the next batch: a full segment is no reason to fail closed.
    private func rotateIfNeeded(nextSequence: UInt64) throws(AuditError) {
        guard segmentBytes >= configuration.segmentMaximumBytes else { return }
        let path = configuration.directory + "/" + AuditSegments.fileName(firstSequence: nextSequence)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        guard fsync(fileDescriptor) == 0 else {
            Glibc.close(fd)
            unlink(path)
            throw AuditError(.writeFailed, "fsync of the audit log failed: \(String(cString: strerror(errno)))")
        }
        Glibc.close(fileDescriptor)
        fileDescriptor = fd
        segmentBytes = 0
        AuditRecovery.syncDirectory(configuration.directory)
    }
}
