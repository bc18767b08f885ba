/// Why a notice document is refused: the field at fault and what was expected there.
///
/// `field` is a dotted path from the top of the document (`"subject.family_name"`,
/// `"assets[1].asset_type"`); `""` names the whole document (not JSON, not an object). `reason`
/// says what is expected and what was found; found text is quoted and escaped, so the reason is
/// safe to log and to return to the publisher.
public struct NoticeViolation: Error, Sendable, Equatable, CustomStringConvertible {
    /// The dotted path of the field at fault, or `""` for the whole document.
    public let field: String
    /// What is expected, and what was found.
    public let reason: String

    /// A violation of `field` for `reason`.
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    /// `field "subject.date_of_birth": expected a date YYYY-MM-DD, got "17/03/1984"`, or
    /// `document: …` when the whole document is at fault.
    public var description: String {
        field.isEmpty ? "document: \(reason)" : "field \"\(field)\": \(reason)"
    }

    /// The same violation seen from the enclosing object or array: `name` is put before the path.
    func inside(_ name: String) -> NoticeViolation {
        let path = field.isEmpty ? name : field.hasPrefix("[") ? name + field : name + "." + field
        return NoticeViolation(field: path, reason: reason)
    }
}
