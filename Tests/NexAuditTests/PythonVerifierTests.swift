import Foundation
import NexCrypto
import NexWire
import Testing
@testable import NexAudit

/// scripts/verify_audit.py, written from docs/AUDIT.md only, must accept a log the Swift code wrote
/// and reject a tampered copy. Skipped when python3 (with `cryptography`) is not installed. The
/// whole tamper corpus runs through both verifiers in ExecutableTests (TamperCorpusTests.swift).
@Suite struct PythonVerifierTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/verify_audit.py").path
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs the script with `arguments` in `directory` (so that no `Certs/dev` there is a default
    /// anchor); returns its exit status and output.
    static func run(_ arguments: [String], in directory: String = NSTemporaryDirectory()) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python!)
        process.arguments = [script] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A log the contract calls INTACT: the CA-issued certificate of gs.fr.lyon, per notice a signed
    /// accepted `publish`, a `route` (one recipient withheld) and a receipt; times that never go
    /// back; a checkpoint every 4 records; a clean stop (`stop`, then the checkpoint of `close()`).
    private static func writeNoticeLog(in directory: String, pki: ContractPKI, notices: Int = 3) throws {
        var configuration = AuditLog.Configuration(directory: directory)
        configuration.checkpointSigner = pki.signer
        configuration.checkpointEveryRecords = 4
        let log = try AuditLog(configuration: configuration, nowMillis: ContractPKI.nowMillis())
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let certificate = try pki.originator("gs.fr.lyon", key: key)
        var cert = AuditEvent(.certificate, timeMillis: ContractPKI.nowMillis())
        cert.node = "gs.fr.lyon"
        cert.certificateFingerprint = certificate.fingerprint.hex
        cert.certificateDER = certificate.derBytes
        log.append([cert])
        log.flush()
        for _ in 0..<notices {
            let time = ContractPKI.nowMillis()
            let id = MessageID.random()
            var envelope = Envelope(messageID: id, sender: "gs.fr.lyon", topic: "notice.red.rw", kind: "red", issuedAtMillis: time,
                                    deniedCountries: ["tz"], payload: Array(#"{"kind":"red"}"#.utf8))
            envelope.signatureAlgorithm = key.algorithm.rawValue
            let signed = SignedEnvelope(envelope: envelope, signature: try key.signature(for: envelope.bytesToSign()))
            var publish = AuditEvent(.publish, timeMillis: time, outcome: .accepted)
            publish.node = "gs.fr.lyon"; publish.country = "fr"; publish.connection = 1
            publish.certificateFingerprint = certificate.fingerprint.hex
            publish.messageID = id.description; publish.topic = "notice.red.rw"; publish.noticeKind = "red"
            publish.signedDigest = SHA256.hash(signed.bytesToSign).hex
            publish.envelope = signed.wireBytes
            var route = AuditEvent(.route, timeMillis: time)
            route.messageID = id.description; route.node = "gs.fr.lyon"; route.topic = "notice.red.rw"
            route.recipients = [.init(node: "bcp.rw.rusumo", connection: 2, subscriptions: [1])]
            route.withheld = [.init(node: "ncb.tz.dodoma", connection: 4, reason: "denied-country")]
            route.restrictions = "deny-countries=tz"
            var receipt = AuditEvent(.receipt, timeMillis: time)
            receipt.node = "bcp.rw.rusumo"; receipt.connection = 2; receipt.receivedMessageIDs = [id.description]
            log.append([publish, route, receipt])
            log.flush()
        }
        log.append([AuditEvent(.stop, timeMillis: ContractPKI.nowMillis())])
        log.close()
    }

    @Test(.enabled(if: python != nil)) func acceptsTheSwiftLogAndRejectsTamperedCopies() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let pki = try ContractPKI()
        let directory = temp.path + "/audit"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.writeNoticeLog(in: directory, pki: pki)
        let anchors = try pki.anchorArguments(writingTo: temp.path)
        let (status, output) = try Self.run([directory] + anchors)
        #expect(status == 0, "\(output)")
        #expect(output.contains("anchor CA \(pki.authority.fingerprint.hex) "), "\(output)")
        let swift = try AuditVerifier.verify(directory: directory)
        #expect(output.contains("INTACT: "), "\(output)")
        #expect(output.contains("root \(swift.rootHash.hex)"))

        // A flipped byte in the first route record.
        var lines = try AuditTestSupport.lines(in: directory)
        let original = lines
        let route = try #require(lines.firstIndex { $0.text.contains("denied-country") })
        lines[route].text = lines[route].text.replacingOccurrences(of: "denied-country", with: "denied-countrx")
        try AuditTestSupport.write(lines, to: directory)
        let (flipped, flippedOutput) = try Self.run([directory] + anchors)
        #expect(flipped == 1)
        #expect(flippedOutput.contains("TAMPERED: record \(route + 1) "), "\(flippedOutput)")

        // A rewritten record with a re-hashed chain: the next checkpoint's root no longer matches.
        try AuditTestSupport.writeRechained(lines, to: directory)
        let (rehashed, rehashedOutput) = try Self.run([directory] + anchors)
        #expect(rehashed == 1)
        #expect(rehashedOutput.contains("checkpoint root does not match"), "\(rehashedOutput)")

        // A truncation at a record boundary: caught through checkpoint.json.
        try AuditTestSupport.write(Array(original.dropLast(2)), to: directory)
        let (truncated, truncatedOutput) = try Self.run([directory] + anchors)
        #expect(truncated == 1)
        #expect(truncatedOutput.contains("TAMPERED: witness checkpoint.json: "), "\(truncatedOutput)")

        // Without the CA, nothing can be vouched for.
        let (unanchored, unanchoredOutput) = try Self.run([directory, "--audit-cert", temp.path + "/audit.pem"], in: temp.path)
        #expect(unanchored == 2)
        #expect(unanchoredOutput.contains("CANNOT VERIFY: no CA certificate: pass --ca"), "\(unanchoredOutput)")
    }
}
