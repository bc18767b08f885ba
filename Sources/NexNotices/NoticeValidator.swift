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
        /// The sender the identity members must name, if checked.
        var sender: String? {
            switch self {
            case .schemaOnly: nil
            case .identity(let sender): sender
            case .workflow(let context): context.sender
            }
        }
    }

    /// Parses once, checks the schema, then the rules asked for.
    private static func validate(_ document: UnsafeRawBufferPointer, as kind: NoticeKind, rules: Rules) -> NoticeViolation? {
        var markings = NoticeMarkings.unmarked
        return validate(document, as: kind, rules: rules, markings: &markings)
    }

    /// Parses once, checks the schema and the common markings (`priority`, `handling`, D58), then
    /// the rules asked for; `markings` gets what the document states.
    private static func validate(_ document: UnsafeRawBufferPointer, as kind: NoticeKind, rules: Rules,
                                 markings: inout NoticeMarkings) -> NoticeViolation? {
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
        if kind == .update, let violation = checkUpdatedDocument(of: parsed, sender: rules.sender) {
            return violation
        }
        switch readMarkings(of: parsed) {
        case .success(let read): markings = read
        case .failure(let violation): return violation
        }
        if kind.acceptsFollowUps {
            markings.expiresAtMillis = expiresAtMillis(in: parsed)
        } else if kind == .update, case .found(let updated) = parsed.member(Array("document".utf8), in: 0) {
            markings.expiresAtMillis = expiresAtMillis(in: parsed, object: updated)
        }
        switch rules {
        case .schemaOnly: return nil
        case .identity(let sender): return checkIdentity(of: parsed, kind: kind, sender: sender)
        case .workflow(let context):
            return checkIdentity(of: parsed, kind: kind, sender: context.sender) ?? checkWorkflow(of: parsed, kind: kind, in: context)
                ?? checkMarkings(markings, of: parsed, kind: kind, role: context.directory.node(context.sender)?.role)
        }
    }

    /// An update's `document` is a whole document of a kind that can be followed up, valid for
    /// that kind (with the identity rule); nexd checks that the kind is the original's (D57).
    private static func checkUpdatedDocument(of parsed: JSONDocument, sender: String?) -> NoticeViolation? {
        guard case .found(let object) = parsed.member(Array("document".utf8), in: 0) else { return nil }
        let kinds = NoticeKind.allCases.filter(\.acceptsFollowUps)
        guard case .found(let kindIndex) = parsed.member(kindKey, in: object), parsed.nodes[kindIndex].kind == .string,
              let kind = kinds.first(where: { candidate in parsed.withStringBytes(at: kindIndex) { $0.elementsEqual(candidate.rawValue.utf8) } })
        else {
            return NoticeViolation(field: "document.kind",
                                   reason: "expected the original's kind, one of \(kinds.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        }
        if let violation = SchemaChecker(document: parsed).checkMembers(of: object, against: NoticeSchema.schema(for: kind)) {
            return violation.inside("document")
        }
        guard let sender else { return nil }
        return checkIdentity(of: parsed, object: object, kind: kind, sender: sender)?.inside("document")
    }

    /// A diffusion's `from_ncb` and a hit's `checkpoint` must be the node that signed the notice.
    private static func checkIdentity(of document: JSONDocument, object: Int = 0, kind: NoticeKind, sender: String) -> NoticeViolation? {
        let field: String
        switch kind {
        case .diffusion: field = "from_ncb"
        case .sltd: field = "reported_by"
        case .hitAck: field = "acknowledged_by"
        case .actionRequest: field = "requested_by"
        case .hit: field = "checkpoint"
        default: return nil
        }
        guard case .found(let value) = document.member(Array(field.utf8), in: object),
              document.string(at: value, equals: Array(sender.utf8))
        else {
            return NoticeViolation(field: field, reason: "must be the sending node \"\(sender)\"")
        }
        return nil
    }

    /// The follow-up a valid `update`, `cancel` or `withdraw` document states; nil for other kinds
    /// or a document that does not validate as `kind`.
    public static func followUp(in document: [UInt8], as kind: NoticeKind) -> FollowUp? {
        guard kind.isFollowUp, validate(document, as: kind) == nil else { return nil }
        return document.withUnsafeBytes { bytes -> FollowUp? in
            guard let parsed = try? JSONDocument(parsing: bytes) else { return nil }
            func text(_ name: String, in object: Int = 0) -> String? {
                guard case .found(let index) = parsed.member(Array(name.utf8), in: object), parsed.nodes[index].kind == .string else { return nil }
                return parsed.withStringBytes(at: index) { String(decoding: $0, as: UTF8.self) }
            }
            guard let original = text("original"), let reason = text("reason").flatMap(FollowUpReason.init(rawValue:)) else { return nil }
            var version: Int?
            var documentKind: NoticeKind?
            var expiresAt: Int64?
            var documentNumber: String?
            if kind == .update {
                guard case .found(let index) = parsed.member(Array("version".utf8), in: 0),
                      case .found(let object) = parsed.member(Array("document".utf8), in: 0) else { return nil }
                version = parsed.integer(at: index)
                documentKind = text("kind", in: object).flatMap(NoticeKind.init(rawValue:))
                expiresAt = expiresAtMillis(in: parsed, object: object)
                documentNumber = text("document_number", in: object)
            } else if kind == .expire {
                expiresAt = expiresAtMillis(in: parsed)
            }
            return FollowUp(kind: kind, original: original, reason: reason, reasonText: text("reason_text"),
                            version: version, documentKind: documentKind, expiresAtMillis: expiresAt, documentNumber: documentNumber)
        }
    }

    static let expiresAtKey = Array("expires_at".utf8)

    /// The `expires_at` of the object at `object` (Unix milliseconds), when it has a valid one.
    static func expiresAtMillis(in document: JSONDocument, object: Int = 0) -> Int64? {
        guard case .found(let value) = document.member(expiresAtKey, in: object), document.nodes[value].kind == .string else { return nil }
        return document.withStringBytes(at: value, ScalarSyntax.dateTimeMillis)
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

    /// ``validate(_:as:in:)``, returning what the document states of its priority and handling
    /// (D58) when it is valid: nexd reads them from the one parse at admission.
    public static func admit(_ document: [UInt8], as kind: NoticeKind, in context: NoticeContext) -> Result<NoticeMarkings, NoticeViolation> {
        var markings = NoticeMarkings.unmarked
        let violation = document.withUnsafeBytes { validate($0, as: kind, rules: .workflow(context), markings: &markings) }
        return violation.map { .failure($0) } ?? .success(markings)
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

    static let kindKey = Array("kind".utf8)

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
