extension Welcome {
    /// Extension tag 1 in `welcome`: the latest signed audit checkpoint (docs/AUDIT.md encoding).
    public static let checkpointTag: UInt16 = 1

    /// The encoded checkpoint nexd sent, if any.
    public var checkpoint: [UInt8]? {
        extensions.first { $0.tag == Self.checkpointTag }?.value
    }
}
