extension Hello {
    /// Extension tag 1 in `hello` (empty value): the client accepts pushed `checkpoint` frames.
    /// Servers push checkpoints only to clients that say so, so a client that knows only the
    /// frames of the first v1 release never receives a frame type it does not know.
    public static let acceptsCheckpointsTag: UInt16 = 1

    /// Whether the client asked for pushed checkpoints.
    public var acceptsCheckpoints: Bool {
        extensions.contains { $0.tag == Self.acceptsCheckpointsTag }
    }

    /// The extension entry that asks for pushed checkpoints.
    public static let acceptsCheckpointsExtension = WireExtension(tag: acceptsCheckpointsTag, value: [])
}
