import Foundation
import Testing
@testable import NexAudit

/// The message index never hides a record and never traps: bad entries are skipped and reported,
/// "not found" is confirmed by a scan, and an index for another log state is not used (D28).
@Suite struct AuditIndexTests {
    private typealias Entries = [(key: UInt64, segment: UInt64, offset: UInt64)]

    /// A notice log and an index of it kept in a directory of its own.
    private struct Setup {
        let fixture: NoticeLogFixture
        let indexTemp: TemporaryDirectory
        let index: AuditIndex

        init() throws {
            fixture = try NoticeLogFixture()
            indexTemp = try TemporaryDirectory()
            index = AuditIndex(directory: fixture.directory, indexDirectory: indexTemp.path + "/index")
            try index.update()
        }

        func remove() {
            fixture.temp.remove()
            indexTemp.remove()
        }

        var segmentSize: UInt64 {
            UInt64(index.fileSize(fixture.directory + "/" + AuditSegments.fileName(firstSequence: 1)))
        }
    }

    /// Rewrites the index's entries with `edit`; `reseals` also rewrites its state to match, as a
    /// buggy or forged but self-consistent index would be, which only the per-entry checks catch.
    private func tamper(_ index: AuditIndex, reseals: Bool = true, _ edit: (inout Entries) -> Void) throws {
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: index.entriesPath)))
        var entries: Entries = stride(from: 8, to: bytes.count, by: 24).map {
            (AuditIndex.integer(bytes, $0), AuditIndex.integer(bytes, $0 + 8), AuditIndex.integer(bytes, $0 + 16))
        }
        edit(&entries)
        var out = AuditIndex.magic
        for entry in entries {
            for value in [entry.key, entry.segment, entry.offset] { SignedCheckpoint.appendBigEndian(value, to: &out) }
        }
        try Data(out).write(to: URL(fileURLWithPath: index.entriesPath))
        guard reseals else { return }
        var state = try #require(index.loadState())
        state.entryCount = entries.count
        state.entriesFile = AuditIndex.State.FileIdentity(path: index.entriesPath)
        try JSONEncoder().encode(state).write(to: URL(fileURLWithPath: index.statePath))
    }

    /// Changes the first entry filed under message `id`.
    private func tamperFirstEntry(of id: String, in index: AuditIndex, _ change: (inout (key: UInt64, segment: UInt64, offset: UInt64)) -> Void) throws {
        let key = AuditIndex.key(message: id)
        try tamper(index) { entries in
            if let at = entries.firstIndex(where: { $0.key == key }) { change(&entries[at]) }
        }
    }

    private func expectAllThree(_ answer: AuditIndexAnswer, _ id: String) {
        #expect(answer.records.map { $0.event ?? "" } == ["publish", "route", "receipt"])
        #expect(answer.records.allSatisfy { $0.names(message: id) })
    }

    /// Ways an entry's offset can be wrong, with the warning each must give.
    enum BadOffset: CaseIterable, Sendable {
        case twoToThe63, maximum, pastTheEnd, intoALine, atAnotherRecord

        func offset(replacing offset: UInt64, segmentSize: UInt64) -> UInt64 {
            switch self {
            case .twoToThe63: UInt64(1) << 63
            case .maximum: .max
            case .pastTheEnd: segmentSize + 100
            case .intoALine: offset + 7
            case .atAnotherRecord: 0  // the first record: the start record
            }
        }

        var warning: String {
            switch self {
            case .twoToThe63, .maximum, .pastTheEnd: "points outside segment-000000000001.jsonl"
            case .intoALine: "points into the middle of a line"
            case .atAnotherRecord: "not a record filed under its key"
            }
        }
    }

    @Test(arguments: BadOffset.allCases)
    func aBadOffsetIsSkippedAndReportedAndTheRecordStillFound(_ bad: BadOffset) throws {
        let setup = try Setup()
        defer { setup.remove() }
        let id = setup.fixture.messageIDs[1]
        let size = setup.segmentSize
        try tamperFirstEntry(of: id, in: setup.index) { $0.offset = bad.offset(replacing: $0.offset, segmentSize: size) }
        let answer = try setup.index.find(message: id)
        expectAllThree(answer, id)
        #expect(answer.isFromScan)
        #expect(answer.ignoredEntries.count == 1)
        #expect(answer.ignoredEntries.first?.contains(bad.warning) == true, "\(answer.ignoredEntries)")
        #expect(answer.ignoredEntries.first?.hasSuffix("ignored — rebuild with nex audit index") == true)
        // The bad index is rebuilt at the next lookup, which the index then answers alone.
        let again = try setup.index.find(message: id)
        expectAllThree(again, id)
        #expect(again.ignoredEntries.isEmpty && !again.isFromScan)
    }

    @Test func anEntryNamingAnUnknownSegmentIsSkipped() throws {
        let setup = try Setup()
        defer { setup.remove() }
        let id = setup.fixture.messageIDs[0]
        try tamperFirstEntry(of: id, in: setup.index) { $0.segment = 999 }
        let answer = try setup.index.find(message: id)
        expectAllThree(answer, id)
        #expect(answer.ignoredEntries.first?.contains("not in the log") == true)
    }

    @Test func aRemovedEntryDoesNotHideItsRecord() throws {
        let setup = try Setup()
        defer { setup.remove() }
        // The refused publish is the only record of its message: with its entry gone the index finds
        // nothing, and the scan that confirms every "not found" finds it.
        let refused = setup.fixture.refusedID
        let refusedKey = AuditIndex.key(message: refused)
        try tamper(setup.index) { $0.removeAll { $0.key == refusedKey } }
        let answer = try setup.index.find(message: refused)
        #expect(answer.records.map { $0.string("outcome") } == ["refused"])
        #expect(answer.isFromScan)
        #expect(answer.ignoredEntries.first?.contains("has no entry for the 1 records") == true)
        // One of a message's three entries removed without resealing: the entry file is not the one
        // the state describes, so the index is rebuilt before the lookup.
        #expect(try setup.index.update().rebuilt)  // the lookup above found the index wanting
        let id = setup.fixture.messageIDs[2]
        let key = AuditIndex.key(message: id)
        try tamper(setup.index, reseals: false) { entries in entries.remove(at: entries.firstIndex { $0.key == key }!) }
        let state = try #require(setup.index.loadState())
        #expect(!state.describesPrefix(of: setup.index, segments: try AuditSegments.list(in: setup.fixture.directory)))
        expectAllThree(try setup.index.find(message: id), id)
    }

    /// One of a message's entries filed under another key, the file's size unchanged and the state
    /// not resealed: its status-change time gives it away, and the index is rebuilt.
    @Test func anEntryFileChangedInPlaceIsNotUsed() throws {
        let setup = try Setup()
        defer { setup.remove() }
        let id = setup.fixture.messageIDs[0]
        let key = AuditIndex.key(message: id)
        try tamper(setup.index, reseals: false) { entries in
            let at = entries.firstIndex { $0.key == key }!
            entries[at].key ^= 1
            entries.sort { ($0.key, $0.segment, $0.offset) < ($1.key, $1.segment, $1.offset) }
        }
        let state = try #require(setup.index.loadState())
        #expect(state.entryCount * 24 + 8 == setup.index.fileSize(setup.index.entriesPath))
        #expect(!state.describesPrefix(of: setup.index, segments: try AuditSegments.list(in: setup.fixture.directory)))
        let answer = try setup.index.find(message: id)
        expectAllThree(answer, id)
        #expect(!answer.isFromScan)
    }

    @Test func aMessageWithNoRecordIsConfirmedByAScan() throws {
        let setup = try Setup()
        defer { setup.remove() }
        let answer = try setup.index.find(message: "0190a5b2-0000-7000-8000-000000000000")
        #expect(answer.records.isEmpty && answer.isFromScan && answer.ignoredEntries.isEmpty)
    }

    /// The index of a two-segment log; then the first segment is replaced by another log's. The last
    /// record indexed is still where it was, but the index describes another log state.
    @Test func anIndexBuiltForAnotherLogStateIsNotUsed() throws {
        let setup = try Setup()
        defer { setup.remove() }
        let other = try NoticeLogFixture()
        defer { other.temp.remove() }
        let first = setup.fixture.directory + "/" + AuditSegments.fileName(firstSequence: 1)
        let second = setup.fixture.directory + "/" + AuditSegments.fileName(firstSequence: 100)
        try FileManager.default.copyItem(atPath: first, toPath: second)
        #expect(try setup.index.update().added > 0)
        try FileManager.default.removeItem(atPath: first)
        try FileManager.default.copyItem(atPath: other.directory + "/" + AuditSegments.fileName(firstSequence: 1), toPath: first)
        let id = other.messageIDs[0]
        let answer = try setup.index.find(message: id)
        expectAllThree(answer, id)
        #expect(!answer.isFromScan && answer.ignoredEntries.isEmpty)  // rebuilt for this log state, then trusted
        #expect(try setup.index.find(message: setup.fixture.messageIDs[0]).records.count == 3)  // the copy in the second segment
    }

    @Test func theIndexAgreesWithTheScanAndLivesOutsideTheAuditDirectory() throws {
        let setup = try Setup()
        defer { setup.remove() }
        for id in setup.fixture.messageIDs + [setup.fixture.refusedID] {
            let answer = try setup.index.find(message: id)
            #expect(answer.records.map(\.bytes) == (try setup.index.scan(message: id)).map(\.bytes))
        }
        let directory = setup.fixture.directory
        #expect(!AuditIndex.defaultIndexDirectory(for: directory).hasPrefix(directory))
        #expect(AuditIndex(directory: directory).indexDirectory == AuditIndex.defaultIndexDirectory(for: directory + "/."))
    }
}
