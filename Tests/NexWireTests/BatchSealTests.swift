import Testing
@testable import NexWire

/// The batch seal's structure (D73): path lengths by place, round trip, and every structural refusal.
@Suite struct BatchSealTests {
    @Test(arguments: [
        (0, 1, 0), (0, 2, 1), (1, 2, 1), (0, 3, 2), (2, 3, 1), (4, 5, 1), (0, 5, 3), (63, 64, 6), (0, 64, 6),
        (64, 65, 1), (0, 65, 7), (4095, 4096, 12), (6, 7, 2), (5, 7, 3),
    ] as [(UInt32, UInt32, Int)])
    func pathLengthsFollowTheLeftBalancedTree(index: UInt32, size: UInt32, length: Int) {
        #expect(BatchSeal.pathLength(index: index, size: size) == length)
    }

    @Test func aSealRoundTrips() throws {
        let seal = BatchSeal(batchSize: 5, leafIndex: 4, path: [[UInt8](repeating: 7, count: 32)], rootSignature: [1, 2, 3])
        #expect(try BatchSeal(parsing: seal.encoded) == seal)
        #expect(seal.encoded.count == 4 + 4 + 1 + 32 + 2 + 3)
    }

    @Test(arguments: [
        ("batch size 0", BatchSeal(batchSize: 0, leafIndex: 0, path: [], rootSignature: [1]).encoded),
        ("outside 1…4096", BatchSeal(batchSize: 4097, leafIndex: 0, path: [], rootSignature: [1]).encoded),
        ("not inside the batch", BatchSeal(batchSize: 2, leafIndex: 2, path: [[UInt8](repeating: 0, count: 32)], rootSignature: [1]).encoded),
        ("has 1 hashes, not 0", BatchSeal(batchSize: 2, leafIndex: 0, path: [], rootSignature: [1]).encoded),
        ("has 0 hashes, not 1", BatchSeal(batchSize: 1, leafIndex: 0, path: [[UInt8](repeating: 0, count: 32)], rootSignature: [1]).encoded),
        ("root signature is empty", BatchSeal(batchSize: 1, leafIndex: 0, path: [], rootSignature: []).encoded),
        ("trailing", BatchSeal(batchSize: 1, leafIndex: 0, path: [], rootSignature: [1]).encoded + [0]),
        ("too short", [0, 0, 0, 2, 0, 0, 0, 0, 1, 9]),
    ] as [(String, [UInt8])])
    func malformedSealsAreRefused(reason: String, bytes: [UInt8]) {
        #expect {
            _ = try BatchSeal(parsing: bytes)
        } throws: { error in
            guard let error = error as? WireError else { return false }
            return error.code == .malformedEnvelope && (error.reason.contains(reason) || reason == "trailing" || reason == "too short")
        }
    }

    /// Random mutations of a valid seal: parsing never traps, and what parses round-trips.
    @Test func mutatedSealsParseOrAreRefused() {
        var random = SeededGenerator(seed: 73)
        let valid = BatchSeal(batchSize: 64, leafIndex: 17, path: (0..<6).map { [UInt8](repeating: UInt8($0), count: 32) },
                              rootSignature: [UInt8](repeating: 9, count: 71)).encoded
        for _ in 0..<5000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                case 1: if bytes.count > 1 { bytes.removeSubrange(Int.random(in: 0..<bytes.count, using: &random)...) }
                default: bytes.append(UInt8.random(in: 0...255, using: &random))
                }
                if bytes.isEmpty { bytes = [0] }
            }
            if let seal = try? BatchSeal(parsing: bytes) {
                #expect(seal.encoded == bytes)
            }
        }
    }

    @Test func theHeaderIsDomainSizeRootRestrictions() {
        let header = BatchSeal.header(batchSize: 64, root: [UInt8](repeating: 0xAA, count: 32), restrictionsDigest: [UInt8](repeating: 0xBB, count: 32))
        #expect(header.count == 23 + 4 + 64)
        #expect(Array(header.prefix(23)) == Array("NoticeExchange\u{0}v1\u{0}batch".utf8))
        #expect(Array(header[23..<27]) == [0, 0, 0, 64])
    }

    @Test func batchAlgorithmsMapToTheirKeys() {
        typealias A = Envelope.SignatureAlgorithm
        #expect(A.isBatch(3) && A.isBatch(4) && !A.isBatch(1) && !A.isBatch(2) && !A.isBatch(5))
        #expect(A.keyAlgorithm(of: 3) == 1 && A.keyAlgorithm(of: 4) == 2 && A.keyAlgorithm(of: 1) == 1)
        #expect(A.batch(of: 1) == 3 && A.batch(of: 2) == 4)
    }
}
