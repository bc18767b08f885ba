import Dispatch
import NexWire

/// Per-node budget of byte-identical re-sends (limits.duplicatesPerSecondPerNode, burst
/// limits.duplicatesBurstPerNode).
///
/// A re-send of an accepted notice is verified (its signature checked) and answered with the
/// original ACK after one `duplicate` record: without a bound, one node re-sending one valid notice
/// at its publish rate costs the log a record and the pool a verification per re-send. The broker
/// charges each re-send it finds; one found while the node's budget is spent is refused
/// `overloaded` instead of recorded (re-sends already verified when the budget ran out overdraw
/// it, down to −burst, see ``PerNodeBudget``). While the budget is spent, the node's publishes are
/// also refused `overloaded` before their signature is checked. Those refusals are summarised per
/// node like every `overloaded` one, so the `duplicate` records are bounded by burst + rate × time.
/// A reconnecting publisher re-sends what was unanswered (up to maxInFlightPublishesPerConnection
/// per connection): the burst covers that.
struct DuplicateBudget: Sendable {
    private let budget: PerNodeBudget
    private let rate: Int
    private let burst: Int

    init(ratePerSecond rate: Int, burst: Int) {
        self.rate = rate
        self.burst = burst
        budget = PerNodeBudget(ratePerSecond: rate, burst: burst)
    }

    /// Why `node`'s publishes are refused unverified now, or nil when it has re-sends left.
    func refusal(for node: String) -> WireError? {
        guard !budget.allows(node, nowNanos: DispatchTime.now().uptimeNanoseconds) else { return nil }
        return spent(node)
    }

    /// Charges `node` one re-send (broker queue); nil when it may be answered with the original
    /// ACK, else the refusal (the budget was already spent).
    func charge(_ node: String) -> WireError? {
        budget.spend(node, nowNanos: DispatchTime.now().uptimeNanoseconds) ? nil : spent(node)
    }

    private func spent(_ node: String) -> WireError {
        WireError(.overloaded, "\(node) has re-sent too many accepted notices (limits.duplicatesPerSecondPerNode \(rate)/s, burst \(burst)); its publishes are refused unverified until the budget refills")
    }
}
