#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A 16-byte message identifier, normally a UUIDv7 (RFC 9562 §5.7).
///
/// Stored as two big-endian halves so hashing and comparison are cheap. Ordering is the byte
/// order, which for UUIDv7 is creation order at millisecond granularity.
public struct MessageID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The first eight bytes, big-endian.
    public let high: UInt64
    /// The last eight bytes, big-endian.
    public let low: UInt64

    /// The all-zero id, used in a `nack` for an envelope that could not be parsed.
    public static let zero = MessageID(high: 0, low: 0)

    /// An id from its two big-endian halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// An id from exactly 16 bytes, or `nil` for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (offset, byte) in bytes.enumerated() {
            if offset < 8 {
                high = high << 8 | UInt64(byte)
            } else {
                low = low << 8 | UInt64(byte)
            }
        }
        self.init(high: high, low: low)
    }

    /// The 16 bytes of the id, in wire order.
    public var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(16)
        result.writeU64(high)
        result.writeU64(low)
        return result
    }

    /// A new UUIDv7 for the current wall-clock time, with 74 random bits from
    /// `SystemRandomNumberGenerator`.
    public static func random() -> MessageID {
        var generator = SystemRandomNumberGenerator()
        return random(millisecondsSinceEpoch: currentMillis(), using: &generator)
    }

    /// A UUIDv7 for a given Unix time in milliseconds (only the low 48 bits are used), with random
    /// bits from `generator`. Layout: 48-bit time, version `0111`, 12 random bits, variant `10`,
    /// 62 random bits.
    public static func random(
        millisecondsSinceEpoch: UInt64,
        using generator: inout some RandomNumberGenerator
    ) -> MessageID {
        let randomA = generator.next() as UInt64
        let randomB = generator.next() as UInt64
        let high = (millisecondsSinceEpoch & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | (randomA & 0x0FFF)
        let low = 0x8000_0000_0000_0000 | (randomB & 0x3FFF_FFFF_FFFF_FFFF)
        return MessageID(high: high, low: low)
    }

    /// The UUID version nibble (7 for ids made by `random()`).
    public var version: Int { Int(high >> 12 & 0xF) }

    /// The embedded Unix time in milliseconds, meaningful for UUIDv7 ids.
    public var timestampMillis: UInt64 { high >> 16 }

    /// Parses the canonical form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (lowercase hex; uppercase
    /// is accepted too). Returns `nil` for any other shape.
    public init?(string: String) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        var nibbles = 0
        var position = 0
        for byte in string.utf8 {
            defer { position += 1 }
            if position == 8 || position == 13 || position == 18 || position == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            if nibbles < 16 {
                high = high << 4 | UInt64(value)
            } else {
                low = low << 4 | UInt64(value)
            }
            nibbles += 1
        }
        guard position == 36, nibbles == 32 else { return nil }
        self.init(high: high, low: low)
    }

    /// The canonical lowercase 8-4-4-4-12 hex form.
    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Byte-order comparison.
    public static func < (lhs: MessageID, rhs: MessageID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    private static func currentMillis() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
    }
}
