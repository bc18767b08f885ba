/// Who follows which publisher in a run, with the measured subscribers and the stalled ones kept
/// apart.
///
/// Invariant: a stalled subscriber never adds to ``followers``, so a publisher's ACK never makes
/// the runner wait for a delivery that a stalled subscriber will not read, and the others'
/// expected, lost and duplicated figures are theirs alone.
public struct LoadTopology: Sendable, Equatable {
    /// For each measured subscriber, the publishers whose notices it receives.
    public let follows: [[Int]]
    /// For each stalled subscriber, the publishers whose topics it subscribes to.
    public let stalledFollows: [[Int]]
    /// For each publisher, its measured subscribers (each ACK adds that many expected deliveries).
    public let followers: [Int]

    /// The topology of `configuration`: stalled subscriber `k` follows what measured subscriber
    /// `k` would under the layout (a publisher's own topic for pairs and fan-out, the one topic
    /// for shared).
    public init(configuration: LoadConfiguration) {
        let publishers = configuration.publishers
        follows = configuration.layout.follows(publishers: publishers, subscribers: configuration.subscribers)
        stalledFollows = configuration.layout.follows(publishers: publishers, subscribers: configuration.stalledSubscribers)
        var followers = [Int](repeating: 0, count: max(publishers, 0))
        for list in follows { for publisher in list where publisher < followers.count { followers[publisher] += 1 } }
        self.followers = followers
    }
}

/// A run's delivery accounting: the measured subscribers' figures, and each stalled
/// subscriber's apart from them.
public struct RunAccounting: Sendable, Equatable {
    /// Expected, delivered, lost, duplicated and unexpected over the measured subscribers only.
    public let others: LossAccounting
    /// One accounting per stalled subscriber: what it would have had to read, and what it read.
    public let stalled: [LossAccounting]

    /// Accounts for `tallies` (measured subscribers) and `stalledTallies` (stalled subscribers,
    /// in order) against each publisher's acknowledged sequences.
    public init(acknowledged: [SequenceSet], tallies: [DeliveryTally], stalledTallies: [DeliveryTally], topology: LoadTopology) {
        precondition(stalledTallies.count == topology.stalledFollows.count, "one tally per stalled subscriber")
        others = LossAccounting(acknowledged: acknowledged, tallies: tallies, follows: topology.follows)
        stalled = zip(stalledTallies, topology.stalledFollows).map { tally, follows in
            LossAccounting(acknowledged: acknowledged, tallies: [tally], follows: [follows])
        }
    }
}
