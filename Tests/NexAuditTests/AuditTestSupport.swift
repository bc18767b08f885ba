import Foundation
import NexCrypto
@testable import NexAudit

/// Keys, signers and logs for the checkpoint and review tests.
enum AuditTestSupport {
    /// A fresh audit identity (self-signed; the verifier only needs the certificate's key).
    static func signer(_ algorithm: SignatureAlgorithm = .ecdsaP256SHA256, name: String = "nexd-audit") throws -> CheckpointSigner {
        let key = try PrivateKey.generate(algorithm)
        let now = Date()
        let certificate = try CertificateIssuer.selfSigned(
            CertificateProfile(subjectCommonName: name, validity: now.addingTimeInterval(-60)...now.addingTimeInterval(86_400)), key: key)
        return CheckpointSigner(key: key, certificate: certificate)
    }

    static func subscribeEvent(_ index: Int, node: String = "bcp.rw.rusumo") -> AuditEvent {
        var event = AuditEvent(.subscribe, timeMillis: 1_795_910_339_000 + Int64(index), outcome: .accepted)
        event.node = node
        event.filter = "notice.>"
        event.subscriptionID = UInt32(index)
        return event
    }

    /// Writes `count` subscribe records one by one with a checkpoint every `every` records (plus one
    /// at close). Returns the log's directory.
    static func makeLog(in directory: String, count: Int, every: Int, signer: CheckpointSigner, segmentBytes: Int = 64 << 20) throws {
        var configuration = AuditLog.Configuration(directory: directory)
        configuration.checkpointSigner = signer
        configuration.checkpointEveryRecords = every
        configuration.segmentMaximumBytes = segmentBytes
        let log = try AuditLog(configuration: configuration, nowMillis: 0)
        for index in 1...count {
            log.append([subscribeEvent(index)])
            log.flush()
        }
        log.close()
    }

    /// All lines of all segments, in order, with their segment names.
    static func lines(in directory: String) throws -> [(segment: String, text: String)] {
        try AuditSegments.list(in: directory).flatMap { name in
            try String(contentsOfFile: directory + "/" + name, encoding: .utf8).split(separator: "\n").map { (name, String($0)) }
        }
    }

    /// Rewrites the segments with `lines`, recomputing every `prev` and `hash` (an attacker who
    /// re-hashes the chain after an edit).
    static func writeRechained(_ lines: [(segment: String, text: String)], to directory: String) throws {
        var previous = AuditLine.genesisHash
        var files: [String: String] = [:]
        var order: [String] = []
        for (segment, text) in lines {
            let bytes = Array(text.utf8)
            let withoutSuffix = bytes.dropLast(AuditLine.hashSuffixLength)   // …,"prev":"<64 hex>"
            var core = Array(withoutSuffix.dropLast(65))
            core.append(contentsOf: Array(previous.hex.utf8))
            core.append(contentsOf: Array("\"}".utf8))
            let hash = SHA256.hash(core)
            let line = String(decoding: core.dropLast(), as: UTF8.self) + #","hash":""# + hash.hex + "\"}"
            previous = hash
            if files[segment] == nil { order.append(segment) }
            files[segment, default: ""] += line + "\n"
        }
        for name in try AuditSegments.list(in: directory) where files[name] == nil {
            try FileManager.default.removeItem(atPath: directory + "/" + name)
        }
        for name in order { try Data(files[name]!.utf8).write(to: URL(fileURLWithPath: directory + "/" + name)) }
    }

    /// Writes `lines` as they are (no re-hashing).
    static func write(_ lines: [(segment: String, text: String)], to directory: String) throws {
        var files: [String: String] = [:]
        for (segment, text) in lines { files[segment, default: ""] += text + "\n" }
        for name in try AuditSegments.list(in: directory) where files[name] == nil {
            try FileManager.default.removeItem(atPath: directory + "/" + name)
        }
        for (name, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/" + name)) }
    }
}
