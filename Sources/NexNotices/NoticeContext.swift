/// Who publishes a notice, where and when: what the workflow rules (D55, D59) judge its document
/// against, beyond its kind's schema.
public struct NoticeContext: Sendable {
    /// The sending node (the envelope's sender, already checked against the TLS identity).
    public let sender: String
    /// The topic family.
    public let channel: NoticeChannel
    /// The topic's country token (`request`, `notice`, `diffusion`, `hit`, `decision`), or nil.
    public let country: String?
    /// The envelope's issued-at (Unix milliseconds).
    public let issuedAtMillis: Int64
    /// nexd's clock when the publish was read (Unix milliseconds).
    public let receivedAtMillis: Int64
    /// How far a node's clock may be ahead (`limits.replayWindowSeconds`, in milliseconds).
    public let clockSkewMillis: Int64
    /// How old a hit's `observed_at` may be when nexd receives it (`limits.hitMaxAgeSeconds`, in milliseconds).
    public let hitMaxAgeMillis: Int64
    /// The roster in force.
    public let directory: NodeDirectory

    /// Creates a context.
    public init(sender: String, channel: NoticeChannel, country: String?, issuedAtMillis: Int64, receivedAtMillis: Int64,
                clockSkewMillis: Int64, hitMaxAgeMillis: Int64, directory: NodeDirectory) {
        self.sender = sender
        self.channel = channel
        self.country = country
        self.issuedAtMillis = issuedAtMillis
        self.receivedAtMillis = receivedAtMillis
        self.clockSkewMillis = clockSkewMillis
        self.hitMaxAgeMillis = hitMaxAgeMillis
        self.directory = directory
    }
}
