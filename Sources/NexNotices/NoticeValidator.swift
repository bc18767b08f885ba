/// Checks notice documents against the schema of their kind (`docs/NOTICES.md`).
///
/// Runs on nexd's per-connection queue for every publish, so it is Foundation-free: a strict
/// RFC 8259 parser builds a flat tape over the input bytes (nothing copied), then the kind's
/// schema is checked against it. A document is valid when it is a JSON object whose `kind` equals
/// the envelope's kind and whose members match the kind's fields; unknown members are ignored.
/// Hostile input cannot trap or recurse deeply: nesting stops at `NoticeLimits.maximumDepth`.
public enum NoticeValidator {
    /// Validates a notice document (UTF-8 JSON) for `kind`.
    ///
    /// - Parameters:
    ///   - document: the document's bytes, exactly as carried in the envelope.
    ///   - kind: the envelope's kind; the document's `kind` member must equal it.
    /// - Returns: `nil` when the document is valid, otherwise the first violation found.
    public static func validate(_ document: UnsafeRawBufferPointer, as kind: NoticeKind) -> NoticeViolation? {
        validate(document, as: kind, rules: .schemaOnly)
    }

    /// What is checked beyond the schema.
    private enum Rules {
        case schemaOnly
        /// The identity members (`from_ncb`, `checkpoint`) name this sender.
        case identity(sender: String)
        /// Every workflow rule of D55 and D59, in this context.
        case workflow(NoticeContext)
    }

    /// Parses once, checks the schema, then the rules asked for.
    private static func validate(_ document: UnsafeRawBufferPointer, as kind: NoticeKind, rules: Rules) -> NoticeViolation? {
        let parsed: JSONDocument
        do {
            parsed = try JSONDocument(parsing: document)
        } catch {
            return error.violation
        }
        guard parsed.nodes[0].kind == .object else {
            return NoticeViolation(field: "", reason: "expected a JSON object at the top level, got \(parsed.describeValue(at: 0))")
        }
        if let violation = checkKind(of: parsed, is: kind) { return violation }
        if let violation = SchemaChecker(document: parsed).checkMembers(of: 0, against: NoticeSchema.schema(for: kind)) {
            return violation
        }
        switch rules {
        case .schemaOnly: return nil
        case .identity(let sender): return checkIdentity(of: parsed, kind: kind, sender: sender)
        case .workflow(let context):
            return checkIdentity(of: parsed, kind: kind, sender: context.sender) ?? checkWorkflow(of: parsed, kind: kind, in: context)
        }
    }

    /// A diffusion's `from_ncb` and a hit's `checkpoint` must be the node that signed the notice.
    private static func checkIdentity(of document: JSONDocument, kind: NoticeKind, sender: String) -> NoticeViolation? {
        let field: String
        switch kind {
        case .diffusion: field = "from_ncb"
        case .hit: field = "checkpoint"
        default: return nil
        }
        guard case .found(let value) = document.member(Array(field.utf8), in: 0),
              document.string(at: value, equals: Array(sender.utf8))
        else {
            return NoticeViolation(field: field, reason: "must be the sending node \"\(sender)\"")
        }
        return nil
    }

    /// Validates a notice document (UTF-8 JSON) for `kind`; see `validate(_:as:)` over raw bytes.
    public static func validate(_ document: [UInt8], as kind: NoticeKind) -> NoticeViolation? {
        document.withUnsafeBytes { validate($0, as: kind) }
    }

    /// Validates `document` for `kind` and checks that the identities it asserts are the sender's:
    /// a diffusion's `from_ncb` and a hit's `checkpoint` must be the node that signed it.
    public static func validate(_ document: [UInt8], as kind: NoticeKind, sentBy sender: String) -> NoticeViolation? {
        document.withUnsafeBytes { validate($0, as: kind, rules: .identity(sender: sender)) }
    }

    /// Validates `document` for `kind` and checks the workflow rules of `context` (docs/NOTICES.md,
    /// §Workflow rules; D55, D59): the identity members name the sender, a request's `requested_by`
    /// is the sender, a published notice or decision names a roster NCB of its topic's country, and
    /// a hit's `observed_at` is neither in the future nor too old.
    public static func validate(_ document: [UInt8], as kind: NoticeKind, in context: NoticeContext) -> NoticeViolation? {
        document.withUnsafeBytes { validate($0, as: kind, rules: .workflow(context)) }
    }

    /// The first JSON syntax error in `document`, or nil when it is well-formed JSON.
    public static func syntaxViolation(in document: [UInt8]) -> NoticeViolation? {
        document.withUnsafeBytes { bytes -> NoticeViolation? in
            do throws(JSONSyntaxError) {
                _ = try JSONDocument(parsing: bytes)
                return nil
            } catch {
                return error.violation
            }
        }
    }

    private static let kindKey = Array("kind".utf8)

    private static func checkKind(of document: JSONDocument, is kind: NoticeKind) -> NoticeViolation? {
        // Built only on failure: the success path allocates no text.
        var expected: String { "\"\(kind.rawValue)\" (the envelope's kind)" }
        switch document.member(kindKey, in: 0) {
        case .missing:
            return NoticeViolation(field: "kind", reason: "required member is missing; expected \(expected)")
        case .duplicate:
            return NoticeViolation(field: "kind", reason: "the member appears more than once; expected it once")
        case .found(let value):
            let matches = document.nodes[value].kind == .string
                && document.withStringBytes(at: value) { $0.elementsEqual(kind.rawValue.utf8) }
            return matches ? nil : NoticeViolation(field: "kind", reason: "expected \(expected), got \(document.describeValue(at: value))")
        }
    }
}
