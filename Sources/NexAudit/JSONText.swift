/// Minimal JSON text writing for audit records: the record encoding must be fast and byte-stable.
enum JSONText {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `value` as a JSON string literal (quotes and escapes included).
    static func appendString(_ value: String, to out: inout [UInt8]) {
        let utf8 = value.utf8
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            // The common case (ids, topics, times): copy in one go.
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
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

    /// Appends a decimal integer.
    static func appendInteger<I: BinaryInteger>(_ value: I, to out: inout [UInt8]) {
        out.append(contentsOf: String(value).utf8)
    }

    /// Appends lowercase hex of `bytes` (no quotes).
    static func appendHex(_ bytes: some Sequence<UInt8>, to out: inout [UInt8]) {
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
    }

    private static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

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
                    while index + 3 <= input.count {
                        let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
                        output[write] = alphabet[Int(chunk >> 18)]
                        output[write + 1] = alphabet[Int(chunk >> 12 & 63)]
                        output[write + 2] = alphabet[Int(chunk >> 6 & 63)]
                        output[write + 3] = alphabet[Int(chunk & 63)]
                        write += 4
                        index += 3
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
        out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }
}
