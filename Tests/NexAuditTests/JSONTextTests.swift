import Foundation
import Testing
@testable import NexAudit

/// The audit records' JSON writers write into a buffer without building intermediate strings or
/// arrays; their text must stay exactly what the plain formulations give (the log is hashed).
@Suite struct JSONTextTests {
    @Test(arguments: [UInt64(0), 9, 10, 99, 100, 12_345, 1 << 32, 9_999_999_999_999_999_999, UInt64.max])
    func unsignedIntegersMatchStringFormatting(value: UInt64) {
        var out: [UInt8] = Array("x".utf8)
        JSONText.appendInteger(value, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "x" + String(value))
    }

    @Test(arguments: [Int64.min, -1_000_000, -10, -1, 0, 7, Int64.max])
    func signedIntegersMatchStringFormatting(value: Int64) {
        var out: [UInt8] = []
        JSONText.appendInteger(value, to: &out)
        JSONText.appendInteger(Int32(truncatingIfNeeded: value), to: &out)
        #expect(String(decoding: out, as: UTF8.self) == String(value) + String(Int32(truncatingIfNeeded: value)))
    }

    @Test func hexOfArraysAndSequencesAgree() {
        let bytes = (0...255).map { UInt8($0) }
        var fromArray: [UInt8] = Array("p".utf8)
        var fromSlice: [UInt8] = Array("p".utf8)
        JSONText.appendHex(bytes, to: &fromArray)
        JSONText.appendHex(bytes[...], to: &fromSlice)
        #expect(fromArray == fromSlice)
        #expect(String(decoding: fromArray, as: UTF8.self) == "p" + bytes.map { String(format: "%02x", $0) }.joined())
    }

    @Test func stringsAreCopiedOrEscapedAsBefore() {
        var out: [UInt8] = []
        JSONText.appendString("", to: &out)
        JSONText.appendString("short", to: &out)
        JSONText.appendString("a topic/that/is/longer/than/fifteen/bytes", to: &out)
        JSONText.appendString("café ✓", to: &out)
        JSONText.appendString("tab\tand \"quote\"", to: &out)
        #expect(String(decoding: out, as: UTF8.self)
            == #""""short""a topic/that/is/longer/than/fifteen/bytes""café ✓""tab\tand \"quote\"""#)
    }

    /// Every 12-bit group (the pair table's index) at every position modulo 3, against Foundation.
    @Test func base64CoversEveryPairOfCharacters() {
        var bytes: [UInt8] = []
        for group in 0..<4096 {
            // Two 12-bit groups per 3 bytes: `group` then its complement.
            let chunk = group << 12 | (4095 - group)
            bytes += [UInt8(chunk >> 16), UInt8(chunk >> 8 & 0xFF), UInt8(chunk & 0xFF)]
        }
        for drop in 0..<3 {
            let input = Array(bytes.dropFirst(drop))
            var out: [UInt8] = []
            JSONText.appendBase64String(input, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == "\"" + Data(input).base64EncodedString() + "\"")
        }
    }
}
