import NexWire

/// What one subscriber received, by message id: first receptions, duplicates and messages that
/// do not belong to the run. Pure and confined to its owner (the subscriber's queue).
///
/// Invariant: ``deliveries`` and ``duplicated`` count measured-phase messages only, so every
/// figure made from them (rates, lost, duplicated) covers the measured phase; warm-up deliveries
/// are tallied apart (``warmUpDeliveries``, ``warmUpDuplicated``) and enter no figure.
public struct DeliveryTally: Sendable {
    /// The run whose tags are counted.
    public let runTag: UInt16
    /// Distinct measured sequences received, per publisher index.
    public private(set) var received: [Int: SequenceSet] = [:]
    /// Distinct warm-up sequences received, per publisher index.
    public private(set) var receivedWarmUp: [Int: SequenceSet] = [:]
    /// Deliveries of a measured message already received.
    public private(set) var duplicated = 0
    /// Deliveries of a warm-up message already received.
    public private(set) var warmUpDuplicated = 0
    /// Deliveries whose id carries no tag of this run.
    public private(set) var foreign = 0
    /// Deliveries of measured messages, duplicates included (what the rates count).
    public private(set) var deliveries = 0
    /// Deliveries of warm-up messages, duplicates included (in no figure).
    public private(set) var warmUpDeliveries = 0

    /// An empty tally for run `runTag`.
    public init(runTag: UInt16) {
        self.runTag = runTag
    }

    /// What a delivery turned out to be.
    public enum Outcome: Equatable, Sendable {
        /// First reception of a message of the run.
        case first(MessageTag)
        /// The message had been received before.
        case duplicate(MessageTag)
        /// Not a message of this run.
        case foreign

        /// Whether the delivery was of a measured-phase message of the run.
        public var isMeasured: Bool {
            switch self {
            case .first(let tag), .duplicate(let tag): tag.isMeasured
            case .foreign: false
            }
        }
    }

    /// Counts one delivery of `id`, in its phase's counts.
    @discardableResult
    public mutating func record(_ id: MessageID) -> Outcome {
        guard let tag = MessageTag(id, runTag: runTag) else {
            foreign += 1
            return .foreign
        }
        let isNew: Bool
        if tag.isMeasured {
            deliveries += 1
            isNew = received[tag.publisher, default: SequenceSet()].insert(tag.sequence)
            if !isNew { duplicated += 1 }
        } else {
            warmUpDeliveries += 1
            isNew = receivedWarmUp[tag.publisher, default: SequenceSet()].insert(tag.sequence)
            if !isNew { warmUpDuplicated += 1 }
        }
        return isNew ? .first(tag) : .duplicate(tag)
    }

    /// Distinct measured messages received from `publisher`.
    public func receivedCount(from publisher: Int) -> Int { received[publisher]?.count ?? 0 }
}

/// Loss accounting over a whole run: what each subscriber should have received (every message
/// its publishers had acknowledged) against what it did receive.
public struct LossAccounting: Sendable, Equatable {
    /// Deliveries that should have happened: acknowledged messages × their subscribers.
    public var expected = 0
    /// Distinct expected messages that arrived.
    public var delivered = 0
    /// Expected messages that never arrived.
    public var lost = 0
    /// Repeated deliveries of a measured message to the same subscriber.
    public var duplicated = 0
    /// Deliveries of messages never acknowledged to their publisher, or not of this run.
    public var unexpected = 0

    /// Accounts for `tallies[s]` (subscriber `s`) given each publisher's acknowledged sequences
    /// and, per subscriber, the publishers whose topic it follows.
    public init(acknowledged: [SequenceSet], tallies: [DeliveryTally], follows: [[Int]]) {
        precondition(tallies.count == follows.count, "one follow list per subscriber")
        for (subscriber, tally) in tallies.enumerated() {
            duplicated += tally.duplicated
            unexpected += tally.foreign
            let followed = Set(follows[subscriber])
            for (publisher, received) in tally.received where !followed.contains(publisher) {
                unexpected += received.count
            }
            for publisher in followed {
                let acked = acknowledged[publisher]
                let received = tally.received[publisher] ?? SequenceSet()
                expected += acked.count
                var hits = 0
                // Received but never acknowledged (e.g. the ACK was not seen before the end).
                var extra = received.count
                // Walk the acknowledged sequences: they are dense from 0 in a load run.
                var sequence = 0
                var seen = 0
                while seen < acked.count {
                    if acked.contains(sequence) {
                        seen += 1
                        if received.contains(sequence) { hits += 1; extra -= 1 }
                    }
                    sequence += 1
                }
                delivered += hits
                lost += acked.count - hits
                unexpected += extra
            }
        }
    }
}
