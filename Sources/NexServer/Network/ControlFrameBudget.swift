/// The control-frame budget of one connection: a token bucket over `certificateRequest`, `ping`,
/// `subscribe` and `unsubscribe` frames, and a count of their answers not yet queued for sending.
///
/// A value type with no clock of its own: the connection passes the time and acts on the result
/// (closes past the rate, pauses reading at the answer limit). `receipt` frames are not counted:
/// one costs work only for deliveries not yet receipted, which the slow-consumer limits bound.
struct ControlFrameBudget: Sendable, Equatable {
    /// Control frames a second (0 = no rate limit); the bucket holds one second's worth.
    let ratePerSecond: Int
    /// Answers that may wait off the connection queue (broker hop, outbox) before reading pauses.
    let maximumUnanswered: Int
    private var tokens: Double
    private var updatedNanos: UInt64?
    /// Control frames whose answer is not yet in the connection's output.
    private(set) var unanswered = 0

    init(ratePerSecond: Int, maximumUnanswered: Int) {
        self.ratePerSecond = ratePerSecond
        self.maximumUnanswered = max(1, maximumUnanswered)
        self.tokens = Double(max(ratePerSecond, 1))
    }

    /// Takes a token for one control frame; false when the connection is over its rate.
    mutating func admit(nowNanos: UInt64) -> Bool {
        guard ratePerSecond > 0 else { return true }
        let rate = Double(ratePerSecond)
        if let updatedNanos, nowNanos > updatedNanos {
            tokens = min(rate, tokens + Double(nowNanos - updatedNanos) / 1e9 * rate)
        }
        updatedNanos = nowNanos
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// One more answer waits; true when reading must pause (the limit is reached).
    mutating func answerPending() -> Bool {
        unanswered += 1
        return unanswered >= maximumUnanswered
    }

    /// An answer reached the output; true when reading may resume (fewer than half the limit wait).
    mutating func answerQueued() -> Bool {
        unanswered = max(0, unanswered - 1)
        return unanswered < max(1, maximumUnanswered / 2)
    }
}
