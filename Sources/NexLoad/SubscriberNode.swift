import Dispatch
import NexClient
import NexCrypto
import NexWire

/// One subscribing node: subscribes to its topics, tallies deliveries by message id, records
/// publish→deliver latency and sends cumulative receipts in batches. Latency and the receive
/// span (``firstReceive``, ``lastReceive``) are of measured notices only, like the tally's counts.
///
/// Confined to `connection.lane.queue`. A delivery is parsed only as far as the delivery
/// sequence and the envelope's message id (docs/PROTOCOL.md §2 `deliver`, §3 body: u8 version,
/// then the 16-byte id), unless signatures are re-verified (`--verify`).
final class SubscriberNode: @unchecked Sendable {
    let index: Int
    let connection: LoadConnection
    private let counters: LoadCounters
    private let topics: [String]
    private let sendTimes: [SendTimes]
    private let writeTimes: [SendTimes]
    private let receiptEvery: Int
    private let receiptInterval: DispatchTimeInterval
    /// Originator certificates by node id, when signatures are re-verified.
    private let certificates: [String: Certificate]?

    private(set) var tally: DeliveryTally
    private(set) var deliverLatency = LatencyHistogram()
    /// S9: the urgent publisher's notices, apart from ``deliverLatency`` (D58).
    private(set) var urgentLatency = LatencyHistogram()
    /// From the frame's write by its publisher to its delivery (routine notices): nexd's part of
    /// ``deliverLatency``, without the batch's fill or the tool's lag (open loop).
    private(set) var writeLatency = LatencyHistogram()
    private let urgentPublisher: Int?
    private(set) var firstReceive: UInt64 = 0
    private(set) var lastReceive: UInt64 = 0
    private(set) var badSignatures = 0
    private(set) var malformed = 0
    private var lastDeliverySequence: UInt64 = 0
    private var receiptedThrough: UInt64 = 0
    private var pendingSubscriptions = 0
    private var timer: DispatchSourceTimer?

    init(index: Int, connection: LoadConnection, counters: LoadCounters, topics: [String], sendTimes: [SendTimes], writeTimes: [SendTimes] = [],
         runTag: UInt16, receiptEvery: Int, receiptIntervalMillis: Int, certificates: [String: Certificate]?, urgentPublisher: Int? = nil) {
        self.urgentPublisher = urgentPublisher
        self.index = index
        self.connection = connection
        self.counters = counters
        self.topics = topics
        self.sendTimes = sendTimes
        self.writeTimes = writeTimes
        self.receiptEvery = max(1, receiptEvery)
        self.receiptInterval = .milliseconds(max(1, receiptIntervalMillis))
        self.certificates = certificates
        self.tally = DeliveryTally(runTag: runTag)
        connection.onFrame = { [unowned self] type, body in self.handle(type: type, body: body) }
        connection.onReadDrained = { [unowned self] in self.connection.flush() }
    }

    /// Sends the subscriptions (on the lane queue, once the connection is open).
    func subscribe() {
        pendingSubscriptions = topics.count
        for (offset, topic) in topics.enumerated() {
            connection.append(.subscribe(Subscribe(subscriptionID: UInt32(offset + 1), filter: topic)))
        }
        connection.flush()
        let timer = DispatchSource.makeTimerSource(queue: connection.lane.queue)
        timer.schedule(deadline: .now() + receiptInterval, repeating: receiptInterval)
        timer.setEventHandler { [unowned self] in self.sendReceipt() }
        self.timer = timer
        timer.activate()
    }

    private func handle(type: UInt8, body: UnsafeRawBufferPointer) {
        switch type {
        case FrameType.deliver.rawValue:
            deliver(body)
        case FrameType.suback.rawValue:
            pendingSubscriptions -= 1
            if pendingSubscriptions == 0 { counters.subscribed.add(1, ordering: .relaxed) }
        case FrameType.subnack.rawValue:
            connection.close("nexd refused subscriber \(index)'s subscription")
        default:
            break
        }
    }

    private func deliver(_ body: UnsafeRawBufferPointer) {
        // deliverySequence u64 ‖ list16<u32> ‖ str16 originNode ‖ u64 receivedAt ‖ 32 fingerprint
        // ‖ u64 auditSequence ‖ bytes32 envelope (u8 version ‖ 16 message id ‖ …).
        guard body.count >= 10 else { malformed += 1; return }
        let sequence = UInt64(bigEndian: body.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        var offset = 8
        let subscriptionCount = Int(UInt16(body[offset]) << 8 | UInt16(body[offset + 1]))
        offset += 2 + 4 * subscriptionCount
        guard body.count >= offset + 2 else { malformed += 1; return }
        let originLength = Int(UInt16(body[offset]) << 8 | UInt16(body[offset + 1]))
        let originStart = offset + 2
        offset = originStart + originLength + 8 + 32 + 8
        guard body.count >= offset + 4 + 17 else { malformed += 1; return }
        let envelopeLength = Int(UInt32(bigEndian: body.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        let envelopeStart = offset + 4
        guard body.count >= envelopeStart + envelopeLength else { malformed += 1; return }
        let id = MessageTag.messageID(at: body, offset: envelopeStart + 1)
        let now = MonotonicClock.nanoseconds()
        if let certificates {
            verify(UnsafeRawBufferPointer(rebasing: body[envelopeStart..<(envelopeStart + envelopeLength)]),
                   origin: String(decoding: UnsafeRawBufferPointer(rebasing: body[originStart..<(originStart + originLength)]), as: UTF8.self),
                   certificates: certificates)
        }
        switch tally.record(id) {
        case .first(let tag):
            counters.phases[tag.isMeasured ? 1 : 0].delivered.add(1, ordering: .relaxed)
            if tag.isMeasured {
                if firstReceive == 0 { firstReceive = now }
                lastReceive = now
                if tag.publisher < sendTimes.count {
                    let sent = sendTimes[tag.publisher].get(tag.sequence)
                    if sent > 0, now > sent {
                        if tag.publisher == urgentPublisher {
                            urgentLatency.record(nanoseconds: now - sent)
                        } else {
                            deliverLatency.record(nanoseconds: now - sent)
                            if tag.publisher < writeTimes.count {
                                let written = writeTimes[tag.publisher].get(tag.sequence)
                                if written > 0, now > written { writeLatency.record(nanoseconds: now - written) }
                            }
                        }
                    }
                }
            }
        case .duplicate, .foreign:
            break
        }
        lastDeliverySequence = sequence
        if lastDeliverySequence - receiptedThrough >= UInt64(receiptEvery) {
            connection.append(.receipt(throughDeliverySequence: lastDeliverySequence))
            receiptedThrough = lastDeliverySequence
        }
    }

    private func verify(_ envelope: UnsafeRawBufferPointer, origin: String, certificates: [String: Certificate]) {
        guard let signed = try? SignedEnvelope(parsing: Array(envelope)), let certificate = certificates[origin],
              NoticeSigner.isValid(signed, from: certificate) else {
            badSignatures += 1
            return
        }
    }

    private func sendReceipt() {
        guard lastDeliverySequence > receiptedThrough else { return }
        connection.append(.receipt(throughDeliverySequence: lastDeliverySequence))
        receiptedThrough = lastDeliverySequence
        connection.flush()
    }

    /// Stops the receipt timer (sending a last receipt). Call on the lane queue.
    func stop() {
        sendReceipt()
        timer?.cancel()
        timer = nil
    }
}
