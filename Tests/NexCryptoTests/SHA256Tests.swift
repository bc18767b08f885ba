import Testing
@testable import NexCrypto

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownAnswers(input: String, expected: String) {
        #expect(SHA256.hash(Array(input.utf8)).hex == expected)
    }

    @Test func hexRoundTrip() throws {
        let digest = SHA256.hash(Array("abc".utf8))
        let parsed = try #require(SHA256Digest(hex: digest.hex))
        #expect(parsed == digest)
        #expect(SHA256Digest(hex: digest.hex.uppercased()) == digest)
        #expect(digest.description == digest.hex)
        #expect(digest.bytes.count == 32)
    }

    @Test(arguments: ["", "abc", String(repeating: "0", count: 63), String(repeating: "0", count: 65),
                      String(repeating: "g", count: 64)])
    func invalidHexIsRejected(hex: String) {
        #expect(SHA256Digest(hex: hex) == nil)
    }

    @Test func byteCountIsEnforced() {
        #expect(SHA256Digest(bytes: []) == nil)
        #expect(SHA256Digest(bytes: [UInt8](repeating: 1, count: 31)) == nil)
        #expect(SHA256Digest(bytes: [UInt8](repeating: 1, count: 32)) != nil)
    }

    @Test func incrementalMatchesOneShot() {
        let message = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let hasher = SHA256Hasher()
        hasher.update(Array(message[..<7]))
        message[7..<5000].withUnsafeBytes { hasher.update($0) }
        hasher.update([])
        hasher.update(message[5000...])
        #expect(hasher.finalize() == SHA256.hash(message))
        // finalize() resets: the next digest is of a fresh message.
        hasher.update(Array("abc".utf8))
        #expect(hasher.finalize() == SHA256.hash(Array("abc".utf8)))
        #expect(hasher.finalize() == SHA256.hash([]))
    }

    @Test func sliceAndRawBufferAgree() {
        let message: [UInt8] = Array("xxabcxx".utf8)
        let expected = SHA256.hash(Array("abc".utf8))
        #expect(SHA256.hash(message[2..<5]) == expected)
        #expect(message[2..<5].withUnsafeBytes { SHA256.hash($0) } == expected)
    }
}
