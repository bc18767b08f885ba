import Dispatch
import Logging
import NexAudit
import NexBroker
import NexCrypto
import NexWire
import NexSync

#if canImport(Glibc)
import Glibc
#endif

/// One client connection: TLS over a non-blocking socket, driven by Dispatch read/write sources on
/// the connection's own serial queue.
///
/// Every mutable property is confined to `queue`. Other queues reach the connection only through
/// ``send(_:)`` and ``deliver(_:subscriptionIDs:)``, which hop onto it. The write source is armed only
/// while output is pending (it is level-triggered). The socket is closed and the TLS session freed
/// only after both sources' cancel handlers have run.
final class Connection: @unchecked Sendable {
    /// Reasons to stop reading a connection.
    enum ReadSuspension: Hashable {
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

    enum State {
        case handshaking
        case open
        /// Draining output before closing (after an error frame or refusal).
        case closing
        case closed
    }

    let id: UInt64
    let queue: DispatchQueue
    let peer: String
    let context: ServerContext
    var logger: Logger
    private let fileDescriptor: Int32
    let session: TLSSession
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var isWriteSourceArmed = false
    /// Whether this connection still counts in `context.pendingHandshakes`.
    private var isPendingHandshake = true
    /// Why reading is suspended; the read source is suspended exactly while this is non-empty.
    private var readSuspensions: Set<ReadSuspension> = []
    var isReadPaused: Bool { !readSuspensions.isEmpty }
    /// Whether reading is suspended for `reason` (perhaps among others).
    func isReadSuspended(for reason: ReadSuspension) -> Bool { readSuspensions.contains(reason) }
    private var cancelledSources = 0
    var state = State.handshaking
    var decoder: FrameDecoder
    private var output: [UInt8] = []
    private var outputOffset = 0
    /// Set after the handshake passes the roster check.
    var identity: NodeIdentity?
    /// The node id for routing records (set once identity is known).
    private(set) var nodeID = ""
    var hasReceivedHello = false
    /// Whether the node asked (in hello) for pushed checkpoint frames.
    var acceptsCheckpoints = false
    /// Active subscriptions: id → filter (the broker holds the same, for routing).
    var subscriptions: [UInt32: TopicFilter] = [:]
    var nextDeliverySequence: UInt64 = 1
    /// Fingerprints of the originator certificates of notices delivered on this connection: the
    /// only certificates, with the node's own, that `certificateRequest` answers (D33).
    var deliveredOriginators: Set<SHA256Digest> = []
    /// Deliveries not yet covered by a receipt: (delivery sequence, message id), in order.
    var unreceipted: [(sequence: UInt64, messageID: MessageID)] = []
    var unreceiptedStart = 0
    let sequencer = PublishSequencer()
    /// Verifications gathered while processing one read (connection queue).
    var pendingVerifications: [@Sendable () -> Void] = []
    /// Frames and deliveries posted from other queues (see Connection+Outbox.swift).
    let outbox = Locked(Outbox())
    /// Publishes read from this connection not yet answered (ACK or NACK): reading pauses at
    /// `limits.maxInFlightPublishesPerConnection` and resumes below half of it.
    private var unansweredPublishes = 0
    /// Their bytes: reading pauses at `limits.maxInFlightPublishBytesPerConnection` (Connection+PublishBytes.swift).
    var inFlightPublishBytes = InFlightPublishBytes()
    /// Rate and unanswered count of control frames (see Connection+ControlFrames.swift).
    var controlBudget: ControlFrameBudget
    /// Why nexd ended this session (stable code, detail), when it closes after a final frame.
    var endReason: (code: String, detail: String)?
    /// Set when the connection is condemned as a slow consumer (the close follows on the queue).
    var slowConsumerDetail: String?
    /// Deliveries routed after the connection was condemned: missed, listed in its disconnect record.
    var missedAfterAbandon: [MessageID] = []
    /// `drop` policy: deliveries dropped since the last record, whether an episode of drops is on,
    /// and whether the interval's record is scheduled (see Connection+SlowConsumer.swift).
    var droppedDeliveries = MissedDeliveries()
    var isDroppingDeliveries = false
    var isDropRecordScheduled = false
    /// Pings quiet nodes and closes silent ones, once identified (see Connection+Liveness.swift).
    var idleWatch: IdleWatch?
    /// Runs once the socket is closed (the daemon counts live connections). Set before ``start()``.
    var onClosed: (@Sendable () -> Void)?
    private static let readChunk = 16 * 1024
    /// Bytes read and frames handled this turn; the connection yields its I/O queue past either
    /// limit (Connection+ReadBudget.swift).
    var readBudget = ReadBudget()

    init(id: UInt64, fileDescriptor: Int32, peer: String, context: ServerContext) throws(CryptoError) {
        self.id = id
        self.fileDescriptor = fileDescriptor
        self.peer = peer
        self.context = context
        self.queue = DispatchQueue(label: "nex.conn.\(id)", target: context.ioQueues[Int(id % UInt64(context.ioQueues.count))])
        self.session = try TLSSession(context: context.settings.tlsContext, fileDescriptor: fileDescriptor)
        self.decoder = FrameDecoder(maximumFrameSize: context.limits.maximumFrameSize)
        self.controlBudget = ControlFrameBudget(ratePerSecond: context.limits.controlFramesPerSecondPerConnection,
                                                maximumUnanswered: context.limits.maximumUnansweredControlFrames)
        var logger = context.logger
        logger[metadataKey: "conn.id"] = "\(id)"
        logger[metadataKey: "peer.addr"] = "\(peer)"
        self.logger = logger
    }

    /// Creates the sources and starts the handshake. Called once, by the listener.
    func start() {
        let read = DispatchSource.makeReadSource(fileDescriptor: fileDescriptor, queue: queue)
        let write = DispatchSource.makeWriteSource(fileDescriptor: fileDescriptor, queue: queue)
        read.setEventHandler { [unowned self] in self.drive() }
        write.setEventHandler { [unowned self] in self.drive() }
        // The handlers hold the connection until both sources are cancelled.
        read.setCancelHandler { self.sourceCancelled() }
        write.setCancelHandler { self.sourceCancelled() }
        readSource = read
        writeSource = write
        read.activate()
        queue.async { self.drive() }
        // A peer must finish the handshake and say hello in time, or it would hold a connection
        // slot (and a file descriptor) forever without ever authenticating.
        let timeout = context.limits.handshakeTimeout
        queue.asyncAfter(deadline: .now() + .seconds(Int(timeout.components.seconds))) {
            guard self.state == .handshaking || (self.state == .open && !self.hasReceivedHello) else { return }
            self.handshakeTimedOut()
        }
    }

    // MARK: - I/O (connection queue)

    /// Runs whatever the connection can do now: handshake, read, write.
    func drive() {
        dispatchPrecondition(condition: .onQueue(queue))
        switch state {
        case .closed:
            return
        case .handshaking:
            switch session.handshake() {
            case .complete:
                handshakeCompleted()
                if state == .open, identity != nil { startIdleWatch() }
                if state == .open { readAvailable() }
                flush()
            case .wantRead:
                // The write source is level-triggered: leave it armed only while output waits.
                if pendingOutputBytes == 0 { disarmWriteSource() }
            case .wantWrite:
                armWriteSource()
            case .closed:
                handshakeAbandoned()
            case .failed(let error):
                handshakeFailed(error)
            }
        case .open:
            // Any event may mean the socket became writable: a read that waited for it goes on.
            setReading(suspended: false, for: .awaitingWritable)
            if !isReadPaused { readAvailable() }
            flush()
        case .closing:
            flush()
        }
    }

    private func readAvailable() {
        var buffer = [UInt8](repeating: 0, count: Self.readChunk)
        readLoop: while state == .open, !isReadPaused {
            guard readBudget.allowsRead else {
                yieldReading()
                break readLoop
            }
            let result = buffer.withUnsafeMutableBytes { session.read(into: $0) }
            switch result {
            case .bytes(let count):
                noteReceived()
                readBudget.noteRead(count)
                buffer.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                processFrames()
            case .wantRead:
                // Nothing more to read: the connection gives up its queue anyway.
                readBudget.renew()
                break readLoop
            case .wantWrite:
                // The level-triggered read source would spin until the socket drains.
                setReading(suspended: true, for: .awaitingWritable)
                armWriteSource()
                break readLoop
            case .closed:
                peerEnded("peer closed the connection", unfinished: "the peer closed the connection")
            case .failed(let error):
                peerEnded("TLS read failed: \(error)", unfinished: "the connection failed (TLS read: \(error))")
            }
        }
    }

    /// The peer's stream ended. Bytes still in the decoder are part of a frame that never came
    /// (every complete frame was taken before reading on): recorded as `incomplete-frame`, as when
    /// such a frame stops arriving (IdleWatch), rather than as a plain disconnect.
    /// `reason` is the disconnect detail of a close between frames; `unfinished` starts the detail
    /// of one inside a frame.
    private func peerEnded(_ reason: String, unfinished: String) {
        let buffered = decoder.bufferedByteCount
        guard buffered > 0, !decoder.hasFailed else {
            close(reason: reason)
            return
        }
        close(reason: "incomplete-frame: \(unfinished) with \(buffered) bytes of an unfinished frame",
              code: IdleWatch.Reason.incompleteFrame.rawValue)
    }

    func processFrames() {
        // Publishes found in this read are handed to the verification pool together (below).
        var completedFrames = 0
        defer {
            dispatchVerifications()
            noteDecoded(completedFrames: completedFrames)
        }
        while state == .open, !isReadPaused {
            // A TLS record may hold hundreds of small frames: the budget is checked per frame too.
            guard readBudget.allowsFrame else {
                yieldReading()
                return
            }
            do {
                guard let frame = try decoder.next() else { return }
                completedFrames += 1
                readBudget.noteFrame()
                handle(frame)
            } catch {
                protocolError(error)
                return
            }
        }
    }

    /// Hands the publishes gathered from one read to the verification pool: split into as many
    /// chunks as there are verifiers (so one publisher uses every core), one Dispatch hop per chunk
    /// instead of one per publish. The sequencer restores their order afterwards.
    private func dispatchVerifications() {
        guard !pendingVerifications.isEmpty else { return }
        let work = pendingVerifications
        pendingVerifications.removeAll(keepingCapacity: true)
        let chunks = min(work.count, context.verifierCount)
        let size = (work.count + chunks - 1) / chunks
        for start in stride(from: 0, to: work.count, by: size) {
            let chunk = Array(work[start..<min(start + size, work.count)])
            context.nextVerificationQueue().async { for verify in chunk { verify() } }
        }
    }

    var pendingOutputBytes: Int { output.count - outputOffset }

    /// Queues a frame for sending. A peer that lets output pile up past `limits.outboundBufferBytes`
    /// (it does not read) is disconnected rather than allowed to grow nexd's memory. Under the `drop`
    /// policy deliveries stop being queued at that limit (Connection+Outbox.swift), so only the
    /// node's own answers can go past it, and it is disconnected at twice the limit.
    func enqueue(_ frame: Frame) {
        FrameEncoder.encode(frame, into: &output)
        let limits = context.limits
        let limit = limits.slowConsumerPolicy == .drop ? 2 * limits.outboundBufferBytes : limits.outboundBufferBytes
        guard pendingOutputBytes > limit, state == .open else { return }
        // Judge by what the socket will not take, not by one burst queued between two flushes.
        flush()
        if pendingOutputBytes > limit, state == .open {
            abandonSlowConsumer("slow-consumer: more than \(limit) bytes pending (limits.outboundBufferBytes)")
        }
    }

    // MARK: - Backpressure

    /// Suspends or resumes the read source for `reason`; the source runs only while no reason holds.
    func setReading(suspended: Bool, for reason: ReadSuspension) {
        guard state != .closed, let readSource else { return }
        let wasPaused = isReadPaused
        if suspended { readSuspensions.insert(reason) } else { readSuspensions.remove(reason) }
        if !wasPaused, isReadPaused { readSource.suspend() }
        if wasPaused, !isReadPaused { readSource.resume() }
    }

    /// Stops reading while too many of this connection's publishes await verification and routing;
    /// ``resumeReading()`` restarts it. Bounds the verification backlog a single peer can create.
    func pauseReading() {
        guard state == .open else { return }
        setReading(suspended: true, for: .backpressure)
    }

    /// Restarts reading after ``pauseReading()`` (from any queue).
    func resumeReading() {
        queue.async {
            guard self.state == .open, self.readSuspensions.contains(.backpressure) else { return }
            self.setReading(suspended: false, for: .backpressure)
            // Bytes already decrypted inside OpenSSL, or frames already buffered in the decoder,
            // do not re-fire the read source: drive by hand.
            if !self.isReadPaused {
                self.processFrames()
                self.drive()
            }
        }
    }

    /// One more publish awaits its answer (connection queue); reading pauses at the limit, so a
    /// peer cannot queue publishes without end behind a slow disk.
    func publishTaken() {
        unansweredPublishes += 1
        if unansweredPublishes >= context.limits.maximumInFlightPublishes, state == .open {
            setReading(suspended: true, for: .unacknowledged)
        }
    }

    /// A publish was answered (connection queue, while draining the outbox); reading resumes
    /// once fewer than half the limit are unanswered.
    func publishAnswered() {
        unansweredPublishes -= 1
        guard readSuspensions.contains(.unacknowledged),
              unansweredPublishes < max(1, context.limits.maximumInFlightPublishes / 2) else { return }
        // After the drain in progress, not inside it.
        queue.async {
            guard self.state == .open, self.readSuspensions.contains(.unacknowledged) else { return }
            self.setReading(suspended: false, for: .unacknowledged)
            if !self.isReadPaused {
                self.processFrames()
                self.drive()
            }
        }
    }

    /// Writes pending output until done or the socket is full.
    func flush() {
        guard state != .closed else { return }
        while outputOffset < output.count {
            let result = output.withUnsafeBytes { raw in
                session.write(UnsafeRawBufferPointer(rebasing: raw[outputOffset...]))
            }
            switch result {
            case .bytes(let count):
                outputOffset += count
            case .wantWrite, .wantRead:
                armWriteSource()
                return
            case .closed:
                close(reason: "peer closed the connection")
                return
            case .failed(let error):
                close(reason: "TLS write failed: \(error)")
                return
            }
        }
        output.removeAll(keepingCapacity: output.capacity <= 1 << 20)
        outputOffset = 0
        disarmWriteSource()
        if state == .closing { close(reason: nil) }
    }

    private func armWriteSource() {
        guard !isWriteSourceArmed, let writeSource else { return }
        isWriteSourceArmed = true
        writeSource.activateOrResume(first: !hasActivatedWrite)
        hasActivatedWrite = true
    }

    private var hasActivatedWrite = false

    private func disarmWriteSource() {
        guard isWriteSourceArmed, let writeSource else { return }
        isWriteSourceArmed = false
        writeSource.suspend()
    }

    /// Stops reading, sends what is queued (an error frame), then closes.
    func closeAfterFlush() {
        guard state == .open || state == .handshaking else { return }
        state = .closing
        setReading(suspended: true, for: .closing)
        // A peer that never reads must not hold the connection open.
        queue.asyncAfter(deadline: .now() + .seconds(5)) {
            if self.state == .closing { self.close(reason: "drain-timeout: the peer did not read the final frames") }
        }
        flush()
    }

    /// Closes now. `reason` nil = orderly close after a drain; `code`, when given, is the stable
    /// reason of the disconnect record (`slow-consumer`, `idle-timeout`, …).
    func close(reason: String?, code: String? = nil) {
        guard state != .closed else { return }
        let wasOpen = identity != nil
        state = .closed
        endPendingHandshake()
        _ = session.shutdown()
        if isReadPaused {
            // A suspended source must be resumed before it is cancelled.
            readSuspensions.removeAll()
            readSource?.resume()
        }
        readSource?.cancel()
        if let writeSource {
            // A suspended or never-activated source must be resumed before it is cancelled.
            if !isWriteSourceArmed { writeSource.activateOrResume(first: !hasActivatedWrite) }
            isWriteSourceArmed = true
            hasActivatedWrite = true
            writeSource.cancel()
        }
        if wasOpen {
            recordDroppedDeliveries()
            connectionEnded(reason: reason ?? "closed by nexd", code: code)
        }
    }

    private func sourceCancelled() {
        cancelledSources += 1
        if cancelledSources == 2 {
            Glibc.close(fileDescriptor)
            onClosed?()
            readSource = nil
            writeSource = nil
        }
    }

    func setNodeID(_ id: String) { nodeID = id }

    /// Leaves the daemon's count of pending handshakes (once).
    func endPendingHandshake() {
        guard isPendingHandshake else { return }
        isPendingHandshake = false
        context.pendingHandshakes.remove(id)
    }

    /// The listener evicted this connection from the full pending-handshake queue to admit a newer
    /// one (from any queue): refused like other unauthenticated peers, unless its handshake ended meanwhile.
    func evictPendingHandshake() {
        queue.async {
            guard self.state == .handshaking else { return }
            var event = AuditEvent(.connect, timeMillis: WallClock.nowMillis(), outcome: .refused)
            event.connection = self.id
            event.reason = "handshake-evicted"
            event.detail = "the oldest of limits.maxPendingHandshakes (\(self.context.limits.maximumPendingHandshakes)) "
                + "pending handshakes, evicted to admit a new connection"
            event.peer = self.peer
            self.context.recordRefusal(event, peer: self.peer) {
                self.logger.info("pending handshake evicted to admit a new connection")
            }
            self.close(reason: nil)
        }
    }
}

extension DispatchSourceWrite {
    /// First arm activates a new source; later arms resume a suspended one.
    func activateOrResume(first: Bool) {
        if first { activate() } else { resume() }
    }
}
