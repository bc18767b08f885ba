import Testing
@testable import nex

/// A trace shortened for `nex simulate`'s report: repeated lines cut to the first three of each kind.
@Suite struct AuditTraceCondensedTests {
    @Test func eachKindOfRepeatedLineIsCutToThreeAndSaysHowManyMore() {
        var trace = ["message m", "  publish  record 1  t  accepted", "  route    record 2  t"]
        trace += (1...5).map { "    delivered to bcp.\($0) (conn \($0), subs 1)" }
        trace += (1...4).map { "    WITHHELD from bcp.w\($0) (conn 9): restricted" }
        trace += (1...5).map { "  receipt  record \($0)  t  from bcp.\($0) (conn \($0))" }
        for post in 1...4 {
            trace += ["  inbox    bcp.\(post) alert.>  queued t (record 2, delivered live)", "    delivered t on conn \(post) (live, record 2)",
                      "    receipted t on conn \(post) (record 9)"]
        }
        trace += ["  every recipient confirmed receipt", "  lifecycle of m"]
        let condensed = AuditTraceText.condensed(trace.joined(separator: "\n")).split(separator: "\n").map(String.init)
        #expect(condensed.filter { $0.hasPrefix("    delivered to ") }.count == 3)
        #expect(condensed.contains("    … and 2 more deliveries"))
        #expect(condensed.filter { $0.hasPrefix("    WITHHELD from ") }.count == 3 && condensed.contains("    … and 1 more withheld"))
        #expect(condensed.filter { $0.hasPrefix("  receipt  ") }.count == 3 && condensed.contains("  … and 2 more receipts"))
        // Three inbox histories with their lines; the fourth's lines go with it.
        #expect(condensed.filter { $0.hasPrefix("  inbox    ") }.count == 3 && condensed.contains("  … and 1 more inbox histories"))
        #expect(!condensed.contains("    delivered t on conn 4 (live, record 2)"))
        #expect(condensed.suffix(2) == ["  every recipient confirmed receipt", "  lifecycle of m"])
        #expect(AuditTraceText.condensed("message m\n  publish  record 1") == "message m\n  publish  record 1", "nothing to cut")
    }
}
