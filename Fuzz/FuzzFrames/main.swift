// libFuzzer target for NexWire's FrameDecoder (see scripts/fuzz.sh).
//
// The input is a byte stream fed to a decoder in 1...8 chunks (the split derives from the input),
// drained with next() until nil or an error. Checked properties (a violation is a bug: fatalError):
//   - chunked feeding yields exactly the frames and the error of one-shot feeding;
//   - re-encoding the decoded frames with FrameEncoder reproduces the consumed input byte for byte.
//
// Built with `-Xswiftc -D -Xswiftc FUZZING` (scripts/fuzz.sh) it defines LLVMFuzzerTestOneInput.
// In a plain build it is a reproducer: `FuzzFrames FILE…` runs the check on each file, and
// `FuzzFrames --write-seeds DIR` writes the seed corpus.
import NexWire

/// Decodes `bytes` fed in `chunks` pieces; returns the frames and the error ending the stream.
func decodeStream(_ bytes: [UInt8], chunks: Int) -> (frames: [Frame], error: WireError?) {
    var decoder = FrameDecoder()
    var frames: [Frame] = []
    let count = max(1, chunks)
    var start = 0
    for index in 1...count {
        let end = index == count ? bytes.count : bytes.count * index / count
        decoder.append(Array(bytes[start..<end]))
        start = end
        do {
            while let frame = try decoder.next() { frames.append(frame) }
        } catch {
            // A failed decoder must keep failing with the same error.
            do {
                _ = try decoder.next()
                fatalError("FrameDecoder: next() after \(error) did not throw again")
            } catch let again {
                if again != error { fatalError("FrameDecoder: error changed from \(error) to \(again)") }
            }
            return (frames, error)
        }
    }
    return (frames, nil)
}

func check(_ bytes: [UInt8]) {
    let chunks = bytes.isEmpty ? 1 : Int(bytes[bytes.count / 2] % 8) + 1
    let whole = decodeStream(bytes, chunks: 1)
    let split = decodeStream(bytes, chunks: chunks)
    if whole.frames != split.frames || whole.error != split.error {
        fatalError("FrameDecoder: \(chunks) chunks gave \(split.frames.count) frames/\(String(describing: split.error)), one chunk \(whole.frames.count)/\(String(describing: whole.error))")
    }
    var encoded: [UInt8] = []
    for frame in whole.frames { FrameEncoder.encode(frame, into: &encoded) }
    guard encoded.count <= bytes.count, encoded[...] == bytes[..<encoded.count] else {
        fatalError("FrameEncoder: re-encoding \(whole.frames.count) decoded frames does not reproduce the input")
    }
    if whole.error == nil {
        // Without an error, the decoder consumed whole frames and left only an incomplete one.
        var decoder = FrameDecoder()
        decoder.append(bytes)
        while (try? decoder.next()) != nil {}
        if decoder.bufferedByteCount != bytes.count - encoded.count {
            fatalError("FrameDecoder: \(decoder.bufferedByteCount) bytes buffered, expected \(bytes.count - encoded.count)")
        }
    }
}

func seeds() -> [[UInt8]] {
    let id = MessageID(high: 0x0189_0A5D_AC96_774B, low: 0xBCCE_B302_099A_8057)
    let fingerprint: [UInt8] = (0..<32).map { UInt8($0 * 7 & 0xFF) }
    let envelope = SignedEnvelope(
        envelope: Envelope(
            messageID: id, sender: "ncb.fr.lyon", topic: "notice.red.fr", kind: "red",
            issuedAtMillis: 1_700_000_000_123, allowedCountries: ["fr", "rw"], deniedCountries: ["xx"],
            deniedNodes: ["bcp.rw.rusumo"], payload: Array(#"{"kind":"red","é":"ü"}"#.utf8)
        ),
        signature: [0x30, 0x45, 0x02, 0x21, 0xAA, 0xBB]
    ).wireBytes
    let frames: [Frame] = [
        .hello(Hello(clientName: "nex/0.1")),
        .hello(Hello(protocolVersion: 1, clientName: "n", extensions: [WireExtension(tag: 1, value: [1])])),
        .welcome(Welcome(
            nodeID: "bcp.rw.rusumo", role: "bcp", country: "rw", maximumFrameSize: 65_536,
            maximumSubscriptions: 64, replayWindowSeconds: 120, serverTimeMillis: 1_700_000_000_000,
            extensions: [WireExtension(tag: 1, value: [])]
        )),
        .publish(envelope: envelope),
        .ack(Ack(messageID: id, auditSequence: 42, flags: [.duplicate], extensions: [WireExtension(tag: 7, value: [0, 0, 0, 3])])),
        .nack(Nack(messageID: id, code: .malformedEnvelope, reason: "envelope: body too short")),
        .subscribe(Subscribe(subscriptionID: 1, filter: "notice.red.>")),
        .suback(SubscribeAck(subscriptionID: 1)),
        .subnack(SubscribeNack(subscriptionID: 3, code: .invalidFilter, reason: "bad filter")),
        .unsubscribe(subscriptionID: 5),
        .unsuback(subscriptionID: 5),
        .deliver(Deliver(
            deliverySequence: 1, subscriptionIDs: [1, 7], originNode: "ncb.fr.lyon",
            receivedAtMillis: 1_700_000_000_456, certificateFingerprint: fingerprint, auditSequence: 99,
            envelope: envelope
        )),
        .receipt(throughDeliverySequence: 12),
        .certificateRequest(fingerprint: fingerprint),
        .certificateResponse(fingerprint: fingerprint, der: [0x30, 0x82, 0x01, 0x0A]),
        .ping(nonce: 1),
        .pong(nonce: 1),
        .error(code: .notInRoster, reason: "node \"x.y\" is not in the roster"),
        .checkpoint(bytes: Array(0..<40)),
    ]
    var result = frames.map { FrameEncoder.encode($0) }
    // A stream of several frames, and one cut inside a frame.
    let stream = frames.prefix(6).flatMap { FrameEncoder.encode($0) }
    result.append(stream)
    result.append(Array(stream.dropLast(3)))
    return result
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#else
// Plain build (no fuzzer runtime): a reproducer and seed writer (FuzzReproducer).
import FuzzSupport

// The fuzz build compiles this file with -parse-as-library (SwiftPM adds it for -sanitize=fuzzer),
// which refuses top-level statements even in an inactive #if branch: a global's initialiser runs
// the reproducer instead (eagerly, as top-level code, in the plain build).
let reproducerRan: Void = FuzzReproducer.run(name: "FuzzFrames", check: check, seeds: seeds)
#endif
