import Foundation
import Testing
@testable import NexCrypto

/// Hex written straight into a string's storage reads as `%02x` per byte, whatever the sequence.
@Suite struct HexTests {
    @Test func everyByteEncodesAsTwoLowercaseDigits() {
        let bytes = (0...255).map { UInt8($0) }
        let expected = bytes.map { String(format: "%02x", $0) }.joined()
        #expect(Hex.encode(bytes) == expected)
        #expect(Hex.encode(bytes[...]) == expected)
        // A sequence without contiguous storage takes the copying path.
        #expect(Hex.encode(bytes.lazy.map { $0 }) == expected)
        #expect(Hex.encode([UInt8]()) == "")
    }
}
