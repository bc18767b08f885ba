import Foundation

/// The result of one load run: counts, rates and latency percentiles. Codable: `--json` writes
/// exactly this document. Every count, rate and latency of the run covers the measured phase
/// only: warm-up notices enter none of them.
public struct LoadReport: Codable, Sendable, Equatable {
    /// How the run was shaped.
    public struct Shape: Codable, Sendable, Equatable {
        public var publishers: Int
        public var subscribers: Int
        public var layout: String
        public var kind: String
        public var payloadBytes: Int
        /// "closed-loop" or "open-loop".
        public var pacing: String
        /// In-flight window per publisher (closed loop).
        public var window: Int?
        /// Offered rate per publisher, notices per second (open loop).
        public var ratePerPublisher: Double?
        public var countPerPublisher: Int
        public var warmUpPerPublisher: Int
        public var verifiesSignatures: Bool
        /// Notices per batch signature (D73); nil: one signature per notice.
        public var batch: Int?
        /// The linger that set ``batch`` in an open loop (`--batch-linger`), milliseconds.
        public var batchLingerMillis: Double?

        /// A shape from its values.
        public init(publishers: Int, subscribers: Int, layout: String, kind: String, payloadBytes: Int, pacing: String,
                    window: Int?, ratePerPublisher: Double?, countPerPublisher: Int, warmUpPerPublisher: Int,
                    verifiesSignatures: Bool) {
            self.publishers = publishers
            self.subscribers = subscribers
            self.layout = layout
            self.kind = kind
            self.payloadBytes = payloadBytes
            self.pacing = pacing
            self.window = window
            self.ratePerPublisher = ratePerPublisher
            self.countPerPublisher = countPerPublisher
            self.warmUpPerPublisher = warmUpPerPublisher
            self.verifiesSignatures = verifiesSignatures
        }
    }

    /// CPU time spent during the measured phase, in seconds.
    public struct CPUSplit: Codable, Sendable, Equatable {
        /// This process (the load tool).
        public var tool: Double
        /// The spawned nexd, when there is one.
        public var nexd: Double?
        /// Wall-clock seconds of the measured phase.
        public var wall: Double
    }

    /// fsync latency measured beside the run (write + fdatasync of `bytes` bytes).
    public struct FsyncProbe: Codable, Sendable, Equatable {
        public var samples: Int
        public var bytes: Int
        public var medianMillis: Double
        public var p99Millis: Double
        public var maxMillis: Double
    }

    /// Idle-connection measurement (S6).
    public struct IdleConnections: Codable, Sendable, Equatable {
        /// Connections that reached `welcome`.
        public var connected: Int
        /// Connections that failed.
        public var failed: Int
        /// Connections opened per second (TCP + TLS 1.3 mutual handshake + welcome).
        public var connectionsPerSecond: Double
        /// nexd's VmRSS before the connections, in MB (10^6 bytes).
        public var nexdRSSBeforeMB: Double?
        /// nexd's VmRSS with every connection open, in MB.
        public var nexdRSSMB: Double?
    }

    /// What became of one stalled subscriber (`--stalled-subscribers`): it subscribed, then never
    /// read until the run ended. None of its figures is part of the others'.
    public struct StalledSubscriber: Codable, Sendable, Equatable {
        /// Its node id.
        public var node: String
        /// Whether its connection was still open at the end ("connected"), or nexd had closed it
        /// ("closed").
        public var fate: String
        /// Why the connection ended, as the load tool saw it, when it was closed.
        public var closeReason: String?
        /// Measured notices it would have received had it read (acknowledged, on its topics).
        public var expected: Int
        /// Distinct measured notices it received: before the stall, and what was still buffered
        /// (kernel and nexd) when it read again at the end.
        public var received: Int
        /// Measured deliveries read before it stopped reading.
        public var deliveriesBeforeStall: Int
        /// Every measured delivery it read (duplicates included), the end-of-run drain included.
        public var deliveries: Int

        /// A stalled subscriber's outcome from its values.
        public init(node: String, fate: String, closeReason: String?, expected: Int, received: Int,
                    deliveriesBeforeStall: Int, deliveries: Int) {
            self.node = node
            self.fate = fate
            self.closeReason = closeReason
            self.expected = expected
            self.received = received
            self.deliveriesBeforeStall = deliveriesBeforeStall
            self.deliveries = deliveries
        }

        /// Whether nexd closed the connection before the end.
        public var wasClosed: Bool { fate == "closed" }
    }

    public var shape: Shape
    public var sent = 0
    public var acked = 0
    /// Warm-up notices acknowledged: not in any figure, but accepted and audited by nexd.
    public var warmUpAcked = 0
    /// NACKs by reason (wire error code name).
    public var nacked: [String: Int] = [:]
    public var delivered = 0
    public var expected = 0
    public var lost = 0
    public var duplicated = 0
    /// Deliveries not expected (never acknowledged, foreign, or to a subscriber not following).
    public var unexpected = 0
    /// Seconds from the first to the last measured delivery, over all subscribers.
    public var receiveSpanSeconds = 0.0
    /// Seconds from the first measured send to the last ACK.
    public var publishSpanSeconds = 0.0
    public var noticesPerSecond = 0.0
    public var deliveriesPerSecond = 0.0
    /// Payload megabytes (10^6 bytes) delivered per second.
    public var payloadMBPerSecond = 0.0
    public var publishToAck: LatencySummary
    public var publishToDeliver: LatencySummary
    /// Open loop: from the moment each notice's frame was handed to the connection to its delivery
    /// (routine notices) — publish→deliver less the batch's fill (`--batch`, `--batch-linger`) and
    /// any lag of the tool's send timer: what nexd, the network and the subscriber add.
    public var writeToDeliver: LatencySummary?
    /// S9 (`--urgent-rate`): the urgent publisher's notices, publish (intended send) → deliver;
    /// ``publishToDeliver`` then covers the routine ones only.
    public var urgentPublishToDeliver: LatencySummary?
    /// S9: the urgent publisher's publish → ACK (verification, broker, audit batch: the part of
    /// the wait before any connection's delivery lanes); ``publishToAck`` then covers the routine ones.
    public var urgentPublishToAck: LatencySummary?
    public var cpu: CPUSplit?
    public var fsync: FsyncProbe?
    /// The sustained disk probe (`--disk-probe SECONDS`), when it ran.
    public var diskProbe: DiskProbeResult?
    /// With `--spawn`: the spawned nexd's audit log, in bytes per notice acknowledged (measured
    /// and warm-up: what nexd accepted and audited), measured when the run ends; what a disk probe
    /// matched to a rate writes per notice.
    public var auditBytesPerNotice: Double?
    public var idle: IdleConnections?
    /// The stalled subscribers, when the run had any (nil otherwise).
    public var stalledSubscribers: [StalledSubscriber]?
    /// The reconnect storm's figures (`--durable-posts`), when the run was one (nil otherwise).
    public var reconnectStorm: ReconnectStorm?
    /// Anything the reader must know (ran out of time, subscribers disconnected…).
    public var notes: [String] = []
    /// When, where and how the run was made (set by `nex load`).
    public var run: RunInfo?
    /// The measured phase's notices and deliveries per second, quarter by quarter.
    public var timeline: [TimelineSample]?

    /// An empty report for `shape`.
    public init(shape: Shape) {
        self.shape = shape
        let empty = LatencySummary(count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0)
        publishToAck = empty
        publishToDeliver = empty
    }

    /// The total of ``nacked``.
    public var nackedTotal: Int { nacked.values.reduce(0, +) }

    /// The JSON document (sorted keys, pretty-printed).
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// The human-readable table printed at the end of a run.
    public var table: String {
        var lines: [String] = []
        let pacingText: String = switch (shape.window, shape.ratePerPublisher) {
        case (let window?, _): "closed loop, window \(window) per publisher"
        case (_, let rate?): "open loop, \(Self.number(rate)) notices/s per publisher"
        default: shape.pacing
        }
        if shape.publishers == 0 {
            lines.append(shape.pacing == "none" ? "nex load: no load, probes only" : "nex load: idle connections only")
        } else {
            let stalled = stalledSubscribers.map { " + \($0.count) stalled" } ?? ""
            lines.append("nex load: \(shape.publishers) publisher(s) → \(shape.subscribers) subscriber(s)\(stalled), layout \(shape.layout), "
                + "\(shape.kind) notices of \(shape.payloadBytes) B, \(pacingText), \(shape.countPerPublisher) per publisher "
                + "(+\(shape.warmUpPerPublisher) warm-up)\(shape.verifiesSignatures ? ", subscribers verify signatures" : "")"
                + (shape.batch.map { ", batch-signed in \($0)s" } ?? "")
                + (shape.batchLingerMillis.map { " (linger \(String(format: "%g", $0)) ms)" } ?? ""))
        }
        func row(_ name: String, _ value: String) { lines.append("  " + name.padding(toLength: 22, withPad: " ", startingAt: 0) + value) }
        if shape.publishers > 0 {
            row("sent", "\(sent)")
            row("acked", "\(acked)")
            let reasons = nacked.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            row("nacked", "\(nackedTotal)" + (reasons.isEmpty ? "" : " (\(reasons))"))
            row("delivered", "\(delivered)")
            row("expected", "\(expected)")
            row("lost", "\(lost)")
            row("duplicated", "\(duplicated)")
            if unexpected > 0 { row("unexpected", "\(unexpected)") }
            row("notices/s", Self.number(noticesPerSecond))
            row("deliveries/s", Self.number(deliveriesPerSecond))
            row("payload MB/s", String(format: "%.1f", payloadMBPerSecond))
            row("receive span", String(format: "%.3f s", receiveSpanSeconds))
            lines.append("  latency (ms)            p50      p90      p99    p99.9      max    count")
            let written = writeToDeliver.map { [("write→deliver", $0)] } ?? []
            let urgent = written + (urgentPublishToAck.map { [("urgent→ack", $0)] } ?? []) + (urgentPublishToDeliver.map { [("urgent→deliver", $0)] } ?? [])
            for (name, summary) in [("publish→ack", publishToAck), ("publish→deliver", publishToDeliver)] + urgent {
                let values = [summary.p50, summary.p90, summary.p99, summary.p999, summary.max].map { String(format: "%8.3f", $0) }
                lines.append("  " + name.padding(toLength: 20, withPad: " ", startingAt: 0) + values.joined(separator: " ") + String(format: " %8d", summary.count))
        }
        }
        if let cpu {
            let nexd = cpu.nexd.map { String(format: ", nexd %.2f s (%.0f%% of a core)", $0, 100 * $0 / max(cpu.wall, 1e-9)) } ?? ""
            row("CPU", String(format: "tool %.2f s (%.0f%% of a core)", cpu.tool, 100 * cpu.tool / max(cpu.wall, 1e-9)) + nexd
                + String(format: " over %.2f s", cpu.wall))
        }
        if let fsync {
            row("fsync (2 KiB)", String(format: "median %.3f ms, p99 %.3f ms, max %.3f ms (%d samples)",
                                        fsync.medianMillis, fsync.p99Millis, fsync.maxMillis, fsync.samples))
        }
        if let diskProbe {
            row("disk probe", diskProbe.text)
        }
        if let auditBytesPerNotice {
            row("audit log", String(format: "%.0f bytes per notice", auditBytesPerNotice))
        }
        if let idle {
            row("idle connections", "\(idle.connected) connected, \(idle.failed) failed, \(Self.number(idle.connectionsPerSecond)) opened/s")
            if let rss = idle.nexdRSSMB {
                row("nexd RSS", String(format: "%.1f MB with them open", rss) + (idle.nexdRSSBeforeMB.map { String(format: " (%.1f MB before)", $0) } ?? ""))
            }
        }
        if let stalled = stalledSubscribers, !stalled.isEmpty {
            let closed = stalled.filter(\.wasClosed).count
            row("stalled subscribers", "\(stalled.count) (not in the figures above): \(closed) closed by nexd, "
                + "\(stalled.count - closed) still connected at the end")
            for node in stalled {
                let fate = node.wasClosed ? "closed (\(node.closeReason ?? "no reason"))" : "still connected"
                lines.append("    \(node.node): \(fate); received \(node.received) of \(node.expected) measured notices, "
                    + "\(node.deliveriesBeforeStall) deliveries before stalling")
            }
        }
        if let reconnectStorm { lines += reconnectStorm.tableLines }
        for note in notes { lines.append("  note: \(note)") }
        return lines.joined(separator: "\n")
    }

    static func number(_ value: Double) -> String {
        value >= 100 ? String(format: "%.0f", value) : String(format: "%.2f", value)
    }
}
