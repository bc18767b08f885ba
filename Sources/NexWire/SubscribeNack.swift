/// The body of a `subnack` frame (server → client): the subscription was refused.
public struct SubscribeNack: Sendable, Equatable {
    /// The id from the `subscribe`.
    public var subscriptionID: UInt32
    /// The stable reason code.
    public var code: WireErrorCode
    /// A readable reason; truncated to 65 535 bytes when encoded.
    public var reason: String

    /// A subnack.
    public init(subscriptionID: UInt32, code: WireErrorCode, reason: String) {
        self.subscriptionID = subscriptionID
        self.code = code
        self.reason = reason
    }
}
