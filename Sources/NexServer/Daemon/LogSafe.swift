/// Peer-supplied text made safe for a log line.
///
/// Log handlers print metadata values as they are, so a filter, topic or certificate subject with
/// a newline could forge a log line. Every peer-derived value goes through ``text(_:limit:)``.
enum LogSafe {
    /// `value` with control characters, quotes and backslashes escaped, cut to `limit` characters.
    static func text(_ value: String, limit: Int = 200) -> String {
        var out = ""
        out.reserveCapacity(min(value.utf8.count, limit) + 8)
        var count = 0
        for scalar in value.unicodeScalars {
            if count >= limit {
                out += "…"
                break
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            default:
                if Self.mustEscape(scalar.value) {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            count += 1
        }
        return out
    }

    /// C0/C1 controls, line and paragraph separators, and the bidirectional controls that can
    /// visually reorder a line.
    private static func mustEscape(_ value: UInt32) -> Bool {
        value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
            || value == 0x200E || value == 0x200F || (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
            || value == 0x061C
    }
}
