import Foundation
import NexAudit
import NexCrypto
import NexWire

/// Writes acceptance-like traffic: per notice a `publish` (signed envelope with a 1 KiB document),
/// a `route` (two recipients, one withheld) and a `receipt`; the originator certificate first.
struct NoticeLogGenerator {
    let key: PrivateKey
    let certificate: Certificate
    let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 1024)

    init() throws {
        key = try PrivateKey.generate(.ecdsaP256SHA256)
        let now = Date()
        certificate = try CertificateIssuer.selfSigned(
            CertificateProfile(subjectCommonName: "gs.fr.lyon", validity: now.addingTimeInterval(-60)...now.addingTimeInterval(86_400)), key: key)
    }

    func certificateEvent(time: Int64) -> AuditEvent {
        var event = AuditEvent(.certificate, timeMillis: time)
        event.node = "gs.fr.lyon"
        event.certificateFingerprint = certificate.fingerprint.hex
        event.certificateDER = certificate.derBytes
        return event
    }

    /// The three records of notice `index`, and its message id.
    func notice(_ index: Int, time: Int64) throws -> ([AuditEvent], String) {
        let id = MessageID.random()
        var envelope = Envelope(messageID: id, sender: "gs.fr.lyon", topic: "notice.red.rw", kind: "red", issuedAtMillis: time, payload: payload)
        envelope.signatureAlgorithm = key.algorithm.rawValue
        let signed = SignedEnvelope(envelope: envelope, signature: try key.signature(for: envelope.bytesToSign()))
        return (records(of: signed, index: index, time: time), id.description)
    }

    /// The records of `count` notices batch-signed in 64s (D73), as format 6 stores them (D74):
    /// each envelope without its root signature, with the batch reference the writer needs.
    func batchedNotices(_ count: Int, time: Int64) throws -> [(events: [AuditEvent], batch: AuditLog.BatchReference)] {
        let envelopes = (0..<count).map { index in
            Envelope(messageID: .random(), sender: "gs.fr.lyon", topic: "notice.red.rw", kind: "red", issuedAtMillis: time + Int64(index), payload: payload)
        }
        var signed: [SignedEnvelope] = []
        for start in stride(from: 0, to: count, by: 64) {
            signed += try EnvelopeBatch.sign(Array(envelopes[start..<min(start + 64, count)]), with: key)
        }
        return try signed.enumerated().map { index, notice in
            guard let seal = try notice.batchSeal(),
                  let claim = EnvelopeBatch.claim(of: notice, seal: seal, digest: EnvelopeBatch.digest(ofBody: notice.body)) else {
                throw CocoaError(.coderInvalidValue)
            }
            var events = records(of: notice, index: index, time: time + Int64(index))
            events[0].envelope = EnvelopeBatch.storedWireBytes(of: notice, seal: seal)
            let reference = AuditLog.BatchReference(claim: claim, node: "gs.fr.lyon", certificate: certificate.fingerprint,
                                                    connection: 1, timeMillis: time, publishIndex: 0)
            return (events, reference)
        }
    }

    /// The `publish`, `route` and `receipt` records of an accepted notice.
    private func records(of signed: SignedEnvelope, index: Int, time: Int64) -> [AuditEvent] {
        let id = signed.envelope.messageID
        var publish = AuditEvent(.publish, timeMillis: time, outcome: .accepted)
        publish.connection = 1
        publish.node = "gs.fr.lyon"
        publish.role = "gs"
        publish.country = "fr"
        publish.certificateFingerprint = certificate.fingerprint.hex
        publish.messageID = id.description
        publish.topic = "notice.red.rw"
        publish.noticeKind = "red"
        publish.issuedAtMillis = time
        publish.signedDigest = SHA256.hash(signed.bytesToSign).hex
        publish.envelope = signed.wireBytes
        var route = AuditEvent(.route, timeMillis: time)
        route.messageID = id.description
        route.node = "gs.fr.lyon"
        route.topic = "notice.red.rw"
        route.recipients = [.init(node: "bcp.rw.rusumo", connection: 2, subscriptions: [1]), .init(node: "ncb.rw.kigali", connection: 3, subscriptions: [4])]
        route.withheld = [.init(node: "ncb.tz.dodoma", connection: 4, reason: "denied-country")]
        route.restrictions = "deny-countries=tz"
        var receipt = AuditEvent(.receipt, timeMillis: time + 5)
        receipt.node = "bcp.rw.rusumo"
        receipt.connection = 2
        receipt.receivedMessageIDs = [id.description]
        receipt.deliverySequence = UInt64(index + 1)
        return [publish, route, receipt]
    }
}
