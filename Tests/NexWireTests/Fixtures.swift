@testable import NexWire

/// Sample values shared by the wire tests.
enum Fixtures {
    static let messageID = MessageID(string: "01890a5d-ac96-774b-bcce-b302099a8057")!
    static let fingerprint: [UInt8] = (0..<32).map { UInt8($0 * 7 & 0xFF) }

    static let envelope = Envelope(
        messageID: messageID,
        sender: "ncb.fr.lyon",
        topic: "notice.red.fr",
        kind: "red",
        issuedAtMillis: 1_700_000_000_123,
        allowedCountries: ["fr", "rw"],
        deniedCountries: ["xx"],
        allowedNodes: [],
        deniedNodes: ["bcp.rw.rusumo"],
        signatureAlgorithm: Envelope.SignatureAlgorithm.ecdsaP256SHA256,
        payload: Array(#"{"name":"Fictional Person","é":"ü"}"#.utf8)
    )

    static let signedEnvelope = SignedEnvelope(envelope: envelope, signature: [0x30, 0x45, 0x02, 0x21, 0xAA, 0xBB])

    /// One frame of every type, with extensions and edge values where the format has them.
    static let everyFrame: [Frame] = [
        .hello(Hello(clientName: "nex/0.1")),
        .hello(Hello(protocolVersion: 9, clientName: "", extensions: [WireExtension(tag: 0xBEEF, value: [1, 2, 3])])),
        .welcome(
            Welcome(
                nodeID: "bcp.rw.rusumo", role: "bcp", country: "rw", maximumFrameSize: 65_536,
                maximumSubscriptions: 64, replayWindowSeconds: 300, serverTimeMillis: 1_700_000_000_000,
                extensions: [WireExtension(tag: 1, value: []), WireExtension(tag: 65_535, value: [0xFF])]
            )
        ),
        .publish(envelope: signedEnvelope.wireBytes),
        .publish(envelope: []),
        .ack(Ack(messageID: messageID, auditSequence: 42)),
        .ack(Ack(messageID: messageID, auditSequence: .max, flags: [.duplicate, Ack.Flags(rawValue: 0x80)],
                 extensions: [WireExtension(tag: 7, value: [0, 0, 0, 3])])),
        .nack(Nack(messageID: .zero, code: .malformedEnvelope, reason: "envelope: body too short")),
        .subscribe(Subscribe(subscriptionID: 1, filter: "notice.red.>")),
        .suback(SubscribeAck(subscriptionID: .max)),
        .subnack(SubscribeNack(subscriptionID: 3, code: .invalidFilter, reason: "filter \"a..b\" has an empty token")),
        .unsubscribe(subscriptionID: 5),
        .subscribeDurable(SubscribeDurable(subscriptionID: 6, filter: "notice.>", inbox: "busia-watch",
                                           extensions: [WireExtension(tag: 9, value: [1])])),
        .suback(SubscribeAck(subscriptionID: 6, extensions: [InboxStatus(inbox: "busia-watch", waiting: 3, expired: 1, why: "limits.inboxMessagesPerNode").extensionEntry])),
        .unsuback(subscriptionID: 5),
        .deliver(
            Deliver(
                deliverySequence: 1, subscriptionIDs: [1, 7, 0xFFFF_FFFF], originNode: "ncb.fr.lyon",
                receivedAtMillis: 1_700_000_000_456, certificateFingerprint: fingerprint, auditSequence: 99,
                envelope: signedEnvelope.wireBytes
            )
        ),
        .deliver(
            Deliver(
                deliverySequence: 2, subscriptionIDs: [], originNode: "", receivedAtMillis: 0,
                certificateFingerprint: fingerprint, auditSequence: 0, envelope: []
            )
        ),
        .receipt(throughDeliverySequence: 12),
        .certificateRequest(fingerprint: fingerprint),
        .certificateResponse(fingerprint: fingerprint, der: [0x30, 0x82, 0x01, 0x0A]),
        .certificateResponse(fingerprint: fingerprint, der: []),
        .ping(nonce: 0),
        .pong(nonce: .max),
        .checkpoint(bytes: Array(0..<120)),
        .checkpoint(bytes: []),
        .error(code: .notInRoster, reason: "node \"x.y\" is not in the roster"),
    ]

    /// A frame's wire bytes with its length prefix, from a type byte and a body.
    static func rawFrame(type: UInt8, body: [UInt8]) -> [UInt8] {
        let length = UInt32(body.count + 1)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type]
            + body
    }
}
