import Foundation
import NexCrypto
import NexWire
@testable import NexAudit

/// A small log of notice traffic: the originator certificate, then per notice a signed accepted
/// `publish`, a `route` (two recipients, one withheld) and a receipt from the first recipient only;
/// plus one refused publish. Checkpoints every 4 records, and at close.
struct NoticeLogFixture {
    let temp: TemporaryDirectory
    let signer: CheckpointSigner
    let certificate: Certificate
    var messageIDs: [String] = []
    let refusedID = "0190a5b2-0000-7000-8000-00000000dead"
    /// A whole minute an hour from now: the log never stamps a record (checkpoints included)
    /// earlier than the one before it, so checkpoints made between the fixture's records take the
    /// fixture's times only if those are ahead of the clock.
    static let start: Int64 = (Int64(Date().timeIntervalSince1970 * 1000) / 60_000 + 60) * 60_000

    var directory: String { temp.path }

    init(notices: Int = 3) throws {
        temp = try TemporaryDirectory()
        signer = try AuditTestSupport.signer()
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        certificate = try CertificateIssuer.selfSigned(
            CertificateProfile(subjectCommonName: "gs.fr.lyon", validity: Date().addingTimeInterval(-60)...Date().addingTimeInterval(7200)), key: key)
        var configuration = AuditLog.Configuration(directory: temp.path)
        configuration.checkpointSigner = signer
        configuration.checkpointEveryRecords = 4
        let log = try AuditLog(configuration: configuration, nowMillis: 0)
        var cert = AuditEvent(.certificate, timeMillis: Self.start)
        cert.node = "gs.fr.lyon"
        cert.certificateFingerprint = certificate.fingerprint.hex
        cert.certificateDER = certificate.derBytes
        log.append([cert])
        log.flush()
        for index in 0..<notices {
            let time = Self.start + Int64(index) * 60_000
            let id = MessageID.random()
            messageIDs.append(id.description)
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
            route.recipients = [.init(node: "bcp.rw.rusumo", connection: 2, subscriptions: [1]), .init(node: "ncb.rw.kigali", connection: 3, subscriptions: [7])]
            route.withheld = [.init(node: "ncb.tz.dodoma", connection: 4, reason: "denied-country")]
            route.restrictions = "deny-countries=tz"
            var receipt = AuditEvent(.receipt, timeMillis: time + 20)
            receipt.node = "bcp.rw.rusumo"; receipt.connection = 2
            receipt.receivedMessageIDs = [id.description]; receipt.deliverySequence = UInt64(index + 1)
            log.append([publish, route, receipt])
            log.flush()
        }
        var refused = AuditEvent(.publish, timeMillis: Self.start + 30_000, outcome: .refused)
        refused.node = "ncb.ke.nairobi"; refused.country = "ke"; refused.reason = "bad-signature"
        refused.messageID = refusedID; refused.topic = "notice.yellow.ke"; refused.noticeKind = "yellow"
        log.append([refused])
        log.close()
    }
}
