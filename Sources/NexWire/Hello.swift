/// The body of a `hello` frame (client → server), the first frame a client sends.
public struct Hello: Sendable, Equatable {
    /// The protocol version the client speaks (1).
    public var protocolVersion: UInt8
    /// A free-form client software name, for logs (e.g. `"nex/0.1"`).
    public var clientName: String
    /// Extension fields; unknown tags are kept.
    public var extensions: [WireExtension]

    /// A hello with the current protocol version by default.
    public init(
        protocolVersion: UInt8 = WireLimits.protocolVersion,
        clientName: String,
        extensions: [WireExtension] = []
    ) {
        self.protocolVersion = protocolVersion
        self.clientName = clientName
        self.extensions = extensions
    }
}
