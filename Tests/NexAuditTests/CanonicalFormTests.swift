import Foundation
import NexCrypto
import Testing
@testable import NexAudit

/// docs/AUDIT.md §Canonical form: a record line is accepted only as the bytes the writer makes.
@Suite struct CanonicalFormTests {
    /// A route record as nexd writes it: every kind of member (strings with escapes, integers,
    /// nested recipients and withheld entries, lists of strings).
    static func writtenRoute() -> [UInt8] {
        var event = AuditEvent(.route, timeMillis: 1_795_910_339_123, outcome: .accepted)
        event.reason = "quote \" backslash \\ newline \n tab \t bell \u{7} escape \u{1B} é"
        event.connection = 3
        event.node = "gs.fr.lyon"
        event.messageID = "0199aaaa-bbbb-7ccc-8ddd-eeeeffff0001"
        event.signedDigest = String(repeating: "ab", count: 32)
        event.recipients = [.init(node: "ncb.rw.kigali", connection: 4, subscriptions: [1, 2])]
        event.withheld = [.init(node: "bcp.rw.rusumo", connection: 5, reason: "denied-country")]
        event.receivedMessageIDs = ["a", "b"]
        event.envelope = [1, 2, 3, 4]
        return AuditLine.make(sequence: 7, members: event.encodedMembers(), previous: AuditLine.genesisHash).line.dropLast()
    }

    static func problem(_ line: [UInt8]) -> String? {
        guard let record = AuditRecord(segment: "s", line: 1, bytes: line) else { return "not JSON" }
        return AuditFormat.canonicalFormProblem(line[...], members: record.members)
    }

    @Test func acceptsWhatTheWriterMakes() throws {
        let line = Self.writtenRoute()
        #expect(Self.problem(line) == nil)
        let shape = try AuditLineShape(line: line[...])
        #expect(shape.sequence == 7 && shape.event == "route" && shape.timeMillis == 1_795_910_339_123)
    }

    @Test(arguments: [
        (#""conn":3"#, #""conn": 3"#),
        (#""conn":3"#, #""conn":3.0"#),
        (#""conn":3"#, #""conn":3e0"#),
        (#""conn":3"#, #""conn":true"#),
        (#""conn":3"#, #""conn":-3"#),
        (#""conn":3"#, #""conn":"3""#),
        (#""node":"gs.fr.lyon""#, #""node":"gs.fr.\u006cyon""#),
        (#""node":"gs.fr.lyon""#, #""n\u006fde":"gs.fr.lyon""#),
        (#""node":"gs.fr.lyon""#, #""node":"gs.fr.lyon\/""#),
        (#"\u001b"#, #"\u001B"#),
        ("é", #"\u00e9"#),
        (#"bell"#, #"b\u0065ll"#),
        (#""subs":[1,2]"#, #""subs":[1,2.0]"#),
        (#""subs":[1,2]"#, #""subs":[1,2],"extra":0"#),
        (#""received":["a","b"]"#, #""received":["a",2]"#),
        (#"abababab"#, #"ABABABAB"#),
        (#""envelope":"AQIDBA==""#, #""envelope":"AQIDBB==""#),
    ])
    func refusesOtherBytesForTheSameContent(original: String, replacement: String) {
        let line = Self.writtenRoute()
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.contains(original))
        let changed = Array(text.replacingOccurrences(of: original, with: replacement).utf8)
        #expect(changed != line)
        #expect(Self.problem(changed) != nil, "accepted \(replacement)")
    }

    @Test func refusesMembersOutOfTheWritersOrder() {
        let text = String(decoding: Self.writtenRoute(), as: UTF8.self)
        let swapped = text.replacingOccurrences(of: #""conn":3,"node":"gs.fr.lyon""#, with: #""node":"gs.fr.lyon","conn":3"#)
        #expect(swapped != text)
        #expect(Self.problem(Array(swapped.utf8)) != nil)
    }

    @Test func checkpointMembersAreTheCheckpointWritersOnly() {
        let frontier = MerkleFrontier()
        let checkpoint = SignedCheckpoint(treeSize: 0, rootHash: frontier.root, timeMillis: 0,
                                          certificateFingerprint: AuditLine.genesisHash, signature: [1, 2, 3])
        let plain = AuditLine.make(sequence: 1, members: checkpoint.recordMembers(frontier: frontier), previous: AuditLine.genesisHash).line.dropLast()
        #expect(Self.problem(Array(plain)) == nil)
        let sealed = AuditLine.make(sequence: 1, members: checkpoint.recordMembers(frontier: frontier, note: ("sealed-after-crash", "covers records 1…0")),
                                    previous: AuditLine.genesisHash).line.dropLast()
        #expect(Self.problem(Array(sealed)) == nil)
        let text = String(decoding: plain, as: UTF8.self)
        let withNode = text.replacingOccurrences(of: #""event":"checkpoint""#, with: #""event":"checkpoint","node":"x""#)
        #expect(Self.problem(Array(withNode.utf8)) != nil)
    }

    @Test(arguments: [
        #"{"seq":07,"time":"2026-11-28T23:58:59.123Z","event":"route","#,
        #"{"seq":7,"time":"2026-11-28T23:58:60.123Z","event":"route","#,
        #"{"seq":7,"time":"2026-11-28 23:58:59.123Z","event":"route","#,
        #"{"seq":7,"time":"2026-11-28T23:58:59.123Z","event":"Route","#,
        #"{"seq":7,"time":"2026-11-28T23:58:59.123Z","\u0065vent":"route","#,
        #"{"seq":7, "time":"2026-11-28T23:58:59.123Z","event":"route","#,
    ])
    func refusesAnotherHead(head: String) {
        let text = String(decoding: Self.writtenRoute(), as: UTF8.self)
        let rest = text[text.range(of: #""event":"route","#)!.upperBound...]
        #expect(throws: AuditLineShape.Mismatch.self) { try AuditLineShape(line: Array((head + rest).utf8)[...]) }
    }

    @Test func nestingDepthCountsOutsideStrings() {
        #expect(AuditFormat.nestingDepth(Array(#"{"a":[{"b":[1]}],"c":"[[[["}"#.utf8)[...]) == 4)
        #expect(AuditFormat.nestingDepth(Array((String(repeating: "[", count: 3000) + String(repeating: "]", count: 3000)).utf8)[...]) == 3000)
    }
}

/// docs/AUDIT.md §Files: a segment name is exactly what nexd makes for its number.
@Suite struct SegmentNameTests {
    @Test(arguments: [
        ("segment-000000000001.jsonl", UInt64(1)), ("segment-000000000011.jsonl", 11),
        ("segment-1000000000000.jsonl", 1_000_000_000_000),
    ])
    func readsNexdsNames(name: String, sequence: UInt64) {
        #expect(AuditSegments.firstSequence(ofFileName: name) == sequence)
        #expect(AuditSegments.fileName(firstSequence: sequence) == name)
    }

    @Test(arguments: [
        "segment-11.jsonl", "segment-+00000000011.jsonl", "segment-0000000000011.jsonl", "segment-00000000001a.jsonl",
        "segment-\u{0660}\u{0660}\u{0660}\u{0660}\u{0660}\u{0660}\u{0660}\u{0660}\u{0660}\u{0660}\u{0661}\u{0661}.jsonl",
        "segment-000000000011.jsonl.bak", "segment-000000000011.JSONL", "segment-.jsonl", "segment- 00000000011.jsonl",
    ])
    func refusesEverythingElse(name: String) {
        #expect(AuditSegments.firstSequence(ofFileName: name) == nil)
    }

    @Test func listingRefusesAStrayAndScanningNamesIt() throws {
        let temp = try TemporaryDirectory()
        for name in ["segment-000000000001.jsonl", "segment-+00000000011.jsonl", "checkpoint.json"] {
            _ = FileManager.default.createFile(atPath: temp.path + "/" + name, contents: Data())
        }
        let scan = try AuditSegments.scan(in: temp.path)
        #expect(scan.segments == ["segment-000000000001.jsonl"])
        #expect(scan.strays == ["segment-+00000000011.jsonl"])
        #expect(throws: AuditError.self) { try AuditSegments.list(in: temp.path) }
    }
}
