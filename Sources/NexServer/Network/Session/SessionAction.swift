import NexWire

/// What the connection does for the session machine, in the order given (Connection+Session.swift
/// performs them). The machine decides; the connection holds the sockets, the audit log and the
/// broker.
enum SessionAction: Sendable, Equatable {
    /// The node passed the identity checks: record the connect, register with the broker, send
    /// welcome, start watching idleness.
    case admit
    /// Record a refused `connect` after the handshake (counted per source like other refusals).
    case recordRefusal(SessionRefusal, detail: String)
    /// Record a refused `connect` for a session that ended before identification.
    case recordHandshakeEnd(HandshakeEnd)
    /// Record and log a protocol error.
    case recordProtocolError(WireError)
    /// Log that the control-frame rate was exceeded (the end follows).
    case noteControlFrameRateExceeded(FrameType, limit: Int)
    /// Queue a frame for the node.
    case send(Frame)
    /// The hello put `lifecycle.1` in effect: tell the broker, so follow-ups may reach the
    /// connection with no subscription id (D57).
    case noteLifecycle
    /// Hand a publish to the publish stages.
    case publish([UInt8])
    /// Hand a subscribe to its handler.
    case subscribe(Subscribe)
    /// Hand a durable subscribe (capability `inbox.1`) to its handler.
    case subscribeDurable(SubscribeDurable)
    /// Hand an unsubscribe to its handler.
    case unsubscribe(UInt32)
    /// Record the receipt of every delivery up to `through` not receipted yet.
    case recordReceipts(through: UInt64)
    /// Answer a certificate request (D33).
    case answerCertificateRequest([UInt8])
    /// Stop reading, send what is queued, then close.
    case closeAfterFlush
    /// Check idleness again at this monotonic time.
    case scheduleIdleCheck(atNanos: UInt64)
    /// The node has been quiet for half the idle timeout: send it a ping.
    case pingQuietNode(nonce: UInt64)
    /// The node stayed silent, or left a frame unfinished, for the whole idle timeout: close it.
    case closeIdle(IdleWatch.Reason)
    /// Close now; `reason` is the disconnect detail (nil: closed by nexd), `code` its stable reason.
    case closeNow(reason: String?, code: String?)
}
