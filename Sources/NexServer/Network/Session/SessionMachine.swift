import NexConfig
import NexWire

/// The life of one session, as a value: which phase it is in and what each event means. Methods
/// take an event and return the actions the connection performs, in order; the machine does no
/// I/O, keeps no clock and holds none of the connection's bulky state (buffers, outbox, delivery
/// window, subscriptions), so it is tested without sockets (SessionMachineTests) and an event
/// does not copy more than a few words.
///
/// Phases: `handshaking` → `awaitingHello` (TLS done, node identified and admitted) → `open`
/// (hello received) → `closing(reason)` (a final frame drains) → `closed`. A peer refused after
/// the handshake goes from `handshaking` straight to `closing`: it is never `open`, yet its
/// error frame still leaves. Only ``closed()`` enters `closed` (the connection calls it whenever
/// it closes the socket, for whatever reason).
struct SessionMachine: Sendable {
    /// Where the session stands.
    enum Phase: Sendable, Equatable {
        case handshaking
        case awaitingHello
        case open
        /// Draining output before closing: nothing more is read.
        case closing(ClosingReason)
        case closed
    }

    /// Why a session drains its output before closing.
    enum ClosingReason: Sendable, Equatable {
        /// Refused after the handshake (the identity checks).
        case refused(SessionRefusal)
        /// The peer broke the protocol.
        case protocolError(WireErrorCode)
        /// nexd ended the session (reload, shutdown, control-frame rate, lost connect record).
        case ended(code: String, detail: String)
    }

    private(set) var phase = Phase.handshaking
    /// Whether the node asked (in hello) for pushed checkpoint frames.
    private(set) var acceptsCheckpoints = false
    /// The capabilities this nexd offers in `welcome` (D52).
    let offeredCapabilities: Set<String>
    /// The capabilities in effect: offered here and listed in the node's hello.
    private(set) var capabilities: Set<String> = []
    /// Rate and unanswered count of control frames (D34).
    var controlBudget: ControlFrameBudget
    /// Pings quiet nodes and closes silent ones, once admitted (SessionMachine+Idle.swift).
    var idleWatch: IdleWatch?

    init(controlBudget: ControlFrameBudget, offeredCapabilities: Set<String> = SessionMachine.serverCapabilities) {
        self.controlBudget = controlBudget
        self.offeredCapabilities = offeredCapabilities
    }

    /// What nexd offers in every `welcome`, in this order.
    static let serverCapabilityList = [Capability.inbox, Capability.lifecycle, Capability.batch]
    static let serverCapabilities = Set(serverCapabilityList)

    /// What nexd offers under `configuration`, in ``serverCapabilityList``'s order: `batch.1` only
    /// with `protocol.batchSignatures` (D73).
    static func capabilityList(_ configuration: DaemonConfiguration) -> [String] {
        serverCapabilityList.filter { $0 != Capability.batch || configuration.protocolFeatures.batchSignatures }
    }

    // MARK: - Questions

    /// Identified and admitted, not closing: the node may be sent frames and deliveries.
    var isEstablished: Bool { phase == .awaitingHello || phase == .open }
    /// Draining a final frame before the close.
    var isClosing: Bool { if case .closing = phase { true } else { false } }
    /// Not yet past the handshake and hello (the handshake timeout still applies).
    var isAwaitingIdentification: Bool { phase == .handshaking || phase == .awaitingHello }
    /// Whether a pushed audit checkpoint should reach the node.
    var receivesCheckpoints: Bool { phase == .open && acceptsCheckpoints }

    // MARK: - Handshake

    /// The TLS handshake completed and the identity checks gave `check`.
    mutating func handshakeCompleted(_ check: IdentityCheck) -> [SessionAction] {
        guard phase == .handshaking else { return [] }
        switch check {
        case .accepted:
            phase = .awaitingHello
            return [.admit]
        case .refused(let refusal, let detail):
            phase = .closing(.refused(refusal))
            return [.recordRefusal(refusal, detail: detail), .send(.error(code: refusal.wireCode, reason: detail)), .closeAfterFlush]
        }
    }

    /// The session ended before identification: recorded, then closed at once. A timeout applies
    /// until hello; the other ends only during the TLS handshake.
    mutating func handshakeEnded(_ end: HandshakeEnd) -> [SessionAction] {
        switch end {
        case .timedOut:
            guard isAwaitingIdentification else { return [] }
            return [.recordHandshakeEnd(end), .closeNow(reason: "no TLS handshake and hello in time", code: "handshake-timeout")]
        case .abandoned, .failed, .evicted:
            guard phase == .handshaking else { return [] }
            return [.recordHandshakeEnd(end), .closeNow(reason: nil, code: nil)]
        }
    }

    // MARK: - Frames

    /// A frame came out of the decoder. `deliveries` says what was delivered on this connection
    /// (for the receipt bound and control-frame admission); `nowNanos` is monotonic time (the
    /// control-frame rate). Frames are acted on only while awaiting hello or open.
    mutating func frameDecoded(_ frame: Frame, deliveries: DeliveryWindow.Summary, nowNanos: UInt64) -> [SessionAction] {
        switch phase {
        case .awaitingHello:
            return helloExpected(frame)
        case .open:
            break
        case .handshaking, .closing, .closed:
            return []
        }
        if frame.isControlFrame || Self.isIdleFrame(frame, deliveries: deliveries), !controlBudget.admit(nowNanos: nowNanos) {
            return controlFrameRateExceeded(by: frame)
        }
        switch frame {
        case .publish(let envelope):
            return [.publish(envelope)]
        case .subscribe(let subscribe):
            return [.subscribe(subscribe)]
        case .subscribeDurable(let subscribe):
            // Without the capability this frame type does not exist: answered as nexd without
            // inboxes would answer it (D52).
            guard capabilities.contains(Capability.inbox) else {
                return protocolError(WireError(.unknownFrameType,
                    "frame type 0x25 (subscribeDurable) needs the capability \(Capability.inbox), which this connection's hello did not list"))
            }
            return [.subscribeDurable(subscribe)]
        case .unsubscribe(let subscriptionID):
            return [.unsubscribe(subscriptionID)]
        case .receipt(let through):
            guard through < deliveries.nextSequence else {
                return protocolError(WireError(.protocolViolation,
                                               "receipt for delivery \(through) but only \(deliveries.nextSequence - 1) were sent"))
            }
            return [.recordReceipts(through: through)]
        case .certificateRequest(let fingerprint):
            return [.answerCertificateRequest(fingerprint)]
        case .ping(let nonce):
            return [.send(.pong(nonce: nonce))]
        case .hello:
            return protocolError(WireError(.protocolViolation, "hello was already received"))
        case .pong:
            return []
        case .welcome, .ack, .nack, .suback, .subnack, .unsuback, .deliver, .certificateResponse, .error, .checkpoint:
            return protocolError(WireError(.protocolViolation, "\(frame.type) frames are sent by nexd, not to it"))
        }
    }

    private mutating func helloExpected(_ frame: Frame) -> [SessionAction] {
        guard case .hello(let hello) = frame else {
            return protocolError(WireError(.protocolViolation, "the first frame must be hello"))
        }
        guard hello.protocolVersion == WireLimits.protocolVersion else {
            return protocolError(WireError(.unsupportedVersion,
                "protocol version \(hello.protocolVersion) is not supported; this nexd speaks version \(WireLimits.protocolVersion)"))
        }
        phase = .open
        acceptsCheckpoints = hello.acceptsCheckpoints
        capabilities = offeredCapabilities.intersection(hello.capabilities)
        return capabilities.contains(Capability.lifecycle) ? [.noteLifecycle] : []
    }

    /// Frames that cost nexd a read and nothing else, so nothing else would bound them: a `pong`
    /// (a node answers nexd's idle pings, rarely) and a `receipt` that confirms no delivery not
    /// confirmed already. They take a control-frame token too, so a stream of them cannot hold
    /// this connection's I/O queue (D34).
    static func isIdleFrame(_ frame: Frame, deliveries: DeliveryWindow.Summary) -> Bool {
        switch frame {
        case .pong:
            return true
        case .receipt(let through):
            return !(deliveries.firstUnreceipted.map { $0 <= through } ?? false)
        default:
            return false
        }
    }

    private mutating func controlFrameRateExceeded(by frame: Frame) -> [SessionAction] {
        let rate = controlBudget.ratePerSecond
        let detail = "more than \(rate) control frames a second (certificateRequest, ping, subscribe, unsubscribe, "
            + "pong, a receipt that confirms nothing new; "
            + "limits.controlFramesPerSecondPerConnection); last was \(frame.type)"
        return [.noteControlFrameRateExceeded(frame.type, limit: rate)]
            + end(SessionEnding(code: Self.controlFrameRateReason, detail: detail, errorCode: .overloaded, errorReason: detail))
    }

    /// The stable reason of the disconnect record when a connection goes over its control-frame rate.
    static let controlFrameRateReason = "control-frame-rate"

    /// The decoder could not make a frame of the peer's bytes.
    mutating func decodingFailed(_ error: WireError) -> [SessionAction] {
        protocolError(error)
    }

    /// The peer broke the protocol: recorded, told with an error frame, closed once that left.
    private mutating func protocolError(_ error: WireError) -> [SessionAction] {
        phase = .closing(.protocolError(error.code))
        return [.recordProtocolError(error), .send(.error(code: error.code, reason: error.reason)), .closeAfterFlush]
    }

    // MARK: - Ending

    /// nexd ends an established session: the error frame, then the close once it has left. The
    /// disconnect record carries the end's code and detail. Nothing happens past establishment.
    mutating func end(_ end: SessionEnding) -> [SessionAction] {
        guard isEstablished else { return [] }
        phase = .closing(.ended(code: end.code, detail: end.detail))
        return [.send(.error(code: end.errorCode, reason: end.errorReason)), .closeAfterFlush]
    }

    /// The peer's stream ended (`reason` between frames; `unfinished` starts the detail inside
    /// one). Bytes left in the decoder are part of a frame that never came (every complete frame
    /// was taken first): recorded as `incomplete-frame`, as when such a frame stops arriving.
    func peerEnded(reason: String, unfinished: String, bufferedBytes: Int, decoderFailed: Bool) -> [SessionAction] {
        guard bufferedBytes > 0, !decoderFailed else { return [.closeNow(reason: reason, code: nil)] }
        return [.closeNow(reason: "incomplete-frame: \(unfinished) with \(bufferedBytes) bytes of an unfinished frame",
                          code: IdleWatch.Reason.incompleteFrame.rawValue)]
    }

    /// The socket closed. Returns the code and detail of the end nexd chose, if it chose one.
    mutating func closed() -> (code: String, detail: String)? {
        defer { phase = .closed }
        if case .closing(.ended(let code, let detail)) = phase { return (code, detail) }
        return nil
    }
}
