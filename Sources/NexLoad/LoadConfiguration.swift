import NexNotices

/// How publishers and subscribers meet on topics.
public enum TopicLayout: String, Sendable, Codable, CaseIterable {
    /// Publisher i → its own topic → subscriber i (needs as many subscribers as publishers).
    case pairs
    /// Every publisher on one topic that every subscriber follows.
    case shared
    /// Publisher i on its own topic; subscribers spread round-robin over the publishers.
    case fanout

    /// For each subscriber, the publishers whose notices it receives.
    public func follows(publishers: Int, subscribers: Int) -> [[Int]] {
        (0..<subscribers).map { subscriber in
            switch self {
            case .pairs: [subscriber % max(publishers, 1)]
            case .shared: Array(0..<publishers)
            case .fanout: [subscriber % max(publishers, 1)]
            }
        }
    }

    /// The topic publisher `publisher` publishes on: `notice.<kind>.<cc>`, the General
    /// Secretariat's notice family, with a two-letter token per publisher (`aa`, `ab`, …; `zz` for
    /// the shared topic) so the layout follows the shipped permissions and kind/topic rules.
    public func topic(forPublisher publisher: Int, kind: NoticeKind) -> String {
        switch self {
        case .shared: "notice.\(kind.rawValue).zz"
        case .pairs, .fanout: "notice.\(kind.rawValue).\(Self.countryToken(publisher))"
        }
    }

    /// `aa`, `ab`, … `zy` for 0 … 675 (wrapping beyond; `zz` is the shared topic's).
    static func countryToken(_ index: Int) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let value = index % 675
        return String([letters[value / 26], letters[value % 26]])
    }
}

/// How publishers pace themselves.
public enum LoadPacing: Sendable, Equatable {
    /// As fast as acknowledgements allow, with at most `window` publishes awaiting their ACK per
    /// publisher; latency is measured from the actual send.
    case closedLoop(window: Int)
    /// A fixed offered rate per publisher (messages per second); latency is measured from each
    /// message's intended send time.
    case openLoop(ratePerPublisher: Double)

    /// Whether the pacing is an offered rate (``openLoop(ratePerPublisher:)``).
    public var isOpenLoop: Bool {
        if case .openLoop = self { return true }
        return false
    }
}

/// Everything one load run needs to know.
public struct LoadConfiguration: Sendable {
    /// Publisher nodes.
    public var publishers = 1
    /// Subscriber nodes (measured: every figure of the report is theirs).
    public var subscribers = 1
    /// Stalled subscriber nodes: each connects, subscribes like a subscriber of the layout would
    /// (``TopicLayout/follows(publishers:subscribers:)`` over their own indices) and then never
    /// reads again. They count in no figure of the others; the report says what became of them.
    public var stalledSubscribers = 0
    /// Topic layout.
    public var layout = TopicLayout.pairs
    /// Size of each notice document in bytes (a valid document of `kind`, padded).
    public var payloadBytes = 1000
    /// Notice kind (any colour notice: the load topics are `notice.<kind>.<cc>`).
    public var kind = NoticeKind.red
    /// Pacing: closed loop (window) or open loop (rate).
    public var pacing = LoadPacing.closedLoop(window: 64)
    /// Measured notices per publisher.
    public var countPerPublisher = 10_000
    /// Closed loop only: stop sending new notices this many seconds into the measured phase
    /// (``countPerPublisher`` is then the pre-signed budget). Nil: send them all.
    public var durationSeconds: Double?
    /// Warm-up notices per publisher, sent and delivered before the measured phase.
    public var warmUpPerPublisher = 200
    /// Whether subscribers re-verify every signature with the originator's certificate.
    public var verifiesSignatures = false
    /// Deliveries after which a subscriber sends a cumulative receipt.
    public var receiptEvery = 64
    /// Longest time a subscriber holds an unsent receipt, in milliseconds.
    public var receiptIntervalMillis = 50
    /// How long to wait for missing deliveries once nothing has arrived for this many seconds.
    public var drainTimeoutSeconds = 5.0
    /// Event lanes (serial queues the client connections share).
    public var lanes = 2
    /// The replay window nexd applies, in seconds (issued-at values are chosen to stay inside it).
    public var replayWindowSeconds = 120
    /// Benchmark S9 (D58): the last publisher sends `urgent` notices open loop at this rate, the
    /// others `routine` ones as configured; the urgent notices' latency is reported apart. Nil: no
    /// priorities in the documents.
    public var urgentRate: Double?
    /// With ``urgentRate``: how many measured urgent notices (warm-up: a tenth, at least one).
    public var urgentCount = 60
    /// Batch signatures (D73): each publisher signs its notices in batches of this many (one
    /// signature per batch, capability `batch.1`) and sends a batch only whole — once its last
    /// notice is due (open loop) or the window has room for all of it (closed loop). A notice's
    /// latency runs from when it was handed to the batcher: its intended time (open loop), or when
    /// the window let its batch go (closed loop). Nil: one signature per notice.
    public var batch: Int?
    /// Open loop with ``batch``: a batch also closes once its first notice has waited this many
    /// milliseconds (a linger, as a batching client bounds its added latency). At a steady rate
    /// that is the notices due within the linger: ``effectiveBatch``. Nil: batches of ``batch``.
    public var batchLingerMillis: Double?

    /// The notices each publisher signs per batch: ``batch``, or in an open loop with
    /// ``batchLingerMillis`` the notices due within the linger of a batch's first, at most
    /// ``batch`` (at rate r and linger L: min(batch, ⌊r·L⌋ + 1)). Nil: one signature per notice.
    public var effectiveBatch: Int? {
        guard let batch else { return nil }
        guard let linger = batchLingerMillis, case .openLoop(let rate) = pacing else { return batch }
        return max(1, min(batch, Int((rate * linger / 1000).rounded(.down)) + 1))
    }

    /// The index of the urgent publisher, when the run has one.
    public var urgentPublisher: Int? { urgentRate == nil ? nil : publishers - 1 }

    /// The most stalled subscribers a run may have: nexd may buffer up to its outbound limit
    /// (8 MiB by default) for each before it acts, so a handful already tests the policy.
    public static let stalledSubscriberLimit = 100

    /// A default configuration: 1 → 1, pairs, 1000-byte red notices, closed loop (window 64).
    public init() {}

    /// The window of a closed-loop run (printed with every result), nil for open loop.
    public var window: Int? {
        if case .closedLoop(let window) = pacing { return window }
        return nil
    }

    /// The offered rate per publisher of an open-loop run, nil for closed loop.
    public var ratePerPublisher: Double? {
        if case .openLoop(let rate) = pacing { return rate }
        return nil
    }

    /// What is wrong with this configuration, in a sentence that says what to change; nil if valid.
    public var problem: String? {
        if publishers < 1 { return "--publishers must be at least 1" }
        if publishers >= MessageTag.publisherLimit { return "--publishers must be below \(MessageTag.publisherLimit)" }
        if subscribers < 0 { return "--subscribers must not be negative" }
        if stalledSubscribers < 0 { return "--stalled-subscribers must not be negative" }
        if stalledSubscribers > Self.stalledSubscriberLimit {
            return "--stalled-subscribers must be at most \(Self.stalledSubscriberLimit) (each holds up to nexd's outbound buffer limit)"
        }
        if stalledSubscribers > 0, subscribers == 0 {
            return "--stalled-subscribers needs at least one measured subscriber (--subscribers) whose throughput it can affect"
        }
        if layout == .pairs, subscribers != publishers, subscribers != 0 {
            return "--layout pairs needs as many subscribers as publishers (or 0); use --layout fanout or shared otherwise"
        }
        if layout == .fanout, subscribers < publishers, subscribers != 0 {
            return "--layout fanout needs at least as many subscribers as publishers"
        }
        if kind == .diffusion || kind == .hit || kind == .decision { return "--kind must be a colour notice (diffusion, hit and decision have their own topics)" }
        if countPerPublisher < 1 { return "--count must be at least 1" }
        if payloadBytes > 60_000 { return "--payload-bytes must be at most 60000 (the protocol's payload limit)" }
        if case .closedLoop(let window) = pacing, window < 1 { return "--window must be at least 1" }
        if case .openLoop(let rate) = pacing, !(rate > 0) { return "--rate must be positive" }
        if let batch {
            if !(1...4096).contains(batch) { return "--batch must be 1-4096" }
            if case .closedLoop(let window) = pacing, window < batch { return "--window must be at least --batch (a batch is sent whole)" }
            if urgentRate != nil { return "--batch does not combine with --urgent-rate" }
        }
        if let batchLingerMillis {
            if batch == nil { return "--batch-linger needs --batch" }
            if ratePerPublisher == nil { return "--batch-linger needs an open loop (--rate): a closed loop sends a batch when its window has room" }
            if !(batchLingerMillis > 0) { return "--batch-linger must be positive (milliseconds)" }
        }
        if let urgentRate {
            if !(urgentRate > 0) { return "--urgent-rate must be positive" }
            if publishers < 2 || layout != .shared { return "--urgent-rate needs --publishers 2 or more and --layout shared (the last publisher sends the urgent notices to the same subscribers)" }
            if ![.red, .orange, .unSpecial].contains(kind) { return "--urgent-rate needs a kind that may be urgent: red, orange or un-special" }
            if urgentCount < 1 { return "--urgent-count must be at least 1" }
        }
        return nil
    }
}
