import Dispatch
import Logging
import NexAudit
import NexBroker
import NexConfig
import NexCrypto
import NexTransport
import NexWire
import NexSync

/// One client connection: a ``SessionMachine`` (what the session's events mean) over a
/// ``Transport`` (TLS over a non-blocking socket, Dispatch sources on the connection's own serial
/// queue). The connection holds the rest: identity, subscriptions, delivery window, outbox.
///
/// Every mutable property is confined to `queue`. Events enter in few places, each asserting the
/// queue: the transport's callbacks (``drive()``, ``readingResumed()``), the hops of the
/// cross-queue entry points (``send(_:)``, ``deliver(_:subscriptionIDs:)``, reload verdicts,
/// eviction, timers) and the daemon's synchronous calls at shutdown (``close(reason:code:)``,
/// ``sayGoodbye()``, ``hasPendingGoodbye``).
final class Connection: @unchecked Sendable {
    /// Reasons to stop reading a connection.
    enum ReadSuspension: TransportReadSuspension {
        /// Too many publishes await verification (backpressure).
        case backpressure
        /// Too many publishes await their ACK or NACK (the audit log is behind).
        case unacknowledged
        /// Too many bytes of publishes await their ACK or NACK (`limits.maxInFlightPublishBytesPerConnection`).
        case unansweredBytes
        /// Too many control frames await their answer (`limits.maxUnansweredControlFramesPerConnection`).
        case unansweredControl
        /// TLS needs the socket writable before it can read on.
        case awaitingWritable
        /// Draining output before closing: nothing more is read.
        case closing
        /// This wakeup's read budget is spent: reading resumes after a hop off the connection's
        /// I/O queue, so the other connections on it run first (D36).
        case readBudget
    }

    let id: UInt64
    let peer: String
    let context: ServerContext
    /// The settings of this connection's generation: read by its per-publish and per-delivery
    /// paths without a lock. Replaced when a reload re-evaluates the session
    /// (Connection+Reload.swift) and when the handshake completes.
    var settings: DaemonSettings
    /// The limits of ``settings``.
    var limits: DaemonConfiguration.Limits { settings.configuration.limits }
    var logger: Logger
    /// The socket, TLS, sources, output buffer and read suspensions.
    let transport: Transport<ReadSuspension>
    /// The session's phase and its decisions.
    var session: SessionMachine
    var decoder: FrameDecoder
    /// Whether this connection still counts in `context.pendingHandshakes`.
    private var isPendingHandshake = true
    /// Set once the handshake passes the identity checks.
    var identity: NodeIdentity?
    /// Active subscriptions: id → filter (the broker holds the same, for routing).
    var subscriptions: [UInt32: TopicFilter] = [:]
    /// The durable subscriptions among ``subscriptions``: the inbox each is attached to (D54).
    var durableInboxes: [UInt32: String] = [:]
    /// The inbox entries handed to this connection (held or sent) whose receipt has not moved their
    /// cursor yet: a receipt moves each inbox's cursor over its receipted contiguous prefix (D58).
    var inboxDeliveries = InboxDeliveries()
    /// Deliveries waiting for the delivery window, in lanes by priority (Connection+InboxFlow.swift).
    var heldDeliveries = HeldDeliveries()
    /// Durable subscriptions whose SUBACK has not passed the outbox yet: deliveries naming them
    /// were routed for an earlier subscription that used the id, and are dropped.
    var pendingDurableAttaches: Set<UInt32> = []
    /// Deliveries sent, not yet receipted, and whose originator certificates the node may fetch.
    var deliveries = DeliveryWindow()
    let sequencer = PublishSequencer()
    /// Verifications gathered while processing one read (connection queue).
    var pendingVerifications: [PendingVerification] = []
    /// Batch signatures this connection's node has had checked (D73): one check per batch, shared by the verification pool.
    let batchSeals = BatchSealCache()
    /// Frames and deliveries posted from other queues (see Connection+Outbox.swift).
    let outbox = Locked(Outbox())
    /// Publishes read from this connection not yet answered (ACK or NACK): reading pauses at
    /// `limits.maxInFlightPublishesPerConnection` and resumes below half of it.
    var unansweredPublishes = 0
    /// Their bytes: reading pauses at `limits.maxInFlightPublishBytesPerConnection` (Connection+PublishBytes.swift).
    var inFlightPublishBytes = InFlightPublishBytes()
    /// Set when the connection is condemned as a slow consumer (the close follows on the queue).
    var slowConsumerDetail: String?
    /// Deliveries routed after the connection was condemned: missed, listed in its disconnect record.
    var missedAfterAbandon: [MessageID] = []
    /// `drop` policy: deliveries dropped since the last record, whether an episode of drops is on,
    /// and whether the interval's record is scheduled (see Connection+SlowConsumer.swift).
    var droppedDeliveries = MissedDeliveries()
    var isDroppingDeliveries = false
    var isDropRecordScheduled = false
    /// Runs once the socket is closed (the daemon counts live connections). Set before ``start()``.
    var onClosed: (@Sendable () -> Void)?
    private static let readChunk = 16 * 1024

    /// The connection's serial queue (its transport's).
    var queue: DispatchQueue { transport.queue }

    init(id: UInt64, fileDescriptor: Int32, peer: String, context: ServerContext) throws(CryptoError) {
        self.id = id
        self.peer = peer
        self.context = context
        let queue = DispatchQueue(label: "nex.conn.\(id)", target: context.ioQueues[Int(id % UInt64(context.ioQueues.count))])
        let settings = context.settings
        self.settings = settings
        let tls = try TLSSession(context: settings.tlsContext, fileDescriptor: fileDescriptor)
        self.transport = Transport(fileDescriptor: fileDescriptor, session: tls, queue: queue)
        let limits = settings.configuration.limits
        self.decoder = FrameDecoder(maximumFrameSize: limits.maxFrameBytes)
        self.session = SessionMachine(controlBudget: ControlFrameBudget(
            ratePerSecond: limits.controlFramesPerSecondPerConnection,
            maximumUnanswered: limits.maxUnansweredControlFramesPerConnection),
            offeredCapabilities: Set(SessionMachine.capabilityList(settings.configuration)))
        var logger = context.logger
        logger[metadataKey: "conn.id"] = "\(id)"
        logger[metadataKey: "peer.addr"] = "\(peer)"
        self.logger = logger
    }

    /// Starts the transport and the handshake. Called once, by the listener.
    func start() {
        queue.async {
            // The transport holds the connection until its socket is closed.
            self.transport.start(onReady: { self.drive() }, onReadingResumed: { self.readingResumed() },
                                 onClosed: { self.onClosed?() })
            self.drive()
        }
        // A peer must finish the handshake and say hello in time, or it would hold a connection
        // slot (and a file descriptor) forever without ever authenticating.
        let timeout = context.limits.handshakeTimeout
        queue.asyncAfter(deadline: .now() + .seconds(Int(timeout.components.seconds))) {
            dispatchPrecondition(condition: .onQueue(self.queue))
            self.perform(self.session.handshakeEnded(.timedOut))
        }
    }

    // MARK: - I/O (connection queue)

    /// Runs whatever the connection can do now: handshake, read, write.
    func drive() {
        dispatchPrecondition(condition: .onQueue(queue))
        switch session.phase {
        case .closed:
            return
        case .handshaking:
            switch transport.driveHandshake() {
            case .complete:
                perform(session.handshakeCompleted(checkIdentity()))
                if session.isEstablished {
                    startIdleWatch()
                    readAvailable()
                }
                flush()
            case .inProgress:
                break
            case .closed:
                perform(session.handshakeEnded(.abandoned))
            case .failed(let error):
                perform(session.handshakeEnded(.failed(error)))
            }
        case .awaitingHello, .open:
            if !transport.isReadPaused || transport.isReadSuspended(for: .awaitingWritable) { readAvailable() }
            flush()
            if !heldDeliveries.isEmpty { sendHeldDeliveries() }
        case .closing:
            flush()
        }
    }

    /// A yield for the read budget ended (transport callback): frames may wait in the decoder and
    /// bytes inside TLS, which do not re-fire the read source.
    func readingResumed() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard session.isEstablished else { return }
        processFrames()
        drive()
    }

    private func readAvailable() {
        var buffer = [UInt8](repeating: 0, count: Self.readChunk)
        let end = buffer.withUnsafeMutableBytes { buffer in
            transport.readAvailable(into: buffer) { bytes in
                noteReceived()
                decoder.append(bytes)
                processFrames()
            }
        }
        switch end {
        case .drained, .suspended:
            break
        case .closed:
            perform(session.peerEnded(reason: "peer closed the connection", unfinished: "the peer closed the connection",
                                      bufferedBytes: decoder.bufferedByteCount, decoderFailed: decoder.hasFailed))
        case .failed(let error):
            perform(session.peerEnded(reason: "TLS read failed: \(error)", unfinished: "the connection failed (TLS read: \(error))",
                                      bufferedBytes: decoder.bufferedByteCount, decoderFailed: decoder.hasFailed))
        }
    }

    /// Hands every complete frame in the decoder to the session machine, within the turn's budget.
    func processFrames() {
        // Publishes found in this read are handed to the verification pool together (below).
        var completedFrames = 0
        defer {
            dispatchVerifications()
            noteDecoded(completedFrames: completedFrames)
        }
        while session.isEstablished, !transport.isReadPaused {
            // A TLS record may hold hundreds of small frames: the budget is checked per frame too.
            guard transport.allowsAnotherFrame() else { return }
            do {
                guard let frame = try decoder.next() else { return }
                completedFrames += 1
                transport.noteFrameHandled()
                handle(frame)
            } catch {
                perform(session.decodingFailed(error))
                return
            }
        }
    }

    /// Hands the publishes gathered from one read to the verification pool: split into as many
    /// chunks as there are verifiers (so one publisher uses every core), one Dispatch hop per chunk
    /// instead of one per publish; urgent ones as one chunk on the urgent queue, ahead of the
    /// routine checks queued on the pool (D58). The sequencer restores their order afterwards.
    private func dispatchVerifications() {
        guard !pendingVerifications.isEmpty else { return }
        var work = pendingVerifications
        pendingVerifications.removeAll(keepingCapacity: true)
        if work.contains(where: \.isUrgent) {
            verify(work.filter(\.isUrgent), on: context.urgentVerificationQueue)
            work.removeAll(where: \.isUrgent)
            guard !work.isEmpty else { return }
        }
        let chunks = min(work.count, context.verifierCount)
        let size = (work.count + chunks - 1) / chunks
        for start in stride(from: 0, to: work.count, by: size) {
            verify(Array(work[start..<min(start + size, work.count)]), on: context.nextVerificationQueue())
        }
    }

    /// Checks `chunk` on `queue`, in order.
    private func verify(_ chunk: [PendingVerification], on queue: DispatchQueue) {
        queue.async {
            // Completed in groups: one sequencer release (one broker hop) per group instead
            // of one per publish, and a group waits for at most `verificationGroup` checks (D50).
            var finished: [(ticket: UInt64, candidate: PublishCandidate)] = []
            finished.reserveCapacity(min(chunk.count, Self.verificationGroup))
            for pending in chunk {
                finished.append((pending.ticket, pending.check()))
                if finished.count == Self.verificationGroup {
                    self.completePublishes(finished)
                    finished.removeAll(keepingCapacity: true)
                }
            }
            if !finished.isEmpty { self.completePublishes(finished) }
        }
    }

    /// How many verified publishes a verifier hands to the sequencer at once (D50): ~8 × 100 µs
    /// of added wait at most for the first of a group, against one broker wake-up per publish.
    static let verificationGroup = 8

    /// Leaves the daemon's count of pending handshakes (once).
    func endPendingHandshake() {
        guard isPendingHandshake else { return }
        isPendingHandshake = false
        context.pendingHandshakes.remove(id)
    }

    /// The listener evicted this connection from the full pending-handshake queue to admit a newer
    /// one (from any queue): refused like other unauthenticated peers, unless its handshake ended meanwhile.
    func evictPendingHandshake() {
        queue.async { self.perform(self.session.handshakeEnded(.evicted)) }
    }
}
