import NexWire

/// Where a load-test message comes from, carried inside its message id so a subscriber can account
/// for it without any lookup table.
///
/// Layout inside a UUIDv7 (RFC 9562 §5.7): the 48-bit time and the version nibble are kept; the
/// 12 `rand_a` bits hold the run's tag; the 62 `rand_b` bits hold, from the top, 14 bits of
/// publisher index, 1 bit of phase (0 warm-up, 1 measured) and 47 bits of sequence number.
/// The ids stay valid, unique UUIDv7 values (distinct runs differ by time or tag).
public struct MessageTag: Hashable, Sendable {
    /// Publisher index within the run, `0..<16384`.
    public var publisher: Int
    /// Whether the message belongs to the measured phase (rather than the warm-up).
    public var isMeasured: Bool
    /// Sequence number within the publisher and phase, `0..<2^47`.
    public var sequence: Int

    /// The largest publisher index a tag can carry, plus one.
    public static let publisherLimit = 1 << 14

    /// A tag; the values must fit their bit widths.
    public init(publisher: Int, isMeasured: Bool, sequence: Int) {
        precondition((0..<Self.publisherLimit).contains(publisher), "publisher index out of range")
        precondition(sequence >= 0 && sequence < 1 << 47, "sequence out of range")
        self.publisher = publisher
        self.isMeasured = isMeasured
        self.sequence = sequence
    }

    /// The message id carrying this tag for run `runTag` (12 bits) at `millis`.
    public func messageID(runTag: UInt16, millis: UInt64) -> MessageID {
        let high = (millis & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | UInt64(runTag & 0x0FFF)
        let low = 0x8000_0000_0000_0000 | UInt64(publisher) << 48 | (isMeasured ? 1 << 47 : 0) | UInt64(sequence)
        return MessageID(high: high, low: low)
    }

    /// The tag inside `id`, or nil when `id` is not from run `runTag`.
    public init?(_ id: MessageID, runTag: UInt16) {
        guard id.high >> 12 & 0xF == 7, id.high & 0x0FFF == UInt64(runTag & 0x0FFF), id.low >> 62 == 2 else { return nil }
        self.publisher = Int(id.low >> 48 & 0x3FFF)
        self.isMeasured = id.low >> 47 & 1 == 1
        self.sequence = Int(id.low & (1 << 47 - 1))
    }

    /// Reads a message id from 16 raw bytes in wire order.
    @inline(__always)
    static func messageID(at raw: UnsafeRawBufferPointer, offset: Int) -> MessageID {
        MessageID(high: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
                  low: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)))
    }
}
