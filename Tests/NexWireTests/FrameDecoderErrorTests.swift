import Testing
@testable import NexWire

@Suite struct FrameDecoderErrorTests {
    private func firstError(_ bytes: [UInt8], maximumFrameSize: Int = WireLimits.defaultMaximumFrameSize) -> WireError? {
        var decoder = FrameDecoder(maximumFrameSize: maximumFrameSize)
        decoder.append(bytes)
        do {
            while try decoder.next() != nil {}
            return nil
        } catch {
            return error
        }
    }

    @Test func oversizedLengthFailsBeforeBodyArrives() {
        var decoder = FrameDecoder(maximumFrameSize: 100)
        decoder.append([0, 0, 0, 101])
        #expect(throws: WireError.self) { try decoder.next() }
        #expect(firstError([0, 0, 0, 101], maximumFrameSize: 100)?.code == .frameTooLarge)
        #expect(firstError([0xFF, 0xFF, 0xFF, 0xFF])?.code == .frameTooLarge)
    }

    @Test func lengthAtTheMaximumIsAccepted() throws {
        var decoder = FrameDecoder(maximumFrameSize: 9)
        decoder.append(FrameEncoder.encode(.ping(nonce: 1)))
        #expect(try decoder.next() == .ping(nonce: 1))
    }

    @Test func zeroLength() {
        let error = firstError([0, 0, 0, 0, 0x50])
        #expect(error?.code == .malformedFrame)
    }

    @Test(arguments: [0x00, 0x03, 0x13, 0x32, 0x52, 0x7E, 0x80, 0xFF] as [UInt8])
    func unknownType(_ type: UInt8) {
        #expect(firstError(Fixtures.rawFrame(type: type, body: []))?.code == .unknownFrameType)
    }

    @Test(arguments: Fixtures.everyFrame)
    func trailingGarbageInBody(_ frame: Frame) {
        var bytes = FrameEncoder.encode(frame)
        bytes.append(0xEE)
        let length = UInt32(bytes.count - 4)
        bytes[0] = UInt8(length >> 24)
        bytes[1] = UInt8(length >> 16 & 0xFF)
        bytes[2] = UInt8(length >> 8 & 0xFF)
        bytes[3] = UInt8(length & 0xFF)
        let error = firstError(bytes)
        #expect(error?.code == .malformedFrame)
        #expect(error?.reason.contains("trailing") == true)
    }

    @Test(arguments: Fixtures.everyFrame)
    func shortBody(_ frame: Frame) {
        var bytes = FrameEncoder.encode(frame)
        bytes.removeLast()
        let length = UInt32(bytes.count - 4)
        bytes[0] = UInt8(length >> 24)
        bytes[1] = UInt8(length >> 16 & 0xFF)
        bytes[2] = UInt8(length >> 8 & 0xFF)
        bytes[3] = UInt8(length & 0xFF)
        let error = firstError(bytes)
        #expect(error?.code == .malformedFrame)
        #expect(error?.reason.contains("too short") == true)
    }

    @Test func badUTF8NamesTheField() {
        // subscribe id 1, filter of two bytes 0xC3 0x28 (invalid sequence)
        let error = firstError(Fixtures.rawFrame(type: 0x20, body: [0, 0, 0, 1, 0, 2, 0xC3, 0x28]))
        #expect(error?.code == .malformedFrame)
        #expect(error?.reason == "subscribe: field \"filter\" is not valid UTF-8")
    }

    /// A message id is one 16-byte field: a short one must say so, not "needs 8 bytes" (the size
    /// of each half it is stored as).
    @Test func aShortMessageIDNamesItsSixteenBytes() throws {
        // ack: messageID (16) ‖ auditSequence (8) ‖ flags ‖ extensions — cut inside the id.
        let error = try #require(firstError(Fixtures.rawFrame(type: FrameType.ack.rawValue, body: Array(repeating: 7, count: 10))))
        #expect(error.code == .malformedFrame)
        #expect(error.reason == "ack: body too short for field \"messageID\" (needs 16 bytes, 10 remain)")
        // nack, with 12 of the 16 bytes: also one field, and still 16.
        let nack = try #require(firstError(Fixtures.rawFrame(type: FrameType.nack.rawValue, body: Array(repeating: 7, count: 12))))
        #expect(nack.reason.contains("\"messageID\" (needs 16 bytes, 12 remain)"))
        // In an envelope: version 1, then 3 bytes of id.
        let envelope = #expect(throws: WireError.self) { try SignedEnvelope(parsing: [1, 0xAA, 0xBB, 0xCC]) }
        #expect(envelope?.code == .malformedEnvelope)
        #expect(envelope?.reason.contains("\"messageID\" (needs 16 bytes, 3 remain)") == true)
    }

    @Test func undefinedErrorCode() {
        let error = firstError(Fixtures.rawFrame(type: 0x7F, body: [0x03, 0xE7, 0, 0]))
        #expect(error?.code == .malformedFrame)
    }

    @Test func decoderStaysFailed() throws {
        var decoder = FrameDecoder()
        decoder.append([0, 0, 0, 0])
        #expect(throws: WireError.self) { try decoder.next() }
        decoder.append(FrameEncoder.encode(.ping(nonce: 1)))
        #expect(decoder.hasFailed)
        let first = #expect(throws: WireError.self) { try decoder.next() }
        #expect(first?.code == .malformedFrame)
    }

    @Test func randomGarbageNeverTraps() {
        var generator = SeededGenerator(seed: 0x5EED)
        var outcomes = [0, 0, 0]  // frames, needs-more, errors
        for _ in 0..<2000 {
            let count = Int.random(in: 0...200, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if count >= 5, Bool.random(using: &generator) {
                // Plausible header so bodies get parsed, not just rejected by length.
                let length = UInt32(count - 4)
                bytes[0] = 0
                bytes[1] = 0
                bytes[2] = UInt8(length >> 8)
                bytes[3] = UInt8(length & 0xFF)
                let types = FrameType.allCases
                bytes[4] = types[Int.random(in: 0..<types.count, using: &generator)].rawValue
            }
            var decoder = FrameDecoder(maximumFrameSize: 4096)
            decoder.append(bytes)
            do {
                while try decoder.next() != nil { outcomes[0] += 1 }
                outcomes[1] += 1
            } catch {
                outcomes[2] += 1
            }
            _ = try? SignedEnvelope(parsing: bytes)
        }
        #expect(outcomes[2] > 0)
    }

    @Test func mutatedEnvelopesNeverTrap() {
        var generator = SeededGenerator(seed: 78)
        let valid = Fixtures.signedEnvelope.wireBytes
        for _ in 0..<2000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] = UInt8.random(in: 0...255, using: &generator)
            }
            bytes.removeLast(Int.random(in: 0...3, using: &generator))
            _ = try? SignedEnvelope(parsing: bytes)
        }
    }

    @Test func mutatedValidFramesNeverTrap() {
        var generator = SeededGenerator(seed: 77)
        let valid = Fixtures.everyFrame.map { FrameEncoder.encode($0) }
        for _ in 0..<2000 {
            var bytes = valid[Int.random(in: 0..<valid.count, using: &generator)]
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 4..<bytes.count, using: &generator)
                bytes[index] = UInt8.random(in: 0...255, using: &generator)
            }
            var decoder = FrameDecoder()
            decoder.append(bytes)
            if case .publish(let envelope)? = try? decoder.next() { _ = try? SignedEnvelope(parsing: envelope) }
        }
    }
}
