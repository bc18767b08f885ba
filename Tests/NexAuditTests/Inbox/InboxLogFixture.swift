import Foundation
import NexCrypto
import NexWire
@testable import NexAudit

/// A format-3 log of one durable inbox, written through ``AuditLog`` with signed notices: the border
/// post bcp.ke.busia subscribes durably to `notice.>` and goes offline; notices A and B are queued
/// for it (A is also withheld from an offline inbox of ncb.tz.dodoma); it reconnects and gets both
/// redelivered; notice C is delivered live with an inbox entry; a receipt moves the cursor past B;
/// C expires; and an `expired` record with 2,500 ids is split into continuations.
struct InboxLogFixture {
    static let node = "bcp.ke.busia"
    static let inbox = "notice.>"

    /// Message ids of A, B and C.
    var messages: [String] = []
    /// The acceptance sequences of A, B and C.
    var acceptances: [UInt64] = []
    /// The sequence of the `inbox redelivered`, `inbox receipted` and first `inbox expired` records.
    var redelivered: UInt64 = 0
    var receipted: UInt64 = 0
    var expired: UInt64 = 0
    /// The ids of the long `expired` list.
    var manyExpired: [String] = []

    /// Writes the log into `directory`, checkpoints signed by `pki`'s audit key.
    init(directory: String, pki: ContractPKI) throws {
        var configuration = AuditLog.Configuration(directory: directory)
        configuration.checkpointSigner = pki.signer
        configuration.checkpointEveryRecords = 8
        let log = try AuditLog(configuration: configuration, nowMillis: ContractPKI.nowMillis())
        let key = try PrivateKey.generate(.ecdsaP256SHA256)
        let certificate = try pki.originator("gs.fr.lyon", key: key)
        func now() -> Int64 { ContractPKI.nowMillis() }
        func append(_ events: [AuditEvent]) -> [UInt64] {
            let sequences = log.append(events)
            log.flush()
            return sequences
        }
        var start = AuditEvent(.start, timeMillis: now())
        start.detail = "InboxLogFixture"
        var cert = AuditEvent(.certificate, timeMillis: now())
        cert.node = "gs.fr.lyon"
        cert.certificateFingerprint = certificate.fingerprint.hex
        cert.certificateDER = certificate.derBytes
        _ = append([start, cert, Self.subscribe(connection: 1, waiting: 0)])
        var disconnect = AuditEvent(.disconnect, timeMillis: now())
        disconnect.connection = 1
        disconnect.node = Self.node
        _ = append([disconnect])

        func notice(_ build: (inout AuditEvent) -> Void) throws {
            let (publish, id) = try Self.publish(key: key, certificate: certificate)
            var route = AuditEvent(.route, timeMillis: publish.timeMillis)
            route.messageID = id
            route.node = "gs.fr.lyon"
            route.topic = "notice.red.ke"
            build(&route)
            acceptances.append(append([publish, route])[0])
            messages.append(id)
        }
        try notice { route in
            route.recipients = []
            route.queued = [.init(node: Self.node, inbox: Self.inbox)]
            route.withheld = [.init(node: "ncb.tz.dodoma", inbox: "alerts", reason: "denied-country")]
            route.restrictions = "deny-countries=tz"
        }
        try notice { route in
            route.recipients = []
            route.queued = [.init(node: Self.node, inbox: Self.inbox)]
        }

        var connect = AuditEvent(.connect, timeMillis: now(), outcome: .accepted)
        connect.connection = 2
        connect.node = Self.node
        _ = append([connect])
        var redelivery = AuditEvent(.inbox, timeMillis: now())
        redelivery.reason = "redelivered"
        redelivery.connection = 2
        redelivery.node = Self.node
        redelivery.inbox = Self.inbox
        redelivery.fromSequence = acceptances[0]
        redelivery.throughSequence = acceptances[1]
        redelivery.count = 2
        redelivery.deliverySequence = 1
        redelivered = append([Self.subscribe(connection: 2, waiting: 2), redelivery])[1]

        try notice { route in
            route.recipients = [.init(node: Self.node, connection: 2, subscriptions: [1], inboxes: [Self.inbox])]
        }

        var receipt = AuditEvent(.receipt, timeMillis: now())
        receipt.connection = 2
        receipt.node = Self.node
        receipt.receivedMessageIDs = Array(messages[0...1])
        receipt.deliverySequence = 2
        var cursor = AuditEvent(.inbox, timeMillis: receipt.timeMillis)
        cursor.reason = "receipted"
        cursor.connection = 2
        cursor.node = Self.node
        cursor.inbox = Self.inbox
        cursor.throughSequence = acceptances[1]
        receipted = append([receipt, cursor])[1]

        expired = append([Self.expired([messages[2]], detail: "limits.inboxMaxAgeSeconds")])[0]
        manyExpired = (0..<2500).map { _ in UUID().uuidString.lowercased() }
        _ = append([Self.expired(manyExpired, detail: "limits.inboxMessagesPerNode")])
        _ = append([AuditEvent(.stop, timeMillis: now())])
        log.close()
    }

    /// An accepted durable `subscribe` of bcp.ke.busia to its inbox.
    static func subscribe(connection: UInt64, waiting: UInt64) -> AuditEvent {
        var event = AuditEvent(.subscribe, timeMillis: ContractPKI.nowMillis(), outcome: .accepted)
        event.connection = connection
        event.node = node
        event.country = "ke"
        event.subscriptionID = 1
        event.filter = "notice.>"
        event.inbox = inbox
        event.count = waiting
        return event
    }

    /// An `inbox expired` record of the inbox.
    static func expired(_ ids: [String], detail: String) -> AuditEvent {
        var event = AuditEvent(.inbox, timeMillis: ContractPKI.nowMillis())
        event.reason = "expired"
        event.detail = detail
        event.node = node
        event.inbox = inbox
        event.missedMessageIDs = ids
        event.count = UInt64(ids.count)
        return event
    }

    /// An accepted publish of a signed notice by gs.fr.lyon, and its message id.
    static func publish(key: PrivateKey, certificate: Certificate) throws -> (AuditEvent, String) {
        let time = ContractPKI.nowMillis()
        let id = MessageID.random()
        var envelope = Envelope(messageID: id, sender: "gs.fr.lyon", topic: "notice.red.ke", kind: "red", issuedAtMillis: time,
                                payload: Array(#"{"kind":"red"}"#.utf8))
        envelope.signatureAlgorithm = key.algorithm.rawValue
        let signed = SignedEnvelope(envelope: envelope, signature: try key.signature(for: envelope.bytesToSign()))
        var publish = AuditEvent(.publish, timeMillis: time, outcome: .accepted)
        publish.node = "gs.fr.lyon"; publish.country = "fr"; publish.connection = 9
        publish.certificateFingerprint = certificate.fingerprint.hex
        publish.messageID = id.description; publish.topic = "notice.red.ke"; publish.noticeKind = "red"
        publish.signedDigest = SHA256.hash(signed.bytesToSign).hex
        publish.envelope = signed.wireBytes
        return (publish, id.description)
    }
}
