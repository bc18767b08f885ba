/// The body of an `ack` frame (server → client): the publish is durably accepted.
public struct Ack: Sendable, Equatable {
    /// Bit flags of an ack; unknown bits are kept.
    public struct Flags: OptionSet, Sendable, Hashable {
        /// The raw flag byte.
        public var rawValue: UInt8
        /// Flags from a raw byte.
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Bit 0: this repeats the original ack of an earlier byte-identical publish.
        public static let duplicate = Flags(rawValue: 1)
    }

    /// The id of the accepted envelope.
    public var messageID: MessageID
    /// The audit sequence number of the acceptance record.
    public var auditSequence: UInt64
    /// The flags.
    public var flags: Flags
    /// Extension fields; unknown tags are kept. No tag is assigned (tag 1 is retired).
    public var extensions: [WireExtension]

    /// Whether this ack answers a retry with the original acceptance.
    public var isDuplicate: Bool { flags.contains(.duplicate) }

    /// An ack with every field.
    public init(messageID: MessageID, auditSequence: UInt64, flags: Flags = [], extensions: [WireExtension] = []) {
        self.messageID = messageID
        self.auditSequence = auditSequence
        self.flags = flags
        self.extensions = extensions
    }
}
