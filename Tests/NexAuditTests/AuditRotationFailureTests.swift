import Dispatch
import Foundation
import NexSync
import Testing
@testable import NexAudit

#if canImport(Glibc)
import Glibc
#endif

/// Rotation steps that fail (D48): the log stays writable, no durable name of a segment holding
/// records is removed, the writer never waits for a failed preparation, and each kind of failure is
/// reported once, then retried.
@Suite struct AuditRotationFailureTests {
    private func event(_ index: Int) -> AuditEvent { AuditTestSupport.subscribeEvent(index) }

    private func configuration(_ directory: String) -> AuditLog.Configuration {
        var configuration = AuditLog.Configuration(directory: directory)
        configuration.segmentMaximumBytes = 1  // every batch after the first starts a segment
        configuration.recoveryRetryInterval = .milliseconds(20)
        return configuration
    }

    private func inode(_ path: String) -> ino_t? {
        var status = stat()
        return lstat(path, &status) == 0 ? status.st_ino : nil
    }

    /// Waits up to 5 s for `condition`.
    private func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    /// Runs `body` on another thread; false when it did not return within 2 s (it blocked).
    private func returnsPromptly(_ body: @escaping @Sendable () -> Void) -> Bool {
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            body()
            done.signal()
        }
        return done.wait(timeout: .now() + 2) == .success
    }

    /// Collects what ``AuditLog/onRotationProblem(_:)`` reports.
    private final class Reports: @unchecked Sendable {
        let all = Locked<[String?]>([])
        func count(containing text: String) -> Int {
            all.withLock { reports in reports.filter { report in report?.contains(text) ?? false }.count }
        }
        var resolved: Bool { all.withLock { reports in reports.contains { report in report == nil } } }
    }

    @Test func aFailedDirectorySyncAfterASwitchKeepsThePreparedNameAndTheLogWritable() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let prepared = temp.path + "/" + AuditSegments.preparedName
        let second = temp.path + "/" + AuditSegments.fileName(firstSequence: 2)
        let log = try AuditLog(configuration: configuration(temp.path), nowMillis: 0)
        let reports = Reports()
        log.onRotationProblem { problem in reports.all.withLock { $0.append(problem) } }
        log.append([event(1)])
        log.flush()
        log.filesQueue.sync {}
        log.injectFault(.failDirectorySync(errno: EIO))
        log.append([event(2)])
        log.flush()
        log.filesQueue.sync {}
        #expect(inode(prepared) != nil && inode(prepared) == inode(second), "the prepared name stays: the new name is not durable")
        log.append([event(3)])
        log.flush()
        usleep(100_000)  // several retries, all failing
        #expect(log.failure == nil, "not failed closed: no acknowledged record depends on the directory fsync")
        #expect(try AuditSegments.list(in: temp.path).count == 2, "the writer stays in its segment")
        #expect(inode(prepared) == inode(second))
        #expect(reports.count(containing: "fsync of the audit directory") == 1, "reported once")
        #expect(try AuditVerifier.verify(directory: temp.path).recordCount == 3)

        log.injectFault(nil)
        #expect(eventually { inode(prepared) != nil && inode(prepared) != inode(second) }, "the retry removes the name and prepares the next")
        #expect(eventually { reports.resolved }, "the resolution is reported once the retry succeeded")
        log.append([event(4)])
        log.close()
        #expect(try AuditSegments.list(in: temp.path) == [1, 2, 4].map { AuditSegments.fileName(firstSequence: $0) })
        let verification = try AuditVerifier.verify(directory: temp.path)
        #expect(verification.foundNoProblem, "\(String(describing: verification.problem))")
        #expect(verification.recordCount == 4)
    }

    /// Neither a crash nor a clean stop that cannot sync the directory removes the prepared name
    /// while it may be the segment's only durable one; the next start removes the second name.
    @Test func aStopWhileTheDirectorySyncFailsLeavesThePreparedName() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let prepared = temp.path + "/" + AuditSegments.preparedName
        var log = try AuditLog(configuration: configuration(temp.path), nowMillis: 0)
        log.append([event(1)])
        log.flush()
        log.filesQueue.sync {}
        log.injectFault(.failDirectorySync(errno: EIO))
        log.append([event(2)])
        log.close()
        #expect(inode(prepared) == inode(temp.path + "/" + AuditSegments.fileName(firstSequence: 2)))

        log = try AuditLog(configuration: configuration(temp.path), nowMillis: 0)
        #expect(log.recovery.tornBytes == 0)
        #expect(log.append([event(3)]) == [3])
        log.close()
        #expect(inode(prepared) == nil)
        let verification = try AuditVerifier.verify(directory: temp.path)
        #expect(verification.foundNoProblem, "\(String(describing: verification.problem))")
        #expect(verification.recordCount == 3)
    }

    /// A created file whose directory entry cannot be synced is removed, not handed to the writer.
    @Test func aPreparedFileIsReadyOnlyOnceItsDirectoryEntryIsDurable() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let queue = DispatchQueue(label: "test.audit.files")
        let fault = Locked<AuditFault?>(.failDirectorySync(errno: EIO))
        let next = AuditNextSegment(directory: temp.path, queue: queue, retryInterval: .milliseconds(20), fault: fault)
        next.start()
        queue.sync {}
        #expect(next.take() == nil)
        #expect(queue.sync { inode(next.path) } == nil, "closed and removed")
        fault.withLock { $0 = nil }
        #expect(eventually { next.take().map { close($0) } != nil })
        #expect(inode(next.path) != nil)
        next.stop(removingFile: true)
    }

    /// A creation that keeps failing (here a stale `next-segment.jsonl`: EEXIST) never makes the
    /// writer wait for the files queue, and is reported once however often it is retried.
    @Test func aFailingCreationNeverMakesTheWriterWait() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let queue = DispatchQueue(label: "test.audit.files")
        let next = AuditNextSegment(directory: temp.path, queue: queue, retryInterval: .milliseconds(20), fault: Locked(nil))
        let reports = Reports()
        next.onProblem { problem in reports.all.withLock { $0.append(problem) } }
        #expect(FileManager.default.createFile(atPath: next.path, contents: Data()))
        next.start()
        queue.sync {}
        usleep(100_000)
        queue.suspend()
        #expect(returnsPromptly { for _ in 0..<3 { _ = next.take() } }, "take() must not wait after a failure")
        queue.resume()
        #expect(reports.count(containing: "cannot create") == 1, "\(reports.all.withLock { $0 })")
        #expect(reports.count(containing: "File exists") == 1)
        unlink(next.path)
        #expect(eventually { next.take().map { close($0) } != nil }, "prepared once the stale file is gone")
        #expect(eventually { reports.resolved }, "the resolution is reported once the retry succeeded")
        next.stop(removingFile: true)
    }

    /// An injected creation failure through the log: batches keep going to the full segment.
    @Test func theLogStaysInItsSegmentWhileNoFileCanBePrepared() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let log = try AuditLog(configuration: configuration(temp.path), nowMillis: 0)
        log.append([event(1)])
        log.flush()
        log.filesQueue.sync {}
        log.injectFault(.failSegmentCreation(errno: EMFILE))
        log.append([event(2)])  // takes the ready file; its retire cannot prepare the next
        log.flush()
        log.filesQueue.sync {}
        log.filesQueue.suspend()
        let prompt = returnsPromptly {
            for index in 3...5 {
                log.append([AuditTestSupport.subscribeEvent(index)])
                log.flush()
            }
        }
        log.filesQueue.resume()
        #expect(prompt, "the writer does not wait for the files queue after a failure")
        #expect(log.failure == nil)
        log.injectFault(nil)
        log.close()
        #expect(try AuditSegments.list(in: temp.path).count == 2)
        #expect(try AuditVerifier.verify(directory: temp.path).recordCount == 5)
    }

    /// A link that fails (a file already has the segment's name) is tried again only after the
    /// retry interval, reported once; the batch goes to the current segment.
    @Test func aFailedLinkIsReportedOnceAndRetriedLater() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var configuration = configuration(temp.path)
        configuration.recoveryRetryInterval = .milliseconds(300)
        let log = try AuditLog(configuration: configuration, nowMillis: 0)
        let reports = Reports()
        log.onRotationProblem { problem in reports.all.withLock { $0.append(problem) } }
        log.append([event(1)])
        log.flush()
        log.filesQueue.sync {}
        let squatter = temp.path + "/" + AuditSegments.fileName(firstSequence: 2)
        #expect(FileManager.default.createFile(atPath: squatter, contents: Data()))
        log.append([event(2)])
        log.flush()
        unlink(squatter)
        log.append([event(3)])
        log.flush()
        #expect(reports.count(containing: "cannot link") == 1)
        #expect(try AuditSegments.list(in: temp.path) == [AuditSegments.fileName(firstSequence: 1)], "no second try within the interval")
        usleep(400_000)
        log.append([event(4)])
        log.close()
        #expect(try AuditSegments.list(in: temp.path) == [1, 4].map { AuditSegments.fileName(firstSequence: $0) })
        #expect(eventually { reports.resolved }, "the resolution is reported once the retry succeeded")
        #expect(try AuditVerifier.verify(directory: temp.path).recordCount == 4)
    }
}
