/// A reconnect storm's delivery accounting: what each post was owed (the acknowledged notices of
/// its country) against what it received, by message id. Pure.
public struct StormAccounting: Sendable, Equatable {
    /// For each post, the notices it was owed.
    public let expectedPerPost: [Int]
    /// Notices owed, over every post.
    public var expected: Int { expectedPerPost.reduce(0, +) }
    /// Distinct owed notices that arrived.
    public private(set) var delivered = 0
    /// Owed notices that never arrived.
    public private(set) var lost = 0
    /// Repeated deliveries of a notice to the same post.
    public private(set) var duplicated = 0
    /// Deliveries a post was not owed (another country's, never acknowledged, or not of the run).
    public private(set) var unexpected = 0

    /// What each post is owed: post `p` is owed every acknowledged sequence `s` of publisher 0
    /// with `countryOfNotice(s) == countryOfPost(p)`.
    public static func owed(acknowledged: SequenceSet, notices: Int, posts: Int, countryOfNotice: (Int) -> Int,
                            countryOfPost: (Int) -> Int) -> (perCountry: [Int: [Int]], perPost: [Int]) {
        var perCountry: [Int: [Int]] = [:]
        for sequence in 0..<notices where acknowledged.contains(sequence) {
            perCountry[countryOfNotice(sequence), default: []].append(sequence)
        }
        return (perCountry, (0..<posts).map { perCountry[countryOfPost($0)]?.count ?? 0 })
    }

    /// Accounts for `tallies[p]` (post `p`) given the sequences each country's posts are owed.
    public init(tallies: [DeliveryTally], owedByCountry: [Int: [Int]], countryOfPost: (Int) -> Int) {
        var expectedPerPost: [Int] = []
        for (post, tally) in tallies.enumerated() {
            let owed = owedByCountry[countryOfPost(post)] ?? []
            expectedPerPost.append(owed.count)
            let received = tally.received[0] ?? SequenceSet()
            let hits = owed.reduce(0) { $0 + (received.contains($1) ? 1 : 0) }
            delivered += hits
            lost += owed.count - hits
            duplicated += tally.duplicated
            let otherPublishers = tally.received.filter { $0.key != 0 }.values.reduce(0) { $0 + $1.count }
            unexpected += tally.foreign + (received.count - hits) + otherPublishers
        }
        self.expectedPerPost = expectedPerPost
    }
}
