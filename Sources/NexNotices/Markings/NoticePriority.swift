/// How soon a record should reach its recipients (docs/NOTICES.md §Priority and handling; D58):
/// the common member `priority` of every document, `normal` when absent.
///
/// nexd delivers per connection and per inbox by priority first, then in audit order, except that
/// a follow-up never overtakes its original (docs/PROTOCOL.md §6.2).
public enum NoticePriority: String, CaseIterable, Sendable, Comparable {
    /// Act now: a wanted person may be at the border (which kinds may say so: ``NoticeMarkings``).
    case urgent
    /// The default.
    case normal
    /// Background traffic: bulk records, reviews.
    case routine

    /// The delivery lane: 0 is sent first.
    public var lane: Int {
        switch self {
        case .urgent: 0
        case .normal: 1
        case .routine: 2
        }
    }

    /// Urgent is greater than normal, normal than routine.
    public static func < (lhs: NoticePriority, rhs: NoticePriority) -> Bool { lhs.lane > rhs.lane }
}

/// A handling code: a condition the originator puts on a record (the common member `handling`).
/// docs/NOTICES.md §Priority and handling says, per code, what nexd enforces and what it only carries.
public enum HandlingCode: String, CaseIterable, Sendable {
    /// The record goes only to the countries and nodes the originator names (enforced: the envelope
    /// must name allowed countries or nodes, and routing keeps to them).
    case noFurtherDissemination = "no-further-dissemination"
    /// For law-enforcement use only (carried: shown to recipients).
    case lawEnforcementOnly = "law-enforcement-only"
    /// The originator must consent before a recipient acts on the record (carried today; enforced
    /// once hits are bound to records).
    case originatorConsentBeforeAction = "originator-consent-before-action"

    /// Whether nexd enforces the code itself today (rather than only carrying it to recipients).
    public var isEnforced: Bool { self == .noFurtherDissemination }
}
