import Foundation
import NexCrypto
import NexWire
import Testing
@testable import NexAudit

/// docs/vectors/batch-envelopes.json, written by scripts/batch_vectors.py from docs/PROTOCOL.md
/// alone: the Swift code reads, verifies and re-creates every byte of it (Ed25519 is deterministic).
@Suite struct BatchVectorTests {
    struct Vectors: Decodable {
        struct Entry: Decodable { let body, digest, leaf, seal, wire: String; let path: [String] }
        let privateKeyPEM, restrictionsEncoded, restrictionsDigest, root, header, rootSignature: String
        let batchSize: Int
        let envelopes: [Entry]
    }

    static func load() throws -> Vectors {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: root.appendingPathComponent("docs/vectors/batch-envelopes.json")))
    }

    static func bytes(_ hex: String) throws -> [UInt8] { try #require(SHA256Digest.bytes(hex: hex)) }

    @Test func theVectorsVerifyAndAreReproducedByteForByte() throws {
        let vectors = try Self.load()
        let key = try PrivateKey(pem: Array(vectors.privateKeyPEM.utf8))
        #expect(key.algorithm == .ed25519)
        var parsed: [SignedEnvelope] = []
        for (index, entry) in vectors.envelopes.enumerated() {
            let signed = try SignedEnvelope(parsing: try Self.bytes(entry.wire))
            parsed.append(signed)
            #expect(signed.body == (try Self.bytes(entry.body)))
            #expect(signed.signature == (try Self.bytes(entry.seal)))
            let digest = EnvelopeBatch.digest(ofBody: signed.body)
            #expect(digest.hex == entry.digest)
            #expect(EnvelopeBatch.leaf(ofDigest: digest).hex == entry.leaf)
            #expect(signed.envelope.encodedRestrictions() == (try Self.bytes(vectors.restrictionsEncoded)))
            let seal = try #require(try signed.batchSeal())
            #expect(Int(seal.batchSize) == vectors.batchSize && Int(seal.leafIndex) == index)
            #expect(seal.path.map { SHA256Digest(bytes: $0)!.hex } == entry.path)
            let claim = try #require(EnvelopeBatch.claim(of: signed, seal: seal, digest: digest))
            #expect(claim.root.hex == vectors.root)
            #expect(claim.restrictionsDigest.hex == vectors.restrictionsDigest)
            #expect(claim.header == (try Self.bytes(vectors.header)))
            #expect(claim.rootSignature == (try Self.bytes(vectors.rootSignature)))
            #expect(EnvelopeBatch.isAuthentic(signed, key: key.publicKey))
        }
        let resigned = try EnvelopeBatch.sign(parsed.map(\.envelope), with: key)
        #expect(resigned.map(\.wireBytes) == parsed.map(\.wireBytes))
    }
}

extension BatchVectorTests {
    /// The Python audit verifier's seal check (scripts/verify_audit.py `verify_envelope`) accepts
    /// each vector and refuses it with a flipped path bit or another leaf index.
    @Test func thePythonVerifierAcceptsTheVectorsAndRefusesTamperedSeals() throws {
        guard let python = PythonVerifierTests.python else { return }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let program = """
            import importlib.util, json, sys
            spec = importlib.util.spec_from_file_location("v", sys.argv[1]); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
            from cryptography.hazmat.primitives.asymmetric import ed25519
            v = json.load(open(sys.argv[2]))
            key = ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(v["publicKeyRaw"]))
            out = []
            for e in v["envelopes"]:
                wire = bytearray.fromhex(e["wire"])
                f, body, sig = m.parse_envelope(bytes(wire))
                out.append(m.verify_envelope(key, f, body, sig))
                bad_path = bytearray(sig); bad_path[9] ^= 1
                out.append(not m.verify_envelope(key, f, body, bytes(bad_path)))
                moved = bytearray(sig); moved[7] ^= 1
                out.append(not m.verify_envelope(key, f, body, bytes(moved)))
            print("ok" if all(out) else "FAILED %s" % out)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", program, root.appendingPathComponent("scripts/verify_audit.py").path,
                             root.appendingPathComponent("docs/vectors/batch-envelopes.json").path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "ok", "\(output)")
    }
}

extension SHA256Digest {
    /// Bytes of any even-length hex string (the vectors' fields), or nil.
    static func bytes(hex: String) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            out.append(byte)
            index = next
        }
        return out
    }
}
