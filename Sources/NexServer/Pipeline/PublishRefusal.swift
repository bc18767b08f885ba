import NexBroker
import NexWire

/// Why a publish is refused: the stable wire code and reason the NACK carries (and the audit
/// record keeps), with what was learnt of the publish before it was refused.
struct PublishRefusal: Error, Sendable {
    /// The envelope, when it could be parsed (its id, topic and kind go into the NACK and the record).
    let envelope: SignedEnvelope?
    /// The validated topic, set only for refusals at the verification stage: the broker judges the
    /// node's publish permission on it again before it records the refusal.
    let topic: Topic?
    /// The code and reason sent to the node.
    let error: WireError

    init(_ code: WireErrorCode, _ reason: String, envelope: SignedEnvelope?, topic: Topic? = nil) {
        self.envelope = envelope
        self.topic = topic
        self.error = WireError(code, reason)
    }

    init(_ error: WireError, envelope: SignedEnvelope?, topic: Topic? = nil) {
        self.envelope = envelope
        self.topic = topic
        self.error = error
    }

    /// The message id to answer with (zero when the envelope could not be parsed).
    var messageID: MessageID { envelope?.envelope.messageID ?? .zero }
}
