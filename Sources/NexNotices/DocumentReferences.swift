/// What a valid document says about other records (D60): the ids it refers to and the identities
/// and times the broker judges them by against the notice registry. Made only by
/// ``NoticeValidator/references(in:as:)`` from a document that passed its kind's schema.
public struct DocumentReferences: Sendable, Equatable {
    /// A hit's `matched.notice_message_id`; a decision's `notice_message_id`.
    public var noticeMessageID: String?
    /// A hit's `matched.document_number`; a lost or stolen document record's `document_number`.
    public var documentNumber: String?
    /// A hit's `observed_at`, Unix milliseconds.
    public var observedAtMillis: Int64?
    /// A decision's or colour notice's `request` (the request decided or answered).
    public var request: String?
    /// `requested_by`, when the kind has it.
    public var requestedBy: String?
    /// A decision's `outcome` (`accepted` or `refused`); a hit acknowledgement's `assessment`.
    public var outcome: String?
    /// A hit's `action_taken`; an action request's `action`.
    public var actionTaken: String?
    /// A hit acknowledgement's or action request's `hit` (D63).
    public var hit: String?

    /// References from their parts (tests; nexd reads them from documents).
    public init(noticeMessageID: String? = nil, documentNumber: String? = nil, observedAtMillis: Int64? = nil,
                request: String? = nil, requestedBy: String? = nil, outcome: String? = nil) {
        self.noticeMessageID = noticeMessageID
        self.documentNumber = documentNumber
        self.observedAtMillis = observedAtMillis
        self.request = request
        self.requestedBy = requestedBy
        self.outcome = outcome
    }

    /// A travel document number as nexd compares it (D62): capitals, without spaces or hyphens.
    public static func normalizedDocumentNumber(_ number: String) -> String {
        String(number.uppercased().unicodeScalars.filter { $0 != " " && $0 != "-" })
    }

    /// Whether the document refers to nothing (a colour notice that names no request).
    public var isEmpty: Bool { self == DocumentReferences() }
}

extension NoticeValidator {
    /// The references a valid `hit`, `decision` or colour-notice document makes; nil when the
    /// document is not valid for `kind` (nexd has validated it before it asks).
    public static func references(in document: [UInt8], as kind: NoticeKind) -> DocumentReferences? {
        guard validate(document, as: kind) == nil else { return nil }
        return document.withUnsafeBytes { bytes -> DocumentReferences? in
            guard let parsed = try? JSONDocument(parsing: bytes) else { return nil }
            func text(_ name: String, in object: Int = 0) -> String? {
                guard case .found(let index) = parsed.member(Array(name.utf8), in: object), parsed.nodes[index].kind == .string else { return nil }
                return parsed.text(at: index)
            }
            var references = DocumentReferences()
            switch kind {
            case .hit:
                guard case .found(let matched) = parsed.member(Array("matched".utf8), in: 0) else { return nil }
                references.noticeMessageID = text("notice_message_id", in: matched)
                references.documentNumber = text("document_number", in: matched)
                references.actionTaken = text("action_taken")
                if case .found(let value) = parsed.member(Array("observed_at".utf8), in: 0) {
                    references.observedAtMillis = parsed.withStringBytes(at: value, ScalarSyntax.dateTimeMillis)
                }
            case .decision:
                references.request = text("request")
                references.noticeMessageID = text("notice_message_id")
                references.outcome = text("outcome")
                references.requestedBy = text("requested_by")
            case .sltd:
                references.documentNumber = text("document_number")
            case .hitAck:
                references.hit = text("hit")
                references.outcome = text("assessment")
            case .actionRequest:
                references.hit = text("hit")
                references.actionTaken = text("action")
            case .diffusion, .update, .cancel, .withdraw, .expire:
                return references
            case .red, .yellow, .blue, .black, .green, .orange, .purple, .silver, .unSpecial:
                references.request = text("request")
                references.requestedBy = text("requested_by")
            }
            return references
        }
    }
}
