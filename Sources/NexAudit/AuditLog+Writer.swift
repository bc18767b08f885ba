import Foundation
import NexCrypto

#if canImport(Glibc)
import Glibc
#endif

extension AuditLog {
    /// Writer queue: takes every pending entry, writes and syncs it, runs completions; repeats.
    func drain() {
        while true {
            let batch = pending.withLock { state -> [PendingEntry] in
                let taken = state.entries
                state.entries = []
                if taken.isEmpty { state.drainScheduled = false }
                return taken
            }
            if batch.isEmpty { return }
            let result = write(batch)
            switch result {
            case .success(let outcome):
                for checkpoint in outcome.checkpoints { publish(checkpoint) }
                // Before the completions, so a checkpoint due now precedes what callers append next.
                scheduleCheckpointIfDue()
            case .failure:
                outage?.countRefused(batch)
            }
            for (index, entry) in batch.enumerated() {
                guard let completion = entry.completion else { continue }
                completion(result.map { $0.sequences[index] })
            }
        }
    }

    private func write(_ batch: [PendingEntry]) -> Result<WrittenBatch, AuditError> {
        if let failure = pending.withLock({ $0.failure }) { return .failure(failure) }
        do throws(AuditError) {
            return .success(try writeRecords(batch))
        } catch {
            failClosed(error)
            return .failure(error)
        }
    }

    /// The sequences given to each entry of a written batch, and the checkpoints it holds.
    typealias WrittenBatch = (sequences: [[UInt64]], checkpoints: [SignedCheckpoint])

    /// Writer queue: frames, writes and syncs `batch` after the last durable record. The writer's
    /// state (sequence, hash, tree, offsets) moves on only once the batch is durable; on a throw it
    /// still describes the last durable batch, and the file may hold part of this one.
    func writeRecords(_ batch: [PendingEntry]) throws(AuditError) -> WrittenBatch {
        var buffer: [UInt8] = []
        var sequences: [[UInt64]] = []
        var checkpoints: [SignedCheckpoint] = []
        sequences.reserveCapacity(batch.count)
        var sequence = lastSequence
        var hash = lastHash
        var newTree = tree
        var sinceCheckpoint = recordsSinceCheckpoint
        var timeText = lastTimeText
        for entry in batch {
            var numbers: [UInt64] = []
            var allMembers = entry.members
            if entry.isCheckpoint {
                // Placeholders are only queued when a signer is configured.
                let signer = configuration.checkpointSigner!
                let floor = timeText.isEmpty ? Int64.min : Timestamp.parse(String(decoding: timeText, as: UTF8.self)) ?? .min
                let checkpoint = try signer.sign(size: newTree.size, root: newTree.root, timeMillis: max(Self.nowMillis(), floor),
                                                 sealedFrom: entry.sealedFrom)
                allMembers = [checkpoint.recordMembers(frontier: newTree, note: entry.checkpointNote)]
                // A crash seal is not handed out as a witness (its signature covers its label too).
                if entry.sealedFrom == nil { checkpoints.append(checkpoint) }
                sinceCheckpoint = 0
            } else {
                sinceCheckpoint += entry.members.count
            }
            for var members in allMembers {
                Self.stamp(&members, notBefore: &timeText)
                sequence += 1
                let framed = AuditLine.make(sequence: sequence, members: members, previous: hash)
                leafHasher.update([0])
                framed.line.withUnsafeBytes { leafHasher.update(UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
                newTree.append(leafHash: leafHasher.finalize())
                buffer.append(contentsOf: framed.line)
                hash = framed.hash
                numbers.append(sequence)
            }
            sequences.append(numbers)
        }
        if !buffer.isEmpty {
            rotateIfNeeded(nextSequence: lastSequence + 1)
            try writeAll(buffer)
            let started = ContinuousClock.now
            if configuration.synchronizesWrites { try syncSegment() }
            if let handler = batchHandler.withLock({ $0 }) { handler.call(Int(sequence - lastSequence), ContinuousClock.now - started, sequence) }
        }
        lastSequence = sequence
        lastHash = hash
        lastTimeText = timeText
        tree = newTree
        recordsSinceCheckpoint = sinceCheckpoint
        segmentBytes += buffer.count
        return (sequences, checkpoints)
    }

    /// Starts a new segment once the current one is full: takes the file the files queue prepared
    /// (created and its directory entry synced ahead), links it under the segment's name and writes
    /// on; the old segment's fsync and close, the directory fsync for the new name and the removal
    /// of the prepared name run on the files queue (``AuditNextSegment``, D48). No sync here: the
    /// batch's fdatasync makes its records durable, and a crash before the new name is durable
    /// leaves them under the prepared name, which start-up and the verifiers read. If no file is
    /// prepared (a failed step is being retried) or it could not be linked, the batch goes to the
    /// current segment and rotation is tried again with a later batch (a failed link after the
    /// retry interval): a full segment is no reason to fail closed, nor to wait.
    private func rotateIfNeeded(nextSequence: UInt64) {
        guard segmentBytes >= configuration.segmentMaximumBytes, let fd = nextSegment.take() else { return }
        let name = AuditSegments.fileName(firstSequence: nextSequence)
        // The new name as a second link (`link` never replaces: a segment of that name was put
        // there by someone else); the files queue removes the prepared name once the new one is
        // durable, so a crash leaves the file under one name or both, never neither.
        guard link(nextSegment.path, configuration.directory + "/" + name) == 0 else {
            nextSegment.giveBack(fd, linking: name, failedWith: errno)
            return
        }
        let old = fileDescriptor
        fileDescriptor = fd
        segmentName = name
        segmentBytes = 0
        nextSegment.retire(old)
    }

    /// Keeps record times in order: `members` (which begin `"time":"<24 bytes>"`) is re-stamped with
    /// `floor` when its time is earlier, else `floor` moves up to it. RFC 3339 text of one fixed width
    /// compares in time order, so no time is parsed here.
    static func stamp(_ members: inout [UInt8], notBefore floor: inout [UInt8]) {
        let start = 8, width = 24
        guard members.count > start + width, members.starts(with: timeKey), members[start + width] == UInt8(ascii: "\"") else { return }
        let time = members[start..<(start + width)]
        if !floor.isEmpty, time.lexicographicallyPrecedes(floor) {
            members.replaceSubrange(start..<(start + width), with: floor)
        } else if floor.count == width {
            floor.replaceSubrange(0..<width, with: time)  // in place: no allocation per record
        } else {
            floor = Array(time)
        }
    }

    private static let timeKey = Array(#""time":""#.utf8)

    static func nowMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}
