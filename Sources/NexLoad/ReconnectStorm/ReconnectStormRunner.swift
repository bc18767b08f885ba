import Dispatch
import Foundation
import NexClient
import NexCrypto
import NexSync
import NexWire

#if canImport(Glibc)
import Glibc
#endif

/// Runs a reconnect storm (benchmark S8) against a nexd whose roster has the posts
/// (``BenchmarkRoster/durablePostID(_:country:)``, role `bcp`) and a publisher (`gs`):
///
/// 1. every post connects with capability `inbox.1`, attaches its inbox and closes;
/// 2. one publisher publishes the notices, every post offline, and waits for every ACK;
/// 3. every post reconnects at once (at most ``ReconnectStormConfiguration/connectConcurrency``
///    handshakes in progress; one connection per post, well inside nexd's per-node connect
///    rate), re-attaches and drains its inbox, receipting as it goes.
///
/// The figure is the time from the first reconnect to the last inbox drained, and the distinct
/// deliveries per second over it. The runner's thread only orchestrates and polls counters; the
/// connections run on a few ``EventLane`` queues.
public struct ReconnectStormRunner: Sendable {
    public let configuration: ReconnectStormConfiguration
    public let host: String
    public let port: UInt16
    public let publisher: NodeCredentials
    /// One per post, in post order (node ids ``BenchmarkRoster/durablePostID(_:country:)``).
    public let posts: [NodeCredentials]
    /// nexd's process id, when known (its memory and CPU time are then reported).
    public var nexdPID: Int32?
    /// Called with one line at each step, for a log.
    public var log: (@Sendable (String) -> Void)?

    /// How often nexd's memory is sampled during the drain.
    static let samplingMicroseconds: useconds_t = 20_000
    /// How long the posts stay connected after the drain before nexd's memory is read again.
    static let settleSeconds = 2.0

    /// A runner for `configuration` against nexd at `host` (an IPv4 literal) and `port`.
    public init(configuration: ReconnectStormConfiguration, host: String = "127.0.0.1", port: UInt16,
                publisher: NodeCredentials, posts: [NodeCredentials]) {
        self.configuration = configuration
        self.host = host
        self.port = port
        self.publisher = publisher
        self.posts = posts
    }

    /// Runs the storm and returns its report.
    /// - Throws: ``LoadError`` when the run cannot start or a phase cannot complete.
    public func run() throws(LoadError) -> LoadReport {
        let config = configuration
        if let problem = config.problem { throw LoadError(problem) }
        guard posts.count == config.posts else { throw LoadError("the credentials do not match --durable-posts (\(config.posts))") }
        ProcessStats.raiseOpenFileLimit()
        signal(SIGPIPE, SIG_IGN)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw LoadError("--server host must be an IPv4 address, not \(host)") }

        // Sign the notices and make every TLS context before anything is measured.
        let runTag = UInt16.random(in: 0...0x0FFF)
        let payload = NoticeFactory.document(kind: config.kind, bytes: config.payloadBytes)
        let issuedAt = Int64(Date().timeIntervalSince1970 * 1000) + Int64(config.replayWindowSeconds) * 500
        let signed = try NoticeFactory.prepare(
            publishers: [publisher], topics: [config.topics[0]], kind: config.kind, payload: payload, runTag: runTag,
            isMeasured: true, countPerPublisher: config.notices, issuedAtMillis: issuedAt, rotatingTopics: config.topics)
        let contexts = try Self.contexts(for: posts)
        log?("signed \(config.notices) notices over \(config.countries.count) country topics")

        let lanes = (0..<max(1, config.lanes)).map { EventLane(index: $0) }
        let nodes = posts.enumerated().map { index, credentials in
            DurablePost(index: index, nodeID: credentials.nodeID, lane: lanes[index % lanes.count],
                        filter: config.filter(ofPost: index), runTag: runTag, receiptEvery: config.receiptEvery)
        }
        func closeAll() {
            for node in nodes { node.lane.queue.sync { node.leave() } }
        }

        // 1. Attach every inbox, then go offline.
        let attachStart = MonotonicClock.nanoseconds()
        let attach = StormCounters()
        try connect(nodes, contexts: contexts, address: address, mode: .attachAndLeave, counters: attach)
        guard wait(seconds: 120, until: { attach.finished.load(ordering: .relaxed) == nodes.count }),
              attach.failed.load(ordering: .relaxed) == 0 else {
            closeAll()
            throw LoadError("durable posts could not attach their inboxes: \(firstFailure(nodes) ?? "timed out after 120 s")")
        }
        let attachSeconds = Double(MonotonicClock.nanoseconds() - attachStart) / 1e9
        // nexd detaches an inbox when it reads the close; give it a moment before publishing.
        usleep(500_000)
        log?(String(format: "%d posts attached their inboxes and went offline in %.2f s", nodes.count, attachSeconds))

        // 2. Publish, every post offline.
        let published = try publish(signed[0], address: address, runTag: runTag)
        log?(String(format: "published %d notices (%d acknowledged) in %.2f s", published.sent, published.acknowledged.count,
                    published.seconds))
        let owed = StormAccounting.owed(acknowledged: published.acknowledged, notices: config.notices, posts: nodes.count,
                                        countryOfNotice: config.countryIndex(ofNotice:), countryOfPost: { $0 % config.countries.count })
        for (node, expected) in zip(nodes, owed.perPost) { node.lane.queue.sync { node.expected = expected } }

        // 3. The storm: every post reconnects, re-attaches and drains.
        let rssBefore = nexdPID.flatMap { ProcessStats.residentBytes(pid: $0) }
        let cpuNexdStart = nexdPID.flatMap { ProcessStats.cpuSeconds(pid: $0) }
        let cpuToolStart = ProcessStats.ownCPUSeconds()
        let drain = StormCounters()
        let stormStart = MonotonicClock.nanoseconds()
        var rssPeak = rssBefore ?? 0
        let sample = { if let pid = nexdPID, let rss = ProcessStats.residentBytes(pid: pid) { rssPeak = max(rssPeak, rss) } }
        try connect(nodes, contexts: contexts, address: address, mode: .drain, counters: drain, whileWaiting: sample)
        let completed = awaitDrain(drain, posts: nodes.count, sample: sample)
        let stormEnd = MonotonicClock.nanoseconds()
        let hwm = nexdPID.flatMap { ProcessStats.peakResidentBytes(pid: $0) }
        let cpu = LoadReport.CPUSplit(
            tool: ProcessStats.ownCPUSeconds() - cpuToolStart,
            nexd: cpuNexdStart.flatMap { start in nexdPID.flatMap { ProcessStats.cpuSeconds(pid: $0) }.map { $0 - start } },
            wall: Double(stormEnd - stormStart) / 1e9)
        Thread.sleep(forTimeInterval: Self.settleSeconds)
        let rssAfter = nexdPID.flatMap { ProcessStats.residentBytes(pid: $0) }

        // 4. Collect on each lane, then close (each post receipts what it has first).
        var tallies: [DeliveryTally] = []
        var lastAttach = stormStart
        var lastDrained = stormStart
        var waiting = 0
        var expired = 0
        var drainedPosts = 0
        var failures: [String] = []
        for node in nodes {
            node.lane.queue.sync {
                tallies.append(node.tally)
                lastAttach = max(lastAttach, node.attachedAt)
                if node.drainedAt > 0 {
                    drainedPosts += 1
                    lastDrained = max(lastDrained, node.drainedAt)
                }
                waiting += Int(node.lastStatus?.waiting ?? 0)
                expired += Int(node.lastStatus?.expired ?? 0)
                if let failure = node.failure { failures.append("\(node.nodeID): \(failure)") }
                node.leave()
            }
        }

        let accounting = StormAccounting(tallies: tallies, owedByCountry: owed.perCountry,
                                         countryOfPost: { $0 % config.countries.count })
        var report = LoadReport(shape: LoadReport.Shape(
            publishers: 1, subscribers: nodes.count, layout: "reconnect-storm", kind: config.kind.rawValue, payloadBytes: payload.count,
            pacing: "closed-loop", window: config.window, ratePerPublisher: nil, countPerPublisher: config.notices,
            warmUpPerPublisher: 0, verifiesSignatures: false))
        report.sent = published.sent
        report.acked = published.acknowledged.count
        report.nacked = published.nacked
        report.publishToAck = published.ackLatency.summary
        report.expected = accounting.expected
        report.delivered = accounting.delivered
        report.lost = accounting.lost
        report.duplicated = accounting.duplicated
        report.unexpected = accounting.unexpected
        let drainSeconds = Double(lastDrained - stormStart) / 1e9
        report.receiveSpanSeconds = drainSeconds
        if drainSeconds > 0 {
            report.deliveriesPerSecond = Double(accounting.delivered) / drainSeconds
            report.payloadMBPerSecond = report.deliveriesPerSecond * Double(payload.count) / 1e6
        }
        report.publishSpanSeconds = published.seconds
        if published.seconds > 0 { report.noticesPerSecond = Double(published.acknowledged.count) / published.seconds }
        report.cpu = cpu
        func megabytes(_ bytes: Int?) -> Double? { bytes.map { Double($0) / 1e6 } }
        report.reconnectStorm = LoadReport.ReconnectStorm(
            posts: nodes.count, countries: config.countries.count, connectConcurrency: config.connectConcurrency,
            attachSeconds: attachSeconds, publishSeconds: published.seconds, waitingAtReconnect: waiting,
            expiredAtReconnect: expired, reattachSeconds: Double(lastAttach - stormStart) / 1e9, drainSeconds: drainSeconds,
            postsDrained: drainedPosts, nexdRSSBeforeMB: megabytes(rssBefore), nexdRSSPeakMB: nexdPID == nil ? nil : megabytes(rssPeak),
            nexdHWMMB: megabytes(hwm), nexdRSSAfterMB: megabytes(rssAfter))
        if !completed {
            report.notes.append("the run did not complete: \(drainedPosts) of \(nodes.count) posts drained, "
                + "nothing arrived for \(config.drainTimeoutSeconds) s")
        }
        if published.nacked.values.reduce(0, +) > 0 { report.notes.append("some publishes were refused: see nacked") }
        if expired > 0 { report.notes.append("nexd dropped \(expired) inbox entries by its bounds (see expired)") }
        for failure in failures.prefix(5) { report.notes.append("post connection ended before it drained: \(failure)") }
        return report
    }

    // MARK: - Phases

    /// Starts each post's connection, keeping at most `connectConcurrency` past their start and
    /// not yet attached; returns once every post has started. `whileWaiting` runs each poll.
    private func connect(_ nodes: [DurablePost], contexts: [TLSContext], address: sockaddr_in, mode: DurablePost.Mode,
                         counters: StormCounters, whileWaiting: () -> Void = {}) throws(LoadError) {
        var started = 0
        while started < nodes.count {
            while started < nodes.count, started - counters.pastHandshake.load(ordering: .relaxed) < configuration.connectConcurrency {
                let node = nodes[started]
                let connection = try LoadConnection(lane: node.lane, address: address, context: contexts[started],
                                                    clientName: "nex-load-post", capabilities: [Capability.inbox])
                node.lane.queue.async { node.start(connection, mode: mode, counters: counters) }
                started += 1
            }
            whileWaiting()
            usleep(1_000)
        }
    }

    /// Waits until every post drained or failed, or nothing arrived for the drain timeout, sampling
    /// nexd's memory. Returns whether every post finished.
    private func awaitDrain(_ counters: StormCounters, posts: Int, sample: () -> Void) -> Bool {
        var lastReceived = -1
        var lastChange = MonotonicClock.nanoseconds()
        while counters.finished.load(ordering: .relaxed) < posts {
            usleep(Self.samplingMicroseconds)
            sample()
            let received = counters.received.load(ordering: .relaxed)
            let now = MonotonicClock.nanoseconds()
            if received != lastReceived {
                lastReceived = received
                lastChange = now
            } else if Double(now - lastChange) / 1e9 > configuration.drainTimeoutSeconds {
                return false
            }
        }
        return true
    }

    /// What phase 2 published.
    private struct Published {
        var sent = 0
        var acknowledged = SequenceSet()
        var nacked: [String: Int] = [:]
        var ackLatency = LatencyHistogram()
        var seconds = 0.0
    }

    /// Connects the publisher, publishes every notice (closed loop) and waits for every answer.
    private func publish(_ notices: PreparedNotices, address: sockaddr_in, runTag: UInt16) throws(LoadError) -> Published {
        let lane = EventLane(index: 99)
        let context: TLSContext
        do {
            context = try TLSContext.client(certificate: publisher.certificate, key: publisher.key, trustRoots: publisher.trustRoots)
        } catch {
            throw LoadError("cannot make a TLS context for \(publisher.nodeID): \(error)")
        }
        let connection = try LoadConnection(lane: lane, address: address, context: context, clientName: "nex-load")
        let counters = LoadCounters()
        let failure = Locked<String?>(nil)
        connection.onOpen = { _ in counters.opened.add(1, ordering: .relaxed) }
        connection.onClose = { reason in
            failure.withLock { $0 = reason }
            counters.failed.add(1, ordering: .relaxed)
        }
        let node = PublisherNode(
            index: 0, connection: connection, counters: counters, pacing: .closedLoop(window: configuration.window), warmUpWindow: 1,
            followers: 0, runTag: runTag, warmUp: PreparedNotices(), measured: notices)
        defer { lane.queue.sync { node.stop(); connection.onClose = nil; connection.close(nil) } }
        connection.start()
        guard wait(seconds: 30, until: { counters.opened.load(ordering: .relaxed) == 1 || counters.failed.load(ordering: .relaxed) > 0 }),
              counters.opened.load(ordering: .relaxed) == 1 else {
            throw LoadError("the publisher could not connect: \(failure.withLock { $0 } ?? "timed out after 30 s")")
        }
        let start = MonotonicClock.nanoseconds()
        lane.queue.async { node.start(phase: 1) }
        let phase = counters.phases[1]
        var lastAnswered = -1
        var lastChange = start
        while phase.publishersDone.load(ordering: .relaxed) == 0 {
            usleep(5_000)
            if counters.failed.load(ordering: .relaxed) > 0 { throw LoadError("the publisher's connection ended: \(failure.withLock { $0 } ?? "")") }
            let answered = phase.answered.load(ordering: .relaxed)
            let now = MonotonicClock.nanoseconds()
            if answered != lastAnswered {
                lastAnswered = answered
                lastChange = now
            } else if Double(now - lastChange) / 1e9 > configuration.drainTimeoutSeconds {
                throw LoadError("the publisher stalled: \(answered) of \(notices.count) publishes answered")
            }
        }
        return lane.queue.sync {
            Published(sent: node.sentMeasured, acknowledged: node.acknowledged, nacked: node.nacked, ackLatency: node.ackLatency,
                      seconds: Double(node.lastAnswer - start) / 1e9)
        }
    }

    // MARK: - Helpers

    /// One TLS client context per post, made on every core.
    private static func contexts(for posts: [NodeCredentials]) throws(LoadError) -> [TLSContext] {
        let made = Locked<[Int: TLSContext]>([:])
        DispatchQueue.concurrentPerform(iterations: posts.count) { index in
            let item = posts[index]
            if let context = try? TLSContext.client(certificate: item.certificate, key: item.key, trustRoots: item.trustRoots) {
                made.withLock { $0[index] = context }
            }
        }
        let contexts = made.withLock { dictionary in (0..<posts.count).compactMap { dictionary[$0] } }
        guard contexts.count == posts.count else { throw LoadError("cannot make a TLS context for every durable post") }
        return contexts
    }

    private func firstFailure(_ nodes: [DurablePost]) -> String? {
        for node in nodes {
            if let failure = node.lane.queue.sync(execute: { node.failure }) { return "\(node.nodeID): \(failure)" }
        }
        return nil
    }

    private func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = MonotonicClock.nanoseconds() + UInt64(seconds * 1e9)
        while MonotonicClock.nanoseconds() < deadline {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }
}
