import Foundation
import NexCrypto
import NexWire
@testable import NexAudit

/// A CA with an audit identity and node certificates it issued, and logs written with them: the
/// anchors an auditor passes to `nex audit verify`.
struct AuditVerdictTestPKI {
    let caKey: PrivateKey
    let ca: Certificate
    let signer: CheckpointSigner
    let nodeKey: PrivateKey
    let node: Certificate
    static let validity = Date().addingTimeInterval(-3600)...Date().addingTimeInterval(86_400)

    init() throws {
        caKey = try PrivateKey.generate(.ecdsaP256SHA256)
        ca = try CertificateIssuer.selfSigned(
            CertificateProfile(subjectCommonName: "Test CA", validity: Self.validity, isCertificateAuthority: true), key: caKey)
        let auditKey = try PrivateKey.generate(.ecdsaP256SHA256)
        let audit = try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: "nexd-audit", validity: Self.validity, extendedKeyUsage: .timeStamping),
            for: auditKey.publicKey, issuer: ca, issuerKey: caKey)
        signer = CheckpointSigner(key: auditKey, certificate: audit)
        nodeKey = try PrivateKey.generate(.ecdsaP256SHA256)
        node = try Self.nodeCertificate("gs.fr.lyon", key: nodeKey, issuer: ca, issuerKey: caKey)
    }

    static func nodeCertificate(_ name: String, key: PrivateKey, issuer: Certificate, issuerKey: PrivateKey,
                                validity: ClosedRange<Date> = validity) throws -> Certificate {
        try CertificateIssuer.issue(
            CertificateProfile(subjectCommonName: name, validity: validity, extendedKeyUsage: .clientAuth),
            for: key.publicKey, issuer: issuer, issuerKey: issuerKey)
    }

    /// Options with this PKI's anchors and no witnesses.
    var options: AuditVerifier.Options {
        var options = AuditVerifier.Options()
        options.certificateAuthorities = [ca]
        options.auditCertificates = [signer.certificate]
        return options
    }

    func verify(_ directory: String, _ change: (inout AuditVerifier.Options) -> Void = { _ in }) throws -> AuditVerification {
        var options = self.options
        change(&options)
        return try AuditVerifier.verify(directory: directory, options: options)
    }

    func openLog(_ directory: String, every: Int = 1000) throws -> AuditLog {
        var configuration = AuditLog.Configuration(directory: directory)
        configuration.checkpointSigner = signer
        configuration.checkpointEveryRecords = every
        configuration.certificateAuthorities = [ca]
        return try AuditLog(configuration: configuration, nowMillis: 0)
    }

    /// The `certificate` and accepted `publish` events of one notice of `kind` (a Red Notice unless
    /// said) signed with `key`.
    static func notice(from sender: String, certificate: Certificate, key: PrivateKey, at time: Int64,
                       kind: String = "red") throws -> [AuditEvent] {
        var stored = AuditEvent(.certificate, timeMillis: time)
        stored.node = sender
        stored.certificateFingerprint = certificate.fingerprint.hex
        stored.certificateDER = certificate.derBytes
        let id = MessageID.random()
        var envelope = Envelope(messageID: id, sender: sender, topic: "notice.red.rw", kind: kind, issuedAtMillis: time,
                                payload: Array(#"{"kind":"\#(kind)"}"#.utf8))
        envelope.signatureAlgorithm = key.algorithm.rawValue
        let signed = SignedEnvelope(envelope: envelope, signature: try key.signature(for: envelope.bytesToSign()))
        var publish = AuditEvent(.publish, timeMillis: time, outcome: .accepted)
        publish.node = sender
        publish.certificateFingerprint = certificate.fingerprint.hex
        publish.messageID = id.description
        publish.topic = "notice.red.rw"
        publish.noticeKind = kind
        publish.signedDigest = SHA256.hash(signed.bytesToSign).hex
        publish.envelope = signed.wireBytes
        return [stored, publish]
    }

    /// A clean run: start, one notice from gs.fr.lyon, stop; closed (so sealed by its checkpoint).
    func writeCleanRun(_ directory: String) throws {
        let log = try openLog(directory)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        log.append([AuditEvent(.start, timeMillis: now)])
        log.append(try Self.notice(from: "gs.fr.lyon", certificate: node, key: nodeKey, at: now + 1))
        log.append([AuditEvent(.stop, timeMillis: now + 2)])
        log.close()
    }

    /// Appends `events` after the last record with a correct chain (as someone without any key can).
    static func appendChained(_ events: [AuditEvent], to directory: String) throws {
        try appendChained(members: events.map { $0.encodedMembers() }, to: directory)
    }

    /// Appends records with these members (as `AuditEvent.encodedMembers()` or a checkpoint's
    /// record members make them) after the last one, chained.
    static func appendChained(members records: [[UInt8]], to directory: String) throws {
        let lines = try AuditTestSupport.lines(in: directory)
        let last = try require(lines.last)
        let sequence = UInt64(lines.count)
        var hash = try require(SHA256Digest(hex: String(last.text.suffix(66).prefix(64))))
        var text: [UInt8] = []
        for (offset, members) in records.enumerated() {
            let framed = AuditLine.make(sequence: sequence + 1 + UInt64(offset), members: members, previous: hash)
            hash = framed.hash
            text += framed.line
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/" + last.segment))
        handle.seekToEndOfFile()
        handle.write(Data(text))
        try handle.close()
    }
}

private func require<T>(_ value: T?) throws -> T {
    guard let value else { throw CocoaError(.fileReadCorruptFile) }
    return value
}
