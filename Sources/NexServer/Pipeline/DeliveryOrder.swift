import NexNotices
import NexWire

/// What a connection needs to order a delivery among the others it holds (D58): the record's
/// priority, read once at admission from the document, and for a follow-up its original, which it
/// must never overtake.
struct DeliveryOrder: Sendable, Equatable {
    /// The document's `priority` (normal when absent).
    var priority: NoticePriority
    /// A follow-up's original (its `original` member); nil for a record of its own.
    var original: MessageID?

    /// A normal record of its own.
    static let plain = DeliveryOrder(priority: .normal, original: nil)

    /// The order of a delivery of `message`'s chain: follow-ups share their original's chain.
    func chain(of messageID: MessageID) -> MessageID { original ?? messageID }

    /// Read from a signed envelope's bytes (start-up: entries rebuilt from the audit log). An
    /// envelope nexd accepted parses; anything else is a plain normal record.
    init(envelopeBytes: [UInt8]) {
        guard let signed = try? SignedEnvelope(parsing: envelopeBytes) else {
            self = .plain
            return
        }
        let envelope = signed.envelope
        let priority = NoticeMarkings.read(from: envelope.payload)?.priority ?? .normal
        var original: MessageID?
        if let kind = NoticeKind(rawValue: envelope.kind), kind.isFollowUp,
           let followUp = NoticeValidator.followUp(in: envelope.payload, as: kind) {
            original = MessageID(string: followUp.original)
        }
        self.init(priority: priority, original: original)
    }

    init(priority: NoticePriority, original: MessageID?) {
        self.priority = priority
        self.original = original
    }
}
