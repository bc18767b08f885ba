import NexBroker
import Prometheus

/// What nexd counts for its metrics endpoint (issue 18, D70), in a Prometheus registry of its own
/// (not swift-metrics' process-wide factory: tests run several daemons in one process). Counters
/// and histograms are atomics, cheap on the message path; the gauges that describe state (CRL age,
/// certificate expiry) are worked out when scraped, from the settings in force.
final class DaemonMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    /// Verification, audit sync: 50 µs … 1 s.
    static let latencyBuckets: [Duration] = [.microseconds(50), .microseconds(100), .microseconds(200), .microseconds(500), .milliseconds(1),
                                             .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100),
                                             .milliseconds(500), .seconds(1)]

    private let verification: DurationHistogram
    private let auditSync: DurationHistogram
    private let auditBatch: ValueHistogram
    private let deliveries: Counter
    /// The outcomes of nearly every publish, kept at hand (a refusal's reason is looked up in the registry).
    private let accepted: Counter
    private let duplicates: Counter

    init() {
        verification = registry.makeDurationHistogram(descriptor: Self.name("nexd_signature_verification_seconds", "Time to verify a notice's signature (the verification pool)."),
                                                      buckets: Self.latencyBuckets)
        auditSync = registry.makeDurationHistogram(descriptor: Self.name("nexd_audit_sync_seconds", "Time to fsync one audit batch (0 with audit.fsync false)."),
                                                   buckets: Self.latencyBuckets)
        auditBatch = registry.makeValueHistogram(descriptor: Self.name("nexd_audit_batch_records", "Records per audit batch (group commit)."),
                                                 buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024])
        deliveries = registry.makeCounter(descriptor: Self.name("nexd_deliveries_total", "Notices handed to subscribers' connections."))
        accepted = registry.makeCounter(descriptor: Self.name("nexd_publishes_total", Self.publishesHelp), labels: [("outcome", "accepted"), ("reason", "")])
        duplicates = registry.makeCounter(descriptor: Self.name("nexd_publishes_total", Self.publishesHelp), labels: [("outcome", "duplicate"), ("reason", "")])
    }

    /// A node connected (its session accepted) or went away, by role (`ncb`, `bcp`, `gs`, …).
    func connection(role: String, opened: Bool) {
        let gauge = registry.makeGauge(descriptor: Self.name("nexd_connections", "Open sessions by the node's role."), labels: [("role", role)])
        if opened { gauge.increment() } else { gauge.decrement() }
    }

    /// A publish ended: `accepted`, `duplicate` (a byte-identical re-send answered with its ACK)
    /// or `refused` with the wire reason (`bad-signature`, `not-permitted`, …).
    func publish(_ outcome: String, reason: String = "") {
        switch outcome {
        case "accepted": accepted.increment()
        case "duplicate": duplicates.increment()
        default: registry.makeCounter(descriptor: Self.name("nexd_publishes_total", Self.publishesHelp), labels: [("outcome", outcome), ("reason", reason)]).increment()
        }
    }

    private static let publishesHelp = "Publishes by outcome and refusal reason."

    func delivered(_ count: Int) {
        if count > 0 { deliveries.increment(by: Int64(count)) }
    }

    func verified(in duration: Duration) {
        verification.record(duration)
    }

    func auditBatchWritten(records: Int, syncSeconds: Double) {
        auditBatch.record(Double(records))
        auditSync.record(.nanoseconds(Int64(syncSeconds * 1e9)))
    }

    /// Sets a gauge worked out at scrape time.
    func set(_ name: String, labels: [(String, String)] = [], to value: Double, help: String) {
        registry.makeGauge(descriptor: Self.name(name, help), labels: labels).set(value)
    }

    /// A metric's full name and help (no namespace or unit parts: the names are written out whole).
    private static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// The registry in Prometheus's text format.
    func text() -> String {
        registry.emitToString()
    }
}
