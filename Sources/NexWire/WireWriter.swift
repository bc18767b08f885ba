/// Big-endian primitive writers used by the frame and envelope encoders.
extension Array where Element == UInt8 {
    mutating func writeU8(_ value: UInt8) {
        append(value)
    }

    mutating func writeU16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    mutating func writeU32(_ value: UInt32) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    mutating func writeU64(_ value: UInt64) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    /// Writes a `str16`. Identity fields (names, topics) must fit; the caller validated them.
    mutating func writeStr16(_ value: String) {
        let count = value.utf8.count
        precondition(count <= Int(UInt16.max), "str16 field longer than 65535 bytes")
        writeU16(UInt16(count))
        append(contentsOf: value.utf8)
    }

    /// Writes a `str16` reason, truncating at a scalar boundary past 65 535 bytes: reasons may
    /// quote peer input and must never make the encoder trap.
    mutating func writeReason(_ value: String) {
        var end = value.utf8.endIndex
        if value.utf8.count > Int(UInt16.max) {
            end = value.utf8.index(value.utf8.startIndex, offsetBy: Int(UInt16.max))
            // Back off continuation bytes (10xxxxxx) so the cut falls between scalars.
            while end > value.utf8.startIndex, value.utf8[end] & 0xC0 == 0x80 {
                end = value.utf8.index(before: end)
            }
        }
        let bytes = value.utf8[..<end]
        writeU16(UInt16(bytes.count))
        append(contentsOf: bytes)
    }

    mutating func writeBytes16(_ value: [UInt8]) {
        precondition(value.count <= Int(UInt16.max), "bytes16 field longer than 65535 bytes")
        writeU16(UInt16(value.count))
        append(contentsOf: value)
    }

    mutating func writeBytes32(_ value: [UInt8]) {
        precondition(value.count <= Int(UInt32.max), "bytes32 field longer than 2^32-1 bytes")
        writeU32(UInt32(value.count))
        append(contentsOf: value)
    }

    /// Writes a fixed-size field (a fingerprint); its length is part of the format.
    mutating func writeFixed(_ value: [UInt8], count: Int) {
        precondition(value.count == count, "fixed field must be exactly \(count) bytes")
        append(contentsOf: value)
    }

    mutating func writeMessageID(_ id: MessageID) {
        writeU64(id.high)
        writeU64(id.low)
    }

    mutating func writeStringList(_ list: [String]) {
        precondition(list.count <= Int(UInt16.max), "list16 longer than 65535 items")
        writeU16(UInt16(list.count))
        for item in list { writeStr16(item) }
    }

    mutating func writeExtensions(_ extensions: [WireExtension]) {
        precondition(extensions.count <= Int(UInt16.max), "extension block longer than 65535 items")
        writeU16(UInt16(extensions.count))
        for item in extensions {
            writeU16(item.tag)
            writeBytes16(item.value)
        }
    }
}
