import Testing
@testable import NexAudit

/// The byte search start-up runs over every line of the log (memchr + memcmp over raw bytes).
@Suite struct LineScanTests {
    @Test(arguments: [
        ("abc", "abc", 0), ("xxabc", "abc", 2), ("ab,ab,abc", ",abc", 5), ("abab", "abc", nil), ("ab", "abc", nil),
        ("", "a", nil), ("aaab", "aab", 1), ("abc", "c", 2), (",\"kind\":\"red\"", ",\"kind\":\"", 0),
    ] as [(String, String, Int?)])
    func find(_ haystack: String, _ needle: String, _ expected: Int?) {
        #expect(LineScan.find(Array(needle.utf8), in: ArraySlice(Array(haystack.utf8))) == expected)
    }

    /// Offsets are indexes of the slice's base array, as for any slice.
    @Test func offsetsAreIndexesOfTheSlice() {
        let bytes = Array("0123456789abc".utf8)
        #expect(LineScan.find(Array("abc".utf8), in: bytes[4...]) == 10)
        #expect(LineScan.find(Array("012".utf8), in: bytes[4...]) == nil)
        #expect(LineScan.find(Array("9a".utf8), in: bytes[4..<10]) == nil)
    }
}
