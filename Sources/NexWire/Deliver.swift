/// The body of a `deliver` frame (server → client): an accepted notice for the subscriber.
public struct Deliver: Sendable, Equatable {
    /// Per-connection delivery counter, starting at 1; receipts acknowledge up to it.
    public var deliverySequence: UInt64
    /// Every subscription of this connection that matched the topic.
    public var subscriptionIDs: [UInt32]
    /// The originator's node id as asserted by the server (its TLS identity).
    public var originNode: String
    /// When the server received the publish, Unix time in milliseconds.
    public var receivedAtMillis: UInt64
    /// SHA-256 of the originator certificate's DER: exactly 32 bytes.
    public var certificateFingerprint: [UInt8]
    /// The audit sequence of the acceptance record.
    public var auditSequence: UInt64
    /// The originator's signed envelope wire bytes, unchanged; parse with `SignedEnvelope(parsing:)`.
    public var envelope: [UInt8]

    /// A deliver with every field.
    public init(
        deliverySequence: UInt64,
        subscriptionIDs: [UInt32],
        originNode: String,
        receivedAtMillis: UInt64,
        certificateFingerprint: [UInt8],
        auditSequence: UInt64,
        envelope: [UInt8]
    ) {
        self.deliverySequence = deliverySequence
        self.subscriptionIDs = subscriptionIDs
        self.originNode = originNode
        self.receivedAtMillis = receivedAtMillis
        self.certificateFingerprint = certificateFingerprint
        self.auditSequence = auditSequence
        self.envelope = envelope
    }
}
