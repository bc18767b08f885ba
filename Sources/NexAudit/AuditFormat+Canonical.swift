import Foundation

/// The canonical form of a record line (docs/AUDIT.md §Canonical form): the bytes the writer makes
/// (`AuditEvent+JSON.swift`, `SignedCheckpoint+Record.swift`, `AuditLine.swift`, `JSONText.swift`).
///
/// A verifier parses a record, re-encodes the parse the way the writer would and compares bytes:
/// a record that says the same thing in other bytes (members reordered, whitespace, `\u0065vent`,
/// `17.0`, `true`, uppercase hex, another time notation) was not written by nexd. After this
/// check, what a byte-level reader finds at fixed places equals what the parse says.
extension AuditFormat {
    /// Members of every record but a checkpoint, in the writer's order.
    static let eventMemberOrder: [String] = [
        "seq", "time", "event", "format", "outcome", "reason", "detail", "conn", "node", "role", "country",
        "peer", "cert", "msg", "topic", "kind", "sub", "filter", "inbox", "from", "through", "issuedAt", "expiresAt",
        "digest", "ref", "recipients", "queued", "withheld", "restrictions", "received", "missed", "delivery", "count",
        "part", "parts", "envelope", "certificate", "size", "root", "restrictionsDigest", "signature", "prev", "hash",
    ]

    /// Members of a `checkpoint` record, in the writer's order.
    static let checkpointMemberOrder: [String] = [
        "seq", "time", "event", "reason", "detail", "size", "root", "cert", "signature", "frontier", "prev", "hash",
    ]

    /// The largest integer a record may hold: 2^53 − 1, the I-JSON limit (RFC 7493 §2.2), so that
    /// every JSON parser reads the same value.
    static let largestInteger: Int64 = 9_007_199_254_740_991

    /// Deepest nesting a verifier parses: a format 3 record nests 4 deep (`recipients`' `subs`
    /// and `inboxes`).
    static let deepestNesting = 64

    /// What a member's value is.
    private enum Shape: String {
        case integer = "a non-negative integer"
        case string = "a string"
        case time = "a time YYYY-MM-DDTHH:MM:SS.mmmZ"
        case hex = "64 lowercase hex digits"
        case base64 = "canonical base64"
        case recipients = "a list of {\"node\",\"conn\",\"subs\"[,\"inboxes\"][,\"exception\"]}"
        case queued = "a list of {\"node\",\"inbox\"[,\"exception\"]}"
        case withheld = "a list of {\"node\",\"conn\" or \"inbox\",\"reason\"}"
        case strings = "a list of strings"
        case hexes = "a list of 64 lowercase hex digits"
    }

    private static let shapes: [String: Shape] = [
        "seq": .integer, "format": .integer, "conn": .integer, "sub": .integer, "ref": .integer,
        "from": .integer, "through": .integer, "queued": .queued,
        "delivery": .integer, "count": .integer, "part": .integer, "parts": .integer, "size": .integer,
        "time": .time, "issuedAt": .time, "expiresAt": .time,
        "cert": .hex, "digest": .hex, "root": .hex, "restrictionsDigest": .hex, "prev": .hex, "hash": .hex,
        "envelope": .base64, "certificate": .base64, "signature": .base64,
        "recipients": .recipients, "withheld": .withheld, "received": .strings, "missed": .strings, "frontier": .hexes,
    ]

    /// Members of the event order only a `batch` record carries (format 6).
    static let batchOnlyMembers: Set<String> = ["size", "root", "restrictionsDigest", "signature"]

    /// Why the record line `bytes` is not the writer's encoding of its parse `members`, or `nil`.
    /// Call after the unknown-member check: every member is one of ``members``. A member only a
    /// `batch` record carries is out of place in any other event — unless the run's format is older
    /// than the member (`restrictionsDigest` before format 6): that is left to ``laterContent``,
    /// CANNOT VERIFY as to a verifier of the run's format, which does not know it.
    static func canonicalFormProblem(_ bytes: ArraySlice<UInt8>, members: [String: Any], runFormat: Int = version) -> String? {
        let event = members["event"] as? String
        let order = event == "checkpoint" ? checkpointMemberOrder : eventMemberOrder
        let misplaced = { (key: String) in
            event != "checkpoint" && event != "batch" && batchOnlyMembers.contains(key) && (membersIntroduced[key] ?? 1) <= runFormat
        }
        if let stray = members.keys.sorted().first(where: { !order.contains($0) || misplaced($0) }) {
            return "member \"\(stray)\" does not belong in \(event == "checkpoint" ? "a checkpoint" : "this") record"
        }
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(bytes.count)
        for key in order {
            guard let value = members[key] else { continue }
            if out.count > 1 { out.append(UInt8(ascii: ",")) }
            JSONText.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            let shape = shapes[key] ?? .string
            guard append(value, as: shape, to: &out) else { return "member \"\(key)\" is not \(shape.rawValue)" }
        }
        out.append(UInt8(ascii: "}"))
        guard out.elementsEqual(bytes) else {
            let same = zip(out, bytes).prefix(while: { $0 == $1 }).count
            return "byte \(same + 1) differs from the writer's encoding of the same members"
        }
        return nil
    }

    /// The depth of `[`/`{` nesting in JSON text (outside strings).
    static func nestingDepth(_ bytes: ArraySlice<UInt8>) -> Int {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                depth += 1
                deepest = max(deepest, depth)
            } else if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                depth -= 1
            }
        }
        return deepest
    }

    private static func append(_ value: Any, as shape: Shape, to out: inout [UInt8]) -> Bool {
        switch shape {
        case .integer:
            return appendInteger(value, to: &out)
        case .string:
            guard let text = value as? String else { return false }
            JSONText.appendString(text, to: &out)
        case .time:
            guard let text = value as? String, Timestamp.parseCanonical(Array(text.utf8)) != nil else { return false }
            JSONText.appendString(text, to: &out)
        case .hex:
            guard let text = value as? String, isLowercaseHex64(text) else { return false }
            JSONText.appendString(text, to: &out)
        case .base64:
            guard let text = value as? String, let data = Data(base64Encoded: text), data.base64EncodedString() == text else {
                return false
            }
            JSONText.appendString(text, to: &out)
        case .strings, .hexes:
            guard let list = value as? [Any] else { return false }
            out.append(UInt8(ascii: "["))
            for (index, item) in list.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                guard let text = item as? String, shape == .strings || isLowercaseHex64(text) else { return false }
                JSONText.appendString(text, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .recipients, .queued, .withheld:
            guard let list = value as? [Any] else { return false }
            out.append(UInt8(ascii: "["))
            for (index, item) in list.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                guard let entry = item as? [String: Any], appendEntry(entry, as: shape, to: &out) else { return false }
            }
            out.append(UInt8(ascii: "]"))
        }
        return true
    }

    /// One entry of a `recipients`, `queued` or `withheld` list: exactly the members of its shape,
    /// in the writer's order. A recipient's `inboxes` is present only when not empty; a recipient's
    /// or queued entry's `exception` (format 4) only when it has one; a withheld
    /// entry names a connection or (format 3) an inbox, never both.
    private static func appendEntry(_ entry: [String: Any], as shape: Shape, to out: inout [UInt8]) -> Bool {
        guard let node = entry["node"] as? String else { return false }
        out.append(contentsOf: Array(#"{"node":"#.utf8))
        JSONText.appendString(node, to: &out)
        var used = 1
        func member(_ key: String, _ shape: Shape) -> Bool {
            guard let value = entry[key] else { return false }
            out.append(contentsOf: Array(",\"\(key)\":".utf8))
            used += 1
            return append(value, as: shape, to: &out)
        }
        switch shape {
        case .recipients:
            guard member("conn", .integer), let subs = entry["subs"] as? [Any] else { return false }
            out.append(contentsOf: Array(#","subs":["#.utf8))
            used += 1
            for (subIndex, sub) in subs.enumerated() {
                if subIndex > 0 { out.append(UInt8(ascii: ",")) }
                guard appendInteger(sub, to: &out) else { return false }
            }
            out.append(UInt8(ascii: "]"))
            if let inboxes = entry["inboxes"] as? [Any] {
                guard !inboxes.isEmpty, member("inboxes", .strings) else { return false }
            }
            if entry["exception"] != nil {
                guard member("exception", .string) else { return false }
            }
        case .queued:
            guard member("inbox", .string) else { return false }
            if entry["exception"] != nil {
                guard member("exception", .string) else { return false }
            }
        default:
            if entry["conn"] != nil {
                guard member("conn", .integer) else { return false }
            } else {
                guard member("inbox", .string) else { return false }
            }
            guard member("reason", .string) else { return false }
        }
        out.append(UInt8(ascii: "}"))
        return used == entry.count
    }

    /// A number re-encoded as the integer it holds: `17.0`, `1e1`, `true` or `-0` then differ from
    /// their text, so the byte comparison refuses them.
    private static func appendInteger(_ value: Any, to out: inout [UInt8]) -> Bool {
        guard !(value is String), let number = value as? NSNumber else { return false }
        let double = number.doubleValue
        guard double.isFinite, double >= 0, double <= Double(largestInteger) else { return false }
        JSONText.appendInteger(number.int64Value, to: &out)
        return true
    }

    static func isLowercaseHex64(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
