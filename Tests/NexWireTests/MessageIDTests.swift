import Testing
@testable import NexWire

@Suite struct MessageIDTests {
    @Test func randomIDsAreUniqueVersion7AndRFCVariant() {
        var seen = Set<MessageID>()
        for _ in 0..<10_000 {
            let id = MessageID.random()
            #expect(id.version == 7)
            #expect(id.low >> 62 == 0b10)
            seen.insert(id)
        }
        #expect(seen.count == 10_000)
    }

    @Test func timestampIsEmbeddedAndOrdersIDs() {
        var generator = SeededGenerator(seed: 1)
        var previous = MessageID.zero
        for millis in stride(from: UInt64(1_700_000_000_000), to: 1_700_000_000_500, by: 1) {
            let id = MessageID.random(millisecondsSinceEpoch: millis, using: &generator)
            #expect(id.timestampMillis == millis)
            #expect(previous < id)
            previous = id
        }
    }

    @Test func randomUsesCurrentTime() {
        let before = MessageID.random().timestampMillis
        let after = MessageID.random().timestampMillis
        #expect(before <= after)
        #expect(before > 1_600_000_000_000)
    }

    @Test func stringRoundTrip() {
        for _ in 0..<100 {
            let id = MessageID.random()
            #expect(MessageID(string: id.description) == id)
        }
        let text = "01890a5d-ac96-774b-bcce-b302099a8057"
        #expect(MessageID(string: text)?.description == text)
        #expect(MessageID(string: text.uppercased())?.description == text)
        #expect(MessageID.zero.description == "00000000-0000-0000-0000-000000000000")
    }

    @Test(arguments: [
        "", "01890a5d-ac96-774b-bcce-b302099a805", "01890a5d-ac96-774b-bcce-b302099a80577",
        "01890a5dac96-774b-bcce-b302099a8057-", "01890a5d-ac96-774b-bcce-b302099a805g",
        "01890a5d_ac96_774b_bcce_b302099a8057", "01890a5d-ac96-774b-bcceb-302099a8057",
    ])
    func invalidStrings(_ text: String) {
        #expect(MessageID(string: text) == nil)
    }

    @Test func bytesRoundTrip() {
        let bytes: [UInt8] = Array(1...16)
        let id = MessageID(bytes: bytes)
        #expect(id?.bytes == bytes)
        #expect(id?.high == 0x0102_0304_0506_0708)
        #expect(MessageID(bytes: bytes[1...]) == nil)
        #expect(MessageID(bytes: bytes + [0]) == nil)
    }
}
