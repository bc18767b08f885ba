import NexBroker
import NexWire

/// A publish on its way from a connection to the broker, in the connection's order: verified, or
/// refused with a stable code. Crosses from the verification pool to the broker queue. Names its
/// connection by id: answers and deliveries go through the ``ConnectionRegistry``.
struct PublishCandidate: Sendable {
    /// What admission and verification made of the publish.
    enum Outcome: Sendable {
        case verified(VerifiedPublish)
        case refused(PublishRefusal)
    }

    /// The connection the publish came in on.
    let connectionID: UInt64
    /// The node that sent it.
    let identity: NodeIdentity
    /// nexd's clock when the frame was read (Unix milliseconds).
    let receivedAtMillis: Int64
    let outcome: Outcome

    /// The parsed envelope (nil when it could not be parsed).
    var envelope: SignedEnvelope? {
        switch outcome {
        case .verified(let verified): verified.signed
        case .refused(let refusal): refusal.envelope
        }
    }

    /// The validated topic, when the publish got as far as verification.
    var topic: Topic? {
        switch outcome {
        case .verified(let verified): verified.topic
        case .refused(let refusal): refusal.topic
        }
    }

    /// A verified publish marked urgent (D58).
    var isUrgent: Bool {
        if case .verified(let verified) = outcome { return verified.markings.priority == .urgent }
        return false
    }

    /// The message id to answer with (zero when unparsable).
    var messageID: MessageID { envelope?.envelope.messageID ?? .zero }
}
