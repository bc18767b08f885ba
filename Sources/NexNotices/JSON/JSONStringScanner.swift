/// Scans the body of a JSON string: escapes (RFC 8259 §7), UTF-8 (RFC 3629 §4) and control
/// characters, and measures the length of the decoded text in UTF-8 bytes.
struct JSONStringScanner {
    let bytes: UnsafeRawBufferPointer
    /// The offset of the next byte to read; after `scanToClosingQuote()`, the closing quote.
    var position: Int
    /// Whether a backslash escape was seen.
    var hasEscapes = false
    /// The length of the decoded string in UTF-8 bytes.
    var decodedLength = 0

    /// Advances to the closing quote.
    /// - Throws: `JSONSyntaxError` for an unterminated string, a raw control character, a bad
    ///   escape, a lone surrogate or invalid UTF-8.
    mutating func scanToClosingQuote() throws(JSONSyntaxError) {
        let count = bytes.count
        let start = position
        // Escapes decode to fewer bytes than they occupy; the difference is subtracted at the end.
        var escapeSavings = 0
        while position < count {
            let byte = bytes[position]
            // The common case first: printable ASCII that needs no further look.
            if byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                position += 1
            } else if byte == UInt8(ascii: "\"") {
                decodedLength = position - start - escapeSavings
                return
            } else if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                let escapeStart = position
                let decodedBytes = try scanEscape()
                escapeSavings += position - escapeStart - decodedBytes
            } else if byte < 0x20 {
                throw JSONSyntaxError(position, "control character 0x\(hex(byte)) inside a string; escape it (e.g. \\n, \\u00\(hex(byte)))")
            } else {
                try scanMultibyte(byte)
            }
        }
        throw JSONSyntaxError(position, "unexpected end of input inside a string; expected a closing '\"'")
    }

    /// Checks one escape and returns the number of UTF-8 bytes it decodes to.
    private mutating func scanEscape() throws(JSONSyntaxError) -> Int {
        let escapeStart = position
        position += 1
        guard position < bytes.count else {
            throw JSONSyntaxError(position, "unexpected end of input after '\\' in a string")
        }
        switch bytes[position] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            position += 1
            return 1
        case UInt8(ascii: "u"):
            position += 1
            let unit = try readHex4()
            switch unit {
            case 0xD800...0xDBFF:
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                      bytes[position + 1] == UInt8(ascii: "u") else {
                    throw JSONSyntaxError(escapeStart, "high surrogate \\u\(hex(UInt8(unit >> 8)))\(hex(UInt8(unit & 0xFF))) is not followed by a low surrogate escape")
                }
                position += 2
                let low = try readHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw JSONSyntaxError(escapeStart, "high surrogate escape is followed by \\u\(hex(UInt8(low >> 8)))\(hex(UInt8(low & 0xFF))), not a low surrogate")
                }
                return 4
            case 0xDC00...0xDFFF:
                throw JSONSyntaxError(escapeStart, "lone low surrogate escape \\u\(hex(UInt8(unit >> 8)))\(hex(UInt8(unit & 0xFF)))")
            case 0..<0x80: return 1
            case 0x80..<0x800: return 2
            default: return 3
            }
        default:
            throw JSONSyntaxError(position, "invalid escape '\\\(describe(bytes[position]))' in a string; use one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
        }
    }

    private mutating func readHex4() throws(JSONSyntaxError) -> UInt32 {
        guard bytes.count - position >= 4 else {
            throw JSONSyntaxError(position, "unexpected end of input in a \\u escape; expected 4 hex digits")
        }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw JSONSyntaxError(position, "\(describe(byte)) in a \\u escape; expected 4 hex digits")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// Checks one multi-byte UTF-8 sequence starting with `lead` (RFC 3629 §4, Table 3-7 of Unicode).
    private mutating func scanMultibyte(_ lead: UInt8) throws(JSONSyntaxError) {
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw JSONSyntaxError(position, "invalid UTF-8: byte 0x\(hex(lead)) cannot start a character")
        }
        guard bytes.count - position >= length else {
            throw JSONSyntaxError(position, "invalid UTF-8: a character is cut off by the end of input")
        }
        guard secondRange.contains(bytes[position + 1]) else {
            throw JSONSyntaxError(position + 1, "invalid UTF-8: byte 0x\(hex(bytes[position + 1])) after 0x\(hex(lead))")
        }
        for offset in 2..<length where !(0x80...0xBF).contains(bytes[position + offset]) {
            throw JSONSyntaxError(position + offset, "invalid UTF-8: byte 0x\(hex(bytes[position + offset])) is not a continuation byte")
        }
        position += length
    }

    private func describe(_ byte: UInt8) -> String {
        byte >= 0x21 && byte <= 0x7E ? String(Character(Unicode.Scalar(byte))) : "byte 0x" + hex(byte)
    }
}
