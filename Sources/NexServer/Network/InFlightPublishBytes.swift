/// The bytes of one connection's publishes read but not yet answered (ACK or NACK), for the bound
/// limits.maxInFlightPublishBytesPerConnection (connection queue).
///
/// maxInFlightPublishesPerConnection bounds their count, not their size: 1024 publishes of 64 KiB
/// are 64 MiB a connection, 1 GiB for a node's 16 connections. Reading pauses at the byte limit
/// and resumes below half of it, like the count. A connection's answers keep its publish order
/// (they are sent from the audit completions, which run in append order), so each answer releases
/// the oldest publish's size; were one ever out of order, the total would still return to zero
/// once every publish is answered.
struct InFlightPublishBytes {
    private var sizes: [Int] = []
    private var head = 0
    /// Bytes read and not yet answered.
    private(set) var total = 0

    /// Counts a publish of `size` bytes; true when the total has reached `limit` (pause reading).
    mutating func taken(_ size: Int, limit: Int) -> Bool {
        sizes.append(size)
        total += size
        return total >= limit
    }

    /// The oldest publish was answered; true when the total is now below half of `limit` (resume).
    mutating func answered(limit: Int) -> Bool {
        guard head < sizes.count else { return true }
        total -= sizes[head]
        head += 1
        if head > 1024, head * 2 > sizes.count {
            sizes.removeFirst(head)
            head = 0
        }
        return total < max(1, limit / 2)
    }
}
