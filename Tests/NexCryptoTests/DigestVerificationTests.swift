import Dispatch
import Synchronization
import Testing
@testable import NexCrypto

/// ECDSA verification of a precomputed SHA-256 digest (the daemon hashes each message once).
@Suite struct DigestVerificationTests {
    @Test func digestVerificationAgreesWithMessageVerification() throws {
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let message = Array("NoticeExchange digest path".utf8)
        let signature = try key.signature(for: message)
        let digest = SHA256.hash(message)
        #expect(key.publicKey.isValidSignature(signature, for: message))
        #expect(key.publicKey.isValidSignature(signature, forSHA256Digest: digest))
        var flipped = digest.bytes
        flipped[0] ^= 1
        #expect(!key.publicKey.isValidSignature(signature, forSHA256Digest: SHA256Digest(bytes: flipped)!))
        var badSignature = signature
        badSignature[badSignature.count / 2] ^= 1
        #expect(!key.publicKey.isValidSignature(badSignature, forSHA256Digest: digest))
        let other = try PrivateKey.generate(.ecdsaP256SHA256)
        #expect(!other.publicKey.isValidSignature(signature, forSHA256Digest: digest))
    }

    /// The digest path clears OpenSSL's error queue only after a failure: a rejected signature
    /// leaves nothing behind for the thread's next caller, and neither does hashing.
    @Test func rejectedDigestVerificationLeavesNoQueuedError() throws {
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let message = Array("queue".utf8)
        var signature = try key.signature(for: message)
        let digest = SHA256.hash(message)
        #expect(key.publicKey.isValidSignature(signature, forSHA256Digest: digest))
        #expect(OpenSSLErrorQueue.isEmpty)
        signature[signature.count - 1] ^= 1
        #expect(!key.publicKey.isValidSignature(signature, forSHA256Digest: digest))
        #expect(OpenSSLErrorQueue.isEmpty)
        // Not DER at all: the parser's errors are cleared too.
        #expect(!key.publicKey.isValidSignature([0x30, 0x01, 0xFF], forSHA256Digest: digest))
        #expect(OpenSSLErrorQueue.isEmpty)
        let hasher = SHA256Hasher()
        hasher.update(message)
        #expect(hasher.finalize() == digest)
        #expect(OpenSSLErrorQueue.isEmpty)
    }

    @Test func ed25519KeysRefuseDigestVerification() throws {
        let key = try PrivateKey.generate(.ed25519)
        let message = Array("m".utf8)
        #expect(!key.publicKey.isValidSignature(try key.signature(for: message), forSHA256Digest: SHA256.hash(message)))
    }

    @Test func oneKeyVerifiesDigestsFromManyThreadsAtOnce() throws {
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let messages = (0..<64).map { Array("message \($0)".utf8) }
        let signatures = try messages.map { try key.signature(for: $0) }
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 256) { index in
            let slot = index % messages.count
            if !key.publicKey.isValidSignature(signatures[slot], forSHA256Digest: SHA256.hash(messages[slot])) {
                failures.add(1, ordering: .relaxed)
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
    }
}
