import Foundation
import NexCrypto
import NexNotices
import NexSync
import NexWire
import Prometheus
import Synchronization

/// What nexd counts for its metrics endpoint (issue 18, D70), in a Prometheus registry of its own
/// (not swift-metrics' process-wide factory: tests run several daemons in one process). Every series
/// the message path touches is made up front — counters are atomics, histograms take a short lock of
/// their own — so no event looks anything up in the registry. Gauges that describe state (CRL age,
/// certificate expiry) are worked out when scraped.
final class DaemonMetrics: Sendable {
    /// How a publish ended.
    enum Outcome: Sendable {
        /// Accepted from a node (durable, answered).
        case accepted
        /// A byte-identical re-send answered with its original ACK.
        case duplicate
        /// Refused with a wire reason (counted when decided; `audit-unavailable` when the batch failed).
        case refused(WireErrorCode)
    }

    let registry: PrometheusCollectorRegistry

    /// Verification, audit sync: 50 µs … 1 s.
    static let latencyBuckets: [Duration] = [.microseconds(50), .microseconds(100), .microseconds(200), .microseconds(500), .milliseconds(1),
                                             .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100),
                                             .milliseconds(500), .seconds(1)]

    private let verification: DurationHistogram
    private let auditSync: DurationHistogram
    private let auditBatch: ValueHistogram
    private let routedRecipients: Counter
    private let expires: Counter
    private let accepted: Counter
    private let duplicates: Counter
    private let refused: [WireErrorCode: Counter]
    private let sessions: [String: Gauge]
    /// The audit log's last durable sequence, as its writer reported it (read by scrapes without a queue hop).
    private let auditSequence = Atomic<UInt64>(0)
    /// State sampled once a second (``MetricsSampler``).
    let receiptsOutstanding: Gauge
    let deliveriesHeld: Gauge
    let outputBufferedBytes: Gauge
    let brokerQueueDelay: Gauge
    let inboxes: Gauge
    let inboxEntries: Gauge
    let inboxBytes: Gauge
    /// Sessions registered with the broker, by the key of the root of `tls.ca` that vouched for
    /// them (sampled; a scrape names the roots: how many nodes a CA rotation has still to move).
    let sessionsByAuthority = Locked<[SHA256Digest: Int]>([:])
    /// The gauges the last scrape set (a reload may drop a revocation list or a CA: theirs go).
    private let scrapedGauges = Locked<[String: Gauge]>([:])

    init(auditSequence: UInt64 = 0) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        verification = registry.makeDurationHistogram(
            descriptor: Self.name("nexd_signature_verification_seconds", "Time to verify a notice's signature (the verification pool)."),
            buckets: Self.latencyBuckets)
        auditSync = registry.makeDurationHistogram(
            descriptor: Self.name("nexd_audit_sync_seconds", "Time to fsync one audit batch (0 with audit.fsync false)."), buckets: Self.latencyBuckets)
        auditBatch = registry.makeValueHistogram(descriptor: Self.name("nexd_audit_batch_records", "Records per audit batch (group commit)."),
                                                 buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024])
        routedRecipients = registry.makeCounter(descriptor: Self.name(
            "nexd_routed_recipients_total", "Live subscriber connections notices were routed to once their records were durable (durable-inbox redeliveries not counted)."))
        expires = registry.makeCounter(descriptor: Self.name("nexd_expires_total", "Expire messages nexd signed and accepted for records past their expires_at (D61)."))
        let publishes = Self.name("nexd_publishes_total", "Publishes from nodes by outcome and refusal reason.")
        accepted = registry.makeCounter(descriptor: publishes, labels: [("outcome", "accepted"), ("reason", "")])
        duplicates = registry.makeCounter(descriptor: publishes, labels: [("outcome", "duplicate"), ("reason", "")])
        refused = Dictionary(uniqueKeysWithValues: WireErrorCode.allCases.map { code in
            (code, registry.makeCounter(descriptor: publishes, labels: [("outcome", "refused"), ("reason", code.name)]))
        })
        let connections = Self.name("nexd_connections", "Admitted sessions by the node's role (from the certificate check to the close).")
        sessions = Dictionary(uniqueKeysWithValues: NodeRole.allCases.map { role in
            (role.rawValue, registry.makeGauge(descriptor: connections, labels: [("role", role.rawValue)]))
        })
        func gauge(_ name: String, _ help: String) -> Gauge { registry.makeGauge(descriptor: Self.name(name, help)) }
        receiptsOutstanding = gauge("nexd_receipts_outstanding", "Deliveries sent and not yet receipted, over all connections (sampled each second).")
        deliveriesHeld = gauge("nexd_deliveries_held", "Deliveries waiting for a connection's delivery window (sampled each second).")
        outputBufferedBytes = gauge("nexd_output_buffered_bytes", "Bytes waiting in connections' output buffers (sampled each second).")
        brokerQueueDelay = gauge("nexd_broker_queue_delay_seconds", "How long a block waited on the broker queue (sampled each second).")
        inboxes = gauge("nexd_inboxes", "Durable inboxes defined.")
        inboxEntries = gauge("nexd_inbox_entries", "Entries kept in durable inboxes (each once, however many inboxes keep it).")
        inboxBytes = gauge("nexd_inbox_bytes", "Bytes of the envelopes kept in durable inboxes (against limits.inboxBytesTotal).")
        self.auditSequence.store(auditSequence, ordering: .relaxed)
    }

    /// A node's session was admitted (its certificate on the roster) or ended.
    func session(role: NodeRole, opened: Bool) {
        if opened { sessions[role.rawValue]?.increment() } else { sessions[role.rawValue]?.decrement() }
    }

    func publish(_ outcome: Outcome) {
        switch outcome {
        case .accepted: accepted.increment()
        case .duplicate: duplicates.increment()
        case .refused(let code): refused[code]?.increment()
        }
    }

    /// nexd accepted one of its own expire messages (not a node's publish).
    func expired() {
        expires.increment()
    }

    func routed(to recipients: Int) {
        if recipients > 0 { routedRecipients.increment(by: Int64(recipients)) }
    }

    func verified(in duration: Duration) {
        verification.record(duration)
    }

    /// The audit writer made a batch durable: its size, its fsync time, the log's last sequence.
    func auditBatchWritten(records: Int, sync: Duration, lastSequence: UInt64) {
        auditBatch.record(Double(records))
        auditSync.record(sync)
        auditSequence.store(lastSequence, ordering: .relaxed)
    }

    /// The audit log's last durable sequence (no hop to the writer).
    var lastAuditSequence: UInt64 { auditSequence.load(ordering: .relaxed) }

    /// Sets this scrape's state gauges; gauges of the previous scrape not set now are removed.
    func setScraped(_ values: [(name: String, labels: [(String, String)], value: Double, help: String)]) {
        var now: [String: Gauge] = [:]
        for item in values {
            let gauge = registry.makeGauge(descriptor: Self.name(item.name, item.help), labels: item.labels)
            gauge.set(item.value)
            now[item.name + "{" + item.labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"] = gauge
        }
        let gone = scrapedGauges.withLock { previous in
            defer { previous = now }
            return previous.filter { now[$0.key] == nil }.map(\.value)
        }
        for gauge in gone { registry.unregisterGauge(gauge) }
    }

    /// The registry in Prometheus's text format.
    func text() -> String {
        registry.emitToString()
    }

    /// A metric's full name and help (no namespace or unit parts: the names are written out whole).
    private static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
