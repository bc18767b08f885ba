import Dispatch

/// Per-node rate of accepted connections (limits.connectsPerSecondPerNode, burst
/// limits.connectsBurstPerNode), checked once the node is identified (after the roster lookup).
///
/// Each accepted connection writes a `connect` and a `disconnect` record (~720 bytes a cycle): a
/// node that connects and disconnects in a loop would otherwise grow the log without bound while
/// never exceeding maxConnectionsPerNode. Past the rate the connection is refused like one over
/// maxConnectionsPerNode (`overloaded`, reason `connect-rate`), a refusal summarised per source.
/// The TLS handshake before identification is not charged here: it is bounded by
/// maxPendingHandshakes and maxConnections, not per node.
struct ConnectRateLimit: Sendable {
    private let budget: PerNodeBudget
    private let rate: Int
    private let burst: Int

    init(ratePerSecond rate: Int, burst: Int) {
        self.rate = rate
        self.burst = burst
        budget = PerNodeBudget(ratePerSecond: rate, burst: burst)
    }

    /// Takes one connect for `node`; nil when admitted, else the refusal's detail.
    func refusal(for node: String) -> String? {
        guard !budget.take(node, nowNanos: DispatchTime.now().uptimeNanoseconds) else { return nil }
        return "\(node) connects too often (limits.connectsPerSecondPerNode \(rate)/s, burst \(burst)); retry later"
    }
}
