/// Text from the audit log made safe to print on a terminal.
///
/// Node ids, topics, filters, details and reasons in audit records can come from a peer (a client
/// name in `hello`, a certificate subject, a refused filter). Printed raw, an escape sequence in
/// them can erase a line, retitle the window or fake a record; a bidirectional control can reorder
/// what the auditor reads. Every printing path of `nex audit` passes peer text through ``inert(_:)``.
public enum TerminalText {
    /// `text` with every control character shown as a visible escape, `\u{HEX}` (uppercase hex,
    /// the Swift literal form), and a backslash shown as `\\` so an escape cannot be faked.
    ///
    /// Escaped: C0 controls U+0000–U+001F (ESC, CR, LF, TAB, BEL …), DEL U+007F, C1 controls
    /// U+0080–U+009F, the bidirectional controls U+061C, U+200E, U+200F, U+202A–U+202E and
    /// U+2066–U+2069, and the line and paragraph separators U+2028, U+2029. Everything else,
    /// including other non-ASCII letters, is kept.
    public static func inert(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) || $0 == "\\" }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if scalar == "\\" {
                out += "\\\\"
            } else if isControl(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A stored JSON line with the controls JSON lets through raw (DEL, C1, bidirectional and
    /// separator controls) written as `\uXXXX` escapes: the same JSON value, inert on a terminal.
    /// Lines without them (nearly all) are returned byte for byte.
    ///
    /// The audit writer already escapes C0 controls, quotes and backslashes; the others can only
    /// occur inside JSON strings, where `\uXXXX` means the same character.
    public static func inertJSON(_ line: String) -> String {
        guard line.unicodeScalars.contains(where: isControl) else { return line }
        var out = ""
        out.reserveCapacity(line.utf8.count + 16)
        for scalar in line.unicodeScalars {
            if isControl(scalar) {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Whether `scalar` is one of the characters ``inert(_:)`` escapes (backslash aside).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029: true
        default: false
        }
    }
}
