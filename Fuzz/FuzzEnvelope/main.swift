// libFuzzer target for NexWire's SignedEnvelope parser (see scripts/fuzz.sh).
//
// Parses the input with SignedEnvelope(parsing:). For an envelope that parses, checked properties
// (a violation is a bug: fatalError):
//   - SignedEnvelope(envelope:signature:).wireBytes reproduces the input byte for byte;
//   - the parsed body is the canonical encoding of the parsed envelope, and wireBytes is the input;
//   - parsing the re-encoding gives an equal value;
//   - for a batch algorithm (3, 4, D73), a seal that parses re-encodes to the signature field byte
//     for byte, and its path is exactly as long as its place requires.
//
// Built with `-Xswiftc -D -Xswiftc FUZZING` (scripts/fuzz.sh) it defines LLVMFuzzerTestOneInput.
import NexWire

func check(_ bytes: [UInt8]) {
    let parsed: SignedEnvelope
    do {
        parsed = try SignedEnvelope(parsing: bytes)
    } catch {
        return
    }
    if parsed.wireBytes != bytes {
        fatalError("SignedEnvelope: wireBytes of a parsed envelope differ from the input")
    }
    if parsed.body != parsed.envelope.encodedBody() {
        fatalError("SignedEnvelope: parsed body is not the canonical encoding of the parsed envelope")
    }
    let reencoded = SignedEnvelope(envelope: parsed.envelope, signature: parsed.signature)
    if reencoded.wireBytes != bytes {
        fatalError("SignedEnvelope: re-encoding (\(reencoded.wireBytes.count) bytes) differs from the input (\(bytes.count) bytes)")
    }
    guard let again = try? SignedEnvelope(parsing: reencoded.wireBytes), again == parsed else {
        fatalError("SignedEnvelope: the re-encoding does not parse back to the same value")
    }
    if let seal = try? parsed.batchSeal() {
        if seal.encoded != parsed.signature {
            fatalError("BatchSeal: the re-encoding of a parsed seal differs from the signature field")
        }
        if seal.path.count != BatchSeal.pathLength(index: seal.leafIndex, size: seal.batchSize) || seal.leafIndex >= seal.batchSize {
            fatalError("BatchSeal: a parsed seal's path does not fit its place")
        }
    }
}

func seeds() -> [[UInt8]] {
    let id = MessageID(high: 0x0189_0A5D_AC96_774B, low: 0xBCCE_B302_099A_8057)
    let envelopes = [
        Envelope(
            messageID: id, sender: "ncb.fr.lyon", topic: "notice.red.fr", kind: "red",
            issuedAtMillis: 1_700_000_000_123, allowedCountries: ["fr", "rw"], deniedCountries: ["xx"],
            deniedNodes: ["bcp.rw.rusumo"], payload: Array(#"{"kind":"red","name":"Fictional Person","é":"ü"}"#.utf8)
        ),
        Envelope(
            messageID: .zero, sender: "ncb.rw.kigali", topic: "diffusion.rw", kind: "diffusion",
            issuedAtMillis: -1, allowedCountries: ["ke", "ug", "tz"], allowedNodes: ["ncb.ke.nairobi"],
            signatureAlgorithm: Envelope.SignatureAlgorithm.ecdsaP256SHA256, payload: []
        ),
        Envelope(
            messageID: MessageID(high: .max, low: .max), sender: "", topic: "", kind: "",
            issuedAtMillis: .max, payload: [0]
        ),
    ]
    let signatures: [[UInt8]] = [[0x30, 0x45, 0x02, 0x21, 0xAA, 0xBB], [], Array(repeating: 0x5A, count: 64)]
    var batched = envelopes[0]
    batched.signatureAlgorithm = Envelope.SignatureAlgorithm.ecdsaP256SHA256Batch
    let seal = BatchSeal(batchSize: 5, leafIndex: 4, path: [Array(repeating: 0xA5, count: 32)], rootSignature: [0x30, 0x44, 0x02, 0x20])
    return zip(envelopes, signatures).map { SignedEnvelope(envelope: $0, signature: $1).wireBytes }
        + [SignedEnvelope(envelope: batched, signature: seal.encoded).wireBytes]
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
let reproducerRan: Void = FuzzReproducer.run(name: "FuzzEnvelope", check: check, seeds: seeds)
#endif
