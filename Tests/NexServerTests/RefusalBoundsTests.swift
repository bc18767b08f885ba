import NexAudit
import Testing
@testable import NexServer

@Suite struct RefusalBoundsTests {
    /// The bytes `text` takes in a record string.
    private func escapedLength(_ text: String) -> Int {
        var event = AuditEvent(.publish, timeMillis: 0)
        event.detail = text
        var empty = AuditEvent(.publish, timeMillis: 0)
        empty.detail = ""
        return event.encodedMembers().count - empty.encodedMembers().count
    }

    /// (value, UTF-8 bytes the bound leaves out).
    static let cases: [(String, Int)] = [
        ("", 0), ("notice.red.fr", 0),
        (String(repeating: "a", count: 256), 0), (String(repeating: "a", count: 257), 1),
        (String(repeating: "\u{1}", count: 42), 0), (String(repeating: "\u{1}", count: 43), 1),
        (String(repeating: "\u{1}", count: 4000), 3958), (String(repeating: "\n", count: 129), 1),
        (String(repeating: "é", count: 200), 144), (String(repeating: "€", count: 100), 45),
    ]

    @Test(arguments: cases)
    func keepsWhatFitsAndSaysHowMuchWasCut(value: String, omitted: Int) {
        let bounded = RefusalBounds.bounded(value)
        if omitted == 0 {
            #expect(bounded == value)
        } else {
            #expect(bounded.hasSuffix("…(+\(omitted) bytes)"))
            let kept = String(bounded.dropLast("…(+\(omitted) bytes)".count))
            #expect(value.hasPrefix(kept))
            #expect(kept.utf8.count + omitted == value.utf8.count)
            #expect(escapedLength(kept) <= RefusalBounds.maximumRecordedBytes)
        }
    }

    @Test func boundsEveryPeerStringOfARefusal() {
        var event = AuditEvent(.subscribe, timeMillis: 0, outcome: .refused)
        let long = String(repeating: "\u{7}", count: 60_000)
        event.topic = long
        event.noticeKind = long
        event.filter = long
        event.detail = "filter \"\(long)\" is invalid"
        event.node = "gs.fr.lyon"
        let bounded = event.boundedForRefusal()
        for value in [bounded.topic, bounded.noticeKind, bounded.filter, bounded.detail] {
            #expect((value?.utf8.count ?? .max) < 300)
        }
        #expect(bounded.node == "gs.fr.lyon")
    }
}

@Suite struct RefusalNodeBoundsTests {
    /// A `connect` refusal names the node by the peer certificate's CN, which OpenSSL does not
    /// limit when it parses a certificate: cut like the other peer strings.
    @Test func aLongCommonNameIsCut() {
        var event = AuditEvent(.connect, timeMillis: 0, outcome: .refused)
        event.node = String(repeating: "n", count: 10_000)
        let bounded = event.boundedForRefusal()
        #expect((bounded.node ?? "").utf8.count < 300)
        #expect(bounded.node?.hasSuffix("bytes)") == true)
    }
}
