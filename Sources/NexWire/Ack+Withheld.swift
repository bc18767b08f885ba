extension Ack {
    /// Extension tag 1 in `ack`, **retired**: nexd before D33 sent here how many matching
    /// subscribers the restrictions withheld the notice from (`u32`). The count depended on who was
    /// connected and subscribed, so a publisher could probe a node's presence by denying it; nexd
    /// no longer sends the tag and will never give it another meaning (docs/PROTOCOL.md §0x11).
    public static let retiredWithheldCountTag: UInt16 = 1
}
