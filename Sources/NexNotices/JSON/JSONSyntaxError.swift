/// Why a byte sequence is not a strict RFC 8259 JSON text: where the parser stopped and why.
struct JSONSyntaxError: Error, Sendable, Equatable {
    /// The byte offset at which the problem was found.
    var offset: Int
    /// What was wrong there, phrased for a person.
    var reason: String

    init(_ offset: Int, _ reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// The violation reported for a document that is not valid JSON: it names the whole document.
    var violation: NoticeViolation {
        NoticeViolation(field: "", reason: "not valid JSON at byte \(offset): \(reason)")
    }
}
