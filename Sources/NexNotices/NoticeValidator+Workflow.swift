/// The workflow rules (D55, D59; docs/NOTICES.md §Workflow rules), checked after the schema on a
/// document nexd admits: who a request, notice or decision names, and when a hit was observed.
extension NoticeValidator {
    private static let requestedByKey = Array("requested_by".utf8)
    private static let observedAtKey = Array("observed_at".utf8)

    static func checkWorkflow(of document: JSONDocument, kind: NoticeKind, in context: NoticeContext) -> NoticeViolation? {
        if let violation = checkExpiresAt(of: document, kind: kind, in: context) { return violation }
        switch kind {
        case .hit:
            return checkObservedAt(of: document, in: context)
        case .sltd:
            return checkIssuingCountry(of: document, in: context)
        case .hitAck, .actionRequest:
            // Bound to the hit at the broker (ReplyRules, D63).
            return nil
        case .diffusion, .unSpecial:
            // A diffusion's sender is `from_ncb`; an INTERPOL–UN Special Notice is requested by the
            // UN Security Council (`un_reference`), not an NCB (TopicConventions refuses it on request.*).
            return nil
        case .decision:
            return checkRequestingNCB(of: document, in: context, isRequired: true)
        case .update:
            // The original is judged at the broker (FollowUpRules, D57); the new document is held
            // to the rules its own kind follows on this topic.
            return checkUpdatedWorkflow(of: document, in: context)
        case .cancel, .withdraw:
            // Judged at the broker against the original (FollowUpRules, D57).
            return nil
        case .expire:
            return NoticeViolation(field: "kind", reason: "\"expire\" is sent by nexd itself when a record's expires_at passes (signed with its audit key); a node cancels or withdraws instead")
        case .red, .yellow, .blue, .black, .green, .orange, .purple, .silver:
            return checkColourNotice(of: document, in: context)
        }
    }

    /// A colour notice's requester: its sender on `request.*`, an NCB of the topic's country on
    /// `notice.*` (any on `alert.*`). `object` is the notice's object (an update's `document`).
    private static func checkColourNotice(of document: JSONDocument, object: Int = 0, in context: NoticeContext) -> NoticeViolation? {
        switch context.channel {
        case .request: return checkRequester(of: document, object: object, sender: context.sender)
        case .notice, .alert: return checkRequestingNCB(of: document, object: object, in: context, isRequired: false)
        case .diffusion, .hit, .decision, .sltd, .reply: return nil
        }
    }

    /// An update's new `document`, by its own kind: a colour notice's requester as for the
    /// original (a diffusion's `from_ncb` is checked with the schema).
    private static func checkUpdatedWorkflow(of document: JSONDocument, in context: NoticeContext) -> NoticeViolation? {
        guard case .found(let object) = document.member(Array("document".utf8), in: 0),
              case .found(let kindIndex) = document.member(kindKey, in: object), document.nodes[kindIndex].kind == .string,
              let kind = NoticeKind(rawValue: document.text(at: kindIndex)) else { return nil }
        switch kind {
        case .red, .yellow, .blue, .black, .green, .orange, .purple, .silver:
            return checkColourNotice(of: document, object: object, in: context)?.inside("document")
        case .sltd:
            return checkIssuingCountry(of: document, object: object, in: context)?.inside("document")
        default:
            return nil
        }
    }

    /// A lost or stolen document record travels on its issuing country's topic, `sltd.<issuing_country>`.
    private static func checkIssuingCountry(of document: JSONDocument, object: Int = 0, in context: NoticeContext) -> NoticeViolation? {
        if case .found(let number) = document.member(Array("document_number".utf8), in: object),
           !document.text(at: number).unicodeScalars.contains(where: { $0.properties.isAlphabetic || $0.properties.numericType != nil }) {
            return NoticeViolation(field: "document_number", reason: "a document number has letters or digits; got \(document.describeValue(at: number))")
        }
        guard let country = context.country, case .found(let value) = document.member(Array("issuing_country".utf8), in: object),
              !document.string(at: value, equals: Array(country.utf8)) else { return nil }
        return NoticeViolation(field: "issuing_country", reason: "a record travels on its issuing country's topic: expected \"\(country)\" (the topic's), got \(document.describeValue(at: value))")
    }

    /// A request names its sender in `requested_by` (required on `request.*`, for every kind).
    private static func checkRequester(of document: JSONDocument, object: Int = 0, sender: String) -> NoticeViolation? {
        switch document.member(requestedByKey, in: object) {
        case .found(let value) where document.string(at: value, equals: Array(sender.utf8)):
            return nil
        case .found(let value):
            return NoticeViolation(field: "requested_by",
                                   reason: "a request names its sender: expected \"\(sender)\", got \(document.describeValue(at: value))")
        case .missing, .duplicate:
            return NoticeViolation(field: "requested_by", reason: "a request names its sender: expected \"\(sender)\"")
        }
    }

    /// A published notice or decision names in `requested_by` the requesting NCB: on the roster, an
    /// NCB, of the topic's country (any country on `alert.*`, whose topic names a region).
    private static func checkRequestingNCB(of document: JSONDocument, object: Int = 0, in context: NoticeContext,
                                           isRequired: Bool) -> NoticeViolation? {
        // The schema has checked the member's type and uniqueness; absent is the schema's call.
        guard case .found(let value) = document.member(requestedByKey, in: object) else {
            return isRequired ? NoticeViolation(field: "requested_by", reason: "required member is missing") : nil
        }
        let id = document.text(at: value)
        let country = context.channel == .alert ? nil : context.country
        guard let problem = context.directory.requestingNCBProblem(id, country: country) else { return nil }
        let expected = country.map { "an NCB of \($0) on the roster (the topic's country)" } ?? "an NCB on the roster"
        return NoticeViolation(field: "requested_by", reason: "names the requesting NCB, expected \(expected): \(problem)")
    }

    /// A hit's `observed_at` is not after its issued-at plus the clock skew allowed, nor older than
    /// `limits.hitMaxAgeSeconds` when nexd receives it.
    private static func checkObservedAt(of document: JSONDocument, in context: NoticeContext) -> NoticeViolation? {
        guard case .found(let value) = document.member(observedAtKey, in: 0),
              let observed = document.withStringBytes(at: value, ScalarSyntax.dateTimeMillis) else { return nil }
        let latest = context.issuedAtMillis.addingReportingOverflow(context.clockSkewMillis).partialValue
        if observed > latest {
            return NoticeViolation(field: "observed_at", reason: "\(document.describeValue(at: value)) is later than the notice's issued-at plus the \(context.clockSkewMillis / 1000) s clock skew allowed (limits.replayWindowSeconds); a hit reports what was already observed")
        }
        let earliest = context.receivedAtMillis.subtractingReportingOverflow(context.hitMaxAgeMillis).partialValue
        if observed < earliest {
            return NoticeViolation(field: "observed_at", reason: "\(document.describeValue(at: value)) is more than \(context.hitMaxAgeMillis / 1000) s old (limits.hitMaxAgeSeconds); report hits sooner, or ask the operator to raise the limit")
        }
        return nil
    }

    /// A record's `expires_at` (an update's: its new document's) lies after nexd's clock: nexd
    /// would expire a record already past it at once (D61).
    private static func checkExpiresAt(of document: JSONDocument, kind: NoticeKind, in context: NoticeContext) -> NoticeViolation? {
        var object = 0
        var field = "expires_at"
        if kind == .update {
            guard case .found(let updated) = document.member(Array("document".utf8), in: 0) else { return nil }
            object = updated
            field = "document.expires_at"
        } else if !kind.acceptsFollowUps {
            return nil
        }
        guard let expiresAt = expiresAtMillis(in: document, object: object), expiresAt <= context.receivedAtMillis else { return nil }
        return NoticeViolation(field: field, reason: "the time has already passed (nexd's clock is later); give a later expires_at, or none (the record then lasts until it is cancelled)")
    }
}
