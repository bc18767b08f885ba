/// Minimal JSON text writing for audit records: the record encoding must be fast and byte-stable.
enum JSONText {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `value` as a JSON string literal (quotes and escapes included).
    static func appendString(_ value: String, to out: inout [UInt8]) {
        // The common case (ids, topics, times): nothing to escape, copied in one go. Native strings
        // (small ones too) are contiguous UTF-8, so the scan runs over a plain buffer.
        let copied = value.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for byte in bytes where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return false
            }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: bytes)
            out.append(UInt8(ascii: "\""))
            return true
        }
        if copied == true { return }
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends a decimal integer (the same text as `String(value)`).
    static func appendInteger<I: BinaryInteger>(_ value: I, to out: inout [UInt8]) {
        if let unsigned = UInt64(exactly: value) {
            appendDecimal(unsigned, to: &out)
        } else if let signed = Int64(exactly: value) {
            out.append(UInt8(ascii: "-"))
            appendDecimal(signed.magnitude, to: &out)
        } else {
            out.append(contentsOf: String(value).utf8)
        }
    }

    /// Appends the decimal digits of `value` without building a `String` (an allocation per number).
    static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        // UInt64.max has 20 digits; written backwards into a stack buffer, then copied.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var rest = value
            var index = digits.count
            repeat {
                index -= 1
                digits[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[index...]))
        }
    }

    /// Appends the bytes of `text` as they are (no quotes, no escaping): for fixed JSON punctuation.
    static func appendRaw(_ text: StaticString, to out: inout [UInt8]) {
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// Appends lowercase hex of `bytes` (no quotes).
    static func appendHex(_ bytes: [UInt8], to out: inout [UInt8]) {
        let start = out.count
        // Grow once, then write through a pointer.
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: bytes.count * 2))
        out.withUnsafeMutableBufferPointer { output in
            bytes.withUnsafeBufferPointer { input in
                hexDigits.withUnsafeBufferPointer { digits in
                    var write = start
                    for byte in input {
                        output[write] = digits[Int(byte >> 4)]
                        output[write + 1] = digits[Int(byte & 0x0F)]
                        write += 2
                    }
                }
            }
        }
    }

    /// Appends lowercase hex of `bytes` (no quotes).
    static func appendHex(_ bytes: some Sequence<UInt8>, to out: inout [UInt8]) {
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
    }

    private static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    /// The two base64 characters of every 12-bit value, the first in the low byte.
    private static let base64Pairs: [UInt16] = (0..<4096).map {
        UInt16(base64Alphabet[$0 >> 6]) | UInt16(base64Alphabet[$0 & 63]) << 8
    }

    /// Appends `bytes` as a quoted standard base64 string (RFC 4648, with padding). Base64 needs no
    /// JSON escaping, so this writes straight into `out` (the envelope of every accepted notice
    /// goes through here).
    static func appendBase64String(_ bytes: [UInt8], to out: inout [UInt8]) {
        let encodedCount = (bytes.count + 2) / 3 * 4
        let start = out.count
        // Grow once, then write through a pointer: a per-byte `append` costs several times more.
        out.append(contentsOf: repeatElement(UInt8(ascii: "\""), count: encodedCount + 2))
        out.withUnsafeMutableBufferPointer { output in
            bytes.withUnsafeBufferPointer { input in
                base64Alphabet.withUnsafeBufferPointer { alphabet in
                    var write = start + 1
                    var index = 0
                    base64Pairs.withUnsafeBufferPointer { pairs in
                        let base = UnsafeMutableRawPointer(output.baseAddress!)
                        // Two table reads and two 16-bit stores per 3 input bytes.
                        while index + 3 <= input.count {
                            let chunk = Int(input[index]) << 16 | Int(input[index + 1]) << 8 | Int(input[index + 2])
                            base.storeBytes(of: pairs[chunk >> 12].littleEndian, toByteOffset: write, as: UInt16.self)
                            base.storeBytes(of: pairs[chunk & 0xFFF].littleEndian, toByteOffset: write + 2, as: UInt16.self)
                            write += 4
                            index += 3
                        }
                    }
                    let rest = input.count - index
                    if rest > 0 {
                        let chunk = UInt32(input[index]) << 16 | (rest == 2 ? UInt32(input[index + 1]) << 8 : 0)
                        output[write] = alphabet[Int(chunk >> 18)]
                        output[write + 1] = alphabet[Int(chunk >> 12 & 63)]
                        output[write + 2] = rest == 2 ? alphabet[Int(chunk >> 6 & 63)] : UInt8(ascii: "=")
                        output[write + 3] = UInt8(ascii: "=")
                    }
                }
            }
        }
    }

    /// Appends `"key":` with a leading comma unless this is the object's first member.
    static func appendKey(_ key: StaticString, first: inout Bool, to out: inout [UInt8]) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        out.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }
}
