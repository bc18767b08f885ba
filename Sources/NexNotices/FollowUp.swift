/// Why a record is followed up (D57; docs/NOTICES.md "Follow-ups").
public enum FollowUpReason: String, CaseIterable, Sendable {
    /// The person was arrested.
    case arrest
    /// The person died.
    case death
    /// The requesting NCB withdrew its request.
    case requestWithdrawn = "request-withdrawn"
    /// Keeping the data would no longer comply with the rules on processing police data.
    case dataNoLongerCompliant = "data-no-longer-compliant"
    /// Anything else; the follow-up then says why in `reason_text`.
    case other
    /// The record's `expires_at` passed: the reason of nexd's `expire` only (D61), never a node's.
    case expired

    /// The reasons a node may give (every one but `expired`).
    public static let givenByNodes: [FollowUpReason] = allCases.filter { $0 != .expired }
}

/// What nexd needs of a follow-up document (`update`, `cancel`, `withdraw`) once it is valid: the
/// original it refers to, why, and for an update the new version and the new document's kind.
/// Made only by ``NoticeValidator/followUp(in:as:)`` from a document that passed validation.
public struct FollowUp: Sendable, Equatable {
    /// The follow-up's kind.
    public let kind: NoticeKind
    /// The original's message id, as lowercase UUID text.
    public let original: String
    /// Why.
    public let reason: FollowUpReason
    /// The free text given with the reason (required when the reason is `other`).
    public let reasonText: String?
    /// An update's new version (the original is version 1); nil for cancel and withdraw.
    public let version: Int?
    /// The kind of an update's new document; nil for cancel and withdraw.
    public let documentKind: NoticeKind?
    /// An update's new `expires_at` (nil: none, the old one no longer applies); an expire's
    /// `expires_at` (the time that passed). Unix milliseconds.
    public let expiresAtMillis: Int64?
    /// An update's new document's `document_number` (a lost or stolen document record, D62).
    public let documentNumber: String?

    /// A follow-up from its parts (tests and rebuilds; nexd reads them from documents).
    public init(kind: NoticeKind, original: String, reason: FollowUpReason, reasonText: String? = nil,
                version: Int? = nil, documentKind: NoticeKind? = nil, expiresAtMillis: Int64? = nil, documentNumber: String? = nil) {
        self.kind = kind
        self.original = original
        self.reason = reason
        self.reasonText = reasonText
        self.version = version
        self.documentKind = documentKind
        self.expiresAtMillis = expiresAtMillis
        self.documentNumber = documentNumber
    }

    /// `CANCELLED 0190…: arrest`, `UPDATED 0190… to version 2: other (new photo)`, `EXPIRED 0190…: …`: how a
    /// subscriber prints it.
    public var summary: String {
        let why = reasonText.map { "\(reason.rawValue) (\($0))" } ?? reason.rawValue
        switch kind {
        case .update: return "UPDATED \(original) to version \(version ?? 0): \(why)"
        case .withdraw: return "WITHDRAWN \(original): \(why)"
        case .expire: return "EXPIRED \(original): its expires_at passed (told by nexd)"
        default: return "CANCELLED \(original): \(why)"
        }
    }
}
