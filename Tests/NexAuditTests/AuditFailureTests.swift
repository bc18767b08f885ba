import Dispatch
import Foundation
import NexSync
import Synchronization
import Testing
@testable import NexAudit

#if canImport(Glibc)
import Glibc
#endif

/// A failed write or fsync: the log fails closed, cuts the torn batch off, records the repair once
/// the disk works again and numbers later records after it. Failures are injected (no mount rights).
@Suite(.timeLimit(.minutes(1)))
struct AuditFailureTests {
    private func event(_ index: Int) -> AuditEvent {
        AuditTestSupport.subscribeEvent(index)
    }

    private func configuration(_ directory: String) -> AuditLog.Configuration {
        var configuration = AuditLog.Configuration(directory: directory)
        configuration.recoveryRetryInterval = .milliseconds(20)
        return configuration
    }

    /// Appends `events` and waits for their outcome.
    private func appendAndWait(_ log: AuditLog, _ events: [AuditEvent]) -> Result<[UInt64], AuditError> {
        let done = DispatchSemaphore(value: 0)
        let outcome = Locked<Result<[UInt64], AuditError>?>(nil)
        log.append(events) { result in
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return outcome.withLock { $0! }
    }

    private func awaitHealthy(_ log: AuditLog, timeout: Duration = .seconds(10)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while log.failure != nil {
            if ContinuousClock.now > deadline { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return true
    }

    private func size(of path: String) throws -> Int {
        try #require((try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue)
    }

    private func records(in directory: String) throws -> [AuditRecord] {
        var records: [AuditRecord] = []
        try AuditReader(directory: directory).forEachRecord { records.append($0); return true }
        return records
    }

    @Test(arguments: [
        AuditFault.failAfterPartialWrite(bytes: 37, errno: ENOSPC),
        AuditFault.failWrites(errno: ENOSPC),
        AuditFault.failSync(errno: EIO),
    ])
    func aFailedBatchIsCutOffAndTheRepairRecordedOnceTheDiskWorks(fault: AuditFault) throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let log = try AuditLog(configuration: configuration(temp.path), nowMillis: 0)
        let health = Locked<[AuditError.Code?]>([])
        log.onHealthChange { failure in health.withLock { $0.append(failure?.code) } }
        #expect(try appendAndWait(log, [event(1), event(2)]).get() == [1, 2])
        let segment = temp.path + "/" + AuditSegments.fileName(firstSequence: 1)
        let durableSize = try size(of: segment)

        log.injectFault(fault)
        guard case .failure(let error) = appendAndWait(log, [event(3), event(4)]) else {
            Issue.record("a batch was durable under \(fault)")
            return
        }
        #expect(error.code == .writeFailed)
        #expect(log.failure?.code == .writeFailed)
        // No part of the failed batch stays, and the log still verifies. (Measured on the writer
        // queue: a recovery retry there, failing under the same fault, writes part of its repair
        // record before cutting it off again, and a size read in between would see it.)
        #expect(try log.queue.sync { try size(of: segment) } == durableSize)
        #expect(try AuditVerifier.verify(directory: temp.path).foundNoProblem)

        // While failed: refused at once, nothing numbered, nothing written.
        #expect(log.append([event(5)]).isEmpty)
        guard case .failure(let refusal) = appendAndWait(log, [event(6)]) else {
            Issue.record("an append was accepted while the log had failed")
            return
        }
        #expect(refusal.code == .writeFailed)
        Thread.sleep(forTimeInterval: 0.1)  // a few retries, all failing
        #expect(log.failure != nil)
        #expect(try log.queue.sync { try size(of: segment) } == durableSize)

        log.injectFault(nil)
        #expect(awaitHealthy(log))
        // The repair is record 3; numbering continues after it, without a gap.
        #expect(log.append([event(7)]) == [4])
        #expect(try appendAndWait(log, [event(8)]).get() == [5])
        log.close()

        #expect(health.withLock { $0 } == [.writeFailed, nil])
        let verification = try AuditVerifier.verify(directory: temp.path)
        #expect(verification.foundNoProblem)
        #expect(verification.recordCount == 5)
        let all = try records(in: temp.path)
        #expect(all.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(all.compactMap { $0.integer("sub") } == [1, 2, 7, 8])
        let repair = try #require(all.first { $0.event == "repair" })
        #expect(repair.sequence == 3)
        #expect(repair.string("reason") == "audit-write-failed")
        // The failed batch (one append) and the two appends refused at once.
        #expect(repair.integer("count") == 3)
        let detail = try #require(repair.string("detail"))
        let reason = fault == .failSync(errno: EIO) ? "Input/output error" : "No space left on device"
        #expect(detail.contains(reason))
        #expect(detail.contains("back to offset \(durableSize) of \(AuditSegments.fileName(firstSequence: 1))"))
        if case .failWrites = fault { #expect(detail.contains("cut 0 bytes")) } else { #expect(!detail.contains("cut 0 bytes")) }
    }

    @Test func aSegmentStartedForAFailedBatchIsLeftEmptyAndContinuedAfterARestart() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var configuration = configuration(temp.path)
        configuration.segmentMaximumBytes = 1  // every batch starts a segment
        var log = try AuditLog(configuration: configuration, nowMillis: 0)
        #expect(try appendAndWait(log, [event(1)]).get() == [1])
        #expect(try appendAndWait(log, [event(2)]).get() == [2])
        log.injectFault(.failAfterPartialWrite(bytes: 10, errno: ENOSPC))
        #expect((try? appendAndWait(log, [event(3)]).get()) == nil)
        let started = temp.path + "/" + AuditSegments.fileName(firstSequence: 3)
        #expect(try size(of: started) == 0)
        log.close()  // still failed: stops for good; the next start repairs nothing

        log = try AuditLog(configuration: configuration, nowMillis: 0)
        #expect(log.recovery.tornBytes == 0)
        #expect(log.recovery.lastSegment == AuditSegments.fileName(firstSequence: 3))
        #expect(log.append([event(4)]) == [3])
        log.close()
        let verification = try AuditVerifier.verify(directory: temp.path)
        #expect(verification.foundNoProblem)
        #expect(try records(in: temp.path).compactMap { $0.integer("sub") } == [1, 2, 4])
    }

    @Test func theRepairGoesIntoASegmentStartedForTheFailedBatch() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var configuration = configuration(temp.path)
        configuration.segmentMaximumBytes = 1
        let log = try AuditLog(configuration: configuration, nowMillis: 0)
        #expect(try appendAndWait(log, [event(1)]).get() == [1])
        log.injectFault(.failAfterPartialWrite(bytes: 10, errno: ENOSPC))
        #expect((try? appendAndWait(log, [event(2)]).get()) == nil)
        log.injectFault(nil)
        #expect(awaitHealthy(log))
        #expect(try appendAndWait(log, [event(3)]).get() == [3])
        log.close()
        #expect(try AuditVerifier.verify(directory: temp.path).foundNoProblem)
        let all = try records(in: temp.path)
        #expect(all.map(\.event) == ["subscribe", "repair", "subscribe"])
        #expect(all[1].segment == AuditSegments.fileName(firstSequence: 2))
        let detail = try #require(all[1].string("detail"))
        #expect(detail.contains("back to offset 0 of \(AuditSegments.fileName(firstSequence: 2))"))
        #expect(!detail.contains("cut 0 bytes"))
    }

    @Test func aSignedLogGetsACheckpointAfterTheRepair() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let signer = try AuditTestSupport.signer()
        var configuration = configuration(temp.path)
        configuration.checkpointSigner = signer
        configuration.checkpointEveryRecords = 3
        let log = try AuditLog(configuration: configuration, nowMillis: 0)
        #expect(try appendAndWait(log, [event(1)]).get() == [1])
        log.injectFault(.failSync(errno: EIO))
        // Three records make a checkpoint due: it is refused with the rest.
        #expect((try? appendAndWait(log, [event(2), event(3), event(4)]).get()) == nil)
        log.injectFault(nil)
        #expect(awaitHealthy(log))
        #expect(log.latestCheckpoint?.treeSize == 2)
        log.close()
        var options = AuditVerifier.Options()
        options.auditCertificate = signer.certificate
        let verification = try AuditVerifier.verify(directory: temp.path, options: options)
        #expect(verification.foundNoProblem)
        #expect(try records(in: temp.path).map(\.event) == ["subscribe", "repair", "checkpoint"])
    }

    @Test func aSegmentCutShorterThanWhatWasSyncedIsNotRepaired() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let log = try AuditLog(configuration: configuration(temp.path), nowMillis: 0)
        #expect(try appendAndWait(log, [event(1), event(2)]).get() == [1, 2])
        log.injectFault(.failWrites(errno: EIO))
        #expect((try? appendAndWait(log, [event(3)]).get()) == nil)
        let segment = temp.path + "/" + AuditSegments.fileName(firstSequence: 1)
        #expect(truncate(segment, off_t(try size(of: segment) - 10)) == 0)
        log.injectFault(nil)
        Thread.sleep(forTimeInterval: 0.2)
        // Appending after a hole would hide the loss: the log stays failed.
        #expect(log.failure?.code == .writeFailed)
        log.close()
        #expect(try AuditVerifier.verify(directory: temp.path).tornTail != nil)
    }

    /// Appends from many threads while the disk fails and recovers: every append that succeeded is
    /// in the log under the number it was given, none that failed is, and the chain is whole.
    @Test func concurrentAppendsAcrossFailuresKeepOneGaplessChain() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var configuration = configuration(temp.path)
        configuration.recoveryRetryInterval = .milliseconds(10)
        let log = try AuditLog(configuration: configuration, nowMillis: 0)
        let outcomes = Locked<[Int: Result<[UInt64], AuditError>]>([:])
        let returned = Locked<[Int: [UInt64]]>([:])
        let group = DispatchGroup()
        let outages = 5
        let done = Atomic<Bool>(false)
        // Each outage lasts until an append has met it, and ends once its repair is recorded.
        DispatchQueue.global().async(group: group) {
            for _ in 0..<outages {
                log.injectFault(.failAfterPartialWrite(bytes: 50, errno: ENOSPC))
                while log.failure == nil { Thread.sleep(forTimeInterval: 0.001) }
                Thread.sleep(forTimeInterval: 0.005)
                log.injectFault(nil)
                while log.failure != nil { Thread.sleep(forTimeInterval: 0.001) }
                Thread.sleep(forTimeInterval: 0.005)
            }
            done.store(true, ordering: .releasing)
        }
        let workers = 4
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var round = 0
            while !done.load(ordering: .acquiring) {
                round += 1
                let index = round * workers + worker
                group.enter()
                let numbers = log.append([self.event(index)]) { result in
                    outcomes.withLock { $0[index] = result }
                    group.leave()
                }
                returned.withLock { $0[index] = numbers }
                if round % 5 == 0 { Thread.sleep(forTimeInterval: 0.001) }
            }
        }
        group.wait()
        #expect(awaitHealthy(log))
        log.close()

        let verification = try AuditVerifier.verify(directory: temp.path)
        #expect(verification.foundNoProblem)
        let all = try records(in: temp.path)
        #expect(all.map(\.sequence) == (1...UInt64(all.count)).map { Optional($0) })
        var inLog: [Int: UInt64] = [:]
        for record in all where record.event == "subscribe" {
            inLog[Int(record.integer("sub")!)] = record.sequence
        }
        let results = outcomes.withLock { $0 }
        let numbers = returned.withLock { $0 }
        #expect(results.count == numbers.count)
        var failed = 0
        for (index, result) in results {
            switch result {
            case .success(let sequences):
                #expect(sequences == numbers[index])
                #expect(inLog[index] == sequences.first, "append \(index) succeeded as \(sequences) but the log has \(String(describing: inLog[index]))")
            case .failure:
                failed += 1
                #expect(inLog[index] == nil, "append \(index) failed but is in the log")
            }
        }
        #expect(inLog.count + failed == results.count)
        let repairs = all.filter { $0.event == "repair" }
        // Each outage was met by appends and ended with one repair.
        #expect(failed > 0)
        #expect(repairs.count == outages)
        #expect(inLog.count > 0)
        #expect(repairs.reduce(0) { $0 + Int($1.integer("count") ?? 0) } <= failed)
    }
}
