import NexBroker
import NexNotices
import NexWire

/// A publish that passed admission: parsed, sent by the connection's node, on a valid topic the
/// node may publish to, of a known kind that fits the topic, with well-formed restrictions and a
/// valid notice, an algorithm matching the node's key, issued inside the replay window. Its
/// signature is not checked yet: only ``SignatureVerification`` turns it into a ``VerifiedPublish``.
struct UnverifiedPublish: Sendable {
    let signed: SignedEnvelope
    let topic: Topic
    let kind: NoticeKind
    /// The envelope's bytes exactly as received (parsing proved they are body ‖ signature).
    let wireBytes: [UInt8]
    /// nexd's clock when the frame was read (Unix milliseconds).
    let receivedAtMillis: Int64
    /// The document's priority and handling codes (D58), read by the validator's one parse.
    var markings = NoticeMarkings.unmarked
    /// A follow-up's original (read at admission only for follow-ups, which are rare).
    var original: MessageID?
    /// A batch-signed envelope's seal, parsed at admission (D73); nil for a single signature.
    var seal: BatchSeal?

    var envelope: Envelope { signed.envelope }
}
