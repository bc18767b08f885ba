import Dispatch
import Foundation
import NexSync
import NexCrypto
import Testing
@testable import NexAudit

#if canImport(Glibc)
import Glibc
#endif

/// Rotation without syncs on the writer queue (D48): the next segment is prepared on the audit
/// files queue, the writer only links it; a crash before the new name is durable leaves the records
/// under the prepared name, which start-up names and both verifiers read.
@Suite struct AuditRotationTests {
    private func event(_ index: Int) -> AuditEvent { AuditTestSupport.subscribeEvent(index) }

    private func configuration(_ directory: String) -> AuditLog.Configuration {
        var configuration = AuditLog.Configuration(directory: directory)
        configuration.segmentMaximumBytes = 1  // every batch after the first starts a segment
        return configuration
    }

    private func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    private func size(of path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    }

    /// Opens the log again after a (simulated) crash, retrying for up to 2 s while the directory
    /// lock is still shared: a test spawning a process at the same moment (the Python verifier)
    /// gives the child a copy of every descriptor, the lock's too, until it execs.
    private func reopen(_ configuration: AuditLog.Configuration) throws -> AuditLog {
        var attempts = 0
        while true {
            do {
                return try AuditLog(configuration: configuration, nowMillis: 0)
            } catch {
                attempts += 1
                guard error.code == .inUse, attempts < 100 else { throw error }
                usleep(20_000)
            }
        }
    }

    /// Appends and waits for the completion, at most 10 s; nil when it did not come.
    private func appendAndWait(_ log: AuditLog, _ events: [AuditEvent]) -> Result<[UInt64], AuditError>? {
        let done = DispatchSemaphore(value: 0)
        let result = Locked<Result<[UInt64], AuditError>?>(nil)
        log.append(events) { outcome in
            result.withLock { $0 = outcome }
            done.signal()
        }
        guard done.wait(timeout: .now() + 10) == .success else { return nil }
        return result.withLock { $0 }
    }

    @Test func aRotationLinksThePreparedSegmentAndTheNextOneIsPrepared() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let log = try AuditLog(configuration: configuration(temp.path), nowMillis: 0)
        let prepared = temp.path + "/" + AuditSegments.preparedName
        log.append([event(1)])
        log.flush()
        log.filesQueue.sync {}
        #expect(try size(of: prepared) == 0)
        log.append([event(2)])
        log.flush()
        #expect(try size(of: temp.path + "/" + AuditSegments.fileName(firstSequence: 2)) > 0)
        log.filesQueue.sync {}
        #expect(try size(of: prepared) == 0, "the files queue prepares the next one after the switch")
        log.close()
        #expect(!exists(prepared), "a clean stop removes the unused prepared segment")
        #expect(try AuditSegments.list(in: temp.path) == [1, 2].map { AuditSegments.fileName(firstSequence: $0) })
        #expect(try AuditVerifier.verify(directory: temp.path).foundNoProblem)
    }

    /// The old segment's fsync and close and the directory fsync run on the files queue: with that
    /// queue held, a rotation still completes its batch (before D48 they ran inline).
    @Test func aRotationDoesNotWaitForTheFilesQueue() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let log = try AuditLog(configuration: configuration(temp.path), nowMillis: 0)
        #expect(try appendAndWait(log, [event(1)])?.get() == [1])
        log.filesQueue.sync {}  // the first prepared file is ready
        log.filesQueue.suspend()
        let written = appendAndWait(log, [event(2)])
        var segment = stat(), prepared = stat()
        let rotated = lstat(temp.path + "/" + AuditSegments.fileName(firstSequence: 2), &segment) == 0
        let stillLinked = lstat(temp.path + "/" + AuditSegments.preparedName, &prepared) == 0
        // Until the files queue has synced the directory, the new segment has both names: the
        // verifier reads it once.
        let meanwhile = try AuditVerifier.verify(directory: temp.path)
        log.filesQueue.resume()
        #expect(try written?.get() == [2], "the batch completed while the files queue was held")
        #expect(rotated)
        #expect(stillLinked && prepared.st_ino == segment.st_ino, "the prepared name goes on the files queue, after the directory sync")
        #expect(meanwhile.foundNoProblem, "\(String(describing: meanwhile.problem))")
        #expect(meanwhile.recordCount == 2)
        log.filesQueue.sync {}
        var next = stat()
        #expect(lstat(temp.path + "/" + AuditSegments.preparedName, &next) == 0 && next.st_ino != segment.st_ino && next.st_size == 0)
        log.close()
        #expect(try AuditVerifier.verify(directory: temp.path).recordCount == 2)
    }

    @Test func aCrashLeavesAnEmptyPreparedSegmentThatTheNextStartRemoves() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var log = try AuditLog(configuration: configuration(temp.path), nowMillis: 0)
        log.append([event(1)])
        log.append([event(2)])
        log.flush()
        log.simulateCrash()
        let prepared = temp.path + "/" + AuditSegments.preparedName
        #expect(try size(of: prepared) == 0)
        #expect(try AuditVerifier.verify(directory: temp.path).foundNoProblem, "verifiers ignore it")

        log = try reopen(configuration(temp.path))
        #expect(log.recovery.tornBytes == 0)
        #expect(log.append([event(3)]) == [3])
        log.close()
        #expect(!exists(prepared))
        let verification = try AuditVerifier.verify(directory: temp.path)
        #expect(verification.foundNoProblem)
        #expect(verification.recordCount == 3)
    }

    /// A crash after the writer switched to the prepared file, before its new name was durable.
    private func crashWithRecordsInThePreparedSegment(_ directory: String, signer: CheckpointSigner? = nil) throws {
        var configuration = configuration(directory)
        configuration.checkpointSigner = signer
        let log = try AuditLog(configuration: configuration, nowMillis: ContractPKIClock.now())
        for index in 1...3 { log.append([event(index)]); log.flush() }
        log.writeCheckpointNow()
        log.simulateCrash()
        let segments = try AuditSegments.list(in: directory)
        let last = try #require(segments.last)
        let prepared = directory + "/" + AuditSegments.preparedName
        #expect(unlink(prepared) == 0)
        #expect(rename(directory + "/" + last, prepared) == 0)
    }

    @Test func verifiersReadAPreparedSegmentHoldingRecordsAndStartUpNamesIt() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try crashWithRecordsInThePreparedSegment(temp.path)
        let before = try AuditVerifier.verify(directory: temp.path)
        #expect(before.foundNoProblem, "\(String(describing: before.problem))")
        #expect(before.recordCount == 3)
        #expect(before.segmentCount == 3)

        let log = try reopen(configuration(temp.path))
        #expect(log.recovery.lastSequence == 3)
        #expect(log.recovery.lastSegment == AuditSegments.fileName(firstSequence: 3))
        #expect(log.append([event(4)]) == [4])
        log.close()
        let after = try AuditVerifier.verify(directory: temp.path)
        #expect(after.foundNoProblem)
        #expect(after.recordCount == 4)
        #expect(try AuditSegments.list(in: temp.path).count == 4)
    }

    @Test func aCrashWithTheSegmentUnderBothNamesKeepsItOnce() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try crashWithRecordsInThePreparedSegment(temp.path)
        let prepared = temp.path + "/" + AuditSegments.preparedName
        let named = temp.path + "/" + AuditSegments.fileName(firstSequence: 3)
        #expect(link(prepared, named) == 0)
        #expect(try AuditVerifier.verify(directory: temp.path).recordCount == 3)
        let log = try reopen(configuration(temp.path))
        #expect(log.recovery.lastSequence == 3)
        #expect(log.append([event(4)]) == [4])
        log.close()
        #expect(!exists(prepared))
        let verification = try AuditVerifier.verify(directory: temp.path)
        #expect(verification.foundNoProblem)
        #expect(verification.recordCount == 4)
    }

    @Test(.enabled(if: PythonVerifierTests.python != nil)) func thePythonVerifierReadsAPreparedSegmentHoldingRecords() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let pki = try ContractPKI()
        let directory = temp.path + "/audit"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try crashWithRecordsInThePreparedSegment(directory, signer: pki.signer)
        let anchors = try pki.anchorArguments(writingTo: temp.path)
        let (status, output) = try PythonVerifierTests.run([directory, "--no-signatures"] + anchors)
        #expect(status == 0, "\(output)")
        #expect(output.contains("INTACT: 4 records in 4 segment(s)"), "\(output)")
        // Under both names (a crash between the link and the removal of the prepared name): read once.
        #expect(link(directory + "/" + AuditSegments.preparedName, directory + "/" + AuditSegments.fileName(firstSequence: 4)) == 0)
        let (bothStatus, bothOutput) = try PythonVerifierTests.run([directory, "--no-signatures"] + anchors)
        #expect(bothStatus == 0, "\(bothOutput)")
        #expect(bothOutput.contains("INTACT: 4 records in 4 segment(s)"), "\(bothOutput)")
    }

    @Test func aTornFirstRecordInThePreparedSegmentIsCutAndRecorded() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var log = try AuditLog(configuration: configuration(temp.path), nowMillis: 0)
        log.append([event(1)])
        log.flush()
        log.simulateCrash()
        let torn = Data(#"{"seq":2,"time":"2026-11-2"#.utf8)
        try torn.write(to: URL(fileURLWithPath: temp.path + "/" + AuditSegments.preparedName))
        #expect(try AuditVerifier.verify(directory: temp.path).tornTail?.sequence == 2)

        log = try reopen(configuration(temp.path))
        #expect(log.recovery.tornBytes == torn.count)
        log.close()
        let repair = try #require(try AuditTestSupport.lines(in: temp.path).last?.text)
        #expect(repair.contains("cut a torn final record of \(torn.count) bytes from \(AuditSegments.preparedName)"))
        #expect(try AuditVerifier.verify(directory: temp.path).foundNoProblem)
    }

    @Test func aPreparedSegmentWhoseFirstRecordIsAlteredStopsStartUp() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try crashWithRecordsInThePreparedSegment(temp.path)
        let path = temp.path + "/" + AuditSegments.preparedName
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "notice.>", with: "notice.*")
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: AuditError.self) { try reopen(configuration(temp.path)) }
    }
}

/// Wall-clock milliseconds (records of a signed log must not be dated in the future).
private enum ContractPKIClock {
    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
