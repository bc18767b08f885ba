/// Renders untrusted text for violation reasons: quoted, with control, line-breaking and
/// bidirectional-formatting characters escaped, so a reason is safe in a log line and on a terminal.
enum ViolationText {
    /// `text` in double quotes, cut to `limit` characters, with unsafe scalars written as `\u{…}`.
    static func quoted(_ text: String, limit: Int = 64) -> String {
        var result = "\""
        var characters = 0
        for scalar in text.unicodeScalars {
            if characters == limit {
                result += "…"
                break
            }
            characters += 1
            switch scalar.value {
            case 0x22: result += "\\\""
            case 0x5C: result += "\\\\"
            case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF:
                result += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
