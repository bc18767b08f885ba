import Dispatch
import Synchronization
import Testing
@testable import NexCrypto

@Suite struct SignatureTests {
    @Test(arguments: SignatureAlgorithm.allCases)
    func signAndVerifyRoundTrip(algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        #expect(key.algorithm == algorithm)
        #expect(key.publicKey.algorithm == algorithm)
        let message = Array("notice 42: water off on Tuesday".utf8)
        let signature = try key.signature(for: message)
        if algorithm == .ed25519 { #expect(signature.count == 64) }
        #expect(key.publicKey.isValidSignature(signature, for: message))

        var tamperedMessage = message
        tamperedMessage[3] ^= 0x01
        #expect(!key.publicKey.isValidSignature(signature, for: tamperedMessage))

        var tamperedSignature = signature
        tamperedSignature[tamperedSignature.count - 1] ^= 0x01
        #expect(!key.publicKey.isValidSignature(tamperedSignature, for: message))
        #expect(!key.publicKey.isValidSignature([], for: message))

        let other = try PrivateKey.generate(algorithm)
        #expect(!other.publicKey.isValidSignature(signature, for: message))
    }

    @Test(arguments: SignatureAlgorithm.allCases)
    func emptyMessageAndRawBuffers(algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let signature = try key.signature(for: [])
        #expect(key.publicKey.isValidSignature(signature, for: []))
        let message: [UInt8] = [1, 2, 3]
        let rawSignature = try message.withUnsafeBytes { try key.signature(for: $0) }
        let valid = rawSignature.withUnsafeBytes { signatureBuffer in
            message.withUnsafeBytes { key.publicKey.isValidSignature(signatureBuffer, for: $0) }
        }
        #expect(valid)
    }

    @Test(arguments: SignatureAlgorithm.allCases)
    func pemRoundTrip(algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let pem = try key.pemEncoded()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let reloaded = try PrivateKey(pem: Array(pem.utf8))
        #expect(reloaded.algorithm == algorithm)
        #expect(reloaded.publicKey == key.publicKey)
        let signature = try reloaded.signature(for: [9, 9, 9])
        #expect(key.publicKey.isValidSignature(signature, for: [9, 9, 9]))
    }

    @Test func traditionalECKeyLoads() throws {
        // `openssl ecparam -name prime256v1 -genkey -noout` output (SEC 1 "EC PRIVATE KEY").
        let pem = """
            -----BEGIN EC PRIVATE KEY-----
            MHcCAQEEIE94V12kBTzm1WCGg7V1TGPbs/haNQj5Ouephd+U2+TMoAoGCCqGSM49
            AwEHoUQDQgAE14TrpOjMcwzTmYlK1U5qxvQXe6HvXoqDadzpHAbqSq2QzlfRWNJw
            O8NdkVwm9DO6Scyly2oa/ydBX4IwJJnngQ==
            -----END EC PRIVATE KEY-----
            """
        let key = try PrivateKey(pem: Array(pem.utf8))
        #expect(key.algorithm == .ecdsaP256SHA256)
    }

    @Test func garbageKeysAreRejected() {
        #expect(throws: CryptoError.self) { try PrivateKey(pem: Array("not a key".utf8)) }
        #expect(throws: CryptoError.self) { try PrivateKey(pem: []) }
        #expect(throws: CryptoError.self) { try PrivateKey(pemFile: "/nonexistent/key.pem") }
        #expect(throws: CryptoError.self) { try PublicKey(subjectPublicKeyInfo: [0x30, 0x00]) }
    }

    @Test(arguments: SignatureAlgorithm.allCases)
    func publicKeyDERRoundTrip(algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let copy = try PublicKey(subjectPublicKeyInfo: key.publicKey.subjectPublicKeyInfo)
        #expect(copy == key.publicKey)
        #expect(copy.fingerprint == SHA256.hash(key.publicKey.subjectPublicKeyInfo))
    }

    @Test(arguments: SignatureAlgorithm.allCases)
    func concurrentVerificationOnOneKey(algorithm: SignatureAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let messages = (0..<64).map { Array("message \($0)".utf8) }
        let signatures = try messages.map { try key.signature(for: $0) }
        let publicKey = key.publicKey
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 512) { iteration in
            let index = iteration % messages.count
            let good = publicKey.isValidSignature(signatures[index], for: messages[index])
            // A wrong-message check interleaved with each good one: failures must not leak between calls.
            let bad = publicKey.isValidSignature(signatures[index], for: messages[(index + 1) % messages.count])
            if !good || bad { failures.add(1, ordering: .relaxed) }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
    }

    @Test func algorithmNames() {
        #expect(SignatureAlgorithm.ecdsaP256SHA256.name == "ecdsa-p256-sha256")
        #expect(SignatureAlgorithm.ed25519.name == "ed25519")
        #expect(SignatureAlgorithm(name: "ed25519") == .ed25519)
        #expect(SignatureAlgorithm(rawValue: 1) == .ecdsaP256SHA256)
    }
}
