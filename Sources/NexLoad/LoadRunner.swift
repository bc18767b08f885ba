import Dispatch
import Foundation
import NexClient
import NexCrypto
import NexWire
import NexSync

#if canImport(Glibc)
import Glibc
#endif

/// Runs one load test against a nexd: connects subscribers then publishers, runs the warm-up,
/// then the measured phase, and accounts for every notice.
///
/// The runner's own thread only orchestrates and polls counters; all network work happens on a
/// few ``EventLane`` queues. Results are collected on each node's lane once the run ended.
public struct LoadRunner: Sendable {
    public let configuration: LoadConfiguration
    public let host: String
    public let port: UInt16
    public let identities: LoadIdentities
    /// nexd's process id, when known (its CPU time is then reported).
    public var nexdPID: Int32?
    /// Called about once a second during the measured phase with a one-line status.
    public var progress: (@Sendable (String) -> Void)?
    /// Called with one line at each step (signing, connecting…), for a log.
    public var log: (@Sendable (String) -> Void)?

    /// A runner for `configuration` against nexd at `host` (an IPv4 literal) and `port`.
    public init(configuration: LoadConfiguration, host: String = "127.0.0.1", port: UInt16, identities: LoadIdentities) {
        self.configuration = configuration
        self.host = host
        self.port = port
        self.identities = identities
    }

    /// Runs the test and returns its report.
    /// - Throws: ``LoadError`` when the run cannot start (credentials, signing, connecting).
    public func run() throws(LoadError) -> LoadReport {
        let config = configuration
        if let problem = config.problem { throw LoadError(problem) }
        guard identities.publishers.count == config.publishers, identities.subscribers.count == config.subscribers,
              identities.stalled.count == config.stalledSubscribers else {
            throw LoadError("the identities do not match the configuration's publisher, subscriber and stalled subscriber counts")
        }
        ProcessStats.raiseOpenFileLimit()
        signal(SIGPIPE, SIG_IGN)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw LoadError("--server host must be an IPv4 address, not \(host)") }

        var report = LoadReport(shape: LoadReport.Shape(
            publishers: config.publishers, subscribers: config.subscribers, layout: config.layout.rawValue, kind: config.kind.rawValue,
            payloadBytes: 0, pacing: config.window != nil ? "closed-loop" : "open-loop", window: config.window,
            ratePerPublisher: config.ratePerPublisher, countPerPublisher: config.countPerPublisher,
            warmUpPerPublisher: config.warmUpPerPublisher, verifiesSignatures: config.verifiesSignatures))
        report.shape.batch = config.effectiveBatch
        report.shape.batchLingerMillis = config.batchLingerMillis

        // 1. Sign everything before anything is measured.
        let runTag = UInt16.random(in: 0...0x0FFF)
        let payload = NoticeFactory.document(kind: config.kind, bytes: config.payloadBytes)
        report.shape.payloadBytes = payload.count
        let topics = (0..<config.publishers).map { config.layout.topic(forPublisher: $0, kind: config.kind) }
        let signingStart = MonotonicClock.nanoseconds()
        // One issued-at for the whole run, half a window ahead: every send within 1.5 windows of
        // signing (180 s with the default 120 s) is inside nexd's window, either side.
        let issuedAt = Int64(Date().timeIntervalSince1970 * 1000) + Int64(config.replayWindowSeconds) * 500
        let warmUp: [PreparedNotices]
        let measured: [PreparedNotices]
        if let urgent = config.urgentPublisher {
            // S9 (D58): routine notices from every publisher but the last, urgent ones from it.
            let routine = Array(identities.publishers.prefix(urgent))
            let routinePayload = NoticeFactory.marked(payload, priority: "routine")
            let urgentPayload = NoticeFactory.marked(payload, priority: "urgent")
            func both(isMeasured: Bool, routineCount: Int, urgentCount: Int) throws(LoadError) -> [PreparedNotices] {
                try NoticeFactory.prepare(
                    publishers: routine, topics: Array(topics.prefix(urgent)), kind: config.kind, payload: routinePayload, runTag: runTag,
                    isMeasured: isMeasured, countPerPublisher: routineCount, issuedAtMillis: issuedAt)
                    + NoticeFactory.prepare(
                        publishers: [identities.publishers[urgent]], topics: [topics[urgent]], kind: config.kind, payload: urgentPayload,
                        runTag: runTag, isMeasured: isMeasured, countPerPublisher: urgentCount, issuedAtMillis: issuedAt, firstIndex: urgent)
            }
            warmUp = try both(isMeasured: false, routineCount: config.warmUpPerPublisher,
                              urgentCount: config.warmUpPerPublisher == 0 ? 0 : max(1, config.urgentCount / 10))
            measured = try both(isMeasured: true, routineCount: config.countPerPublisher, urgentCount: config.urgentCount)
        } else {
            warmUp = try NoticeFactory.prepare(
                publishers: identities.publishers, topics: topics, kind: config.kind, payload: payload, runTag: runTag,
                isMeasured: false, countPerPublisher: config.warmUpPerPublisher, issuedAtMillis: issuedAt, batch: config.effectiveBatch)
            measured = try NoticeFactory.prepare(
                publishers: identities.publishers, topics: topics, kind: config.kind, payload: payload, runTag: runTag,
                isMeasured: true, countPerPublisher: config.countPerPublisher, issuedAtMillis: issuedAt, batch: config.effectiveBatch)
        }
        let signingSeconds = Double(MonotonicClock.nanoseconds() - signingStart) / 1e9
        log?(String(format: "signed %d notices in %.2f s", config.publishers * (config.countPerPublisher + config.warmUpPerPublisher), signingSeconds))

        // 2. Connect: subscribers first (their subscriptions must be active before publishing).
        let counters = LoadCounters()
        let failures = Locked<[String]>([])
        let lanes = (0..<max(1, config.lanes)).map { EventLane(index: $0) }
        let topology = LoadTopology(configuration: config)
        let follows = topology.follows
        let certificates: [String: Certificate]? = config.verifiesSignatures
            ? Dictionary(identities.publishers.map { ($0.nodeID, $0.certificate) }, uniquingKeysWith: { first, _ in first }) : nil

        func connection(_ credentials: NodeCredentials, lane: EventLane, receiveBufferBytes: Int? = nil,
                        capabilities: [String] = []) throws(LoadError) -> LoadConnection {
            let context: TLSContext
            do {
                context = try TLSContext.client(certificate: credentials.certificate, key: credentials.key, trustRoots: credentials.trustRoots)
            } catch {
                throw LoadError("cannot make a TLS context for \(credentials.nodeID): \(error)")
            }
            let connection = try LoadConnection(lane: lane, address: address, context: context, clientName: "nex-load",
                                                receiveBufferBytes: receiveBufferBytes, capabilities: capabilities)
            let node = credentials.nodeID
            connection.onClose = { reason in
                counters.failed.add(1, ordering: .relaxed)
                failures.withLock { $0.append("\(node): \(reason)") }
            }
            return connection
        }

        var publisherNodes: [PublisherNode] = []
        var subscriberNodes: [SubscriberNode] = []
        for (index, credentials) in identities.publishers.enumerated() {
            let conn = try connection(credentials, lane: lanes[index % lanes.count], capabilities: config.effectiveBatch == nil ? [] : [Capability.batch])
            let pacing = index == config.urgentPublisher ? LoadPacing.openLoop(ratePerPublisher: config.urgentRate ?? 1) : config.pacing
            publisherNodes.append(PublisherNode(
                index: index, connection: conn, counters: counters, pacing: pacing, warmUpWindow: max(config.window ?? 64, config.effectiveBatch ?? 1),
                batch: config.effectiveBatch ?? 1,
                followers: topology.followers[index], runTag: runTag, warmUp: warmUp[index], measured: measured[index]))
        }
        let sendTimes = publisherNodes.map(\.sendTimes)
        // Empty in closed loop (a publisher keeps write times in open loop only).
        let writeTimes = publisherNodes.map(\.writeTimes)
        for (index, credentials) in identities.subscribers.enumerated() {
            let conn = try connection(credentials, lane: lanes[(index + config.publishers) % lanes.count])
            let subscriberTopics = Array(Set(follows[index].map { topics[$0] })).sorted()
            let node = SubscriberNode(
                index: index, connection: conn, counters: counters, topics: subscriberTopics, sendTimes: sendTimes, writeTimes: writeTimes, runTag: runTag,
                receiptEvery: config.receiptEvery, receiptIntervalMillis: config.receiptIntervalMillis, certificates: certificates,
                urgentPublisher: config.urgentPublisher)
            conn.onOpen = { [unowned node] _ in
                counters.opened.add(1, ordering: .relaxed)
                node.subscribe()
            }
            subscriberNodes.append(node)
        }
        var stalledNodes: [StalledSubscriberNode] = []
        for (index, credentials) in identities.stalled.enumerated() {
            let conn = try connection(credentials, lane: lanes[(index + config.publishers + config.subscribers) % lanes.count],
                                      receiveBufferBytes: StalledSubscriberNode.receiveBufferBytes)
            let node = StalledSubscriberNode(
                index: index, nodeID: credentials.nodeID, connection: conn, counters: counters,
                topics: Array(Set(topology.stalledFollows[index].map { topics[$0] })).sorted(), runTag: runTag,
                onFailure: { reason in
                    counters.failed.add(1, ordering: .relaxed)
                    failures.withLock { $0.append("\(credentials.nodeID) (stalled): \(reason)") }
                })
            conn.onOpen = { [unowned node] _ in
                counters.opened.add(1, ordering: .relaxed)
                node.subscribe()
            }
            stalledNodes.append(node)
        }
        for node in publisherNodes {
            node.connection.onOpen = { _ in counters.opened.add(1, ordering: .relaxed) }
        }
        func closeAll() {
            for node in publisherNodes { node.connection.lane.queue.sync { node.stop(); node.connection.onClose = nil; node.connection.close(nil) } }
            for node in subscriberNodes { node.connection.lane.queue.sync { node.stop(); node.connection.onClose = nil; node.connection.close(nil) } }
            for node in stalledNodes { node.connection.lane.queue.sync { node.finish() } }
        }
        func firstFailure() -> String? { failures.withLock { $0.first } }

        for node in subscriberNodes { node.connection.start() }
        for node in stalledNodes { node.connection.start() }
        func allSubscribed() -> Bool {
            counters.subscribed.load(ordering: .relaxed) == config.subscribers
                && counters.stalledSubscribed.load(ordering: .relaxed) == config.stalledSubscribers
        }
        guard wait(seconds: 30, until: { allSubscribed() || counters.failed.load(ordering: .relaxed) > 0 }),
              counters.failed.load(ordering: .relaxed) == 0 else {
            closeAll()
            throw LoadError("subscribers could not connect and subscribe: \(firstFailure() ?? "timed out after 30 s")")
        }
        for node in publisherNodes { node.connection.start() }
        let total = config.publishers + config.subscribers + config.stalledSubscribers
        guard wait(seconds: 30, until: { counters.opened.load(ordering: .relaxed) == total || counters.failed.load(ordering: .relaxed) > 0 }),
              counters.failed.load(ordering: .relaxed) == 0 else {
            closeAll()
            throw LoadError("publishers could not connect: \(firstFailure() ?? "timed out after 30 s")")
        }
        log?("\(config.subscribers) subscriber(s) subscribed, \(config.stalledSubscribers) stalled subscriber(s) stalled, "
            + "\(config.publishers) publisher(s) connected")

        // 3. Warm-up, then the measured phase.
        if config.warmUpPerPublisher > 0 {
            for node in publisherNodes { node.connection.lane.queue.async { node.start(phase: 0) } }
            _ = awaitPhase(0, counters: counters, report: &report, progress: nil)
            log?("warm-up done")
        }
        let cpuToolStart = ProcessStats.ownCPUSeconds()
        let cpuNexdStart = nexdPID.flatMap { ProcessStats.cpuSeconds(pid: $0) }
        let wallStart = MonotonicClock.nanoseconds()
        for node in publisherNodes { node.connection.lane.queue.async { node.start(phase: 1, durationSeconds: config.durationSeconds) } }
        let completed = awaitPhase(1, counters: counters, report: &report, progress: progress)
        let wall = Double(MonotonicClock.nanoseconds() - wallStart) / 1e9
        report.cpu = LoadReport.CPUSplit(
            tool: ProcessStats.ownCPUSeconds() - cpuToolStart,
            nexd: cpuNexdStart.flatMap { start in nexdPID.flatMap { ProcessStats.cpuSeconds(pid: $0) }.map { $0 - start } },
            wall: wall)
        if !completed { report.notes.append("the run did not complete: nothing progressed for \(config.drainTimeoutSeconds) s") }
        if Double(MonotonicClock.nanoseconds() - signingStart) / 1e9 > Double(config.replayWindowSeconds) * 1.5 {
            report.notes.append("the run outlasted the issued-at validity (1.5 × the replay window after signing): expect outside-replay-window NACKs; use a smaller --count")
        }

        // 4. Collect on each lane, then close.
        var ackLatency = LatencyHistogram()
        var deliverLatency = LatencyHistogram()
        var writeLatency = LatencyHistogram()
        var urgentLatency = LatencyHistogram()
        var urgentAckLatency = LatencyHistogram()
        var acknowledged: [SequenceSet] = []
        var firstSend = UInt64.max
        var lastAnswer: UInt64 = 0
        for node in publisherNodes {
            node.connection.lane.queue.sync {
                node.stop()
                if node.index == config.urgentPublisher {
                    urgentAckLatency.add(node.ackLatency)
                } else {
                    ackLatency.add(node.ackLatency)
                }
                acknowledged.append(node.acknowledged)
                report.sent += node.sentMeasured
                report.acked += node.acknowledged.count
                report.warmUpAcked += node.warmUpAcked
                for (reason, count) in node.nacked { report.nacked[reason, default: 0] += count }
                if node.firstSend > 0 { firstSend = min(firstSend, node.firstSend) }
                lastAnswer = max(lastAnswer, node.lastAnswer)
            }
        }
        var tallies: [DeliveryTally] = []
        var firstReceive = UInt64.max
        var lastReceive: UInt64 = 0
        var receivingSubscribers = 0
        var badSignatures = 0
        var malformed = 0
        for node in subscriberNodes {
            node.connection.lane.queue.sync {
                node.stop()
                deliverLatency.add(node.deliverLatency)
                writeLatency.add(node.writeLatency)
                urgentLatency.add(node.urgentLatency)
                tallies.append(node.tally)
                if node.firstReceive > 0 {
                    receivingSubscribers += 1
                    firstReceive = min(firstReceive, node.firstReceive)
                    lastReceive = max(lastReceive, node.lastReceive)
                }
                badSignatures += node.badSignatures
                malformed += node.malformed
            }
        }
        let failedDuringRun = failures.withLock { $0 }
        let stalledTallies = drain(stalledNodes)
        closeAll()

        // 5. Account: the stalled subscribers apart from everyone else.
        let runAccounting = RunAccounting(acknowledged: acknowledged, tallies: tallies, stalledTallies: stalledTallies, topology: topology)
        let accounting = runAccounting.others
        if !stalledNodes.isEmpty {
            report.stalledSubscribers = zip(stalledNodes, zip(stalledTallies, runAccounting.stalled)).map { node, outcome in
                Self.outcome(of: node, tally: outcome.0, accounting: outcome.1)
            }
        }
        report.expected = accounting.expected
        report.delivered = accounting.delivered
        report.lost = accounting.lost
        report.duplicated = accounting.duplicated
        report.unexpected = accounting.unexpected
        report.publishToAck = ackLatency.summary
        report.publishToDeliver = deliverLatency.summary
        // Closed loop writes each notice when it is sent: the figure would repeat publish→deliver.
        if config.pacing.isOpenLoop { report.writeToDeliver = writeLatency.summary }
        if config.urgentPublisher != nil {
            report.urgentPublishToAck = urgentAckLatency.summary
            report.urgentPublishToDeliver = urgentLatency.summary
        }
        report.setRates(tallies: tallies, receivingSubscribers: receivingSubscribers, firstReceive: firstReceive,
                        lastReceive: lastReceive, firstSend: firstSend, lastAnswer: lastAnswer, payloadBytes: payload.count)
        if badSignatures > 0 { report.notes.append("\(badSignatures) deliveries failed signature re-verification") }
        if malformed > 0 { report.notes.append("\(malformed) deliveries could not be parsed") }
        for failure in failedDuringRun.prefix(5) { report.notes.append("connection ended during the run: \(failure)") }
        if ackLatency.clamped + deliverLatency.clamped > 0 { report.notes.append("some latencies exceeded 600 s and were clamped") }
        return report
    }

    /// Waits until every publisher finished `phase` and every expected delivery arrived, or until
    /// nothing progressed for the drain timeout. Returns whether the phase completed.
    private func awaitPhase(_ phase: Int, counters: LoadCounters, report: inout LoadReport,
                            progress: (@Sendable (String) -> Void)?) -> Bool {
        let phaseCounters = counters.phases[phase]
        let start = MonotonicClock.nanoseconds()
        var lastProgress = start
        var lastChange = start
        var lastSnapshot = (-1, -1, -1)
        var lastDelivered = 0
        var lastPrintedAt = start
        // The measured phase's timeline: rates over each quarter of a second.
        var quarter = (at: start, sent: 0, delivered: 0)
        if phase == 1 { report.timeline = [] }
        /// Closes the quarter (or the part of one) that ends `now`.
        func sample(now: UInt64, sent: Int, delivered: Int) {
            let span = Double(now - quarter.at) / 1e9
            report.timeline?.append(.init(seconds: (Double(now - start) / 1e9 * 100).rounded() / 100,
                                          noticesPerSecond: (Double(sent - quarter.sent) / span).rounded(),
                                          deliveriesPerSecond: (Double(delivered - quarter.delivered) / span).rounded()))
            quarter = (now, sent, delivered)
        }
        while true {
            usleep(20_000)
            let now = MonotonicClock.nanoseconds()
            let done = phaseCounters.publishersDone.load(ordering: .relaxed)
            let sent = phaseCounters.sent.load(ordering: .relaxed)
            let answered = phaseCounters.answered.load(ordering: .relaxed)
            let delivered = phaseCounters.delivered.load(ordering: .relaxed)
            let expected = phaseCounters.expected.load(ordering: .relaxed)
            if phase == 1, now - quarter.at >= 250_000_000 { sample(now: now, sent: sent, delivered: delivered) }
            if done == configuration.publishers, delivered >= expected {
                // The last part of a quarter counts too (a short run has no full quarter at all).
                if phase == 1, now - quarter.at >= 10_000_000 { sample(now: now, sent: sent, delivered: delivered) }
                return true
            }
            let snapshot = (sent, answered, delivered)
            if snapshot != lastSnapshot {
                lastSnapshot = snapshot
                lastChange = now
            } else if Double(now - lastChange) / 1e9 > configuration.drainTimeoutSeconds {
                return false
            }
            if let progress, now - lastProgress >= 1_000_000_000 {
                let seconds = Double(now - start) / 1e9
                let rate = Double(delivered - lastDelivered) / (Double(now - lastPrintedAt) / 1e9)
                progress(String(format: "%6.1f s  sent %d  answered %d  delivered %d/%d  %.0f deliveries/s",
                                seconds, sent, answered, delivered, expected, rate))
                lastDelivered = delivered
                lastPrintedAt = now
                lastProgress = now
            }
        }
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
