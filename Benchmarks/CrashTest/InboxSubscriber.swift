import Foundation
import NexClient
import NexCrypto
import NexSync
import NexWire

/// One durable border post of the crash test: its own node identity, connection and thread. It
/// connects with the capability `inbox.1` to whichever nexd the ``DaemonSlot`` names, attaches its
/// inbox with a filter that matches every publisher's topic, reads deliveries, drops duplicates by
/// message id (counting them), and receipts in small batches — every `receiptBatch` deliveries, or
/// once the oldest unreceipted one is `receiptDelay` old — so that at most moments some deliveries
/// are received but not receipted (``CrashProgress/unreceiptedDeliveries``). After every kill it
/// attaches again to the next nexd. It stops once it has every id of the ``InboxExpectation``
/// (set when the publishers are done), or when the run ends.
///
/// Confined to its thread while ``run()`` runs; ``tally`` is read after it returned.
final class InboxSubscriber: @unchecked Sendable {
    struct Settings: Sendable {
        /// Matches every publisher's topic (`notice.red.<cc>`).
        var filter = "notice.>"
        var inbox = "crash-test"
        var receiptBatch = 16
        var receiptDelay = Duration.milliseconds(20)
        var deadline: ContinuousClock.Instant
    }

    let nodeID: String
    /// The inbox it attaches (within its node).
    var inboxName: String { settings.inbox }
    private let context: TLSContext
    private let settings: Settings
    private let slot: DaemonSlot
    private let progress: CrashProgress
    private let expectation: InboxExpectation
    /// Called once, at the first accepted durable subscribe (the run starts publishing after it).
    private var onFirstAttach: (() -> Void)?
    private(set) var tally = InboxTally()
    /// The expected ids not yet delivered; nil until the expectation is set.
    private var outstanding: Set<MessageID>?

    init(credentials: NodeCredentials, settings: Settings, slot: DaemonSlot, progress: CrashProgress,
         expectation: InboxExpectation, onFirstAttach: @escaping () -> Void) throws {
        nodeID = credentials.nodeID
        context = try TLSContext.client(certificate: credentials.certificate, key: credentials.key,
                                        trustRoots: credentials.trustRoots)
        self.settings = settings
        self.slot = slot
        self.progress = progress
        self.expectation = expectation
        self.onFirstAttach = onFirstAttach
    }

    /// Whether every expected id has been delivered (false while the expectation is not set).
    private var hasEverything: Bool {
        if outstanding == nil, let expected = expectation.ids { outstanding = tally.missing(from: expected) }
        return outstanding?.isEmpty ?? false
    }

    /// Attaches to each nexd in turn until it has every expected id or the run ends.
    func run() {
        var generation = 0
        while true {
            let state = slot.snapshot
            if state.isFinished || ContinuousClock.now > settings.deadline || hasEverything { return }
            guard let port = state.port, state.generation >= generation else {
                Thread.sleep(forTimeInterval: 0.005)
                continue
            }
            generation = state.generation
            guard case .dropped(let reason) = session(port: port, generation: generation) else { return }
            let now = slot.snapshot
            // Still up under the same generation: nexd (not the killer) ended the connection.
            if now.generation == generation, now.port != nil, !now.isFinished {
                tally.unexpectedDisconnects += 1
                if tally.disconnectReasons.count < 5 { tally.disconnectReasons.append(reason) }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    private enum SessionOutcome {
        case complete
        case dropped(String)
    }

    /// One connection: attach, then read and receipt until it drops or every expected id came.
    private func session(port: UInt16, generation: Int) -> SessionOutcome {
        let connection: NexConnection
        do {
            connection = try NexConnection(host: "127.0.0.1", port: port, context: context, clientName: "CrashTest inbox",
                                           acceptsCheckpoints: false, capabilities: [Capability.inbox])
        } catch {
            return .dropped("connect: \(error)")
        }
        defer { connection.close() }
        do {
            switch try connection.subscribeDurable(settings.filter, id: 1, inbox: settings.inbox) {
            case .accepted(let status):
                tally.attaches += 1
                tally.waitingAtAttach += Int(status.waiting)
                tally.expiredAtAttach += Int(status.expired)
                if status.expired > 0 { tally.failures.append("\(status.expired) notices expired from the inbox: \(status.why)") }
                onFirstAttach?()
                onFirstAttach = nil
            case .refused(let nack):
                tally.failures.append("durable subscribe refused: \(nack.code.name): \(nack.reason)")
                return .dropped("subscribe refused")
            }
        } catch {
            return .dropped("subscribe: \(error)")
        }
        var unreceipted = 0
        var lastSequence: UInt64 = 0
        var oldestUnreceipted: ContinuousClock.Instant?
        defer { progress.unreceiptedDeliveries.subtract(unreceipted, ordering: .relaxed) }
        while true {
            if slot.snapshot.generation != generation { return .dropped("superseded") }
            let receiptDue = oldestUnreceipted.map { $0 + settings.receiptDelay }
            if unreceipted >= settings.receiptBatch || receiptDue.map({ $0 <= ContinuousClock.now }) == true || hasEverything {
                if unreceipted > 0 {
                    do {
                        try connection.sendReceipt(through: lastSequence)
                    } catch {
                        return .dropped("receipt: \(error)")
                    }
                    tally.receipts += 1
                    progress.unreceiptedDeliveries.subtract(unreceipted, ordering: .relaxed)
                    unreceipted = 0
                    oldestUnreceipted = nil
                }
                if hasEverything { return .complete }
            }
            let timeout = receiptDue.map { max(.milliseconds(1), $0 - ContinuousClock.now) } ?? .milliseconds(20)
            let frame: Frame
            do throws(ClientError) {
                frame = try connection.nextFrame(timeout: timeout)
            } catch where error.code == .timedOut {
                continue
            } catch {
                return .dropped("read: \(error)")
            }
            switch frame {
            case .deliver(let delivery):
                guard let id = try? SignedEnvelope(parsing: delivery.envelope).envelope.messageID else {
                    tally.failures.append("delivery \(delivery.deliverySequence) (audit-seq \(delivery.auditSequence)) does not parse")
                    continue
                }
                tally.deliver(id)
                outstanding?.remove(id)
                unreceipted += 1
                progress.unreceiptedDeliveries.add(1, ordering: .relaxed)
                lastSequence = delivery.deliverySequence
                if oldestUnreceipted == nil { oldestUnreceipted = .now }
            case .subnack(let nack):
                tally.failures.append("unasked subnack \(nack.code.name) for subscription \(nack.subscriptionID): \(nack.reason)")
                return .dropped("subnack")
            default:
                continue
            }
        }
    }
}

/// The ids every inbox subscriber must end up with: every ACKed message, set once the publishers
/// are done (until then nil).
final class InboxExpectation: Sendable {
    private let state = Locked<Set<MessageID>?>(nil)

    var ids: Set<MessageID>? { state.withLock { $0 } }

    func expect(_ ids: Set<MessageID>) {
        state.withLock { $0 = ids }
    }
}
