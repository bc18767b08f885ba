/// A strict RFC 8259 JSON parser over bytes that produces a flat tape of `JSONNode`s.
///
/// Strict means: no trailing commas, no leading zeros, no comments, no BOM, no control characters
/// or invalid UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF) inside
/// strings, no lone surrogate escapes, nothing but whitespace after the value.
/// Nesting is limited to `maximumDepth`, so hostile input can neither recurse deeply nor trap:
/// every failure is a `JSONSyntaxError` with the byte offset.
/// See <https://www.rfc-editor.org/rfc/rfc8259>.
struct JSONParser {
    /// The deepest nesting of objects and arrays accepted; the top-level value is depth 1.
    static let maximumDepth = 32

    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    private(set) var nodes: [JSONNode] = []

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        // A 1 KiB notice has roughly 40–80 values; reserving avoids regrowth on the common path.
        nodes.reserveCapacity(min(256, bytes.count / 8 + 8))
    }

    /// Parses one complete JSON text.
    /// - Throws: `JSONSyntaxError` naming the first offending byte offset.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> [JSONNode] {
        var parser = JSONParser(bytes)
        guard !bytes.isEmpty else { throw JSONSyntaxError(0, "the document is empty; expected a JSON object") }
        try parser.parseValue(depth: 1)
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw JSONSyntaxError(parser.position, "unexpected \(parser.describeByte()) after the end of the JSON value")
        }
        return parser.nodes
    }

    private var current: UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// A readable name for the byte at `position`, for error reasons.
    func describeByte() -> String {
        guard let byte = current else { return "end of input" }
        if byte >= 0x21 && byte <= 0x7E { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + hex(byte)
    }

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) {
        skipWhitespace()
        guard let byte = current else { throw JSONSyntaxError(position, "unexpected end of input; expected a value") }
        switch byte {
        case UInt8(ascii: "{"): try parseObject(depth: depth)
        case UInt8(ascii: "["): try parseArray(depth: depth)
        case UInt8(ascii: "\""): try parseString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try parseNumber()
        case UInt8(ascii: "t"): try parseLiteral("true", kind: .boolean, flag: true)
        case UInt8(ascii: "f"): try parseLiteral("false", kind: .boolean, flag: false)
        case UInt8(ascii: "n"): try parseLiteral("null", kind: .null, flag: false)
        default: throw JSONSyntaxError(position, "unexpected \(describeByte()); expected a value")
        }
    }

    private mutating func checkDepth(_ depth: Int) throws(JSONSyntaxError) {
        guard depth <= Self.maximumDepth else {
            throw JSONSyntaxError(position, "objects and arrays nest deeper than \(Self.maximumDepth) levels")
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) {
        try checkDepth(depth)
        let index = nodes.count
        nodes.append(JSONNode(kind: .object, start: position, end: position))
        position += 1
        skipWhitespace()
        var count = 0
        if current == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else {
                    throw JSONSyntaxError(position, "unexpected \(describeByte()); expected a member name in double quotes")
                }
                try parseString()
                skipWhitespace()
                guard current == UInt8(ascii: ":") else {
                    throw JSONSyntaxError(position, "unexpected \(describeByte()); expected ':' after a member name")
                }
                position += 1
                try parseValue(depth: depth + 1)
                count += 1
                skipWhitespace()
                if current == UInt8(ascii: ",") {
                    position += 1
                } else if current == UInt8(ascii: "}") {
                    position += 1
                    break
                } else {
                    throw JSONSyntaxError(position, "unexpected \(describeByte()); expected ',' or '}' in an object")
                }
            }
        }
        nodes[index].end = position
        nodes[index].count = count
        nodes[index].next = nodes.count
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) {
        try checkDepth(depth)
        let index = nodes.count
        nodes.append(JSONNode(kind: .array, start: position, end: position))
        position += 1
        skipWhitespace()
        var count = 0
        if current == UInt8(ascii: "]") {
            position += 1
        } else {
            while true {
                try parseValue(depth: depth + 1)
                count += 1
                skipWhitespace()
                if current == UInt8(ascii: ",") {
                    position += 1
                } else if current == UInt8(ascii: "]") {
                    position += 1
                    break
                } else {
                    throw JSONSyntaxError(position, "unexpected \(describeByte()); expected ',' or ']' in an array")
                }
            }
        }
        nodes[index].end = position
        nodes[index].count = count
        nodes[index].next = nodes.count
    }

    private mutating func parseLiteral(_ literal: StaticString, kind: JSONNode.Kind, flag: Bool) throws(JSONSyntaxError) {
        let start = position
        let length = literal.utf8CodeUnitCount
        guard bytes.count - position >= length else {
            throw JSONSyntaxError(position, "unexpected \(describeByte()); expected \(literal)")
        }
        for offset in 0..<length where bytes[position + offset] != literal.utf8Start[offset] {
            position += offset
            throw JSONSyntaxError(position, "unexpected \(describeByte()); expected \(literal)")
        }
        position += length
        nodes.append(JSONNode(kind: kind, flag: flag, start: start, end: position, next: nodes.count + 1))
    }

    private mutating func parseNumber() throws(JSONSyntaxError) {
        let start = position
        var isInteger = true
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, isDigit(first) else {
            throw JSONSyntaxError(position, "unexpected \(describeByte()); expected a digit")
        }
        position += 1
        if first == UInt8(ascii: "0") {
            if let next = current, isDigit(next) {
                throw JSONSyntaxError(position - 1, "a number has a leading zero")
            }
        } else {
            skipDigits()
        }
        if current == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            try requireDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            try requireDigits()
        }
        nodes.append(JSONNode(kind: .number, flag: isInteger, start: start, end: position, next: nodes.count + 1))
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while let byte = current, isDigit(byte) { position += 1 }
    }

    private mutating func requireDigits() throws(JSONSyntaxError) {
        guard let byte = current, isDigit(byte) else {
            throw JSONSyntaxError(position, "unexpected \(describeByte()); expected a digit")
        }
        skipDigits()
    }
}

extension JSONParser {
    /// Parses the string at `position` (an opening quote), checking escapes and UTF-8.
    fileprivate mutating func parseString() throws(JSONSyntaxError) {
        position += 1
        let start = position
        var scanner = JSONStringScanner(bytes: bytes, position: position)
        try scanner.scanToClosingQuote()
        position = scanner.position + 1
        nodes.append(JSONNode(
            kind: .string, hasEscapes: scanner.hasEscapes, start: start, end: scanner.position,
            count: scanner.decodedLength, next: nodes.count + 1))
    }
}

/// Two lowercase hexadecimal digits for a byte.
func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
}
