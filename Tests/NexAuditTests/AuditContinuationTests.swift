import Foundation
import NexSync
import Testing
@testable import NexAudit

/// A slow-consumer record lists every missed id: past ``AuditEvent/missedMessageIDsLimit`` the
/// list continues in `continuation` records written in the same append (docs/AUDIT.md
/// §Continuation records), and both verifiers accept the log.
@Suite struct AuditContinuationTests {
    private static func ids(_ count: Int) -> [String] {
        (0..<count).map { String(format: "00000000-0000-4000-8000-%012x", $0) }
    }

    private static func disconnect(missing ids: [String]) -> AuditEvent {
        var event = AuditEvent(.disconnect, timeMillis: 1_795_910_339_000)
        event.reason = "slow-consumer"
        event.connection = 7
        event.node = "bcp.rw.rusumo"
        event.peer = "127.0.0.1:50000"
        event.detail = "slow consumer"
        event.missedMessageIDs = ids
        event.count = UInt64(ids.count)
        return event
    }

    @Test(arguments: [0, 1, 999, 1000, 1001, 2000, 2500, 65_536])
    func splitListsEveryIDOnceInOrder(count: Int) {
        let ids = Self.ids(count)
        let records = Self.disconnect(missing: ids).splitIntoRecords()
        let limit = AuditEvent.missedMessageIDsLimit
        let expectedParts = max(1, (count + limit - 1) / limit)
        #expect(records.count == expectedParts)
        #expect(records.flatMap { $0.missedMessageIDs ?? [] } == ids)
        #expect(records.allSatisfy { ($0.missedMessageIDs?.count ?? 0) <= limit })
        #expect(records[0].kind == .disconnect && records[0].count == UInt64(count))
        #expect(records[0].parts == (expectedParts > 1 ? expectedParts : nil))
        for (index, record) in records.enumerated().dropFirst() {
            #expect(record.kind == .continuation)
            #expect(record.part == index + 1 && record.parts == expectedParts)
            #expect(record.connection == 7 && record.node == "bcp.rw.rusumo" && record.count == nil)
        }
    }

    @Test func appendWritesContinuationsConsecutivelyAndAnswersPerEvent() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let log = try AuditLog(configuration: .init(directory: temp.path), nowMillis: 0)
        let ids = Self.ids(2500)
        var before = AuditEvent(.start, timeMillis: 1)
        before.detail = "before"
        var after = AuditEvent(.stop, timeMillis: 2)
        after.detail = "after"
        let reported = Locked<[UInt64]>([])
        let done = DispatchSemaphore(value: 0)
        // One event per input, numbered by its first record: the split takes sequences 2…4.
        let sequences = log.append([before, Self.disconnect(missing: ids), after]) { result in
            reported.withLock { $0 = (try? result.get()) ?? [] }
            done.signal()
        }
        done.wait()
        #expect(sequences == [1, 2, 5])
        #expect(reported.withLock { $0 } == [1, 2, 5])
        #expect(log.append([after]) == [6])
        log.close()

        var records: [AuditRecord] = []
        try AuditReader(directory: temp.path).forEachRecord { records.append($0); return true }
        #expect(records.map(\.event) == ["start", "disconnect", "continuation", "continuation", "stop", "stop"])
        let main = records[1]
        #expect(main.integer("count") == 2500 && main.integer("parts") == 3 && main.integer("part") == nil)
        #expect(records[2].integer("part") == 2 && records[3].integer("part") == 3)
        #expect(records[3].integer("parts") == 3 && records[3].integer("conn") == 7)
        let listed = records[1...3].flatMap { ($0.members["missed"] as? [String]) ?? [] }
        #expect(listed == ids)
        #expect(Set(listed).count == ids.count)
        let verification = try AuditVerifier.verify(directory: temp.path)
        #expect(verification.foundNoProblem)
        #expect(verification.recordCount == 6)
    }

    @Test(.enabled(if: PythonVerifierTests.python != nil)) func pythonVerifierAcceptsContinuations() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let pki = try ContractPKI()
        var configuration = AuditLog.Configuration(directory: temp.path + "/audit")
        configuration.checkpointSigner = pki.signer
        try FileManager.default.createDirectory(atPath: configuration.directory, withIntermediateDirectories: true)
        let log = try AuditLog(configuration: configuration, nowMillis: ContractPKI.nowMillis())
        var disconnect = Self.disconnect(missing: Self.ids(3001))
        disconnect.timeMillis = ContractPKI.nowMillis()  // before the checkpoint close() signs
        log.append([disconnect])
        log.close()
        let anchors = try pki.anchorArguments(writingTo: temp.path)
        let (status, output) = try PythonVerifierTests.run([configuration.directory, "--no-signatures"] + anchors)
        #expect(status == 0, "\(output)")
        #expect(output.contains("INTACT: 5 records"), "\(output)")  // 4 for 3001 ids, then the checkpoint
    }
}
