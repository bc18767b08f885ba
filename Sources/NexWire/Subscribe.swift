/// The body of a `subscribe` frame (client → server).
public struct Subscribe: Sendable, Equatable {
    /// The client-chosen id, unique among the connection's live subscriptions.
    public var subscriptionID: UInt32
    /// The topic filter, e.g. `notice.red.*` (validated by the server).
    public var filter: String

    /// A subscribe request.
    public init(subscriptionID: UInt32, filter: String) {
        self.subscriptionID = subscriptionID
        self.filter = filter
    }
}
