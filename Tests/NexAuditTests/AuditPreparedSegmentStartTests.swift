import Foundation
import Testing
@testable import NexAudit

#if canImport(Glibc)
import Glibc
#endif

/// What start-up and the readers make of `next-segment.jsonl` after a crash (D48, docs/AUDIT.md
/// §Files): a second name of the last segment is dropped without counting anything twice; a file
/// that does not continue the chain, or names another segment, is refused before anything is
/// touched; records under the prepared name only are read by `nex audit` like the verifiers do.
@Suite struct AuditPreparedSegmentStartTests {
    private func configuration(_ directory: String) -> AuditLog.Configuration {
        var configuration = AuditLog.Configuration(directory: directory)
        configuration.segmentMaximumBytes = 1  // every batch after the first starts a segment
        return configuration
    }

    private var prepared: String { AuditSegments.preparedName }

    /// A crashed run that wrote records 1…`count`, one segment each; the prepared file stays (empty).
    private func crashedRun(_ directory: String, records count: Int) throws {
        let log = try AuditLog(configuration: configuration(directory), nowMillis: 0)
        for index in 1...count {
            log.append([AuditTestSupport.subscribeEvent(index)])
            log.flush()
        }
        log.simulateCrash()
    }

    private func names(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    @Test func aTornFirstRecordUnderBothNamesIsCountedOnceAndNamedBySegment() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try crashedRun(temp.path, records: 1)
        let torn = Data(#"{"seq":2,"time":"2026-11-2"#.utf8)
        let path = temp.path + "/" + prepared
        try torn.write(to: URL(fileURLWithPath: path))
        let second = AuditSegments.fileName(firstSequence: 2)
        #expect(link(path, temp.path + "/" + second) == 0)

        let log = try AuditLog(configuration: configuration(temp.path), nowMillis: 0)
        #expect(log.recovery.tornBytes == torn.count, "counted once")
        log.close()
        let repair = try #require(try AuditTestSupport.lines(in: temp.path).last?.text)
        #expect(repair.contains("cut a torn final record of \(torn.count) bytes from \(second)"), "\(repair)")
        #expect(try AuditVerifier.verify(directory: temp.path).foundNoProblem)
    }

    /// A valid record under the prepared name that does not continue the last named segment is not
    /// given a segment name: start-up refuses and leaves the directory as it was.
    @Test func aPreparedFileThatDoesNotContinueTheChainIsRefusedUntouched() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try crashedRun(temp.path, records: 3)
        let planted = AuditLine.make(sequence: 10, members: AuditTestSupport.subscribeEvent(10).encodedMembers(),
                                     previous: AuditLine.genesisHash).line
        try Data(planted).write(to: URL(fileURLWithPath: temp.path + "/" + prepared))
        let before = try names(temp.path)

        #expect {
            _ = try AuditLog(configuration: configuration(temp.path), nowMillis: 0)
        } throws: { error in
            (error as? AuditError)?.code == .corrupt && (error as? AuditError)?.message.contains("begins with record 10") == true
        }
        #expect(try names(temp.path) == before, "nothing renamed or removed")
    }

    /// The prepared name as a second name of a segment that is not the last one: both verifiers
    /// report it, and start-up refuses instead of quietly removing it.
    @Test func aPreparedNameOfAnEarlierSegmentIsRefusedUntouched() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try crashedRun(temp.path, records: 3)
        let path = temp.path + "/" + prepared
        #expect(unlink(path) == 0)
        #expect(link(temp.path + "/" + AuditSegments.fileName(firstSequence: 1), path) == 0)
        #expect(!(try AuditVerifier.verify(directory: temp.path).foundNoProblem))
        let before = try names(temp.path)

        #expect {
            _ = try AuditLog(configuration: configuration(temp.path), nowMillis: 0)
        } throws: { error in
            (error as? AuditError)?.code == .corrupt && (error as? AuditError)?.message.contains("not the last segment") == true
        }
        #expect(try names(temp.path) == before)
        var status = stat()
        #expect(lstat(path, &status) == 0)
    }

    /// `nex audit query`, `trace` and `follow` read what only the prepared name holds, as the
    /// verifiers do, and a second name of the last segment once.
    @Test func readersIncludeRecordsUnderThePreparedNameOnly() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try crashedRun(temp.path, records: 3)
        let path = temp.path + "/" + prepared
        let last = temp.path + "/" + AuditSegments.fileName(firstSequence: 3)
        #expect(unlink(path) == 0)
        #expect(rename(last, path) == 0)
        let reader = AuditReader(directory: temp.path)
        #expect(try reader.segments().last == prepared)
        var sequences: [UInt64] = []
        try reader.forEachRecord { record in
            sequences.append(record.sequence ?? 0)
            return true
        }
        #expect(sequences == [1, 2, 3])
        let index = AuditIndex(directory: temp.path, indexDirectory: temp.path + "-index")
        defer { try? FileManager.default.removeItem(atPath: temp.path + "-index") }
        #expect(try index.scan(for: "subscribe") { _ in true }.count == 3)

        #expect(link(path, last) == 0)  // both names: read once
        #expect(try reader.segments() == [1, 2, 3].map { AuditSegments.fileName(firstSequence: $0) })
    }
}
