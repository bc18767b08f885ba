import Testing
@testable import NexWire

@Suite struct FrameDecoderStreamTests {
    /// Many frames back to back: every fixture frame, repeated.
    static let stream: (frames: [Frame], bytes: [UInt8]) = {
        var frames: [Frame] = []
        for round in 0..<20 {
            frames += Fixtures.everyFrame
            frames.append(.ping(nonce: UInt64(round)))
        }
        var bytes: [UInt8] = []
        for frame in frames { FrameEncoder.encode(frame, into: &bytes) }
        return (frames, bytes)
    }()

    @Test func byteByByte() throws {
        var decoder = FrameDecoder()
        var decoded: [Frame] = []
        for byte in Self.stream.bytes {
            decoder.append([byte])
            while let frame = try decoder.next() { decoded.append(frame) }
        }
        #expect(decoded == Self.stream.frames)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test(arguments: [1, 2, 3, 1000])
    func randomChunks(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        var decoder = FrameDecoder()
        var decoded: [Frame] = []
        let bytes = Self.stream.bytes
        var index = 0
        while index < bytes.count {
            let size = Int.random(in: 1...9000, using: &generator)
            let end = min(bytes.count, index + size)
            bytes[index..<end].withUnsafeBytes { decoder.append($0) }
            index = end
            while let frame = try decoder.next() { decoded.append(frame) }
        }
        #expect(decoded == Self.stream.frames)
    }

    /// Chunks that never align with frames keep a partial frame buffered, so the consumed prefix
    /// grows past the compaction threshold many times.
    @Test func compactionKeepsPartialFrames() throws {
        var bytes: [UInt8] = []
        for nonce in 0..<20_000 as Range<UInt64> { FrameEncoder.encode(.ping(nonce: nonce), into: &bytes) }
        var decoder = FrameDecoder()
        var expected: UInt64 = 0
        var index = 0
        while index < bytes.count {
            let end = min(bytes.count, index + 1000)
            decoder.append(Array(bytes[index..<end]))
            index = end
            while let frame = try decoder.next() {
                #expect(frame == .ping(nonce: expected))
                expected += 1
            }
            #expect(decoder.bufferedByteCount < 13)
        }
        #expect(expected == 20_000)
    }

    @Test func wholeStreamInOneAppend() throws {
        var decoder = FrameDecoder()
        decoder.append(Self.stream.bytes)
        var decoded: [Frame] = []
        while let frame = try decoder.next() { decoded.append(frame) }
        #expect(decoded == Self.stream.frames)
    }

    @Test(arguments: Fixtures.everyFrame)
    func everyTruncationNeedsMoreBytes(_ frame: Frame) throws {
        let bytes = FrameEncoder.encode(frame)
        for cut in 0..<bytes.count {
            var decoder = FrameDecoder()
            decoder.append(Array(bytes[..<cut]))
            #expect(try decoder.next() == nil)
            #expect(decoder.bufferedByteCount == cut)
            decoder.append(Array(bytes[cut...]))
            #expect(try decoder.next() == frame)
        }
    }
}
