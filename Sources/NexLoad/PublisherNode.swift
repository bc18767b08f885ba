import Dispatch
import NexWire

/// One publishing node: sends pre-signed notices, closed loop (bounded window) or open loop
/// (a schedule of intended send times), and accounts for ACKs and NACKs.
///
/// Confined to `connection.lane.queue`; the runner starts phases and reads results there.
final class PublisherNode: @unchecked Sendable {
    let index: Int
    let connection: LoadConnection
    private let counters: LoadCounters
    private let pacing: LoadPacing
    private let warmUpWindow: Int
    /// Subscribers following this publisher: each ACK adds that many expected deliveries.
    private let followers: Int
    private let runTag: UInt16
    /// Notices per batch signature (D73; 1: single signatures): only whole batches are sent.
    private let batch: Int
    let sendTimes: SendTimes
    /// Open loop: when each measured notice's frame was handed to the connection (its batch
    /// closed, so its due time plus the batch's fill and any lag of the tool's timer). Unset in
    /// closed loop, where it would equal ``sendTimes``.
    let writeTimes: SendTimes
    private var notices: [PreparedNotices]

    private var phase = 0
    private var isSending = false
    private var nextToSend = 0
    private var answered = 0
    private var inFlight = 0
    private var phaseStart: UInt64 = 0
    private var timer: DispatchSourceTimer?
    private var schedule: OpenLoopSchedule?
    /// Closed loop: no new sends after this monotonic time (0 = none).
    private var sendDeadline: UInt64 = 0
    /// How many notices this phase sends (all of them, or fewer once the deadline passed).
    private var phaseLimit = 0

    /// Measured sequences acknowledged.
    private(set) var acknowledged = SequenceSet()
    private(set) var nacked: [String: Int] = [:]
    private(set) var ackLatency = LatencyHistogram()
    private(set) var firstSend: UInt64 = 0
    private(set) var lastAnswer: UInt64 = 0
    private(set) var sentMeasured = 0
    /// Warm-up notices acknowledged (accepted and made durable by nexd, but not measured).
    private(set) var warmUpAcked = 0

    init(index: Int, connection: LoadConnection, counters: LoadCounters, pacing: LoadPacing, warmUpWindow: Int,
         batch: Int = 1, followers: Int, runTag: UInt16, warmUp: PreparedNotices, measured: PreparedNotices) {
        self.batch = batch
        self.index = index
        self.connection = connection
        self.counters = counters
        self.pacing = pacing
        self.warmUpWindow = warmUpWindow
        self.followers = followers
        self.runTag = runTag
        self.notices = [warmUp, measured]
        self.sendTimes = SendTimes(count: measured.count)
        self.writeTimes = SendTimes(count: pacing.isOpenLoop ? measured.count : 0)
        connection.onFrame = { [unowned self] type, body in self.handle(type: type, body: body) }
        connection.onReadDrained = { [unowned self] in self.fillWindow() }
    }

    /// Starts sending phase `phase` (0 warm-up, 1 measured). Call on the lane queue.
    func start(phase: Int, durationSeconds: Double? = nil) {
        dispatchPrecondition(condition: .onQueue(connection.lane.queue))
        self.phase = phase
        phaseLimit = notices[phase].count
        nextToSend = 0
        answered = 0
        inFlight = 0
        isSending = true
        phaseStart = MonotonicClock.nanoseconds()
        sendDeadline = durationSeconds.map { phaseStart + UInt64($0 * 1e9) } ?? 0
        if notices[phase].count == 0 {
            finishPhase()
            return
        }
        if phase == 1, case .openLoop(let rate) = pacing {
            let schedule = OpenLoopSchedule(rate: rate, count: notices[1].count,
                                            maximumBurst: max(batch, Int((rate / 100).rounded(.up))))
            self.schedule = schedule
            firstSend = phaseStart
            let timer = DispatchSource.makeTimerSource(queue: connection.lane.queue)
            timer.schedule(deadline: .now(), repeating: .microseconds(500), leeway: .microseconds(100))
            timer.setEventHandler { [unowned self] in self.sendDue() }
            self.timer = timer
            timer.activate()
        } else {
            fillWindow()
        }
    }

    private var window: Int {
        if phase == 1, case .closedLoop(let window) = pacing { return window }
        return warmUpWindow
    }

    /// Closed loop: tops the window up and sends the batch in one write.
    private func fillWindow() {
        guard isSending, schedule == nil || phase == 0 else { return }
        let prepared = notices[phase]
        let window = self.window
        guard inFlight < window, nextToSend < phaseLimit else { return }
        let now = MonotonicClock.nanoseconds()
        if sendDeadline > 0, now >= sendDeadline {
            phaseLimit = nextToSend
            if answered == phaseLimit { finishPhase() }
            return
        }
        if phase == 1, firstSend == 0 { firstSend = now }
        let first = nextToSend
        let last = wholeBatches(from: first, to: min(phaseLimit, nextToSend + (window - inFlight)), end: phaseLimit)
        guard last > first else { return }
        if phase == 1 {
            for sequence in first..<last { sendTimes.set(sequence, now) }
        }
        prepared.bytes.withUnsafeBytes { raw in
            connection.append(UnsafeRawBufferPointer(rebasing: raw[prepared.offsets[first]..<prepared.offsets[last]]))
        }
        let count = last - first
        nextToSend = last
        inFlight += count
        if phase == 1 { sentMeasured += count }
        counters.phases[phase].sent.add(count, ordering: .relaxed)
        connection.flush()
    }

    /// `to`, cut back to the end of the last whole batch after `from` (batches start at multiples
    /// of ``batch``), unless it is `end` (the last batch may be short).
    private func wholeBatches(from: Int, to: Int, end: Int) -> Int {
        guard batch > 1, to < end else { return to }
        return from + (to - from) / batch * batch
    }

    /// Open loop: sends every message due by now (at most the schedule's burst bound).
    private func sendDue() {
        guard isSending, let schedule else { return }
        let now = MonotonicClock.nanoseconds()
        let due = schedule.batch(sent: nextToSend, atElapsed: now &- phaseStart)
        // A batch goes once its last notice is due; each notice's latency runs from its own due time.
        let batch = due.lowerBound..<wholeBatches(from: due.lowerBound, to: due.upperBound, end: schedule.count)
        guard !batch.isEmpty else {
            if nextToSend == schedule.count { timer?.cancel(); timer = nil }
            return
        }
        let prepared = notices[1]
        for sequence in batch {
            sendTimes.set(sequence, phaseStart + schedule.intendedOffset(of: sequence))
            writeTimes.set(sequence, now)
        }
        prepared.bytes.withUnsafeBytes { raw in
            connection.append(UnsafeRawBufferPointer(rebasing: raw[prepared.offsets[batch.lowerBound]..<prepared.offsets[batch.upperBound]]))
        }
        nextToSend = batch.upperBound
        inFlight += batch.count
        sentMeasured += batch.count
        counters.phases[1].sent.add(batch.count, ordering: .relaxed)
        connection.flush()
    }

    private func handle(type: UInt8, body: UnsafeRawBufferPointer) {
        guard body.count >= 16 else { return }
        let isAck = type == FrameType.ack.rawValue
        guard isAck || type == FrameType.nack.rawValue else { return }
        let id = MessageTag.messageID(at: body, offset: 0)
        guard let tag = MessageTag(id, runTag: runTag), tag.publisher == index else { return }
        // Counted whatever the phase: a warm-up ACK that comes after the measured phase began
        // still stands for a notice nexd accepted and audited.
        if isAck, !tag.isMeasured { warmUpAcked += 1 }
        guard (tag.isMeasured ? 1 : 0) == phase else { return }
        let now = MonotonicClock.nanoseconds()
        answered += 1
        inFlight -= 1
        counters.phases[phase].answered.add(1, ordering: .relaxed)
        if isAck {
            counters.phases[phase].expected.add(followers, ordering: .relaxed)
            if phase == 1 {
                acknowledged.insert(tag.sequence)
                let sent = sendTimes.get(tag.sequence)
                if sent > 0 { ackLatency.record(nanoseconds: now &- sent) }
            }
        } else {
            counters.phases[phase].nacked.add(1, ordering: .relaxed)
            let code = body.count >= 18 ? UInt16(body[16]) << 8 | UInt16(body[17]) : 0
            let name = WireErrorCode(rawValue: code)?.name ?? "code-\(code)"
            if phase == 1 { nacked[name, default: 0] += 1 }
        }
        if phase == 1 { lastAnswer = now }
        if answered == phaseLimit { finishPhase() }
    }

    private func finishPhase() {
        isSending = false
        timer?.cancel()
        timer = nil
        schedule = nil
        counters.phases[phase].publishersDone.add(1, ordering: .relaxed)
        if phase == 0 { notices[0] = PreparedNotices() }
    }

    /// Stops sending (end of run or abort). Call on the lane queue.
    func stop() {
        isSending = false
        timer?.cancel()
        timer = nil
    }
}
