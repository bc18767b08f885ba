import Testing
@testable import NexServer

@Suite struct LogSafeTests {
    @Test(arguments: [
        ("hit.rw", "hit.rw"),
        ("x\n2026-11-29 critical nexd: FORGED", "x\\n2026-11-29 critical nexd: FORGED"),
        ("a\rb\tc\"d\\e", "a\\rb\\tc\\\"d\\\\e"),
        ("bell\u{7}", "bell\\u{7}"),
        ("line\u{2028}sep", "line\\u{2028}sep"),
    ])
    func peerTextCannotBreakALogLine(input: String, expected: String) {
        #expect(LogSafe.text(input) == expected)
        #expect(!LogSafe.text(input).contains("\n"))
    }

    @Test func longTextIsCut() {
        #expect(LogSafe.text(String(repeating: "a", count: 500), limit: 10) == "aaaaaaaaaa…")
    }
}
