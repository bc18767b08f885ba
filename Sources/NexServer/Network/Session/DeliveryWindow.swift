import NexCrypto
import NexWire

/// The deliveries of one connection: the sequence the next one gets, those its node has not yet
/// receipted (in order), and whose certificates it may fetch (D33). Connection queue; kept out of
/// ``SessionMachine`` so a frame does not copy it: the machine sees a ``Summary``.
struct DeliveryWindow {
    /// What the session machine needs to judge a receipt.
    struct Summary: Sendable, Equatable {
        /// The sequence the next delivery gets (deliveries so far + 1).
        var nextSequence: UInt64
        /// The oldest delivery not yet receipted, if any.
        var firstUnreceipted: UInt64?
    }

    private(set) var nextSequence: UInt64 = 1
    /// Deliveries not yet covered by a receipt: (delivery sequence, message id), in order, from
    /// `unreceiptedStart` (the list is compacted now and then, not on every receipt).
    private var unreceipted: [(sequence: UInt64, messageID: MessageID)] = []
    private var unreceiptedStart = 0
    /// Fingerprints of the originator certificates of notices delivered on this connection: the
    /// only certificates, with the node's own, that `certificateRequest` answers (D33).
    private(set) var deliveredOriginators: Set<SHA256Digest> = []

    var summary: Summary {
        Summary(nextSequence: nextSequence, firstUnreceipted: firstUnreceipted?.sequence)
    }

    /// Deliveries sent and not yet receipted.
    var unreceiptedCount: Int { unreceipted.count - unreceiptedStart }

    /// The oldest delivery not yet receipted.
    var firstUnreceipted: (sequence: UInt64, messageID: MessageID)? {
        unreceiptedStart < unreceipted.count ? unreceipted[unreceiptedStart] : nil
    }

    /// The message ids of the deliveries not yet receipted, oldest first.
    var unreceiptedMessageIDs: [MessageID] { unreceipted[unreceiptedStart...].map(\.messageID) }

    /// Takes the next delivery sequence for `messageID`, whose originator certificate has `originator`.
    mutating func deliver(_ messageID: MessageID, originator: SHA256Digest?) -> UInt64 {
        let sequence = nextSequence
        nextSequence += 1
        unreceipted.append((sequence, messageID))
        if let originator { deliveredOriginators.insert(originator) }
        return sequence
    }

    /// Takes every delivery up to `through` off the unreceipted list; returns their message ids.
    mutating func receipt(through: UInt64) -> [MessageID] {
        var received: [MessageID] = []
        while unreceiptedStart < unreceipted.count, unreceipted[unreceiptedStart].sequence <= through {
            received.append(unreceipted[unreceiptedStart].messageID)
            unreceiptedStart += 1
        }
        if unreceiptedStart > 1024, unreceiptedStart * 2 > unreceipted.count {
            unreceipted.removeFirst(unreceiptedStart)
            unreceiptedStart = 0
        }
        return received
    }
}
