/// A cursor over one frame body or envelope, reading big-endian primitives.
///
/// Every read checks the remaining length and throws a `WireError` naming the structure and the
/// field, so a decoder never reads out of bounds. The buffer must outlive the reader: it is only
/// used inside a `withUnsafeBytes` scope.
struct WireReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var index: Int = 0
    /// The structure being read (`"hello"`, `"envelope"`), for error reasons.
    let context: StaticString
    /// The code thrown for format errors.
    let code: WireErrorCode

    init(_ bytes: UnsafeRawBufferPointer, context: StaticString, code: WireErrorCode = .malformedFrame) {
        self.bytes = bytes
        self.context = context
        self.code = code
    }

    var remaining: Int { bytes.count - index }

    func error(_ reason: String) -> WireError {
        WireError(code, "\(context): \(reason)")
    }

    private mutating func take(_ count: Int, _ field: StaticString) throws(WireError) -> Int {
        guard count <= remaining else {
            throw error("body too short for field \"\(field)\" (needs \(count) bytes, \(remaining) remain)")
        }
        let start = index
        index += count
        return start
    }

    mutating func readU8(_ field: StaticString) throws(WireError) -> UInt8 {
        bytes[try take(1, field)]
    }

    mutating func readU16(_ field: StaticString) throws(WireError) -> UInt16 {
        let start = try take(2, field)
        return UInt16(bytes[start]) << 8 | UInt16(bytes[start + 1])
    }

    mutating func readU32(_ field: StaticString) throws(WireError) -> UInt32 {
        let start = try take(4, field)
        return UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: start, as: UInt32.self))
    }

    mutating func readU64(_ field: StaticString) throws(WireError) -> UInt64 {
        let start = try take(8, field)
        return UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: start, as: UInt64.self))
    }

    mutating func readFixed(_ count: Int, _ field: StaticString) throws(WireError) -> [UInt8] {
        let start = try take(count, field)
        // Rebasing gives a contiguous raw buffer, so the copy is a memcpy, not a byte loop.
        return Array(UnsafeRawBufferPointer(rebasing: bytes[start..<start + count]))
    }

    mutating func readMessageID(_ field: StaticString) throws(WireError) -> MessageID {
        // One length check for all 16 bytes, so a short id is reported as needing 16, not 8.
        let start = try take(16, field)
        return MessageID(high: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: start, as: UInt64.self)),
                         low: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self)))
    }

    private mutating func readUTF8(count: Int, _ field: StaticString) throws(WireError) -> String {
        let start = try take(count, field)
        // The bytes come from a [UInt8], so the memory is already bound to UInt8.
        let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<start + count]).assumingMemoryBound(to: UInt8.self)
        guard let string = String(validating: slice, as: UTF8.self) else {
            throw error("field \"\(field)\" is not valid UTF-8")
        }
        return string
    }

    mutating func readStr16(_ field: StaticString) throws(WireError) -> String {
        let count = Int(try readU16(field))
        return try readUTF8(count: count, field)
    }

    mutating func readBytes16(_ field: StaticString) throws(WireError) -> [UInt8] {
        let count = Int(try readU16(field))
        return try readFixed(count, field)
    }

    mutating func readBytes32(_ field: StaticString) throws(WireError) -> [UInt8] {
        let count = Int(try readU32(field))
        return try readFixed(count, field)
    }

    mutating func readStringList(_ field: StaticString, maximumCount: Int) throws(WireError) -> [String] {
        let count = Int(try readU16(field))
        guard count <= maximumCount else {
            throw error("field \"\(field)\" has \(count) entries, more than the limit of \(maximumCount)")
        }
        var list: [String] = []
        list.reserveCapacity(min(count, remaining / 2))
        for _ in 0..<count { list.append(try readStr16(field)) }
        return list
    }

    mutating func readExtensions() throws(WireError) -> [WireExtension] {
        let count = Int(try readU16("extensions"))
        var list: [WireExtension] = []
        list.reserveCapacity(min(count, remaining / 4))
        for _ in 0..<count {
            let tag = try readU16("extensions")
            list.append(WireExtension(tag: tag, value: try readBytes16("extensions")))
        }
        return list
    }

    /// Throws unless every byte was consumed: trailing bytes are a format error, not padding.
    func expectEnd() throws(WireError) {
        guard remaining == 0 else {
            throw error("\(remaining) trailing bytes after the last field")
        }
    }
}
