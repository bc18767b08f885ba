import Dispatch
import Foundation
import NexCrypto
import NexSync
import Testing
@testable import NexAudit

/// `checkpoint.json` is written off the writer queue, coalesced to the newest checkpoint, at most
/// once per interval, and at a clean stop (D48).
@Suite struct AuditCheckpointFileWriterTests {
    private func checkpoints(_ count: Int) throws -> [SignedCheckpoint] {
        let signer = try AuditTestSupport.signer()
        return try (1...count).map { size in
            try signer.sign(size: UInt64(size), root: SHA256.hash(Array("root \(size)".utf8)), timeMillis: 1_795_910_339_000 + Int64(size))
        }
    }

    /// Waits up to 5 s for `condition`.
    private func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    @Test func offersWhileAWriteIsPendingCoalesceToTheNewest() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let all = try checkpoints(5)
        let queue = DispatchQueue(label: "test.audit.files")
        let writer = AuditCheckpointFileWriter(directory: temp.path, queue: queue, interval: .seconds(3600))
        queue.suspend()
        for checkpoint in all.prefix(3) { writer.offer(checkpoint) }
        queue.resume()
        #expect(eventually { writer.writeCount == 1 })
        #expect(try AuditCheckpointFile.read(directory: temp.path) == all[2], "one write, of the newest")

        // Within the interval: nothing is written until the stop, and an older one never wins.
        writer.offer(all[4])
        writer.offer(all[3])
        usleep(200_000)
        #expect(writer.writeCount == 1)
        #expect(try AuditCheckpointFile.read(directory: temp.path) == all[2])
        writer.finish(writing: true)
        #expect(writer.writeCount == 2)
        #expect(try AuditCheckpointFile.read(directory: temp.path) == all[4])
    }

    /// An offer made while a (slow) write runs waits an interval after that write's start: it
    /// does not fire a second write at once behind the first.
    @Test func anOfferDuringAWriteWaitsForTheInterval() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let all = try checkpoints(2)
        let queue = DispatchQueue(label: "test.audit.files")
        let box = Locked<AuditCheckpointFileWriter?>(nil)
        let writer = AuditCheckpointFileWriter(directory: temp.path, queue: queue, interval: .seconds(3600)) { checkpoint, directory in
            if checkpoint == all[0] { box.withLock { $0 }?.offer(all[1]) }  // offered during the first write
            AuditCheckpointFile.write(checkpoint, directory: directory)
        }
        box.withLock { $0 = writer }
        writer.offer(all[0])
        #expect(eventually { writer.writeCount == 1 })
        usleep(200_000)
        #expect(writer.writeCount == 1, "the second write waits for the interval")
        writer.finish(writing: true)
        #expect(try AuditCheckpointFile.read(directory: temp.path) == all[1])
        box.withLock { $0 = nil }
    }

    @Test func aStopWithoutWritingLeavesTheFileAsItWas() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let all = try checkpoints(2)
        let queue = DispatchQueue(label: "test.audit.files")
        let writer = AuditCheckpointFileWriter(directory: temp.path, queue: queue, interval: .seconds(3600))
        writer.offer(all[0])
        #expect(eventually { writer.writeCount == 1 })
        writer.offer(all[1])
        writer.finish(writing: false)
        #expect(try AuditCheckpointFile.read(directory: temp.path) == all[0])
        writer.offer(all[1])
        usleep(50_000)
        #expect(writer.writeCount == 1, "nothing is written after the stop")
    }

    /// Through the log: many checkpoints, few files, and the newest in the file after close().
    @Test func theLogWritesTheFileRarelyAndTheNewestAtClose() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var configuration = AuditLog.Configuration(directory: temp.path)
        configuration.checkpointSigner = try AuditTestSupport.signer()
        configuration.checkpointEveryRecords = 1
        configuration.checkpointFileInterval = .seconds(3600)
        let log = try AuditLog(configuration: configuration, nowMillis: 0)
        for index in 1...20 { log.append([AuditTestSupport.subscribeEvent(index)]); log.flush() }
        log.close()
        #expect(log.checkpointFile.writeCount == 2, "the first checkpoint at once, the newest at close")
        #expect(try AuditCheckpointFile.read(directory: temp.path) == log.latestCheckpoint)
        #expect(log.latestCheckpoint?.treeSize ?? 0 >= 39)
    }
}
