import Dispatch
import NexWire

/// One durable border post of a reconnect storm: on each connection it attaches its inbox
/// (`subscribeDurable`, capability `inbox.1`), tallies what arrives by message id, and sends
/// cumulative receipts. It outlives its connections: the tally spans them.
///
/// Confined to its lane's queue (every connection it is given runs there).
final class DurablePost: @unchecked Sendable {
    /// What the post does once its inbox is attached.
    enum Mode {
        /// Phase 1: attach, then close (the post goes offline).
        case attachAndLeave
        /// Phase 3: attach and read until ``expected`` notices arrived.
        case drain
    }

    /// The durable subscription's id on every connection.
    static let subscriptionID: UInt32 = 1

    let index: Int
    let nodeID: String
    let lane: EventLane
    private let filter: String
    private let receiptEvery: Int
    private(set) var connection: LoadConnection?
    private var mode = Mode.attachAndLeave

    private(set) var tally: DeliveryTally
    /// Distinct measured notices it must receive (set before the drain).
    var expected = 0
    /// The inbox status of the last attach (nil until a `suback` carried one).
    private(set) var lastStatus: InboxStatus?
    /// Monotonic times: the connection's start, the attach (suback), the last new notice.
    private(set) var connectStarted: UInt64 = 0
    private(set) var attachedAt: UInt64 = 0
    private(set) var drainedAt: UInt64 = 0
    /// Why the current phase's connection failed before its work was done; nil while all is well.
    private(set) var failure: String?
    private var lastDeliverySequence: UInt64 = 0
    private var receiptedThrough: UInt64 = 0
    private var counters: StormCounters?
    private var isPastHandshake = false
    private var isDone = false

    /// Measured notices received at least once.
    var receivedDistinct: Int { tally.receivedCount(from: 0) }
    /// Whether every expected notice arrived.
    var isDrained: Bool { receivedDistinct >= expected }

    init(index: Int, nodeID: String, lane: EventLane, filter: String, runTag: UInt16, receiptEvery: Int) {
        self.index = index
        self.nodeID = nodeID
        self.lane = lane
        self.filter = filter
        self.receiptEvery = max(1, receiptEvery)
        self.tally = DeliveryTally(runTag: runTag)
    }

    /// Starts `connection` in `mode` (call on the lane queue). `counters` hear, once each, that the
    /// post is past its handshake (attached, or failed before) and that it is done: attached and
    /// left (phase 1), drained (phase 3), or failed.
    func start(_ connection: LoadConnection, mode: Mode, counters: StormCounters) {
        dispatchPrecondition(condition: .onQueue(lane.queue))
        self.connection = connection
        self.mode = mode
        self.counters = counters
        failure = nil
        drainedAt = 0
        isPastHandshake = false
        isDone = false
        lastDeliverySequence = 0
        receiptedThrough = 0
        connectStarted = MonotonicClock.nanoseconds()
        connection.onOpen = { [unowned self] welcome in
            guard welcome.capabilities.contains(Capability.inbox) else {
                self.fail("nexd does not offer \(Capability.inbox) (durable inboxes)")
                return
            }
            connection.append(.subscribeDurable(SubscribeDurable(subscriptionID: Self.subscriptionID, filter: self.filter)))
            connection.flush()
        }
        connection.onFrame = { [unowned self] type, body in self.handle(type: type, body: body) }
        connection.onReadDrained = { [unowned self] in
            // Input went idle: receipt what came (nexd's inbox window reopens only on receipts,
            // docs/PROTOCOL.md §0x25). Once drained, a late duplicate is receipted the same way.
            if self.lastDeliverySequence > self.receiptedThrough { self.sendReceipt() }
            connection.flush()
        }
        connection.onClose = { [unowned self] reason in
            self.connection = nil
            if !self.isDone { self.recordFailure(reason) }
        }
        connection.start()
    }

    /// Sends a last receipt and closes the connection (lane queue).
    func leave() {
        dispatchPrecondition(condition: .onQueue(lane.queue))
        guard let connection else { return }
        sendReceipt()
        connection.flush()
        connection.onClose = nil
        connection.close(nil)
        self.connection = nil
    }

    private func fail(_ reason: String) {
        connection?.onClose = nil
        connection?.close(reason)
        connection = nil
        recordFailure(reason)
    }

    private func recordFailure(_ reason: String) {
        guard !isDone else { return }
        failure = reason
        counters?.failed.add(1, ordering: .relaxed)
        passHandshake()
        finish()
    }

    private func passHandshake() {
        guard !isPastHandshake else { return }
        isPastHandshake = true
        counters?.pastHandshake.add(1, ordering: .relaxed)
    }

    private func finish() {
        guard !isDone else { return }
        isDone = true
        counters?.finished.add(1, ordering: .relaxed)
    }

    private func handle(type: UInt8, body: UnsafeRawBufferPointer) {
        switch type {
        case FrameType.suback.rawValue:
            var decoder = FrameDecoder(maximumFrameSize: 16 << 20)
            decoder.append(frame(type: type, body: body))
            if case .suback(let ack)? = try? decoder.next() { lastStatus = ack.inboxStatus }
            attachedAt = MonotonicClock.nanoseconds()
            passHandshake()
            switch mode {
            case .attachAndLeave:
                finish()
                leave()
            case .drain:
                // An inbox with nothing to wait for (fewer notices than countries) is drained at once.
                if isDrained { markDrained() }
            }
        case FrameType.subnack.rawValue:
            fail("nexd refused post \(index)'s durable subscription to \(filter)")
        case FrameType.deliver.rawValue:
            deliver(body)
            if mode == .drain, drainedAt == 0, isDrained { markDrained() }
        default:
            break
        }
    }

    private func deliver(_ body: UnsafeRawBufferPointer) {
        // deliverySequence u64 ‖ list16<u32> ‖ str16 originNode ‖ u64 ‖ 32 ‖ u64 ‖ bytes32 envelope
        // (u8 version ‖ 16-byte message id ‖ …): the sequence and the id are enough.
        guard body.count >= 10 else { return }
        let sequence = UInt64(bigEndian: body.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        var offset = 8
        offset += 2 + 4 * Int(UInt16(body[offset]) << 8 | UInt16(body[offset + 1]))
        guard body.count >= offset + 2 else { return }
        offset += 2 + Int(UInt16(body[offset]) << 8 | UInt16(body[offset + 1])) + 8 + 32 + 8
        guard body.count >= offset + 4 + 17 else { return }
        if case .first = tally.record(MessageTag.messageID(at: body, offset: offset + 4 + 1)) {
            counters?.received.add(1, ordering: .relaxed)
        }
        lastDeliverySequence = sequence
        if lastDeliverySequence - receiptedThrough >= UInt64(receiptEvery) { sendReceipt() }
    }

    /// Every expected notice arrived: note when, receipt at once, tell the runner. The connection
    /// stays open until the runner ends the storm, so late duplicates are counted too.
    private func markDrained() {
        drainedAt = MonotonicClock.nanoseconds()
        sendReceipt()
        connection?.flush()
        finish()
    }

    private func sendReceipt() {
        guard let connection, lastDeliverySequence > receiptedThrough else { return }
        connection.append(.receipt(throughDeliverySequence: lastDeliverySequence))
        receiptedThrough = lastDeliverySequence
    }

    /// The frame's bytes (length, type, body) for the decoder.
    private func frame(type: UInt8, body: UnsafeRawBufferPointer) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(5 + body.count)
        let length = UInt32(body.count + 1)
        bytes.append(contentsOf: [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type])
        bytes.append(contentsOf: body)
        return bytes
    }
}
