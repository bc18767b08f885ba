/// One entry of an extension block: a tag and an opaque value.
///
/// `hello`, `welcome`, `ack` and `suback` end with a block of these so later versions can add
/// fields without a new frame type. Decoders keep tags they do not know and never fail on them.
public struct WireExtension: Sendable, Hashable {
    /// The tag naming the field; tags are assigned in `docs/PROTOCOL.md`.
    public var tag: UInt16
    /// The value, at most 65 535 bytes (`bytes16`).
    public var value: [UInt8]

    /// An extension entry with a tag and a value.
    public init(tag: UInt16, value: [UInt8]) {
        self.tag = tag
        self.value = value
    }
}
