import Dispatch
import Foundation
import NexCrypto
import NexSync
import Testing
@testable import NexAudit

@Suite struct AuditLogTests {
    private func event(_ index: Int) -> AuditEvent {
        var event = AuditEvent(.subscribe, timeMillis: 1_795_910_339_000 + Int64(index), outcome: .accepted)
        event.node = "ncb.rw.kigali"
        event.subscriptionID = UInt32(index)
        event.filter = "hit.rw"
        return event
    }

    @Test func appendsNumberedLinkedRecordsInPrivateFiles() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let directory = temp.path + "/audit"
        let log = try AuditLog(configuration: .init(directory: directory), nowMillis: 0)
        #expect(log.append([event(1), event(2)]) == [1, 2])
        #expect(log.append([event(3)]) == [3])
        log.close()
        let verification = try AuditVerifier.verify(directory: directory)
        #expect(verification.foundNoProblem)
        #expect(verification.recordCount == 3)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        let segment = try #require(try AuditSegments.list(in: directory).first)
        let fileAttributes = try FileManager.default.attributesOfItem(atPath: directory + "/" + segment)
        #expect((fileAttributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func completionReportsSequencesOnceDurable() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let log = try AuditLog(configuration: .init(directory: temp.path), nowMillis: 0)
        let done = DispatchSemaphore(value: 0)
        let reported = Locked<[UInt64]>([])
        log.append([event(1), event(2)]) { result in
            reported.withLock { $0 = (try? result.get()) ?? [] }
            done.signal()
        }
        done.wait()
        #expect(reported.withLock { $0 } == [1, 2])
        log.close()
    }

    @Test func concurrentAppendsFormOneChain() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let log = try AuditLog(configuration: .init(directory: temp.path), nowMillis: 0)
        let all = Locked<[UInt64]>([])
        DispatchQueue.concurrentPerform(iterations: 400) { index in
            let numbers = log.append([self.event(index)])
            all.withLock { $0.append(contentsOf: numbers) }
        }
        log.close()
        #expect(all.withLock { $0.sorted() } == Array(1...400))
        let verification = try AuditVerifier.verify(directory: temp.path)
        #expect(verification.foundNoProblem)
        #expect(verification.recordCount == 400)
    }

    @Test func reopeningContinuesTheChain() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var log = try AuditLog(configuration: .init(directory: temp.path), nowMillis: 0)
        log.append([event(1), event(2)])
        log.close()
        log = try AuditLog(configuration: .init(directory: temp.path), nowMillis: 0)
        #expect(log.append([event(3)]) == [3])
        log.close()
        #expect(try AuditVerifier.verify(directory: temp.path).recordCount == 3)
    }

    @Test func rotatesSegmentsAndKeepsTheChainAcrossThem() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var configuration = AuditLog.Configuration(directory: temp.path)
        configuration.segmentMaximumBytes = 4096
        let log = try AuditLog(configuration: configuration, nowMillis: 0)
        for index in 0..<100 { log.append([event(index)]) ; if index % 10 == 0 { log.flush() } }
        log.close()
        let verification = try AuditVerifier.verify(directory: temp.path)
        #expect(verification.foundNoProblem)
        #expect(verification.segmentCount > 2)
        #expect(verification.recordCount == 100)
    }

    @Test func tornTailIsReportedThenRepairedAndRecorded() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var log = try AuditLog(configuration: .init(directory: temp.path), nowMillis: 0)
        log.append([event(1), event(2)])
        log.close()
        let segment = temp.path + "/" + (try AuditSegments.list(in: temp.path)[0])
        let handle = try #require(FileHandle(forWritingAtPath: segment))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"seq":3,"time":"2026-11-2"#.utf8))
        handle.closeFile()

        let torn = try AuditVerifier.verify(directory: temp.path)
        #expect(torn.problem == nil)
        #expect(torn.tornTail?.sequence == 3)

        log = try AuditLog(configuration: .init(directory: temp.path), nowMillis: 0)
        #expect(log.recovery.tornBytes == 26)
        log.close()
        let repaired = try AuditVerifier.verify(directory: temp.path)
        #expect(repaired.foundNoProblem)
        var events: [String] = []
        try AuditReader(directory: temp.path).forEachRecord { record in
            events.append(record.event ?? "")
            return true
        }
        #expect(events == ["subscribe", "subscribe", "repair"])
    }

    /// A crash inside a publish's append can leave the accepted `publish` line whole and its
    /// `route` line torn. The publish was never acknowledged; kept, a retry would be answered as
    /// accepted although nexd never routed it (the crash test found this). Start-up cuts it with
    /// the torn tail. A publish left last with no torn tail is kept (the crash seal judges it).
    @Test(arguments: [true, false])
    func anAcceptedPublishThatLostItsRouteRecordIsCut(routeTorn: Bool) throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var log = try AuditLog(configuration: .init(directory: temp.path), nowMillis: 0)
        log.append([event(1)])
        var publish = AuditEvent(.publish, timeMillis: 2, outcome: .accepted)
        publish.node = "gs.fr.lyon"; publish.messageID = "01a23af7-4012-700e-8001-8000000004ff"; publish.topic = "notice.red.rw"
        var route = AuditEvent(.route, timeMillis: 2)
        route.node = "gs.fr.lyon"; route.messageID = publish.messageID; route.topic = "notice.red.rw"
        log.append([publish, route])
        log.close()
        let segment = temp.path + "/" + (try AuditSegments.list(in: temp.path)[0])
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: segment)))
        let routeStart = try #require(bytes.dropLast().lastIndex(of: UInt8(ascii: "\n"))) + 1
        bytes.removeLast(bytes.count - routeStart - (routeTorn ? 20 : 0))
        try Data(bytes).write(to: URL(fileURLWithPath: segment))

        log = try AuditLog(configuration: .init(directory: temp.path), nowMillis: 0)
        guard routeTorn else {
            #expect(log.recovery.unroutedPublishes == 0)
            #expect(log.recovery.lastSequence == 2)
            log.close()
            return
        }
        #expect(log.recovery.unroutedPublishes == 1)
        #expect(log.recovery.lastSequence == 1)
        log.close()
        #expect(try AuditVerifier.verify(directory: temp.path).foundNoProblem)
        var events: [String] = []
        var repair = ""
        try AuditReader(directory: temp.path).forEachRecord { record in
            events.append(record.event ?? "")
            if record.event == "repair" { repair = record.string("detail") ?? "" }
            return true
        }
        #expect(events == ["subscribe", "repair"])
        #expect(repair.contains("1 accepted publish whose route record was lost"))
    }

    @Test func aCompleteFinalRecordMissingOnlyItsLineEndIsKept() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var log = try AuditLog(configuration: .init(directory: temp.path), nowMillis: 0)
        log.append([event(1), event(2)])
        log.close()
        let segment = temp.path + "/" + (try AuditSegments.list(in: temp.path)[0])
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: segment)))
        bytes.removeLast()
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let torn = try AuditVerifier.verify(directory: temp.path)
        #expect(torn.tornTailIsCompleteRecord)
        #expect(torn.recordCount == 2)

        log = try AuditLog(configuration: .init(directory: temp.path), nowMillis: 0)
        #expect(log.recovery.restoredLineEnds == 1)
        #expect(log.recovery.tornBytes == 0)
        log.close()
        let repaired = try AuditVerifier.verify(directory: temp.path)
        #expect(repaired.foundNoProblem)
        #expect(repaired.recordCount == 3)
    }

    @Test func oneWriterPerDirectory() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let first = try AuditLog(configuration: .init(directory: temp.path), nowMillis: 0)
        #expect(throws: AuditError.self) { try AuditLog(configuration: .init(directory: temp.path), nowMillis: 0) }
        first.close()
        let second = try AuditLog(configuration: .init(directory: temp.path), nowMillis: 0)
        second.close()
    }

    @Test func refusesToStartOnACorruptFinalRecord() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let log = try AuditLog(configuration: .init(directory: temp.path), nowMillis: 0)
        log.append([event(1)])
        log.close()
        let segment = temp.path + "/" + (try AuditSegments.list(in: temp.path)[0])
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: segment)))
        bytes[20] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        #expect(throws: AuditError.self) { try AuditLog(configuration: .init(directory: temp.path), nowMillis: 0) }
    }
}
