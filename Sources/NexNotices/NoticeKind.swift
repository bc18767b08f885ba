/// The kind of a notice: the INTERPOL colour notices plus diffusions, border hits and the General
/// Secretariat's decisions on requests.
///
/// The raw value is the token used in topics and in an envelope's `kind` field.
public enum NoticeKind: String, CaseIterable, Sendable {
    /// Red Notice: locate and provisionally arrest a wanted person.
    case red
    /// Yellow Notice: locate a missing person or identify a person unable to identify themselves.
    case yellow
    /// Blue Notice: collect information about a person's identity, location or activities.
    case blue
    /// Black Notice: seek information on an unidentified body.
    case black
    /// Green Notice: warn about a person's criminal activities.
    case green
    /// Orange Notice: warn of an event, person, object or process posing an imminent threat.
    case orange
    /// Purple Notice: share modus operandi, objects, devices or concealment methods used by criminals.
    case purple
    /// Silver Notice: trace and locate assets linked to a person's criminal activities.
    case silver
    /// INTERPOL–UN Security Council Special Notice: individuals and entities subject to UN sanctions.
    case unSpecial = "un-special"
    /// Diffusion: a request sent directly by one NCB to chosen countries, without prior review.
    case diffusion
    /// Lost or stolen travel document record (like INTERPOL's SLTD database), published by the NCB
    /// of the issuing country; a hit may match it by document number (D62).
    case sltd
    /// Hit: a border-control match reported to the data owner.
    case hit
    /// Decision: the General Secretariat's answer to a request, accepted (with the notice) or refused (D59).
    case decision
    /// Hit acknowledgement: the data owner's NCB tells the border post what it makes of its hit (D63).
    case hitAck = "hit-ack"
    /// Action request: an NCB asks the border post for the action the matched record calls for (D63).
    case actionRequest = "action-request"
    /// Update: a new version of an accepted notice or diffusion (a follow-up, D57).
    case update
    /// Cancellation: an accepted notice or diffusion no longer applies (a follow-up, D57).
    case cancel
    /// Withdrawal: the requesting NCB withdraws its request (a follow-up, D57).
    case withdraw
    /// Expiry: the record's `expires_at` passed (a follow-up sent by nexd itself, signed with its
    /// audit key; never by a node, D61).
    case expire

    /// Whether this kind refers to an earlier accepted record (`update`, `cancel`, `withdraw`,
    /// `expire`) rather than being a record of its own.
    public var isFollowUp: Bool { self == .update || self == .cancel || self == .withdraw || self == .expire }

    /// Whether only nexd sends this kind (signed with its audit key, D61): `expire`.
    public var isSentByNexd: Bool { self == .expire }

    /// Whether a record of this kind can be followed up: every kind but hits, decisions and follow-ups.
    public var acceptsFollowUps: Bool { !isFollowUp && !isReplyToHit && self != .hit && self != .decision }

    /// Whether this kind answers a border post's hit (`hit-ack`, `action-request`; D63).
    public var isReplyToHit: Bool { self == .hitAck || self == .actionRequest }

    /// Whether this is a colour notice (red … un-special): what `notice.*`, `request.*` and
    /// `alert.*` carry.
    public var isColourNotice: Bool {
        switch self {
        case .red, .yellow, .blue, .black, .green, .orange, .purple, .silver, .unSpecial: true
        case .diffusion, .sltd, .hit, .decision, .hitAck, .actionRequest, .update, .cancel, .withdraw, .expire: false
        }
    }

    /// A one-line description for CLIs and logs.
    public var summary: String {
        switch self {
        case .red: "Red Notice: locate and provisionally arrest a wanted person"
        case .yellow: "Yellow Notice: locate a missing person or identify someone unable to identify themselves"
        case .blue: "Blue Notice: collect information about a person's identity, location or activities"
        case .black: "Black Notice: seek information on an unidentified body"
        case .green: "Green Notice: warn about a person's criminal activities"
        case .orange: "Orange Notice: warn of an imminent threat (e.g. CBRNE)"
        case .purple: "Purple Notice: share modus operandi, e.g. counterfeit pharmaceuticals"
        case .silver: "Silver Notice: trace and locate assets linked to criminal activity"
        case .unSpecial: "INTERPOL-UN Security Council Special Notice: entities and individuals under UN sanctions"
        case .diffusion: "Diffusion: a request from one NCB straight to chosen countries, without prior review"
        case .sltd: "Lost/stolen travel document record (SLTD): a passport or identity document its issuing country's NCB reported"
        case .hit: "Hit: a border-control match reported to the data owner"
        case .decision: "Decision: the General Secretariat accepts a request (naming the notice) or refuses it (with a reason)"
        case .hitAck: "Hit acknowledgement: the data owner's NCB tells the border post what it makes of its hit"
        case .actionRequest: "Action request: an NCB asks the border post for the action the matched record calls for"
        case .update: "Update: a new version of an accepted notice or diffusion"
        case .cancel: "Cancellation: an accepted notice or diffusion no longer applies"
        case .withdraw: "Withdrawal: the requesting NCB withdraws its request"
        case .expire: "Expiry: a record's expires_at passed (sent by nexd, signed with its audit key)"
        }
    }
}
