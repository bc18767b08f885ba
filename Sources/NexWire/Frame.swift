/// One protocol frame: `u32 length ‖ u8 type ‖ body`. See `docs/PROTOCOL.md`.
///
/// `publish` and `deliver` carry the envelope as raw bytes: the server parses it afterwards, so a
/// malformed envelope is answered with a `nack` rather than closing the connection.
public enum Frame: Sendable, Equatable {
    /// Client greeting (0x01).
    case hello(Hello)
    /// Server greeting (0x02).
    case welcome(Welcome)
    /// Publish a signed envelope, given as its wire bytes (0x10).
    case publish(envelope: [UInt8])
    /// Publish accepted (0x11).
    case ack(Ack)
    /// Publish refused (0x12).
    case nack(Nack)
    /// Subscribe (0x20).
    case subscribe(Subscribe)
    /// Subscription accepted (0x21).
    case suback(SubscribeAck)
    /// Subscription refused (0x22).
    case subnack(SubscribeNack)
    /// Unsubscribe (0x23).
    case unsubscribe(subscriptionID: UInt32)
    /// Unsubscribed (0x24).
    case unsuback(subscriptionID: UInt32)
    /// Durable subscribe to a named inbox (0x25; capability `inbox.1`).
    case subscribeDurable(SubscribeDurable)
    /// Delivery of a notice (0x30).
    case deliver(Deliver)
    /// Cumulative receipt of deliveries up to and including a sequence (0x31).
    case receipt(throughDeliverySequence: UInt64)
    /// Request a certificate by its 32-byte SHA-256 fingerprint (0x40).
    case certificateRequest(fingerprint: [UInt8])
    /// A certificate's DER for a fingerprint; empty when unknown (0x41).
    case certificateResponse(fingerprint: [UInt8], der: [UInt8])
    /// Liveness probe (0x50).
    case ping(nonce: UInt64)
    /// Liveness answer echoing the probe's nonce (0x51).
    case pong(nonce: UInt64)
    /// Connection-level error; the server closes after sending it (0x7F).
    case error(code: WireErrorCode, reason: String)
    /// The server's latest signed audit checkpoint (its encoding: docs/AUDIT.md); nodes keep the
    /// newest as a witness of the log.
    case checkpoint(bytes: [UInt8])

    /// The frame's type byte.
    public var type: FrameType {
        switch self {
        case .hello: .hello
        case .welcome: .welcome
        case .publish: .publish
        case .ack: .ack
        case .nack: .nack
        case .subscribe: .subscribe
        case .suback: .suback
        case .subnack: .subnack
        case .unsubscribe: .unsubscribe
        case .unsuback: .unsuback
        case .subscribeDurable: .subscribeDurable
        case .deliver: .deliver
        case .receipt: .receipt
        case .certificateRequest: .certificateRequest
        case .certificateResponse: .certificateResponse
        case .ping: .ping
        case .pong: .pong
        case .error: .error
        case .checkpoint: .checkpoint
        }
    }
}
