extension Ack {
    /// Extension tag 1 in `ack`: how many matching subscribers the originator's restrictions (or
    /// their own permissions) withheld the notice from, as a `u32`. Never who.
    public static let withheldCountTag: UInt16 = 1

    /// An ACK reporting `withheld` recipients (the extension is sent only when non-zero).
    public init(messageID: MessageID, auditSequence: UInt64, flags: Flags = [], withheldCount withheld: UInt32) {
        let value = [UInt8(truncatingIfNeeded: withheld >> 24), UInt8(truncatingIfNeeded: withheld >> 16),
                     UInt8(truncatingIfNeeded: withheld >> 8), UInt8(truncatingIfNeeded: withheld)]
        self.init(messageID: messageID, auditSequence: auditSequence, flags: flags,
                  extensions: withheld == 0 ? [] : [WireExtension(tag: Self.withheldCountTag, value: value)])
    }

    /// The withheld-recipient count (0 when the extension is absent or malformed).
    public var withheldCount: UInt32 {
        guard let entry = extensions.first(where: { $0.tag == Self.withheldCountTag }), entry.value.count == 4 else { return 0 }
        return entry.value.reduce(0) { $0 << 8 | UInt32($1) }
    }
}
