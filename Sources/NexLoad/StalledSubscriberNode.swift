import NexWire

/// A subscriber that stops reading: it connects, says hello, subscribes, and once every
/// subscription is acknowledged never reads from its socket again, so its receive buffer and then
/// nexd's outbound buffer for it fill. nexd's slow-consumer policy decides its fate; the point of
/// the exercise is that nobody else is slowed.
///
/// Confined to `connection.lane.queue`. At the end of the run the runner calls ``drain()``: the
/// node reads again, tallies what was waiting, and learns whether nexd had closed the connection
/// (end of stream after the buffered data) or still holds it open (nothing more arrives).
final class StalledSubscriberNode: @unchecked Sendable {
    /// What became of a stalled subscriber.
    enum Fate: Equatable {
        /// Still stalled (the run has not ended).
        case stalled
        /// The connection was open at the end of the run (nexd kept it, dropping or buffering).
        case connected
        /// nexd closed the connection (for example its slow-consumer policy disconnected it).
        case closed(String)
    }

    /// The stalled node's socket receive buffer (`SO_RCVBUF`; Linux doubles it). Small, so that
    /// what fills is nexd's outbound buffer for the node — where its slow-consumer policy acts —
    /// rather than megabytes of kernel buffer the policy never sees.
    static let receiveBufferBytes = 16 * 1024

    let index: Int
    let nodeID: String
    let connection: LoadConnection
    let topics: [String]
    private let counters: LoadCounters
    private var pendingSubscriptions = 0

    private(set) var tally: DeliveryTally
    /// Measured deliveries read before the stall (the subscribe handshake can overlap the first ones).
    private(set) var deliveriesBeforeStall = 0
    private(set) var fate = Fate.stalled
    /// Monotonic time of the last frame read while draining.
    private(set) var lastActivity: UInt64 = 0
    private var isDraining = false
    /// Every subscription is acknowledged and reading stopped.
    private var hasStalled = false

    /// A stalled subscriber on `connection`; `onFailure` hears of a close before the stall (the
    /// node could not connect or subscribe), which fails the run's setup.
    init(index: Int, nodeID: String, connection: LoadConnection, counters: LoadCounters, topics: [String], runTag: UInt16,
         onFailure: @escaping (String) -> Void) {
        self.index = index
        self.nodeID = nodeID
        self.connection = connection
        self.counters = counters
        self.topics = topics
        self.tally = DeliveryTally(runTag: runTag)
        connection.onFrame = { [unowned self] type, body in self.handle(type: type, body: body) }
        connection.onClose = { [unowned self] reason in
            self.fate = .closed(reason)
            if !self.hasStalled { onFailure(reason) }
        }
    }

    /// Sends the subscriptions (on the lane queue, once the connection is open).
    func subscribe() {
        pendingSubscriptions = topics.count
        for (offset, topic) in topics.enumerated() {
            connection.append(.subscribe(Subscribe(subscriptionID: UInt32(offset + 1), filter: topic)))
        }
        connection.flush()
    }

    /// Reads again: what nexd had sent is tallied, then the end of stream or silence tells the
    /// fate. Call on the lane queue.
    func drain() {
        isDraining = true
        lastActivity = MonotonicClock.nanoseconds()
        connection.resumeReading()
    }

    /// Ends the drain: a connection nexd did not close was still open. Call on the lane queue.
    func finish() {
        if fate == .stalled { fate = .connected }
        connection.onClose = nil
        connection.close(nil)
    }

    private func handle(type: UInt8, body: UnsafeRawBufferPointer) {
        switch type {
        case FrameType.deliver.rawValue:
            // deliverySequence u64 ‖ list16<u32> ‖ str16 originNode ‖ u64 ‖ 32 ‖ u64 ‖ bytes32 envelope
            // (u8 version ‖ 16-byte message id ‖ …): only the id is needed.
            guard body.count >= 10 else { return }
            var offset = 8
            offset += 2 + 4 * Int(UInt16(body[offset]) << 8 | UInt16(body[offset + 1]))
            guard body.count >= offset + 2 else { return }
            offset += 2 + Int(UInt16(body[offset]) << 8 | UInt16(body[offset + 1])) + 8 + 32 + 8
            guard body.count >= offset + 4 + 17 else { return }
            let outcome = tally.record(MessageTag.messageID(at: body, offset: offset + 4 + 1))
            if isDraining {
                lastActivity = MonotonicClock.nanoseconds()
            } else if outcome.isMeasured {
                deliveriesBeforeStall += 1
            }
        case FrameType.suback.rawValue:
            pendingSubscriptions -= 1
            if pendingSubscriptions == 0 {
                // Stall now: nothing is read until the drain at the end of the run.
                connection.pauseReading()
                hasStalled = true
                counters.stalledSubscribed.add(1, ordering: .relaxed)
            }
        case FrameType.subnack.rawValue:
            connection.close("nexd refused stalled subscriber \(index)'s subscription")
        default:
            if isDraining { lastActivity = MonotonicClock.nanoseconds() }
        }
    }
}
