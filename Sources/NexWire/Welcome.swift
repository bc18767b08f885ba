/// The body of a `welcome` frame (server → client): who the server says the client is, and the
/// limits in force on this connection.
public struct Welcome: Sendable, Equatable {
    /// The protocol version the server speaks on this connection.
    public var protocolVersion: UInt8
    /// The client's node id as the server sees it (its certificate CN).
    public var nodeID: String
    /// The client's role from the roster (e.g. `"ncb"`).
    public var role: String
    /// The client's country from the roster (lowercase ISO 3166 alpha-2).
    public var country: String
    /// The largest frame length the server accepts from this client.
    public var maximumFrameSize: UInt32
    /// The largest number of subscriptions this client may hold.
    public var maximumSubscriptions: UInt16
    /// The replay window: an envelope's issued-at must be within this many seconds of server time.
    public var replayWindowSeconds: UInt32
    /// The server's clock, Unix time in milliseconds, so a client can detect skew.
    public var serverTimeMillis: UInt64
    /// Extension fields (a later version carries the latest signed checkpoint); unknown tags are kept.
    public var extensions: [WireExtension]

    /// A welcome with every field.
    public init(
        protocolVersion: UInt8 = WireLimits.protocolVersion,
        nodeID: String,
        role: String,
        country: String,
        maximumFrameSize: UInt32,
        maximumSubscriptions: UInt16,
        replayWindowSeconds: UInt32,
        serverTimeMillis: UInt64,
        extensions: [WireExtension] = []
    ) {
        self.protocolVersion = protocolVersion
        self.nodeID = nodeID
        self.role = role
        self.country = country
        self.maximumFrameSize = maximumFrameSize
        self.maximumSubscriptions = maximumSubscriptions
        self.replayWindowSeconds = replayWindowSeconds
        self.serverTimeMillis = serverTimeMillis
        self.extensions = extensions
    }
}
