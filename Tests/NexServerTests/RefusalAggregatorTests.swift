import NexAudit
import Testing
@testable import NexServer

@Suite struct RefusalAggregatorTests {
    @Test func recordsUpToTheLimitThenCountsPerSourceAndReason() {
        let aggregator = RefusalAggregator(individualLimit: 3)
        let decisions = (0..<6).map { _ in aggregator.note(reason: "unknown-ca", peer: "10.0.0.1:5000") }
        #expect(decisions == [.record, .record, .record, .count(isFirstSuppressed: true), .count(isFirstSuppressed: false), .count(isFirstSuppressed: false)])
        // Another source and another reason have their own budgets.
        #expect(aggregator.note(reason: "unknown-ca", peer: "10.0.0.2:5000") == .record)
        #expect(aggregator.note(reason: "handshake-timeout", peer: "10.0.0.1:6000") == .record)
        let summary = aggregator.drainSuppressed()
        #expect(summary.count == 1)
        #expect(summary.first?.key == .init(reason: "unknown-ca", source: "10.0.0.1"))
        #expect(summary.first?.suppressed == 3)
        // A new interval starts from zero.
        #expect(aggregator.note(reason: "unknown-ca", peer: "10.0.0.1:5001") == .record)
        #expect(aggregator.drainSuppressed().isEmpty)
    }

    @Test(arguments: [("127.0.0.1:7247", "127.0.0.1"), ("[::1]:7247", "::1"), ("[fe80::1%eth0]:1", "fe80::1%eth0"), ("host", "host")])
    func sourceIsTheAddressWithoutThePort(peer: String, address: String) {
        #expect(RefusalAggregator.address(of: peer) == address)
    }

    @Test func refusedPublishesAndSubscribesAreCountedPerNodeEventAndReason() {
        let aggregator = RefusalAggregator(individualLimit: 2)
        let publishes = (0..<5).map { _ in aggregator.note(.publish, reason: "invalid-topic", node: "gs.fr.lyon") }
        #expect(publishes == [.record, .record, .count(isFirstSuppressed: true), .count(isFirstSuppressed: false), .count(isFirstSuppressed: false)])
        // The same reason on another event, another reason, another node: each its own budget.
        #expect(aggregator.note(.subscribe, reason: "permission-denied", node: "gs.fr.lyon") == .record)
        #expect(aggregator.note(.publish, reason: "permission-denied", node: "gs.fr.lyon") == .record)
        #expect(aggregator.note(.publish, reason: "invalid-topic", node: "bcp.ke.busia") == .record)
        // A node id never shares a budget with a connect refusal of the same text.
        #expect(aggregator.note(reason: "invalid-topic", peer: "gs.fr.lyon") == .record)
        let summary = aggregator.drainSuppressed()
        #expect(summary.count == 1)
        #expect(summary.first?.key == .init(event: .publish, reason: "invalid-topic", source: "gs.fr.lyon"))
        #expect(summary.first?.suppressed == 3)
    }
}
