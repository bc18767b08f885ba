/// The type byte of a frame.
public enum FrameType: UInt8, Sendable, CaseIterable {
    /// Client greeting.
    case hello = 0x01
    /// Server greeting with identity and limits.
    case welcome = 0x02
    /// A signed envelope to publish.
    case publish = 0x10
    /// Publish accepted.
    case ack = 0x11
    /// Publish refused.
    case nack = 0x12
    /// Subscription request.
    case subscribe = 0x20
    /// Subscription accepted.
    case suback = 0x21
    /// Subscription refused.
    case subnack = 0x22
    /// Subscription removal.
    case unsubscribe = 0x23
    /// Subscription removed.
    case unsuback = 0x24
    /// Durable subscription to a named inbox (capability `inbox.1`).
    case subscribeDurable = 0x25
    /// A notice delivered to a subscriber.
    case deliver = 0x30
    /// Cumulative delivery receipt.
    case receipt = 0x31
    /// Certificate fetch by fingerprint.
    case certificateRequest = 0x40
    /// Certificate fetch answer.
    case certificateResponse = 0x41
    /// Liveness probe.
    case ping = 0x50
    /// Liveness answer.
    case pong = 0x51
    /// A signed audit checkpoint pushed by the server (S→C).
    case checkpoint = 0x60
    /// Connection-level error; the server closes after it.
    case error = 0x7F
}
