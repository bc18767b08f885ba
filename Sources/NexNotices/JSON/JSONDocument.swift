/// A parsed JSON text: the input bytes and their tape of nodes, with lookups for the schema checks.
///
/// Borrows `bytes`: a document must not outlive the buffer it was parsed from.
struct JSONDocument {
    let bytes: UnsafeRawBufferPointer
    let nodes: [JSONNode]

    /// What looking up a member name in an object found.
    enum Member {
        /// No member has that name.
        case missing
        /// Exactly one member has that name; its value is at this tape index.
        case found(Int)
        /// More than one member has that name (RFC 8259 §4 leaves the meaning open, so it is refused).
        case duplicate
    }

    /// Parses `bytes` strictly.
    /// - Throws: `JSONSyntaxError` for anything that is not a strict RFC 8259 JSON text.
    init(parsing bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) {
        self.bytes = bytes
        self.nodes = try JSONParser.parse(bytes)
    }

    /// Looks up `name` (UTF-8) among the members of the object at tape index `object`.
    ///
    /// Scans every member so that a duplicate of a member the schema reads is always caught.
    func member(_ name: [UInt8], in object: Int) -> Member {
        var found: Int?
        var key = object + 1
        for _ in 0..<nodes[object].count {
            let value = key + 1
            if string(at: key, equals: name) {
                if found != nil { return .duplicate }
                found = value
            }
            key = nodes[value].next
        }
        return found.map(Member.found) ?? .missing
    }

    /// Whether the string at tape index `index` decodes to exactly `expected`.
    func string(at index: Int, equals expected: [UInt8]) -> Bool {
        let node = nodes[index]
        guard node.count == expected.count else { return false }
        if node.hasEscapes {
            return JSONStringDecoder.decode(bytes, from: node.start, to: node.end) == expected
        }
        var offset = 0
        while offset < expected.count {
            if bytes[node.start + offset] != expected[offset] { return false }
            offset += 1
        }
        return true
    }

    /// Calls `body` with the decoded UTF-8 bytes of the string at tape index `index`.
    func withStringBytes<Result>(at index: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let node = nodes[index]
        if node.hasEscapes {
            return JSONStringDecoder.decode(bytes, from: node.start, to: node.end).withUnsafeBytes(body)
        }
        // Sound: the slice lies inside `bytes`, which outlives this call.
        return body(UnsafeRawBufferPointer(rebasing: bytes[node.start..<node.end]))
    }

    /// The decoded text of the string at tape index `index`.
    func text(at index: Int) -> String {
        withStringBytes(at: index) { String(decoding: $0, as: UTF8.self) }
    }

    /// The value at tape index `index` as an `Int`, if it is an integer number that fits.
    func integer(at index: Int) -> Int? {
        let node = nodes[index]
        guard node.kind == .number, node.flag else { return nil }
        var position = node.start
        let isNegative = bytes[position] == UInt8(ascii: "-")
        if isNegative { position += 1 }
        var value = 0
        while position < node.end {
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(Int(bytes[position] - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
            position += 1
        }
        return isNegative ? -value : value
    }

    /// A short, log-safe description of the value at tape index `index`, for violation reasons.
    func describeValue(at index: Int) -> String {
        let node = nodes[index]
        switch node.kind {
        case .object: return "an object"
        case .array: return node.count == 0 ? "an empty array" : "an array of \(node.count) items"
        case .null: return "null"
        case .boolean: return node.flag ? "true" : "false"
        case .number:
            let digits = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[node.start..<min(node.end, node.start + 24)]), as: UTF8.self)
            return "the number \(digits)\(node.end - node.start > 24 ? "…" : "")"
        case .string:
            if node.count > 64 { return "a string of \(node.count) bytes" }
            return ViolationText.quoted(text(at: index))
        }
    }
}
