import Foundation
import NexCrypto
import NexWire
import Testing
@testable import NexAudit

@Suite struct AuditVerifierTests {
    /// A log of `count` records; returns its directory and the segment's lines.
    private func makeLog(count: Int) throws -> (TemporaryDirectory, String, [String]) {
        let temp = try TemporaryDirectory()
        let log = try AuditLog(configuration: .init(directory: temp.path), nowMillis: 0)
        for index in 1...count {
            var event = AuditEvent(.subscribe, timeMillis: Int64(index), outcome: .accepted)
            event.node = "bcp.rw.rusumo"
            event.filter = "notice.>"
            event.subscriptionID = UInt32(index)
            log.append([event])
        }
        log.close()
        let segment = temp.path + "/" + (try AuditSegments.list(in: temp.path)[0])
        let text = try String(contentsOfFile: segment, encoding: .utf8)
        return (temp, segment, text.split(separator: "\n").map(String.init))
    }

    private func write(_ lines: [String], to segment: String) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: segment))
    }

    @Test(arguments: [1, 3, 5])
    func aFlippedByteNamesItsRecord(record: Int) throws {
        let (temp, segment, lines) = try makeLog(count: 5)
        defer { temp.remove() }
        var changed = lines
        changed[record - 1] = changed[record - 1].replacingOccurrences(of: "bcp.rw.rusumo", with: "bcp.rw.rusumO")
        try write(changed, to: segment)
        let result = try AuditVerifier.verify(directory: temp.path)
        let problem = try #require(result.problem)
        #expect(problem.sequence == UInt64(record))
        #expect(problem.reason.contains("altered"))
    }

    @Test func aFlippedBitAnywhereInTheFileIsCaught() throws {
        let (temp, segment, _) = try makeLog(count: 4)
        defer { temp.remove() }
        let original = [UInt8](try #require(FileManager.default.contents(atPath: segment)))
        for offset in stride(from: 0, to: original.count, by: 7) where original[offset] != UInt8(ascii: "\n") {
            var bytes = original
            bytes[offset] ^= 0x04
            try Data(bytes).write(to: URL(fileURLWithPath: segment))
            let result = try AuditVerifier.verify(directory: temp.path)
            #expect(!result.foundNoProblem, "flip at offset \(offset) went unnoticed")
        }
    }

    @Test func aDeletedRecordIsNamed() throws {
        let (temp, segment, lines) = try makeLog(count: 5)
        defer { temp.remove() }
        var changed = lines
        changed.remove(at: 2)
        try write(changed, to: segment)
        let problem = try #require(try AuditVerifier.verify(directory: temp.path).problem)
        #expect(problem.sequence == 3)
        #expect(problem.reason.contains("sequence 4 where 3 was expected"))
    }

    @Test func reorderedRecordsAreNamed() throws {
        let (temp, segment, lines) = try makeLog(count: 5)
        defer { temp.remove() }
        var changed = lines
        changed.swapAt(1, 2)
        try write(changed, to: segment)
        let problem = try #require(try AuditVerifier.verify(directory: temp.path).problem)
        #expect(problem.sequence == 2)
    }

    @Test func anInsertedCopyIsNamed() throws {
        let (temp, segment, lines) = try makeLog(count: 3)
        defer { temp.remove() }
        var changed = lines
        changed.insert(lines[0], at: 1)
        try write(changed, to: segment)
        let problem = try #require(try AuditVerifier.verify(directory: temp.path).problem)
        #expect(problem.sequence == 2)
    }

    @Test func aRehashedForgeryBreaksTheNextLink() throws {
        // An attacker who edits record 2 and recomputes its own hash still breaks record 3's link.
        let (temp, segment, lines) = try makeLog(count: 3)
        defer { temp.remove() }
        let edited = lines[1].replacingOccurrences(of: "notice.>", with: "hit.rw")
        let (core, _) = try #require(AuditLine.split(ArraySlice(Array(edited.utf8))))
        let rehashed = String(decoding: core.dropLast(), as: UTF8.self) + #","hash":""# + SHA256.hash(core).hex + "\"}"
        var changed = lines
        changed[1] = rehashed
        try write(changed, to: segment)
        let problem = try #require(try AuditVerifier.verify(directory: temp.path).problem)
        #expect(problem.sequence == 3)
        #expect(problem.reason.contains("link to the previous record"))
    }
}
