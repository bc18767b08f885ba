/// The body of a `suback` frame (server → client): the subscription is active.
public struct SubscribeAck: Sendable, Equatable {
    /// The id from the `subscribe`.
    public var subscriptionID: UInt32
    /// Extension fields; unknown tags are kept.
    public var extensions: [WireExtension]

    /// A suback.
    public init(subscriptionID: UInt32, extensions: [WireExtension] = []) {
        self.subscriptionID = subscriptionID
        self.extensions = extensions
    }
}
