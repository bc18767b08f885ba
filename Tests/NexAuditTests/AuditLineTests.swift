import Foundation
import NexCrypto
import Testing
@testable import NexAudit

@Suite struct AuditLineTests {
    @Test func lineEndsWithTheHashOfItsCore() throws {
        let members = Array(#""time":"2026-11-28T23:58:59.123Z","event":"start""#.utf8)
        let (line, hash) = AuditLine.make(sequence: 7, members: members, previous: AuditLine.genesisHash)
        let text = String(decoding: line, as: UTF8.self)
        let core = #"{"seq":7,"time":"2026-11-28T23:58:59.123Z","event":"start","prev":""# + String(repeating: "0", count: 64) + #""}"#
        #expect(hash == SHA256.hash(Array(core.utf8)))
        #expect(text == String(core.dropLast()) + #","hash":""# + hash.hex + "\"}\n")
        let split = try #require(AuditLine.split(line.dropLast()))
        #expect(split.core == Array(core.utf8))
        #expect(split.storedHash == hash)
    }

    @Test(arguments: [0, 1, 2, 3, 4, 5, 64, 1000, 1001, 1002])
    func base64MatchesFoundation(length: Int) {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        var out: [UInt8] = []
        JSONText.appendBase64String(bytes, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "\"" + Data(bytes).base64EncodedString() + "\"")
    }

    @Test func unframedLinesDoNotSplit() {
        #expect(AuditLine.split(ArraySlice(Array(#"{"seq":1}"#.utf8))) == nil)
        #expect(AuditLine.split([]) == nil)
    }

    @Test func eventMembersEscapeStrings() {
        var event = AuditEvent(.connect, timeMillis: 0, outcome: .refused)
        event.detail = "quote \" backslash \\ newline \n tab \t bell \u{7}"
        let text = String(decoding: event.encodedMembers(), as: UTF8.self)
        #expect(text == #""time":"1970-01-01T00:00:00.000Z","event":"connect","outcome":"refused","detail":"quote \" backslash \\ newline \n tab \t bell \u0007""#)
    }
}
