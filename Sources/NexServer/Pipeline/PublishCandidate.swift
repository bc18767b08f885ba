import NexBroker
import NexCrypto
import NexWire

/// A publish on its way from a connection to the broker: either checked and verified, or refused
/// with a stable code. Crosses from the verification pool to the broker queue.
struct PublishCandidate: Sendable {
    /// The outcome of the connection's checks and the signature verification.
    enum Outcome: Sendable {
        /// Signature valid, sender is the TLS identity, topic and kind valid, issued-at in window.
        case verified(signedDigest: SHA256Digest)
        case refused(WireError)
    }

    let connection: Connection
    let identity: NodeIdentity
    /// Nil when the envelope could not be parsed.
    let envelope: SignedEnvelope?
    /// The validated topic (nil when refused before it was validated).
    var topic: Topic? = nil
    /// The envelope's bytes exactly as received (nil when refused before parsing succeeded).
    var wireBytes: [UInt8]? = nil
    let receivedAtMillis: Int64
    var outcome: Outcome

    /// The message id to answer with (zero when unparsable).
    var messageID: MessageID { envelope?.envelope.messageID ?? .zero }
}
